import HummingbirdCore
import Logging
import NIOCore

/// Lets a request that asks to upgrade to something other than WebSocket reach the API
/// handler. NIO's HTTP/1 upgrade handler, given `Upgrade: SPDY/3.1` (kubectl's fallback
/// after a refused WebSocket upgrade, and older kubectl's only way), finds no upgrader and
/// drops the request without an answer. Upstream answers such a request like any other —
/// with the error for a wrong pod or container, a 401 or 403 — and kubectl prints it.
///
/// So this handler, first in the pipeline after TLS, reads a connection's first request
/// head and renames a non-WebSocket `Upgrade` header to `X-Portico-Upgrade`, then steps
/// aside. Only the first request needs it: clients open a connection of their own for an
/// upgrade (client-go's SPDY and WebSocket dialers both do).
final class UpgradeHeaderFilter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// A head longer than this is passed on as it is (the HTTP decoder judges it).
    static let limit = 64 * 1024
    static let renamed = "X-Portico-Upgrade"

    private var buffered: ByteBuffer?
    /// Whether a WebSocket upgrade (request target, Authorization, Sec-WebSocket-Protocol)
    /// goes to the upgrade handler; one that does not is renamed too, so the API handler
    /// answers it.
    let keepsWebSocket: @Sendable (_ target: String, _ authorization: String?, _ protocols: String?) -> Bool

    init(keepsWebSocket: @escaping @Sendable (_ target: String, _ authorization: String?, _ protocols: String?) -> Bool = { _, _, _ in true }) {
        self.keepsWebSocket = keepsWebSocket
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = self.unwrapInboundIn(data)
        if self.buffered == nil {
            self.buffered = incoming
        } else {
            self.buffered!.writeBuffer(&incoming)
        }
        let bytes = Array(self.buffered!.readableBytesView)
        if let end = Self.endOfHead(bytes) {
            var rewritten = ByteBuffer(string: Self.rewrite(String(decoding: bytes[..<end], as: UTF8.self), keepsWebSocket: self.keepsWebSocket))
            rewritten.writeBytes(bytes[end...])
            self.buffered = rewritten
            self.passOn(context)
        } else if bytes.count > Self.limit {
            self.passOn(context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if self.buffered != nil { self.passOn(context) }
        context.fireChannelInactive()
    }

    private func passOn(_ context: ChannelHandlerContext) {
        if let buffered = self.buffered {
            self.buffered = nil
            context.fireChannelRead(self.wrapInboundOut(buffered))
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// The index just after the head's closing blank line.
    static func endOfHead(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 3..<bytes.count where bytes[i] == 10 && bytes[i - 1] == 13 && bytes[i - 2] == 10 && bytes[i - 3] == 13 {
            return i + 1
        }
        return nil
    }

    /// The head with a non-WebSocket `Upgrade` header renamed, and a WebSocket one that
    /// `keepsWebSocket` refuses; other lines untouched.
    static func rewrite(_ head: String,
                        keepsWebSocket: (_ target: String, _ authorization: String?, _ protocols: String?) -> Bool = { _, _, _ in true }) -> String {
        let lines = head.components(separatedBy: "\r\n")
        func header(_ name: String) -> String? {
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == name else { continue }
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return nil
        }
        let target = lines.first?.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        let webSocketKept = keepsWebSocket(target, header("authorization"), header("sec-websocket-protocol"))
        return lines.map { line in
            guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == "upgrade" else { return line }
            let isWebSocket = line[line.index(after: colon)...].lowercased().contains("websocket")
            return isWebSocket && webSocketKept ? line : Self.renamed + line[colon...]
        }.joined(separator: "\r\n")
    }
}
