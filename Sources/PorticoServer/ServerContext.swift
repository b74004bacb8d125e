import Foundation
import Logging
import PorticoAPI
import PorticoStore
import Synchronization

/// What the resources share: the store, each other (for namespace deletion and garbage
/// collection), and the queue of follow-up work those need.
final class ServerContext: Sendable {
    let store: Store
    let logger: Logger
    let resources: Mutex<[String: any ServedResource]> = Mutex([:])
    let work: AsyncStream<ControllerWork>
    let workQueue: AsyncStream<ControllerWork>.Continuation

    enum ControllerWork: Sendable, Hashable {
        /// A namespace is terminating: empty it, then let it go.
        case namespace(String)
        /// An owner is gone: delete (or orphan) what it owned.
        case dependents(uid: String, orphan: Bool)
        /// An owner waits for its dependents (foreground) or to orphan them before it goes.
        case finalizeOwner(resource: String, namespace: String, name: String, uid: String)
    }

    init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
        (self.work, self.workQueue) = AsyncStream.makeStream(of: ControllerWork.self)
    }

    func register(_ resources: [any ServedResource]) {
        self.resources.withLock { map in
            for resource in resources { map[resource.info.storageResource] = resource }
        }
    }

    func resource(_ storageResource: String) -> (any ServedResource)? {
        self.resources.withLock { $0[storageResource] }
    }

    var allResources: [any ServedResource] { self.resources.withLock { Array($0.values) } }

    /// Writing into a namespace needs it to exist and not be terminating.
    func checkNamespaceWritable(_ namespace: String) async throws {
        guard let stored = try await self.store.get(ObjectKey(resource: "namespaces", name: namespace)) else {
            throw APIError.notFound(resource: "namespaces", name: namespace)
        }
        if stored.object["metadata"]?["deletionTimestamp"] != nil {
            throw APIError(Status(
                message: "unable to create new content in namespace \(namespace) because it is being terminated",
                reason: .forbidden, details: StatusDetails(name: namespace, kind: "namespaces",
                                                           causes: [StatusCause(reason: "NamespaceTerminating",
                                                                                message: "namespace \(namespace) is terminating",
                                                                                field: "metadata.namespace")]),
                code: 403))
        }
    }

    /// Pods on a node end gracefully: the node agent stops them and deletes the object.
    /// Nil means delete now.
    func gracePeriod<Object: KubeObject>(for object: Object, options: DeleteOptions) -> Int64? {
        guard let pod = object as? Pod else { return nil }
        if options.gracePeriodSeconds == 0 || pod.spec.nodeName.isEmpty { return nil }
        if pod.status.phase == .succeeded || pod.status.phase == .failed { return nil }
        if pod.metadata.deletionTimestamp != nil { return pod.metadata.deletionGracePeriodSeconds }
        let grace = options.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30
        return grace > 0 ? grace : nil
    }

    func objectMarkedForDeletion(_ info: ResourceInfo, _ meta: ObjectMeta) {
        if info.resource == "namespaces", info.group.isEmpty {
            self.workQueue.yield(.namespace(meta.name))
        }
        if meta.finalizers.contains("foregroundDeletion") || meta.finalizers.contains("orphan") {
            self.workQueue.yield(.finalizeOwner(resource: info.storageResource, namespace: meta.namespace, name: meta.name, uid: meta.uid))
        }
    }

    func objectDeleted(_ info: ResourceInfo, _ meta: ObjectMeta) async {
        self.workQueue.yield(.dependents(uid: meta.uid, orphan: false))
        // A Service's Endpoints object goes with it (upstream's Service afterDelete).
        if info.resource == "services", info.group.isEmpty, let endpoints = self.resource("endpoints") as? TypedResource<Endpoints> {
            _ = try? await endpoints.deleteObject(namespace: meta.namespace, name: meta.name, options: DeleteOptions())
        }
    }

    /// `kubectl logs`: the server asks the pod's node agent.
    func podLogs(namespace: String, name: String, query: [String: String]) async throws -> APIResponse {
        guard let stored = try await self.store.get(ObjectKey(resource: "pods", namespace: namespace, name: name)) else {
            throw APIError.notFound(resource: "pods", name: name)
        }
        let node = stored.object["spec"]?["nodeName"]?.stringValue ?? ""
        if node.isEmpty {
            throw APIError.badRequest("pod \(name) does not have a host assigned")
        }
        throw APIError(Status(
            message: "Get \"https://\(node):10250/containerLogs/\(namespace)/\(name)\": no node agent serves logs yet (portico agent arrives with the lab, issue #4)",
            reason: .serviceUnavailable, code: 503))
    }
}
