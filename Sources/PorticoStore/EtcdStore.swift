import Foundation
import PorticoAPI
import PorticoEtcd
import Synchronization

/// `ObjectStore` on etcd v3, as kube-apiserver's etcd3 store keeps objects: one key per
/// object, `/registry/<resource>/<namespace>/<name>` (`/registry/<resource>/<name>` for a
/// cluster-scoped one; `<resource>` is the storage name, with its group for a resource outside
/// the core group: `deployments.apps`); the object's JSON as the value, without its
/// resourceVersion, which is the key's `mod_revision` and is set when it is read. A create
/// is a transaction that puts only if the key's mod_revision is 0, an update or delete one
/// that puts only at the revision read; the failure branch reads the key to tell "not found"
/// from "modified".
///
/// One watch of every key under the prefix, from the revision the store opened at, feeds the
/// watchers (`WatchHub`, as kube-apiserver's watch cache) and the owner graph; a write returns
/// once that watch has brought it, so what a caller wrote is in both when it learns of it.
/// A watch or a list as of a revision older than the store's start is `expired` (410), as
/// upstream's cache answers; the events between are read back from etcd's own history.
public final class EtcdStore: ObjectStore {
    public let client: EtcdClient
    let prefix: String
    /// Resources whose changes go to no watcher and no owner graph (`open`'s `unwatched`).
    let unwatched: Set<String>
    let hub: WatchHub
    let graph = Mutex(OwnerGraph())
    let progress = Mutex(Progress())
    let follower = Mutex<Task<Void, Never>?>(nil)
    let compactor = Mutex<Task<Void, Never>?>(nil)

    /// The newest revision the watch has brought, and the writes waiting for it.
    struct Progress {
        var revision: Int64 = 0
        var waiters: [(id: Int, revision: Int64, continuation: CheckedContinuation<Void, Never>)] = []
        var nextID = 0
        var stopped = false
        /// Which follower may deliver: a follower started again makes the one before it mute.
        var generation = 0
        /// When the follower was last started again (it is not restarted more often than `seenWait`).
        var restarted: ContinuousClock.Instant? = nil
    }

    /// How long a write waits for the watch to bring it before it returns anyway (the write
    /// is in etcd; only this server's cache is behind, while etcd cannot be watched).
    static let seenWait: Duration = .seconds(5)

    init(client: EtcdClient, prefix: String, historyLimit: Int, unwatched: Set<String> = []) {
        self.client = client
        self.prefix = prefix.hasSuffix("/") ? prefix : prefix + "/"
        self.unwatched = unwatched
        let texts = Mutex<EventTexts?>(nil)
        self.hub = WatchHub(capacity: historyLimit, texts: { entries throws(StoreError) in
            guard let read = texts.withLock({ $0 }) else { return [:] }
            return try await read(entries)
        })
        texts.withLock { $0 = { [weak self] entries throws(StoreError) in try await self?.texts(entries) ?? [:] } }
    }

    /// Connects, reads what is stored (for the owner graph), and follows every change from there.
    /// `compactionInterval`: how often etcd's history is compacted (nil: never, as
    /// kube-apiserver's `--etcd-compaction-interval=0`). `unwatched`: resources kept in etcd
    /// that nobody watches and that own nothing (the server's allocation record), whose
    /// changes the store counts but does not parse.
    public static func open(client: EtcdClient, prefix: String = "/registry/", historyLimit: Int = 10_000,
                            compactionInterval: Duration? = .seconds(300), unwatched: Set<String> = []) async throws -> EtcdStore {
        let store = EtcdStore(client: client, prefix: prefix, historyLimit: historyLimit, unwatched: unwatched)
        let revision = try await store.readEverything()
        store.progress.withLock { $0.revision = revision }
        store.follower.withLock { $0 = Task { await store.follow(after: revision, generation: 0) } }
        if let interval = compactionInterval {
            let compactor = EtcdCompactor(client: client, interval: interval)
            let revision: @Sendable () -> Int64 = { [weak store] in store?.currentResourceVersion ?? 0 }
            store.compactor.withLock { $0 = Task { await compactor.run(currentRevision: revision) } }
        }
        return store
    }

    /// Stops following etcd; waiting writes return.
    public func close() {
        self.follower.withLock { $0?.cancel() }
        self.compactor.withLock { $0?.cancel() }
        self.hub.finishAll()
        let waiting = self.progress.withLock { progress in
            progress.stopped = true
            defer { progress.waiters = [] }
            return progress.waiters.map(\.continuation)
        }
        for continuation in waiting { continuation.resume() }
    }

