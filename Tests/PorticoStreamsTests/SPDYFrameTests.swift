import NIOCore
import PorticoStreams
import Testing

/// Bytes a real spdystream (moby/spdystream, Debian's golang-github-docker-spdystream-dev)
/// client wrote for one kubectl-style request, recorded against a spdystream server:
/// SYN_STREAM 1 {streamtype: error, port: 8080, requestid: 0}, DATA 1 FIN,
/// SYN_STREAM 3 {streamtype: data, ...}, DATA 3 "hello pod", DATA 3 FIN, PING 1.
let goClientConversation = hexBytes("""
    800300010000003e0000000100000000000078f9e3c6a7c202253a703a2b294a4dcc851625aca9a080\
    8614cb45e01c60616061c0c0c0c0590489c64c50f2663400000000ffff0000000101000000800300010000\
    001800000003000000000000c2aa19540e2512d60b000000ffff000000030000000968656c6c6f20706f64\
    0000000301000000800300060000000400000001
    """)

/// Where each frame of `goClientConversation` begins, which is also how client-go cuts it
/// further: one WebSocket message per field it writes.
let goClientFieldSizes: [Int] = [
    2, 2, 4, 4, 4, 1, 1, 52,   // SYN_STREAM 1: version, type, flags+length, id, assoc, pri, slot, block
    4, 4,                      // DATA 1 FIN: id, flags+length (no payload)
    2, 2, 4, 4, 4, 1, 1, 14,   // SYN_STREAM 3
    4, 4, 9,                   // DATA 3 "hello pod"
    4, 4,                      // DATA 3 FIN
    2, 2, 4, 4,                // PING 1
]

@Suite("SPDY frames")
struct SPDYFrameTests {
    static let allFrames: [SPDYFrame] = [
        .data(streamID: 3, fin: false, payload: ByteBuffer(string: "payload")),
        .data(streamID: 0x7FFF_FFFF, fin: true, payload: ByteBuffer()),
        .synStream(streamID: 1, associatedStreamID: 0, priority: 0, slot: 0, fin: false, unidirectional: false,
                   headers: ["streamtype": "error", "port": "8080", "requestid": "0"]),
        .synStream(streamID: 5, associatedStreamID: 3, priority: 7, slot: 2, fin: true, unidirectional: true,
                   headers: ["multi": "a\u{0}b"]),
        .synReply(streamID: 1, fin: false, headers: [:]),
        .synReply(streamID: 7, fin: true, headers: ["status": "200"]),
        .rstStream(streamID: 3, status: .cancel),
        .settings(clearPersisted: true, entries: [SPDYSetting(flags: 1, id: 7, value: 65536),
                                                  SPDYSetting(id: 4, value: 100)]),
        .settings(clearPersisted: false, entries: []),
        .ping(id: 1),
        .goAway(lastGoodStreamID: 9, status: 2),
        .headers(streamID: 3, fin: true, headers: ["x": "y"]),
        .windowUpdate(streamID: 0, deltaWindowSize: 1 << 20),
        .unknownControl(type: 10, flags: 0, payload: ByteBuffer(bytes: [1, 2, 3])),
    ]

    @Test("every frame type survives encode then decode")
    func roundTrip() throws {
        let encoder = try SPDYFrameEncoder()
        var decoder = try SPDYFrameDecoder()
        for frame in Self.allFrames {
            decoder.append(try encoder.encode(frame))
            #expect(try decoder.nextFrame() == frame)
            #expect(try decoder.nextFrame() == nil)
        }
    }

