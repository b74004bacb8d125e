import AsyncHTTPClient
import Foundation
import NIOCore
import Logging
import PorticoAPI
import PorticoStore
import Synchronization

/// What the resources share: the store, each other (for namespace deletion and garbage
/// collection), and the queue of follow-up work those need.
final class ServerContext: Sendable {
    let store: any ObjectStore
    let logger: Logger
    let resources: Mutex<[String: any ServedResource]> = Mutex([:])
    /// Set when the server begins to shut down: requests are refused from then on.
    let shuttingDown = Atomic<Bool>(false)
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

    init(store: any ObjectStore, logger: Logger) {
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

    /// `kubectl logs`: the container chosen as upstream's pods/log does, then the pod's node
    /// agent asked at the node's InternalIP and kubelet port, its answer streamed back.
    func podLogs(namespace: String, name: String, query: [String: String]) async throws -> APIResponse {
        guard let stored = try await self.store.get(ObjectKey(resource: "pods", namespace: namespace, name: name)) else {
            throw APIError.notFound(resource: "pods", name: name)
        }
        let pod = try KubeJSONDecoder().decode(Pod.self, from: stored.object).value
        for (field, text) in [("tailLines", query["tailLines"]), ("limitBytes", query["limitBytes"]), ("sinceSeconds", query["sinceSeconds"])] {
            guard let text else { continue }
            guard let value = Int64(text), value >= (field == "tailLines" ? 0 : 1) else {
                throw APIError.invalid(kind: "PodLogOptions", name: "", errors: [
                    .invalid(FieldPath(field), .string(text), field == "tailLines" ? "must be greater than or equal to 0" : "must be greater than 0"),
                ])
            }
        }
        let all = pod.spec.initContainers.map(\.name) + pod.spec.containers.map(\.name)
            + pod.spec.ephemeralContainers.compactMap { $0["name"]?.stringValue }
        var container = query["container"] ?? ""
        if container.isEmpty {
            switch pod.spec.containers.count {
            case 1: container = pod.spec.containers[0].name
            case 0: throw APIError.badRequest("a container name must be specified for pod \(name)")
            default: throw APIError.badRequest("a container name must be specified for pod \(name), choose one of: [\(all.joined(separator: " "))]")
            }
        } else if !all.contains(container) {
            throw APIError.badRequest("container \(container) is not valid for pod \(name)")
        }
        // Not scheduled yet: nothing to show, and no error (as upstream).
        if pod.spec.nodeName.isEmpty {
            return APIResponse(status: 200, headers: [("Content-Type", "text/plain")], body: .bytes([]))
        }
        let agent = try await self.agentAddress(of: pod)
        var parameters: [String] = []
        for key in ["follow", "previous", "timestamps"] where query[key] == "true" { parameters.append("\(key)=true") }
        for key in ["sinceSeconds", "sinceTime", "tailLines", "limitBytes"] {
            if let value = query[key] { parameters.append("\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value)") }
        }
        let url = "http://\(agent)/containerLogs/\(namespace)/\(name)/\(container)" + (parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&"))
        return try await AgentProxy.get(url: url, podName: name)
    }
}

extension ServerContext {
    /// Where the agent of the pod's node listens (`ip:port`): the node's InternalIP and
    /// kubelet port, as kube-apiserver finds the kubelet.
    func agentAddress(of pod: Pod) async throws -> String {
        guard let nodeStored = try await self.store.get(ObjectKey(resource: "nodes", name: pod.spec.nodeName)) else {
            throw APIError.internalError("node \(GoQuote.quote(pod.spec.nodeName)) of pod \(pod.metadata.name) is not registered")
        }
        let node = try KubeJSONDecoder().decode(Node.self, from: nodeStored.object).value
        guard let ip = node.internalIP else {
            throw APIError.internalError("node \(GoQuote.quote(pod.spec.nodeName)) has no InternalIP to reach its agent at")
        }
        let port = node.status.daemonEndpoints.kubeletEndpoint.Port == 0 ? 10250 : Int(node.status.daemonEndpoints.kubeletEndpoint.Port)
        return "\(ip):\(port)"
    }
}

/// Calls a node agent and passes its answer on, mapping its errors as kube-apiserver maps
/// the kubelet's: 400 is a BadRequest with the agent's words, 404 a NotFound, other
/// failures an internal error.
enum AgentProxy {
    static let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                   configuration: HTTPClient.Configuration(timeout: .init(connect: .seconds(5))))

    static func get(url: String, podName: String) async throws -> APIResponse {
        let response: HTTPClientResponse
        do {
            response = try await self.client.execute(HTTPClientRequest(url: url), deadline: .distantFuture)
        } catch {
            throw APIError.internalError("Get \(GoQuote.quote(url)): \(error)")
        }
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            var body = try await response.body.collect(upTo: 50_000)
            let text = body.readString(length: body.readableBytes) ?? ""
            switch status {
            case 400: throw APIError.badRequest(text)
            case 404: throw APIError(Status(message: text, reason: .notFound, details: StatusDetails(name: podName, kind: "pods/log"), code: 404))
            case 422: throw APIError(Status(message: text, reason: .invalid, code: 422))
            default: throw APIError.internalError(text.isEmpty ? "the node agent answered \(status)" : text)
            }
        }
        let body = response.body
        return APIResponse(status: 200, headers: [("Content-Type", "text/plain")], body: .stream { write in
            for try await var chunk in body {
                try await write(chunk.readBytes(length: chunk.readableBytes) ?? [])
            }
        })
    }

}