    deinit {
        self.follower.withLock { $0?.cancel() }
        self.compactor.withLock { $0?.cancel() }
    }

    // MARK: keys and values

    func etcdKey(_ key: ObjectKey) -> String {
        self.prefix + key.resource + "/" + (key.namespace.isEmpty ? "" : key.namespace + "/") + key.name
    }

    func etcdPrefix(resource: String, namespace: String?) -> String {
        self.prefix + resource + "/" + (namespace.map { $0.isEmpty ? "" : $0 + "/" } ?? "")
    }

    /// The object key of an etcd key under the prefix: two parts are cluster-scoped, three namespaced.
    func objectKey(_ key: String) -> ObjectKey? {
        guard key.hasPrefix(self.prefix) else { return nil }
        let parts = key.dropFirst(self.prefix.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 2: return ObjectKey(resource: parts[0], namespace: "", name: parts[1])
        case 3: return ObjectKey(resource: parts[0], namespace: parts[1], name: parts[2])
        default: return nil
        }
    }

    /// The object as stored, its resourceVersion the key's revision `revision` (its own when nil).
    static func parse(_ kv: Etcd.KeyValue, revision: Int64? = nil) -> JSON? {
        guard let value = kv.value, let object = try? JSON.parse(bytes: value) else { return nil }
        return object.withResourceVersion(revision ?? kv.modRevision)
    }

    static func value(_ object: JSON) -> Data {
        Data(object.withoutResourceVersion().serializedBytes())
    }

    func stored(_ key: ObjectKey, _ kv: Etcd.KeyValue, revision: Int64? = nil) throws -> StoredObject {
        guard let object = Self.parse(kv, revision: revision) else { throw StoreError.corrupt(key, revision: kv.modRevision) }
        return StoredObject(key: key, resourceVersion: revision ?? kv.modRevision, object: object)
    }

    // MARK: reads

    public var currentResourceVersion: Int64 { self.progress.withLock { $0.revision } }

    public func get(_ key: ObjectKey) async throws -> StoredObject? {
        let response = try await self.client.range(Etcd.RangeRequest(key: Data(self.etcdKey(key).utf8)))
        return try response.kvs?.first.map { try self.stored(key, $0) }
    }

    public func listText(resource: String, namespace: String?) async throws -> (items: [StoredText], resourceVersion: Int64) {
        let prefix = self.etcdPrefix(resource: resource, namespace: namespace)
        let response = try await self.client.range(Etcd.RangeRequest(key: Data(prefix.utf8), range_end: Etcd.prefixEnd(prefix)))
        let items: [StoredText] = try (response.kvs ?? []).compactMap { kv in
            guard let key = self.objectKey(kv.keyText), key.resource == resource else { return nil }
            return StoredText(key: key, resourceVersion: kv.modRevision, text: try self.stored(key, kv).object.serialized())
        }
        return (items, response.header?.revision?.value ?? 0)
    }

    // MARK: writes

    public func create(_ key: ObjectKey, _ object: JSON) async throws -> StoredObject {
        let name = self.etcdKey(key)
        let value = Self.value(object)
        let (response, retried) = try await self.client.write(Etcd.TxnRequest(
            compare: [.modified(name, at: 0)], success: [.put(name, value)], failure: [.get(name)]))
        guard let revision = Self.writtenRevision(response, value, retried: retried) else { throw StoreError.alreadyExists(key) }
        await self.seen(revision)
        return StoredObject(key: key, resourceVersion: revision, object: object.withResourceVersion(revision))
    }

    public func update(_ key: ObjectKey, expectedResourceVersion: Int64?, _ object: JSON) async throws -> StoredObject {
        let name = self.etcdKey(key)
        let value = Self.value(object)
        let (response, retried) = try await self.client.write(Etcd.TxnRequest(
            compare: [self.condition(name, expectedResourceVersion)], success: [.put(name, value)], failure: [.get(name)]))
        guard let revision = Self.writtenRevision(response, value, retried: retried) else {
            throw Self.refusal(key, expectedResourceVersion, response)
        }
        await self.seen(revision)
        return StoredObject(key: key, resourceVersion: revision, object: object.withResourceVersion(revision))
    }

