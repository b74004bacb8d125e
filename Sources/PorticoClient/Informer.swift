import Logging
import PorticoAPI
import ServiceLifecycle
import Synchronization

/// A change the informer saw, after its cache took it in.
public enum InformerEvent<T: Sendable>: Sendable {
    case added(T)
    case updated(old: T, new: T)
    case deleted(T)

    /// The object as it is now (or was, when deleted).
    public var object: T {
        switch self {
        case .added(let o), .deleted(let o): return o
        case .updated(_, let new): return new
        }
    }
}

/// A list+watch cache of one kind, as client-go's shared informer: list, then watch from the
/// list's resourceVersion, list again on `410 Expired`, watch again when a watch ends.
/// Handlers run on the informer's task in event order; they should only note the change
/// (enqueue a key) and return.
public final class Informer<T: APIResource>: ServiceLifecycle.Service, Sendable {
    public let client: KubeClient
    let namespace: String?
    let labelSelector: String?
    let fieldSelector: String?
    let logger: Logger

    struct State {
        var items: [String: T] = [:]
        var synced = false
        var handlers: [@Sendable (InformerEvent<T>) -> Void] = []
        var syncWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    let state = Mutex(State())

    public init(client: KubeClient, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
                logger: Logger = Logger(label: "portico-informer")) {
        self.client = client
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.logger = logger
    }

    public static func key(namespace: String, name: String) -> String {
        namespace.isEmpty ? name : "\(namespace)/\(name)"
    }

    public static func key(_ object: T) -> String {
        self.key(namespace: object.metadata.namespace, name: object.metadata.name)
    }

    public func addHandler(_ handler: @escaping @Sendable (InformerEvent<T>) -> Void) {
        self.state.withLock { $0.handlers.append(handler) }
    }

    public func get(namespace: String = "", name: String) -> T? {
        self.state.withLock { $0.items[Self.key(namespace: namespace, name: name)] }
    }

    public func get(key: String) -> T? {
        self.state.withLock { $0.items[key] }
    }

    public var items: [T] { self.state.withLock { Array($0.items.values) } }

    public func items(inNamespace namespace: String) -> [T] {
        self.state.withLock { $0.items.values.filter { $0.metadata.namespace == namespace } }
    }

    public var hasSynced: Bool { self.state.withLock { $0.synced } }

    /// Returns once the first list is in the cache (or the task is cancelled).
    public func waitForSync() async {
        let id = self.state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = self.state.withLock { state -> Bool in
                    if state.synced || Task.isCancelled { return true }
                    state.syncWaiters[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            self.state.withLock { $0.syncWaiters.removeValue(forKey: id) }?.resume()
        }
    }

    /// Lists and watches until cancelled or, in a ServiceGroup, until it shuts down.
    public func run() async {
        await cancelWhenGracefulShutdown { await self.listAndWatch() }
    }

    func listAndWatch() async {
        var resourceVersion: String? = nil
        var failures = 0
        while !Task.isCancelled {
            do {
                if resourceVersion == nil {
                    let (items, listVersion) = try await self.client.list(T.self, namespace: self.namespace,
                                                                         labelSelector: self.labelSelector,
                                                                         fieldSelector: self.fieldSelector)
                    self.replace(items)
                    resourceVersion = listVersion
                }
                let stream = try await self.client.watch(T.self, namespace: self.namespace, resourceVersion: resourceVersion!,
                                                         labelSelector: self.labelSelector, fieldSelector: self.fieldSelector)
                failures = 0
                for try await event in stream {
                    switch event {
                    case .added(let object), .modified(let object):
                        self.upsert(object)
                        resourceVersion = object.metadata.resourceVersion
                    case .deleted(let object):
                        self.remove(object)
                        resourceVersion = object.metadata.resourceVersion
                    case .bookmark(let version):
                        if !version.isEmpty { resourceVersion = version }
                    }
                }
            } catch let error as APIError where error.code == 410 {
                resourceVersion = nil
            } catch {
                if Task.isCancelled { return }
                failures += 1
                self.logger.debug("informer: list/watch failed, retrying",
                                  metadata: ["resource": "\(T.resource)", "error": "\(error)"])
                let delay = min(100 * (1 << min(failures, 5)), 3_000)
                try? await Task.sleep(for: .milliseconds(delay))
            }
        }
    }

    func replace(_ items: [T]) {
        var fresh: [String: T] = [:]
        for item in items { fresh[Self.key(item)] = item }
        let (events, handlers, waiters) = self.state.withLock { state in
            var events: [InformerEvent<T>] = []
            for (key, item) in fresh {
                if let old = state.items[key] {
                    if old.metadata.resourceVersion != item.metadata.resourceVersion { events.append(.updated(old: old, new: item)) }
                } else {
                    events.append(.added(item))
                }
            }
            for (key, old) in state.items where fresh[key] == nil { events.append(.deleted(old)) }
            state.items = fresh
            state.synced = true
            let waiters = Array(state.syncWaiters.values)
            state.syncWaiters = [:]
            return (events, state.handlers, waiters)
        }
        for event in events { for handler in handlers { handler(event) } }
        for waiter in waiters { waiter.resume() }
    }

    func upsert(_ object: T) {
        let key = Self.key(object)
        let (event, handlers) = self.state.withLock { state -> (InformerEvent<T>, [@Sendable (InformerEvent<T>) -> Void]) in
            let old = state.items.updateValue(object, forKey: key)
            return (old.map { .updated(old: $0, new: object) } ?? .added(object), state.handlers)
        }
        for handler in handlers { handler(event) }
    }

    func remove(_ object: T) {
        let key = Self.key(object)
        let (last, handlers) = self.state.withLock { state in (state.items.removeValue(forKey: key), state.handlers) }
        for handler in handlers { handler(.deleted(last ?? object)) }
    }
}
