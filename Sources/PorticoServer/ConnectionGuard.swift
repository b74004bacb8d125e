import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOTLS

/// How much a client may send and how long it may take, as kube-apiserver's Go HTTP server
/// bounds it (`MaxHeaderBytes` 1 MiB plus Go's 4 KiB of slack, a TLS handshake within the
/// 32 s header timeout, a 90 s idle keep-alive, a 3 MiB body). Go answers a long URL with
/// 431 like a long header; Portico names it: 414 past `maxURLBytes`.
public struct ConnectionLimits: Sendable, Equatable {
    /// The request line and headers together.
    public var maxHeaderBytes = 1024 * 1024 + 4096
    public var maxURLBytes = 128 * 1024
    public var maxBodyBytes = 3 * 1024 * 1024
    public var tlsHandshakeTimeout: Duration = .seconds(32)
    /// How long a connection may wait for its next request (from its start or the end of the last response).
    public var idleTimeout: Duration = .seconds(90)

    public init() {}
}

/// Go's plain-text answers to a request it cannot parse (`net/http` writes these before
/// closing): the status line, then the same words as the body.
enum ProtocolErrorAnswer {
    static let headersTooLarge = (HTTPResponseStatus.requestHeaderFieldsTooLarge, "431 Request Header Fields Too Large")
    static let uriTooLong = (HTTPResponseStatus.uriTooLong, "414 URI Too Long")
    static let badRequest = (HTTPResponseStatus.badRequest, "400 Bad Request")

    static func forParserError(_ error: HTTPParserError) -> (HTTPResponseStatus, String) {
        error == .headerOverflow ? Self.headersTooLarge : Self.badRequest
    }

    /// Go's answer to plain HTTP on its TLS port.
    static let plainHTTPOnTLSPort = "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"

    /// Whether the first bytes of a connection are an HTTP request rather than a TLS record
    /// (Go's `tlsRecordHeaderLooksLikeHTTP`).
    static func looksLikeHTTP(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 5 else { return false }
        return ["GET /", "HEAD ", "POST ", "PUT /", "OPTIO"].contains(String(decoding: bytes.prefix(5), as: UTF8.self))
    }
}

/// First on a TLS connection: answers a plain HTTP request as Go does instead of letting
/// the TLS handler fail it silently, then steps aside.
final class PlainHTTPOnTLSPort: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private var buffered: ByteBuffer?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = self.unwrapInboundIn(data)
        if self.buffered == nil { self.buffered = incoming } else { self.buffered!.writeBuffer(&incoming) }
        let bytes = Array(self.buffered!.readableBytesView.prefix(5))
        if bytes.count < 5, bytes.first != 0x16 { return }  // wait for five bytes unless it is clearly TLS
        if ProtocolErrorAnswer.looksLikeHTTP(bytes) {
            self.buffered = nil
            let answer = context.channel.allocator.buffer(string: ProtocolErrorAnswer.plainHTTPOnTLSPort)
            context.writeAndFlush(NIOAny(answer), promise: nil)
            context.close(promise: nil)
            return
        }
        let pending = self.buffered!
        self.buffered = nil
        context.fireChannelRead(self.wrapInboundOut(pending))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// Closes a connection whose TLS handshake has not completed in time (a client that