    @Test("frames split into arbitrary chunks decode the same", arguments: [1, 2, 3, 7, 13, 64])
    func chunked(chunkSize: Int) throws {
        let encoder = try SPDYFrameEncoder()
        var all = ByteBuffer()
        for frame in Self.allFrames { try encoder.encode(frame, into: &all) }
        var decoder = try SPDYFrameDecoder()
        var decoded: [SPDYFrame] = []
        while all.readableBytes > 0 {
            decoder.append(all.readSlice(length: min(chunkSize, all.readableBytes))!)
            while let frame = try decoder.nextFrame() { decoded.append(frame) }
        }
        #expect(decoded == Self.allFrames)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("fixed layouts match the draft byte for byte")
    func wireLayout() throws {
        let encoder = try SPDYFrameEncoder()
        #expect(Array(buffer: try encoder.encode(.ping(id: 1)))
                == [0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01])
        #expect(Array(buffer: try encoder.encode(.rstStream(streamID: 3, status: .cancel)))
                == [0x80, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00, 0x08, 0, 0, 0, 3, 0, 0, 0, 5])
        #expect(Array(buffer: try encoder.encode(.data(streamID: 3, fin: true, payload: ByteBuffer(string: "hi"))))
                == [0, 0, 0, 3, 0x01, 0, 0, 2, 0x68, 0x69])
        #expect(Array(buffer: try encoder.encode(.windowUpdate(streamID: 1, deltaWindowSize: 5)))
                == [0x80, 0x03, 0x00, 0x09, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 5])
        // SYN_REPLY: header (length = 4 + block), stream id, then the compressed block.
        let reply = Array(buffer: try encoder.encode(.synReply(streamID: 1, fin: false, headers: [:])))
        #expect(Array(reply[0..<4]) == [0x80, 0x03, 0x00, 0x02])
        #expect(Int(reply[5]) << 16 | Int(reply[6]) << 8 | Int(reply[7]) == reply.count - 8)
        #expect(Array(reply[8..<12]) == [0, 0, 0, 1])
    }

    @Test("decodes what a real spdystream client sent, fed one field at a time as client-go writes it")
    func goClientBytes() throws {
        #expect(goClientFieldSizes.reduce(0, +) == goClientConversation.count)
        var decoder = try SPDYFrameDecoder()
        var frames: [SPDYFrame] = []
        var offset = 0
        for size in goClientFieldSizes {
            decoder.append(buffer(Array(goClientConversation[offset..<(offset + size)])))
            offset += size
            while let frame = try decoder.nextFrame() { frames.append(frame) }
        }
        #expect(frames.count == 6)
        guard frames.count == 6 else { return }
        guard case .synStream(1, 0, 0, 0, false, false, let errorHeaders) = frames[0] else {
            Issue.record("expected SYN_STREAM 1, got \(frames[0])"); return
        }
        #expect(errorHeaders["streamType"] == "error")
        #expect(errorHeaders["port"] == "8080")
        #expect(errorHeaders["requestID"] == "0")
        #expect(frames[1] == .data(streamID: 1, fin: true, payload: ByteBuffer()))
        guard case .synStream(3, 0, 0, 0, false, false, let dataHeaders) = frames[2] else {
            Issue.record("expected SYN_STREAM 3, got \(frames[2])"); return
        }
        #expect(dataHeaders["streamtype"] == "data")
        #expect(dataHeaders["requestid"] == "0")
        #expect(frames[3] == .data(streamID: 3, fin: false, payload: ByteBuffer(string: "hello pod")))
        #expect(frames[4] == .data(streamID: 3, fin: true, payload: ByteBuffer()))
        #expect(frames[5] == .ping(id: 1))
    }

    @Test("stream id top bits are reserved and ignored on read")
    func reservedBits() throws {
        var decoder = try SPDYFrameDecoder()
        decoder.append(buffer([0x80, 0x03, 0x00, 0x09, 0, 0, 0, 8, 0x80, 0, 0, 1, 0x80, 0, 0, 5]))
        #expect(try decoder.nextFrame() == .windowUpdate(streamID: 1, deltaWindowSize: 5))
    }

    @Test("the encoder refuses what spdystream would refuse to read")
    func encoderRefusals() throws {
        let encoder = try SPDYFrameEncoder()
        #expect(throws: SPDYError.self) { try encoder.encode(.data(streamID: 0, fin: false, payload: ByteBuffer())) }
        #expect(throws: SPDYError.self) { try encoder.encode(.ping(id: 0)) }
        #expect(throws: SPDYError.self) { try encoder.encode(.rstStream(streamID: 1, status: SPDYStreamStatus(rawValue: 0))) }
        #expect(throws: SPDYError.self) { try encoder.encode(.synReply(streamID: 0, fin: false, headers: [:])) }
    }
}

