import Foundation
import NIOCore
import NIOPosix
import PorticoDNSWire

/// Names outside the cluster go to the upstream resolvers, as CoreDNS's `forward . /etc/resolv.conf`:
/// tried in order, each with a timeout; a reply is relayed as it came (same ID as the
/// client's query). Over UDP when the client used UDP, over TCP when it used TCP.
public struct Forwarder: Sendable {
    public var upstreams: [SocketAddress]
    public var timeout: Duration

    public init(upstreams: [SocketAddress], timeout: Duration = .seconds(2)) {
        self.upstreams = upstreams
        self.timeout = timeout
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

    /// The first upstream answer to `query`, or nil when none answered in time.
    public func forward(_ query: ByteBuffer, id: UInt16, overTCP: Bool) async -> ByteBuffer? {
        for upstream in self.upstreams {
            let answer = try? await self.withTimeout {
                overTCP ? try await self.tcp(query, to: upstream) : try await self.udp(query, id: id, to: upstream)
            }
            if let answer, let header = DNSMessage.readHeader(answer)?.header, header.id == id { return answer }
        }
        return nil
    }

    func withTimeout(_ body: @escaping @Sendable () async throws -> ByteBuffer) async throws -> ByteBuffer {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: self.timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let answer = first else { throw CancellationError() }
            return answer
        }
    }

    func udp(_ query: ByteBuffer, id: UInt16, to upstream: SocketAddress) async throws -> ByteBuffer {
        let any = upstream.protocol == .inet6 ? "::" : "0.0.0.0"
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: any, port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(AddressedEnvelope(remoteAddress: upstream, data: query))
            for try await envelope in inbound where envelope.remoteAddress == upstream {
                if DNSMessage.readHeader(envelope.data)?.header.id == id { return envelope.data }
            }
            throw CancellationError()
        }
    }

    func tcp(_ query: ByteBuffer, to upstream: SocketAddress) async throws -> ByteBuffer {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(to: upstream) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var framed = ByteBuffer()
            framed.writeInteger(UInt16(query.readableBytes))
            framed.writeImmutableBuffer(query)
            try await outbound.write(framed)
            for try await message in inbound { return message }
            throw CancellationError()
        }
    }
}

/// RFC 7766 framing: each message after a two-octet length.
public struct DNSTCPFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    public init() {}

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
              buffer.readableBytes >= 2 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 2)
        context.fireChannelRead(Self.wrapInboundOut(buffer.readSlice(length: Int(length))!))
        return .continue
    }
}