    public func delete(_ key: ObjectKey, expectedResourceVersion: Int64?) async throws -> StoredObject {
        let name = self.etcdKey(key)
        let response = try await self.client.txn(Etcd.TxnRequest(
            compare: [self.condition(name, expectedResourceVersion)], success: [.delete(name)], failure: [.get(name)]))
        guard response.succeeded == true, let revision = response.header?.revision?.value,
              let last = response.responses?.first?.response_delete_range?.prev_kvs?.first else {
            throw Self.refusal(key, expectedResourceVersion, response)
        }
        await self.seen(revision)
        return try self.stored(key, last, revision: revision)
    }

    /// The revision a put transaction wrote at: its own when it succeeded; when it failed
    /// after the client sent it more than once and the key (read by the failure branch) holds
    /// exactly `value`, the revision of that value: an earlier try of this very write, applied
    /// before the client tried again.
    static func writtenRevision(_ response: Etcd.TxnResponse, _ value: Data, retried: Bool) -> Int64? {
        if response.succeeded == true { return response.header?.revision?.value }
        guard retried, let current = response.responses?.first?.response_range?.kvs?.first, current.value == value else { return nil }
        return current.modRevision
    }

    /// At the revision the caller read, or merely present.
    func condition(_ name: String, _ expected: Int64?) -> Etcd.Compare {
        expected.map { .modified(name, at: $0) } ?? .exists(name)
    }

    /// Why a guarded write failed, from the key as the failure branch read it.
    static func refusal(_ key: ObjectKey, _ expected: Int64?, _ response: Etcd.TxnResponse) -> StoreError {
        guard let current = response.responses?.first?.response_range?.kvs?.first else { return .notFound(key) }
        return .conflict(key, expected: expected ?? 0, actual: current.modRevision)
    }

    /// Returns once the watch has brought `revision`, the store is closing, or `seenWait` has
    /// passed; then the watch is behind or stalled (a connection that stays open and brings
    /// nothing), so the follower is started again from the last revision it brought.
    func seen(_ revision: Int64) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let id: Int? = self.progress.withLock { progress in
                if progress.stopped || progress.revision >= revision { return nil }
                progress.nextID += 1
                progress.waiters.append((progress.nextID, revision, continuation))
                return progress.nextID
            }
            guard let id else { return continuation.resume() }
            Task { [weak self] in
                try? await Task.sleep(for: Self.seenWait)
                let late = self?.progress.withLock { progress in
                    defer { progress.waiters.removeAll { $0.id == id } }
                    return progress.waiters.first { $0.id == id }?.continuation
                }
                guard let late = late ?? nil else { return }
                late.resume()
                self?.restartFollower()
            }
        }
    }

    /// Mutes the follower and starts another from the last revision delivered (at most once
    /// per `seenWait`).
    func restartFollower() {
        let start: (revision: Int64, generation: Int)? = self.progress.withLock { progress in
            let now = ContinuousClock.now
            if progress.stopped || progress.restarted.map({ now - $0 < Self.seenWait }) == true { return nil }
            progress.restarted = now
            progress.generation += 1
            return (progress.revision, progress.generation)
        }
        guard let start else { return }
        self.follower.withLock { follower in
            follower?.cancel()
            follower = Task { [weak self] in await self?.follow(after: start.revision, generation: start.generation) }
        }
    }

    // MARK: watch

    public func watch(resource: String?, namespace: String?, after: Int64) async throws(StoreError) -> AsyncThrowingStream<StoreEvent, any Error> {
        try await self.hub.watch(WatchHub.Filter(resource: resource, namespace: namespace), after: after)
    }

    public func events(after: Int64, resource: String, namespace: String?) async throws(StoreError) -> [StoreEvent] {
        try await self.hub.events(after: after, matching: WatchHub.Filter(resource: resource, namespace: namespace))
    }

    /// Ends all watches and stops following etcd (at shutdown).
    public func closeWatches() { self.close() }

    // MARK: the owner graph

    public func dependents(ofUID uid: String) async throws -> [Dependent] { self.graph.withLock { $0.dependents(ofUID: uid) } }
    public func existingUIDs(_ uids: [String]) async throws -> Set<String> { self.graph.withLock { $0.existingUIDs(uids) } }
    public func missingOwnerUIDs() async throws -> [String] { self.graph.withLock { $0.missingOwnerUIDs() } }
    public func keys(inNamespace namespace: String) async throws -> [ObjectKey] { self.graph.withLock { $0.keys(inNamespace: namespace) } }

    public func terminatingObjects() async throws -> [StoredObject] {
        var objects: [StoredObject] = []
        for key in self.graph.withLock({ $0.terminatingKeys() }) {
            if let object = try await self.get(key) { objects.append(object) }
        }
        return objects
    }
}