@Suite("Malformed SPDY input")
struct SPDYMalformedInputTests {
    func decodeError(_ bytes: [UInt8]) throws -> SPDYError? {
        var decoder = try SPDYFrameDecoder(maximumFrameLength: 1024)
        decoder.append(buffer(bytes))
        do {
            _ = try decoder.nextFrame()
            return nil
        } catch {
            return error
        }
    }

    @Test("wrong version")
    func version() throws {
        #expect(try decodeError([0x80, 0x02, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1]) == .unsupportedVersion(2))
    }

    @Test("wrong fixed lengths")
    func lengths() throws {
        #expect(try decodeError([0x80, 0x03, 0x00, 0x06, 0, 0, 0, 5, 0, 0, 0, 1, 0]) == .invalidLength(frame: "PING", length: 5))
        #expect(try decodeError([0x80, 0x03, 0x00, 0x03, 0, 0, 0, 4, 0, 0, 0, 1]) == .invalidLength(frame: "RST_STREAM", length: 4))
        #expect(try decodeError([0x80, 0x03, 0x00, 0x07, 0, 0, 0, 4, 0, 0, 0, 1]) == .invalidLength(frame: "GOAWAY", length: 4))
        #expect(try decodeError([0x80, 0x03, 0x00, 0x01, 0, 0, 0, 2, 0, 1]) == .invalidLength(frame: "SYN_STREAM", length: 2))
        // SETTINGS claiming 2 entries but carrying one.
        #expect(try decodeError([0x80, 0x03, 0x00, 0x04, 0, 0, 0, 12, 0, 0, 0, 2, 0, 0, 0, 7, 0, 1, 0, 0])
                == .invalidLength(frame: "SETTINGS", length: 12))
        // SETTINGS with an absurd count must not allocate it.
        #expect(try decodeError([0x80, 0x03, 0x00, 0x04, 0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF])
                == .invalidLength(frame: "SETTINGS", length: 4))
    }

    @Test("stream 0 where a stream is required, RST status 0")
    func zeroes() throws {
        #expect(try decodeError([0, 0, 0, 0, 0, 0, 0, 0]) == .invalidFrame("DATA frame on stream 0"))
        #expect(try decodeError([0x80, 0x03, 0x00, 0x03, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 5]) == .invalidFrame("RST_STREAM on stream 0"))
        #expect(try decodeError([0x80, 0x03, 0x00, 0x03, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0]) == .invalidFrame("RST_STREAM with status 0"))
    }

    @Test("oversized frames are refused before they are buffered")
    func oversized() throws {
        #expect(try decodeError([0, 0, 0, 1, 0, 0x10, 0, 0]) == .frameTooLarge(length: 0x10_0000, limit: 1024))
    }

    @Test("a header block that is not zlib ends with a compression error")
    func garbageBlock() throws {
        let frame: [UInt8] = [0x80, 0x03, 0x00, 0x02, 0, 0, 0, 10, 0, 0, 0, 1] + [0xDE, 0xAD, 0xBE, 0xEF, 0, 0]
        guard case .compression = try decodeError(frame) else {
            Issue.record("expected a compression error"); return
        }
    }

    @Test("a block compressed with another dictionary is refused")
    func wrongDictionary() throws {
        // zlib header 78 F9 naming dictionary 0x00000001.
        let frame: [UInt8] = [0x80, 0x03, 0x00, 0x02, 0, 0, 0, 12, 0, 0, 0, 1, 0x78, 0xF9, 0, 0, 0, 1, 0, 0]
        #expect(try decodeError(frame) == .compression("inflate: peer's zlib header names a dictionary other than SPDY/3's"))
    }

    @Test("random bytes never crash the decoder", arguments: 0..<20)
    func fuzz(seed: Int) throws {
        var generator = SplitMix(seed: UInt64(seed))
        var decoder = try SPDYFrameDecoder(maximumFrameLength: 4096)
        var bytes: [UInt8] = (0..<512).map { _ in UInt8.random(in: 0...255, using: &generator) }
        if seed % 2 == 0 { bytes[0] = 0x80; bytes[1] = 0x03 }   // a plausible control frame first
        decoder.append(buffer(bytes))
        do {
            while try decoder.nextFrame() != nil {}
        } catch {
            // Any SPDYError is fine; the point is no trap.
        }
    }
}

/// Deterministic random numbers for the fuzz test.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