/// connects and sends nothing, or too slowly).
final class TLSHandshakeDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let timeout: Duration
    private var deadline: Scheduled<Void>?

    init(timeout: Duration) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        self.deadline = context.eventLoop.scheduleTask(in: .init(self.timeout)) { loopBound.value.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.deadline?.cancel()
        self.deadline = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if case TLSUserEvent.handshakeCompleted = event {
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}

/// Right after the HTTP decoder: answers what cannot be served as Go answers it, and closes
/// — 431 for a head past the limit, 414 for a URL past its limit, 400 for anything the
/// parser refuses (a garbage request line, a control character in a header) — and closes
/// a connection that waits longer than the idle timeout for its next request. While a
/// request is read or answered (a watch included) no timer runs. It steps aside when the
/// connection switches protocols (WebSocket).
final class RequestGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let limits: ConnectionLimits
    private var requestsInFlight = 0
    private var responding = false
    private var failed = false
    /// The response under way said `Connection: close` (a 413 that leaves its body unread, a shutting-down server).
    private var closeAfterResponse = false
    private var switchingProtocols = false
    private var idle: Scheduled<Void>?

    init(limits: ConnectionLimits) { self.limits = limits }

    func handlerAdded(context: ChannelHandlerContext) { self.armIdleTimer(context) }
    func handlerRemoved(context: ChannelHandlerContext) { self.disarmIdleTimer() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if self.failed { return }
        if case .head(let head) = self.unwrapInboundIn(data) {
            self.disarmIdleTimer()
            if head.uri.utf8.count > self.limits.maxURLBytes {
                self.refuse(context, ProtocolErrorAnswer.uriTooLong)
                return
            }
            self.requestsInFlight += 1
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        self.refuse(context, ProtocolErrorAnswer.forParserError(parserError))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch self.unwrapOutboundIn(data) {
        case .head(let head):
            self.responding = true
            self.closeAfterResponse = head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "close" }
            // Steps aside once the 101 is flushed (removed in the middle of a write-and-flush, it would lose the flush).
            if head.status == .switchingProtocols { self.switchingProtocols = true }
        case .end:
            self.responding = false
            self.requestsInFlight = max(0, self.requestsInFlight - 1)
            if self.closeAfterResponse {
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                let written = context.eventLoop.makePromise(of: Void.self)
                written.futureResult.whenComplete { _ in loopBound.value.close(promise: nil) }
                written.futureResult.cascade(to: promise)
                context.write(data, promise: written)
                return
            }
            if self.requestsInFlight == 0 { self.armIdleTimer(context) }
        case .body:
            break
        }
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        context.flush()
        if self.switchingProtocols {
            self.disarmIdleTimer()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    /// Writes the plain-text answer (unless a response is already under way) and closes.
    private func refuse(_ context: ChannelHandlerContext, _ answer: (HTTPResponseStatus, String)) {
        guard !self.failed else { return }
        self.failed = true
        self.disarmIdleTimer()
        if answer.0 != .badRequest { MemoryReturn.note(bytes: MemoryReturn.large) }  // a head past a limit was buffered
        guard !self.responding else {
            context.close(promise: nil)
            return
        }
        var headers = HTTPHeaders([("Content-Type", "text/plain; charset=utf-8"), ("Connection", "close")])
        headers.add(name: "Content-Length", value: String(answer.1.utf8.count))
        context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: answer.0, headers: headers))), promise: nil)
        context.write(self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: answer.1)))), promise: nil)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in loopBound.value.close(promise: nil) }
    }

    private func armIdleTimer(_ context: ChannelHandlerContext) {
        self.disarmIdleTimer()
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        self.idle = context.eventLoop.scheduleTask(in: .init(self.limits.idleTimeout)) { loopBound.value.close(promise: nil) }
    }

    private func disarmIdleTimer() {
        self.idle?.cancel()
        self.idle = nil
    }
}

/// The API server's connection: the TLS handshake deadline and the upgrade-header filter
/// before the HTTP handlers of `base`, the request guard right after its decoder.
struct GuardedHTTPChannel<Base: ServerChildChannel>: ServerChildChannel {
    let base: Base
    let limits: ConnectionLimits
    let tls: Bool
    var keepsWebSocket: @Sendable (_ target: String, _ authorization: String?, _ protocols: String?) -> Bool = { _, _, _ in true }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Base.Value> {
        channel.eventLoop.makeCompletedFuture {
            if self.tls { try channel.pipeline.syncOperations.addHandler(TLSHandshakeDeadline(timeout: self.limits.tlsHandshakeTimeout)) }
            try channel.pipeline.syncOperations.addHandler(UpgradeHeaderFilter(keepsWebSocket: self.keepsWebSocket))
        }.flatMap {
            self.base.setup(channel: channel, logger: logger)
        }.flatMapThrowing { value in
            let decoder = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try channel.pipeline.syncOperations.addHandler(RequestGuard(limits: self.limits), position: .after(decoder))
            return value
        }
    }

    func handle(value: Base.Value, logger: Logger) async {
        await self.base.handle(value: value, logger: logger)
    }
}

/// A TLS child channel with `PlainHTTPOnTLSPort` in front of the TLS handler.
struct PlainHTTPAnsweringChannel<Base: ServerChildChannel>: ServerChildChannel {
    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Base.Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(PlainHTTPOnTLSPort())
        }.flatMap {
            self.base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Base.Value, logger: Logger) async {
        await self.base.handle(value: value, logger: logger)
    }
}
