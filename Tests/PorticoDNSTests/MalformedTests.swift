import NIOCore
import NIOPosix
import PorticoDNS
import PorticoDNSWire
import Testing

/// Hostile packets: each gets FORMERR (or the code its fault calls for) or is dropped, and
/// the server goes on answering.
@Suite struct MalformedTests {
    /// Sends one datagram and waits up to `wait` for a reply.
    static func exchange(_ bytes: [UInt8], port: Int, wait: Duration = .milliseconds(500)) async throws -> DNSMessage? {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                }
            }
        let server = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(AddressedEnvelope(remoteAddress: server, data: ByteBuffer(bytes: bytes)))
            return try await withThrowingTaskGroup(of: DNSMessage?.self) { group in
                group.addTask {
                    for try await envelope in inbound { return try DNSMessage(from: envelope.data) }
                    return nil
                }
                group.addTask {
                    try await Task.sleep(for: wait)
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
        }
    }

    /// A header: id 0xbeef, RD, and the four counts.
    static func header(flags: UInt16 = 0x0100, counts: [UInt16] = [1, 0, 0, 0]) -> [UInt8] {
        var bytes: [UInt8] = [0xbe, 0xef, UInt8(flags >> 8), UInt8(flags & 0xff)]
        for count in counts { bytes += [UInt8(count >> 8), UInt8(count & 0xff)] }
        return bytes
    }

    static let myservice: [UInt8] = {
        var bytes: [UInt8] = []
        for label in ["myservice", "default", "svc", "cluster", "local"] { bytes += [UInt8(label.utf8.count)] + Array(label.utf8) }
        return bytes + [0]
    }()

    static func question(_ name: [UInt8], type: UInt16 = 1, dnsClass: UInt16 = 1) -> [UInt8] {
        name + [UInt8(type >> 8), UInt8(type & 0xff), UInt8(dnsClass >> 8), UInt8(dnsClass & 0xff)]
    }

    @Test func hostilePacketsGetFormerrOrAreDroppedAndTheServerGoesOn() async throws {
        let fixture = try await DNSFixture.start(records: try DNSFixture.standardRecords(), upstreams: [])
        defer { Task { await fixture.bound.close() } }
        let port = fixture.bound.port
        let cases: [(String, [UInt8], DNSResponseCode?)] = [
            ("shorter than a header", [0xbe, 0xef, 0x01], nil),
            ("a response, not a query", Self.header(flags: 0x8100) + Self.question(Self.myservice), nil),
            ("a question counted but missing", Self.header(), .formatError),
            ("a name cut short", Self.header() + Array(Self.myservice.prefix(7)), .formatError),
            ("a compression pointer to itself", Self.header() + Self.question([0xc0, 12]), .formatError),
            ("a compression pointer forwards", Self.header() + Self.question([0xc0, 40]) + [UInt8](repeating: 0, count: 40), .formatError),
            ("a loop through two pointers", Self.header() + Self.question([1, 0x61, 0xc0, 12]), .formatError),
            ("records counted but missing", Self.header(counts: [1, 5, 0, 0]) + Self.question(Self.myservice), .formatError),
            ("counts far beyond the packet", Self.header(counts: [65535, 65535, 65535, 65535]) + Self.question(Self.myservice), .formatError),
            ("two questions", Self.header(counts: [2, 0, 0, 0]) + Self.question(Self.myservice) + Self.question(Self.myservice), .formatError),
            ("an extended label type", Self.header() + Self.question([0x41] + [UInt8](repeating: 0x61, count: 10) + [0]), .formatError),
            ("a name over 255 octets", Self.header() + Self.question(Array([[UInt8]](repeating: [63] + [UInt8](repeating: 0x61, count: 63), count: 5).joined()) + [0]), .formatError),
            ("octets after the last record", Self.header() + Self.question(Self.myservice) + [UInt8](repeating: 0xff, count: 3000), .formatError),
            ("an unknown class", Self.header() + Self.question(Self.myservice, dnsClass: 1234), .formatError),
            ("the CHAOS class", Self.header() + Self.question(Self.myservice, dnsClass: 3), .notImplemented),
            ("an OPT question", Self.header() + Self.question(Self.myservice, type: 41), .formatError),
            ("opcode STATUS", Self.header(flags: 0x1100) + Self.question(Self.myservice), .notImplemented),
            ("a zone transfer", Self.header() + Self.question(Self.myservice, type: 252), .refused),
            ("EDNS version 1", Self.header(counts: [1, 0, 0, 1]) + Self.question(Self.myservice) + [0, 0, 41, 0x04, 0xd0, 0, 1, 0, 0, 0, 0], .badVersion),
            ("two OPT records", Self.header(counts: [1, 0, 0, 2]) + Self.question(Self.myservice) + [0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]
                + [0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0], .formatError),
        ]
        for (what, bytes, expected) in cases {
            let reply = try await Self.exchange(bytes, port: port)
            if let expected {
                #expect(reply?.responseCode == expected, "\(what): \(String(describing: reply))")
                #expect(reply?.header.id == 0xbeef && reply?.header.isResponse == true, "\(what)")
            } else {
                #expect(reply == nil, "\(what) should be dropped: \(String(describing: reply))")
            }
            // After each: a good query is still answered.
            let good = try await Self.exchange(Self.header() + Self.question(Self.myservice), port: port, wait: .seconds(2))
            #expect(good?.answers.first?.data == .a([10, 96, 0, 20]), "after \(what)")
        }
    }

    @Test func garbageOverTCPClosesThatConnectionOnly() async throws {
        let fixture = try await DNSFixture.start(records: try DNSFixture.standardRecords(), upstreams: [])
        defer { Task { await fixture.bound.close() } }
        let bad = Self.header(counts: [1, 9, 0, 0]) + Self.question([0xc0, 12])
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: fixture.bound.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let replies = try await channel.executeThenClose { inbound, outbound in
            var framed = ByteBuffer()
            for message in [bad, Self.header() + Self.question(Self.myservice)] {
                framed.writeInteger(UInt16(message.count))
                framed.writeBytes(message)
            }
            try await outbound.write(framed)
            var replies: [DNSMessage] = []
            for try await message in inbound {
                replies.append(try DNSMessage(from: message))
                if replies.count == 2 { break }
            }
            return replies
        }
        // Both queries on one connection are answered, the broken one with FORMERR.
        #expect(replies.map(\.responseCode) == [.formatError, .noError])
        #expect(replies.last?.answers.first?.data == .a([10, 96, 0, 20]))
    }
}
