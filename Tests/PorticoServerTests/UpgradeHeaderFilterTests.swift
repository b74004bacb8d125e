import NIOCore
import NIOEmbedded
import Testing

@testable import PorticoServer

/// A connection's first request: a non-WebSocket Upgrade header is renamed so the request
/// reaches the API handler; everything else passes untouched, however it is split.
struct UpgradeHeaderFilterTests {
    static let spdy = "POST /api/v1/namespaces/default/pods/client/exec?command=true HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n"

    @Test func renamesOnlyNonWebSocketUpgrades() {
        #expect(UpgradeHeaderFilter.rewrite(Self.spdy).contains("\r\nX-Portico-Upgrade: SPDY/3.1\r\n"))
        let ws = "GET /x HTTP/1.1\r\nupgrade: websocket\r\n\r\n"
        #expect(UpgradeHeaderFilter.rewrite(ws) == ws)
        let plain = "GET /version HTTP/1.1\r\nHost: x\r\nX-Upgrade-Note: spdy\r\n\r\n"
        #expect(UpgradeHeaderFilter.rewrite(plain) == plain)
    }

    @Test func passesEverythingOnAndStepsAside() throws {
        let channel = EmbeddedChannel(handler: UpgradeHeaderFilter())
        let bytes = Array((Self.spdy + "body-bytes").utf8)
        // Split inside the head: nothing passes until the head is whole.
        try channel.writeInbound(ByteBuffer(bytes: bytes[..<30]))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        try channel.writeInbound(ByteBuffer(bytes: bytes[30...]))
        var out = try #require(try channel.readInbound(as: ByteBuffer.self))
        let text = out.readString(length: out.readableBytes) ?? ""
        #expect(text == UpgradeHeaderFilter.rewrite(Self.spdy) + "body-bytes")
        // Later bytes go straight through: the filter has left the pipeline.
        try channel.writeInbound(ByteBuffer(string: "Upgrade: SPDY/3.1\r\n\r\n"))
        var later = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(later.readString(length: later.readableBytes) == "Upgrade: SPDY/3.1\r\n\r\n")
        _ = try channel.finish()
    }
}
