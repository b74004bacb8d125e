#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOPosix
import PorticoDNSWire

/// The DNS server's sockets: one UDP socket per event loop on the same port
/// (SO_REUSEPORT, as CoreDNS's multisocket), and a TCP listener (RFC 7766: several queries
/// per connection, closed after 10 s idle). Cluster answers are computed on the event loop
/// that read the query; only forwarded queries leave it.
public final class DNSServer: Sendable {
    public let responder: DNSResponder
    public let forwarder: Forwarder
    let logger: Logger

    public init(responder: DNSResponder, forwarder: Forwarder, logger: Logger = Logger(label: "portico-dns")) {
        self.responder = responder
        self.forwarder = forwarder
        self.logger = logger
    }

    public struct Bound: Sendable {
        public var udp: [Channel]
        public var tcp: Channel
        public var port: Int

        /// Closes every socket.
        public func close() async {
            for channel in self.udp + [self.tcp] { try? await channel.close() }
        }
    }

    /// Binds UDP and TCP on `host:port` (port 0: a free port, the same for both).
    public func bind(host: String, port: Int, sockets: Int = System.coreCount) async throws -> Bound {
        let group = MultiThreadedEventLoopGroup.singleton
        let tcp = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        IdleStateHandler(readTimeout: .seconds(10)),
                        ByteToMessageHandler(DNSTCPFrameDecoder()),
                        DNSTCPHandler(server: self),
                    ])
                }
            }
            .bind(host: host, port: port).get()
        let actualPort = tcp.localAddress?.port ?? port
        var udp: [Channel] = []
        do {
            for _ in 0..<max(1, sockets) {
                let channel = try await DatagramBootstrap(group: group)
                    .channelOption(ChannelOptions.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: 1)
                    .channelOption(.datagramVectorReadMessageCount, value: 16)
                    .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 4096 * 16))
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(DNSUDPHandler(server: self))
                        }
                    }
                    .bind(host: host, port: actualPort).get()
                udp.append(channel)
            }
        } catch {
            for channel in udp { try? await channel.close() }
            try? await tcp.close()
            throw error
        }
        return Bound(udp: udp, tcp: tcp, port: actualPort)
    }

    /// Answers a forwarded or chased query from the upstreams; `deliver` writes the result.
    func resolveAsync(_ action: DNSResponder.Action, original: ByteBuffer, overTCP: Bool, on loop: EventLoop,
                      deliver: @escaping @Sendable (ByteBuffer) -> Void) {
        switch action {
        case .forward(let query):
            let maxSize = DNSResponder.replySize(for: query, overTCP: overTCP)
            self.forwarder.forward(original, id: query.header.id, overTCP: overTCP, on: loop).whenSuccess { answer in
                deliver(answer ?? DNSResponder.serverFailure(query, maxSize: maxSize))
            }
        case .chase(let response, let question, let maxSize):
            var lookup = DNSMessage(header: DNSHeader(id: UInt16.random(in: 0...UInt16.max)), questions: [question])
            lookup.header.recursionDesired = true
            var bytes = ByteBuffer()
            bytes.writeDNSMessage(lookup)
            self.forwarder.forward(bytes, id: lookup.header.id, overTCP: overTCP, on: loop).whenSuccess { answer in
                deliver(DNSResponder.complete(response, with: answer.flatMap { try? DNSMessage(from: $0) }, maxSize: maxSize))
            }
        case .reply(let bytes): deliver(bytes)
        case .drop: break
        }
    }
}

final class DNSUDPHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let server: DNSServer

    init(server: DNSServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        let action = self.server.responder.respond(to: envelope.data, overTCP: false)
        switch action {
        case .reply(let answer):
            context.write(Self.wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: answer)), promise: nil)
        case .drop:
            break
        case .forward, .chase:
            let channel = context.channel
            let remote = envelope.remoteAddress
            self.server.resolveAsync(action, original: envelope.data, overTCP: false, on: context.eventLoop) { answer in
                channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: answer), promise: nil)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A UDP socket keeps serving after a failed send or an ICMP error.
    }
}

final class DNSTCPHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let server: DNSServer

    init(server: DNSServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let query = Self.unwrapInboundIn(data)
        let action = self.server.responder.respond(to: query, overTCP: true)
        switch action {
        case .reply(let answer):
            context.write(Self.wrapOutboundOut(DNSTCPFrameDecoder.frame(answer)), promise: nil)
        case .drop:
            // RFC 7766 §6.2.2: a message that is not a query ends the connection.
            context.close(promise: nil)
        case .forward, .chase:
            let channel = context.channel
            self.server.resolveAsync(action, original: query, overTCP: true, on: context.eventLoop) { answer in
                channel.writeAndFlush(DNSTCPFrameDecoder.frame(answer), promise: nil)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
