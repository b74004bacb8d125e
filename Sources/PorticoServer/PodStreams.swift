import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWSClient
import HummingbirdWebSocket
import Logging
import NIOCore
import PorticoAPI
import PorticoStore

/// `kubectl exec` and `kubectl port-forward`: the API server checks the request as
/// kube-apiserver does (who asks, which pod and container, whether it can run), then relays
/// the client's WebSocket to the agent of the pod's node, message for message, as
/// kube-apiserver proxies the upgraded connection to the kubelet.
///
/// kubectl 1.30+ speaks `v5.channel.k8s.io` for exec and, from 1.31, SPDY/3.1 tunnelled in
/// WebSocket messages (`SPDY/3.1+portforward.k8s.io`) for port-forward; the relay needs to
/// understand neither — the agent does. A client that asks for a SPDY upgrade instead (an
/// older kubectl, or kubectl's fallback) gets upstream's error for the request if there is
/// one, else a plain one: Portico serves WebSocket only.
struct PodStreams: Sendable {
    let context: ServerContext
    let authenticator: TokenAuthenticator?
    let logger: Logger


    /// Where a checked request is relayed to.
    struct Target: Sendable {
        var url: String
        var subprotocol: String
        var isExec: Bool
    }

    /// Hummingbird's upgrade hook: every HTTP/1 request passes here first. A WebSocket request
    /// for pods/exec or pods/portforward that passes every check is upgraded and relayed;
    /// anything else is not upgraded. kubectl then asks again with SPDY on a new connection,
    /// which `UpgradeHeaderFilter` lets through to the API handler, so the error kubectl
    /// prints is upstream's (`Error from server (BadRequest): container nope is not valid…`).
    func shouldUpgrade(_ head: HTTPRequest) async -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        guard let request = self.request(head) else { return .dontUpgrade }
        let target: Target
        do {
            let url = request.isExec
                ? try await self.context.execURL(namespace: request.namespace, name: request.name, query: request.query)
                : try await self.context.portForwardURL(namespace: request.namespace, name: request.name)
            target = Target(url: url, subprotocol: request.subprotocol, isExec: request.isExec)
        } catch {
            return .dontUpgrade
        }
        let logger = self.logger
        return .upgrade([.secWebSocketProtocol: target.subprotocol]) { inbound, outbound, _ in
            await Self.relay(target, inbound: inbound, outbound: outbound, logger: logger)
        }
    }

    struct StreamRequest: Sendable {
        var namespace: String
        var name: String
        var isExec: Bool
        var subprotocol: String
        var query: [String: [String]]
    }

    /// A WebSocket request for pods/exec or pods/portforward by a user allowed to make it,
    /// offering a protocol Portico speaks; nil for anything else.
    func request(_ head: HTTPRequest) -> StreamRequest? {
        self.request(target: head.path ?? "", authorization: head.headerFields[.authorization],
                     protocols: head.headerFields[.secWebSocketProtocol])
    }

    func request(target whole: String, authorization: String?, protocols: String?) -> StreamRequest? {
        let path = String(whole.prefix { $0 != "?" })
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count == 7, parts[0] == "api", parts[1] == "v1", parts[2] == "namespaces", parts[4] == "pods",
              ["exec", "portforward"].contains(parts[6]) else { return nil }
        if let authenticator {
            // Both need `create` on the subresource, whatever the HTTP method (upstream since 1.30).
            guard let user = authenticator.authenticate(authorization),
                  Authorizer.allowed(user, RequestInfo(method: "POST", path: path, watchParameter: false)) else { return nil }
        }
        let isExec = parts[6] == "exec"
        guard let subprotocol = PodStreamProtocol.choose(protocols, from: isExec ? PodStreamProtocol.exec : PodStreamProtocol.portForward)
        else { return nil }
        return StreamRequest(namespace: parts[3], name: parts[5], isExec: isExec, subprotocol: subprotocol, query: Self.query(whole))
    }

    /// Whether a WebSocket upgrade should go to the upgrade handler: only one this server may
    /// accept. Any other (no or a bad token, no permission, a path that is not a stream)
    /// reaches the API handler instead and gets its 401, 403 or error, as upstream answers
    /// before it upgrades anything.
    func keepsWebSocketUpgrade(target: String, authorization: String?, protocols: String?) -> Bool {
        self.request(target: target, authorization: authorization, protocols: protocols) != nil
    }

    static func sendStatus(_ outbound: WebSocketOutboundWriter, _ status: Status) async throws {
        var buffer = ByteBuffer(integer: UInt8(3))
        buffer.writeBytes(try KubeJSONEncoder().encode(status).serializedBytes())
        try await outbound.write(.binary(buffer))
    }

    /// The query's parameters, each with all its values (exec repeats `command`).
    static func query(_ path: String) -> [String: [String]] {
        guard let mark = path.firstIndex(of: "?") else { return [:] }
        var result: [String: [String]] = [:]
        for pair in path[path.index(after: mark)...].split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            result[kv[0], default: []].append(kv.count > 1 ? kv[1] : "")
        }
        return result
    }

    /// Messages both ways until either end closes; then the other end is closed too.
    static func relay(_ target: Target, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger) async {
        var headers = HTTPFields()
        headers[.secWebSocketProtocol] = target.subprotocol
        do {
            try await WebSocketClient.connect(url: target.url, configuration: .init(maxFrameSize: 1 << 20, additionalHeaders: headers),
                                              logger: logger) { agentInbound, agentOutbound, _ in
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        do {
                            for try await message in inbound.messages(maxSize: 1 << 20) {
                                try await agentOutbound.write(Self.frame(message))
                            }
                        } catch {}
                        try? await agentOutbound.close(.normalClosure, reason: nil)
                    }
                    group.addTask {
                        do {
                            for try await message in agentInbound.messages(maxSize: 1 << 20) {
                                try await outbound.write(Self.frame(message))
                            }
                        } catch {}
                        try? await outbound.close(.normalClosure, reason: nil)
                    }
                }
            }
        } catch {
            logger.warning("pod stream: the node agent at \(target.url) did not take the stream: \(error)")
            if target.isExec { try? await Self.sendStatus(outbound, APIError.internalError("error dialing backend: \(error)").status) }
            try? await outbound.close(.unexpectedServerError, reason: "error dialing backend")
        }
    }

    static func frame(_ message: WebSocketMessage) -> WebSocketOutboundWriter.OutboundFrame {
        switch message {
        case .binary(let buffer): .binary(buffer)
        case .text(let text): .text(text)
        }
    }
}

