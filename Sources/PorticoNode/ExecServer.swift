import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import PorticoAPI

/// The kubelet's `/exec/{namespace}/{pod}/{container}` on the node's port, over WebSocket
/// with the `v5.channel.k8s.io` (or v4) protocol the API server relays from `kubectl exec`.
///
/// Messages: every binary message starts with a stream byte — 0 stdin, 1 stdout, 2 stderr,
/// 3 the final Status (JSON), 4 terminal resizes (`{"Width":80,"Height":24}`), and in v5 255,
/// "this stream is closed" (its second byte names the stream; the client closes stdin so).
/// The exit code travels as upstream's Status: `Success`, or `Failure` with reason
/// `NonZeroExitCode` and a cause `ExitCode` whose message is the code, which kubectl turns
/// into its own exit code.
struct ExecServer: Sendable {
    let manager: PodManager
    let logger: Logger

    func register(on router: Router<BasicWebSocketRequestContext>) {
        router.ws("/exec/:namespace/:pod/:container", shouldUpgrade: { request, _ in
            guard let chosen = PodStreamProtocol.choose(request.headers[.secWebSocketProtocol], from: PodStreamProtocol.exec) else {
                return .dontUpgrade
            }
            return .upgrade([.secWebSocketProtocol: chosen])
        }, onUpgrade: { inbound, outbound, context in
            let parameters = context.requestContext.parameters
            var query: [String: [String]] = [:]
            for (key, value) in context.request.uri.queryParameters { query[String(key), default: []].append(String(value)) }
            let v5 = PodStreamProtocol.choose(context.request.headers[.secWebSocketProtocol], from: PodStreamProtocol.exec) == PodStreamProtocol.exec[0]
            await self.run(namespace: parameters.get("namespace") ?? "", pod: parameters.get("pod") ?? "",
                           container: parameters.get("container") ?? "", query: query, v5: v5,
                           inbound: inbound, outbound: outbound)
        })
    }

    func run(namespace: String, pod: String, container: String, query: [String: [String]], v5: Bool,
             inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        let flag = { (key: String) in ["1", "true"].contains(query[key]?.first ?? "") }
        let command = query["command"] ?? []
        let exec: ContainerExec
        do {
            guard let worker = await self.manager.worker(namespace: namespace, name: pod) else {
                throw ExecRefusal("pod \(GoQuote.quote(pod)) not found")
            }
            let view = try await worker.execView(container: container).get()
            exec = try ContainerExec.start(porticoPath: self.manager.context.configuration.porticoPath, pid: view.pid, environment: view.environment, workingDir: view.workingDir,
                                           command: command, stdin: flag("input"), tty: flag("tty"))
        } catch {
            try? await Self.send(outbound, stream: 3, Array(ExecStatus.failure("\(error)").utf8))
            try? await outbound.close(.normalClosure, reason: nil)
            return
        }
        self.logger.debug("exec in \(namespace)/\(pod)/\(container): \(command)")
        let wantsOutput = flag("output")
        let wantsError = flag("error")
        await withTaskGroup(of: Void.self) { group in
            // From the client: stdin, resizes, and v5's close signal; the client leaving ends the command.
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .binary(var buffer) = message, let stream = buffer.readInteger(as: UInt8.self) else { continue }
                        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
                        switch stream {
                        case 0: exec.writeStdin(bytes)
                        case 4:
                            if let size = try? JSONDecoder().decode(TerminalSize.self, from: Data(bytes)) {
                                exec.resize(width: size.Width, height: size.Height)
                            }
                        case 255 where v5 && bytes.first == 0: exec.closeStdin()
                        default: break
                        }
                    }
                } catch {}
                if !Task.isCancelled { exec.kill() }
            }
            for await (stream, bytes) in exec.output {
                guard stream == 1 ? wantsOutput || flag("tty") : wantsError else { continue }
                do { try await Self.send(outbound, stream: stream, bytes) } catch { exec.kill() }
            }
            let exit = await exec.wait()
            let status = exit.exitCode == 0 ? ExecStatus.success
                : ExecStatus.exitCode(exit.exitCode, command: command)
            try? await Self.send(outbound, stream: 3, Array(status.utf8))
            group.cancelAll()
        }
        try? await outbound.close(.normalClosure, reason: nil)
    }

    static func send(_ outbound: WebSocketOutboundWriter, stream: UInt8, _ bytes: [UInt8]) async throws {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(bytes.count + 1)
        buffer.writeInteger(stream)
        buffer.writeBytes(bytes)
        try await outbound.write(.binary(buffer))
    }

    struct TerminalSize: Decodable {
        var Width: Int
        var Height: Int
    }
}

/// The Status an exec ends with, as the kubelet writes it on stream 3.
enum ExecStatus {
    static let success = #"{"metadata":{},"status":"Success"}"#

    static func exitCode(_ code: Int32, command: [String]) -> String {
        let message = "command terminated with non-zero exit code: error executing command [\(command.joined(separator: " "))], exit code \(code)"
        return #"{"metadata":{},"status":"Failure","message":"# + JSONText.quote(message)
            + #","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":""# + String(code) + #""}]}}"#
    }

    static func failure(_ message: String) -> String {
        #"{"metadata":{},"status":"Failure","message":"# + JSONText.quote(message) + #","reason":"InternalError","code":500}"#
    }
}

enum JSONText {
    /// A JSON string literal of `text`.
    static func quote(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
