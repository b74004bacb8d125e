import Foundation
import Logging
import PorticoAPI
import Synchronization

/// Writes core/v1 Events about objects, as client-go's recorder: a repeat of the same event
/// (same object, reason, message and type) within ten minutes bumps the first one's count
/// instead of writing another. Events are best effort: a failure is logged, never thrown.
public final class EventRecorder: Sendable {
    let client: KubeClient
    let component: String
    let host: String
    let logger: Logger

    struct Seen {
        var name: String
        var count: Int32
        var first: Time
        var at: ContinuousClock.Instant
    }

    let seen = Mutex<[String: Seen]>([:])

    public init(client: KubeClient, component: String, host: String = "", logger: Logger = Logger(label: "portico-events")) {
        self.client = client
        self.component = component
        self.host = host
        self.logger = logger
    }

    public func normal(_ object: some KubeObject, reason: String, _ message: String) async {
        await self.record(object, type: Event.normal, reason: reason, message)
    }

    public func warning(_ object: some KubeObject, reason: String, _ message: String) async {
        await self.record(object, type: Event.warning, reason: reason, message)
    }

    public func record<T: KubeObject>(_ object: T, type: String, reason: String, _ message: String, fieldPath: String = "") async {
        let reference = ObjectReference(kind: T.kind, namespace: object.metadata.namespace, name: object.metadata.name,
                                        uid: object.metadata.uid, apiVersion: T.apiVersion,
                                        resourceVersion: object.metadata.resourceVersion, fieldPath: fieldPath)
        await self.record(reference, type: type, reason: reason, message)
    }

    public func record(_ reference: ObjectReference, type: String, reason: String, _ message: String) async {
        // Events of cluster-scoped objects live in `default`, as upstream's recorder puts them.
        let namespace = reference.namespace.isEmpty ? "default" : reference.namespace
        let key = [namespace, reference.kind, reference.name, reference.uid, reference.fieldPath, reason, message, type].joined(separator: "\u{1}")
        let now = Time.now()
        let repeatOf = self.seen.withLock { seen -> Seen? in
            if seen.count > 4096 { seen = seen.filter { ContinuousClock.now - $0.value.at < .seconds(600) } }
            guard var previous = seen[key], ContinuousClock.now - previous.at < .seconds(600) else { return nil }
            previous.count += 1
            previous.at = .now
            seen[key] = previous
            return previous
        }
        do {
            if let repeatOf {
                let patch: JSON = ["count": .integer(Int64(repeatOf.count)), "lastTimestamp": .string(now.rfc3339)]
                _ = try await self.client.patch(Event.self, namespace: namespace, name: repeatOf.name, patch)
                return
            }
            var event = Event(metadata: ObjectMeta(name: "\(reference.name).\(Self.suffix())", namespace: namespace),
                              involvedObject: reference, reason: reason, message: message, type: type)
            event.source = EventSource(component: self.component, host: self.host)
            event.firstTimestamp = now
            event.lastTimestamp = now
            event.count = 1
            event.reportingComponent = self.component
            event.reportingInstance = self.host
            let created = try await self.client.create(event)
            self.seen.withLock { $0[key] = Seen(name: created.metadata.name, count: 1, first: now, at: .now) }
        } catch {
            self.logger.debug("event not recorded", metadata: ["reason": "\(reason)", "error": "\(error)"])
        }
    }

    /// Upstream names events `<object>.<hex nanoseconds>`.
    static func suffix() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return String(UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec), radix: 16)
    }
}