extension ServerContext {
    /// The pod as upstream's streaming subresources need it: present, on a node, not finished.
    func streamingPod(namespace: String, name: String, action: String) async throws -> Pod {
        guard let stored = try await self.store.get(ObjectKey(resource: "pods", namespace: namespace, name: name)) else {
            throw APIError.notFound(resource: "pods", name: name)
        }
        let pod = try KubeJSONDecoder().decode(Pod.self, from: stored.object).value
        if pod.spec.nodeName.isEmpty { throw APIError.badRequest("pod \(name) does not have a host assigned") }
        if pod.isTerminal {
            throw APIError.badRequest("cannot \(action) into a container in a completed pod; current phase is \(pod.status.phase.rawValue)")
        }
        return pod
    }

    /// `pods/exec`: the container chosen as upstream does, then the agent's
    /// `/exec/{namespace}/{pod}/{container}` with the kubelet's parameter names.
    func execURL(namespace: String, name: String, query: [String: [String]]) async throws -> String {
        let pod = try await self.streamingPod(namespace: namespace, name: name, action: "exec")
        var container = query["container"]?.first ?? ""
        let all = pod.spec.initContainers.map(\.name) + pod.spec.containers.map(\.name)
        if container.isEmpty {
            guard pod.spec.containers.count == 1 else {
                throw APIError.badRequest("a container name must be specified for pod \(name), choose one of: [\(pod.spec.containers.map(\.name).joined(separator: " "))]")
            }
            container = pod.spec.containers[0].name
        } else if !all.contains(container) {
            throw APIError.badRequest("container \(container) is not valid for pod \(name)")
        }
        let command = query["command"] ?? []
        if command.isEmpty { throw APIError.badRequest("you must specify at least one command for the container") }
        var parameters = command.map { "command=" + Self.escape($0) }
        for (theirs, ours) in [("stdin", "input"), ("stdout", "output"), ("stderr", "error"), ("tty", "tty")]
        where ["1", "true"].contains(query[theirs]?.first ?? "") {
            parameters.append("\(ours)=1")
        }
        let agent = try await self.agentAddress(of: pod)
        return "ws://\(agent)/exec/\(namespace)/\(name)/\(container)?" + parameters.joined(separator: "&")
    }

    /// `pods/portforward`: the agent's `/portforward/{namespace}/{pod}`.
    func portForwardURL(namespace: String, name: String) async throws -> String {
        let pod = try await self.streamingPod(namespace: namespace, name: name, action: "port-forward")
        let agent = try await self.agentAddress(of: pod)
        return "ws://\(agent)/portforward/\(namespace)/\(name)"
    }

    static let attachNotBuilt = APIError(Status(
        message: "pods/attach is not built in Portico: a container's output goes to a file, not to a terminal to attach to; use kubectl logs -f, or kubectl exec",
        reason: .methodNotAllowed, code: 405))

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    /// pods/exec, attach or portforward reached the API handler: the request was not a
    /// WebSocket upgrade Portico takes. Upstream's errors for the pod come first.
    func podStreamWithoutUpgrade(_ sub: String, namespace: String, name: String, query: [String: [String]],
                                 upgrade: String?) async throws -> APIResponse {
        switch sub {
        case "exec": _ = try await self.execURL(namespace: namespace, name: name, query: query)
        case "portforward": _ = try await self.portForwardURL(namespace: namespace, name: name)
        default:
            throw ServerContext.attachNotBuilt
        }
        if let upgrade, upgrade.lowercased().hasPrefix("spdy") {
            throw APIError.badRequest("Portico serves pods/\(sub) over WebSocket only (kubectl 1.30+ uses it for exec, 1.31+ for port-forward); this request asked to upgrade to \(upgrade)")
        }
        throw APIError.badRequest("Upgrade request required")
    }
}
