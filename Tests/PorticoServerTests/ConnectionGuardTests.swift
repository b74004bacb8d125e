import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import PorticoServer

/// The request guard in an HTTP/1 pipeline of its own: what cannot be served is answered as
/// Go answers it and the connection closes; an idle connection is closed; a request in
/// progress (a watch) is not.
struct ConnectionGuardTests {
    static func channel(_ limits: ConnectionLimits = ConnectionLimits()) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderFieldSize = limits.maxHeaderBytes
        decoderLimits.maxHeaderListSize = limits.maxHeaderBytes
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
            withEncoderConfiguration: .init(), withDecoderLimitConfiguration: decoderLimits)
        let decoder = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        try channel.pipeline.syncOperations.addHandler(RequestGuard(limits: limits), position: .after(decoder))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    /// Feeds `request`; returns what the server wrote and whether it closed.
    static func answer(_ request: [UInt8], limits: ConnectionLimits = ConnectionLimits()) throws -> (String, Bool) {
        let channel = try Self.channel(limits)
        do { try channel.writeInbound(ByteBuffer(bytes: request)) } catch {}
        var written = ""
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) { written += buffer.readString(length: buffer.readableBytes) ?? "" }
        return (written, !channel.isActive)
    }

    @Test func tooLargeMalformedAndTooLongAreAnsweredAndClosed() throws {
        var limits = ConnectionLimits()
        limits.maxHeaderBytes = 4096
        limits.maxURLBytes = 1024
        let big = try Self.answer(Array("GET / HTTP/1.1\r\nHost: a\r\nX-Big: \(String(repeating: "x", count: 5000))\r\n\r\n".utf8), limits: limits)
        #expect(big.0.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n") && big.0.hasSuffix("\r\n\r\n431 Request Header Fields Too Large"))
        #expect(big.1)
        let long = try Self.answer(Array("GET /?q=\(String(repeating: "y", count: 2000)) HTTP/1.1\r\nHost: a\r\n\r\n".utf8), limits: limits)
        #expect(long.0.hasPrefix("HTTP/1.1 414 URI Too Long\r\n") && long.0.contains("Connection: close"))
        #expect(long.1)
        for garbage in ["GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u{01}c\r\n\r\n", "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"] {
            let answer = try Self.answer(Array(garbage.utf8))
            #expect(answer.0.hasPrefix("HTTP/1.1 400 Bad Request\r\n") && answer.0.hasSuffix("\r\n\r\n400 Bad Request"), "\(garbage)")
            #expect(answer.1, "\(garbage)")
        }
    }

    @Test func aGoodRequestPassesAndAnIdleConnectionCloses() throws {
        var limits = ConnectionLimits()
        limits.idleTimeout = .seconds(90)
        let channel = try Self.channel(limits)
        try channel.writeInbound(ByteBuffer(string: "GET /version HTTP/1.1\r\nHost: a\r\n\r\n"))
        guard case .head(let head) = try #require(try channel.readInbound(as: HTTPServerRequestPart.self)) else {
            Issue.record("no request head")
            return
        }
        #expect(head.uri == "/version")
        // While the request is answered (a watch can take an hour), nothing times out.
        channel.embeddedEventLoop.advanceTime(by: .seconds(600))
        #expect(channel.isActive)
        try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
        channel.embeddedEventLoop.advanceTime(by: .seconds(89))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test func plainHTTPOnTheTLSPortIsToldSo() throws {
        #expect(ProtocolErrorAnswer.looksLikeHTTP(Array("GET / HTTP/1.1".utf8)))
        #expect(!ProtocolErrorAnswer.looksLikeHTTP([0x16, 0x03, 0x01, 0x02, 0x00]))
        let channel = EmbeddedChannel(handler: PlainHTTPOnTLSPort())
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(ByteBuffer(string: "POST /api HTTP/1.1\r\n"))
        var out = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(out.readString(length: out.readableBytes) == "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
        #expect(!channel.isActive)
        let tls = EmbeddedChannel(handler: PlainHTTPOnTLSPort())
        try tls.writeInbound(ByteBuffer(bytes: [0x16, 0x03, 0x01, 0x02, 0x00, 0x01]))
        #expect(try tls.readInbound(as: ByteBuffer.self)?.readableBytes == 6)
    }
}

extension ConnectionGuardTests {
    /// A WebSocket upgrade: the 101 goes out whole (written and flushed together, as NIO's
    /// upgrade handler sends it) and the guard leaves the pipeline.
    @Test func theGuardStepsAsideForAnUpgrade() throws {
        let channel = try Self.channel()
        try channel.writeInbound(ByteBuffer(string: "GET /api/v1/namespaces/default/pods/p/exec HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n"))
        _ = try channel.readInbound(as: HTTPServerRequestPart.self)
        var headers = HTTPHeaders()
        headers.add(name: "Upgrade", value: "websocket")
        channel.writeAndFlush(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .switchingProtocols, headers: headers)),
                              promise: nil)
        var out = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(out.readString(length: out.readableBytes)?.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n") == true)
        #expect(throws: (any Error).self) { try channel.pipeline.syncOperations.handler(type: RequestGuard.self) }
        channel.embeddedEventLoop.advanceTime(by: .seconds(600))
        #expect(channel.isActive)
    }
}
