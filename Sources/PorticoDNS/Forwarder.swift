import Foundation
import NIOCore
import NIOPosix
import PorticoDNSWire

/// Names outside the cluster go to the upstream resolvers, as CoreDNS's `forward . /etc/resolv.conf`:
/// tried in order, each with a timeout; a reply is relayed as it came (same ID as the
/// client's query). Over UDP when the client used UDP, over TCP when it used TCP.
/// Everything happens on NIO event loops (futures, no Swift tasks), so a busy process never
/// keeps an answer waiting for a thread.
public struct Forwarder: Sendable {
    public var upstreams: [SocketAddress]
    public var timeout: TimeAmount

    public init(upstreams: [SocketAddress], timeout: Duration = .seconds(2)) {
        self.upstreams = upstreams
        let (seconds, attoseconds) = timeout.components
        self.timeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// The `nameserver` lines of a resolv.conf, port 53.
    public static func upstreams(resolvConf path: String) -> [SocketAddress] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 2, words[0] == "nameserver" else { return nil }
            return try? SocketAddress(ipAddress: String(words[1]), port: 53)
        }
    }

    /// The first upstream answer to `query` (whose ID is `id`), or nil when none answered in time.
    public func forward(_ query: ByteBuffer, id: UInt16, overTCP: Bool, on loop: EventLoop) -> EventLoopFuture<ByteBuffer?> {
        self.forward(query, id: id, overTCP: overTCP, on: loop, from: self.upstreams[...])
    }

    func forward(_ query: ByteBuffer, id: UInt16, overTCP: Bool, on loop: EventLoop, from upstreams: ArraySlice<SocketAddress>) -> EventLoopFuture<ByteBuffer?> {
        guard let upstream = upstreams.first else { return loop.makeSucceededFuture(nil) }
        let attempt = overTCP ? self.tcp(query, id: id, to: upstream, on: loop) : self.udp(query, id: id, to: upstream, on: loop)
        return attempt.flatMap { answer in
            if let answer { return loop.makeSucceededFuture(answer) }
            return self.forward(query, id: id, overTCP: overTCP, on: loop, from: upstreams.dropFirst())
        }
    }

    func udp(_ query: ByteBuffer, id: UInt16, to upstream: SocketAddress, on loop: EventLoop) -> EventLoopFuture<ByteBuffer?> {
        let promise = loop.makePromise(of: ByteBuffer?.self)
        let any = upstream.protocol == .inet6 ? "::" : "0.0.0.0"
        DatagramBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UpstreamReply<AddressedEnvelope<ByteBuffer>>(id: id, promise: promise) {
                        $0.remoteAddress == upstream ? $0.data : nil
                    })
                }
            }
            .bind(host: any, port: 0)
            .whenComplete { result in
                switch result {
                case .failure: promise.succeed(nil)
                case .success(let channel):
                    channel.writeAndFlush(AddressedEnvelope(remoteAddress: upstream, data: query), promise: nil)
                    let timer = loop.scheduleTask(in: self.timeout) { promise.succeed(nil) }
                    promise.futureResult.whenComplete { _ in
                        timer.cancel()
                        channel.close(promise: nil)
                    }
                }
            }
        return promise.futureResult
    }

    func tcp(_ query: ByteBuffer, id: UInt16, to upstream: SocketAddress, on loop: EventLoop) -> EventLoopFuture<ByteBuffer?> {
        let promise = loop.makePromise(of: ByteBuffer?.self)
        ClientBootstrap(group: loop)
            .connectTimeout(self.timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(DNSTCPFrameDecoder()),
                        UpstreamReply<ByteBuffer>(id: id, promise: promise) { $0 },
                    ])
                }
            }
            .connect(to: upstream)
            .whenComplete { result in
                switch result {
                case .failure: promise.succeed(nil)
                case .success(let channel):
                    channel.writeAndFlush(DNSTCPFrameDecoder.frame(query), promise: nil)
                    let timer = loop.scheduleTask(in: self.timeout) { promise.succeed(nil) }
                    promise.futureResult.whenComplete { _ in
                        timer.cancel()
                        channel.close(promise: nil)
                    }
                }
            }
        return promise.futureResult
    }
}

/// Takes the first reply with the query's ID (from the upstream's address, over UDP).
final class UpstreamReply<Message>: ChannelInboundHandler {
    typealias InboundIn = Message

    let id: UInt16
    let promise: EventLoopPromise<ByteBuffer?>
    /// The DNS message in what the channel read, if it is from the upstream.
    let extract: (Message) -> ByteBuffer?
    var done = false

    init(id: UInt16, promise: EventLoopPromise<ByteBuffer?>, extract: @escaping (Message) -> ByteBuffer?) {
        self.id = id
        self.promise = promise
        self.extract = extract
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.done, let message = self.extract(Self.unwrapInboundIn(data)),
              DNSMessage.readHeader(message)?.header.id == self.id else { return }
        self.done = true
        self.promise.succeed(message)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !self.done {
            self.done = true
            self.promise.succeed(nil)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // An ICMP refusal or a reset: this upstream has no answer.
        if !self.done {
            self.done = true
            self.promise.succeed(nil)
        }
        context.close(promise: nil)
    }
}

/// RFC 7766 framing: each message after a two-octet length.
public struct DNSTCPFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    public init() {}

    /// `message` with its two-octet length in front.
    public static func frame(_ message: ByteBuffer) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(2 + message.readableBytes)
        out.writeInteger(UInt16(message.readableBytes))
        out.writeImmutableBuffer(message)
        return out
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
              buffer.readableBytes >= 2 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 2)
        context.fireChannelRead(Self.wrapInboundOut(buffer.readSlice(length: Int(length))!))
        return .continue
    }
}
