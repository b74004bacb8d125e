import NIOCore

/// A SPDY/3.1 frame, with its header block already decompressed.
///
/// These are the frames spdystream (client-go's and the kubelet's SPDY library) reads
/// and writes. Layouts, all big-endian (SPDY draft 3.1, section 2.2 and 2.6):
/// - control frame header: 1 bit control (1), 15 bits version (3), 16 bits type,
///   8 bits flags, 24 bits length of what follows;
/// - data frame header: 1 bit control (0), 31 bits stream id, 8 bits flags, 24 bits length.
/// Stream ids are 31-bit; the top bit of every id field is reserved and ignored on read.
public enum SPDYFrame: Hashable, Sendable {
    /// DATA: payload bytes of one stream; `fin` half-closes the sender's side.
    case data(streamID: UInt32, fin: Bool, payload: ByteBuffer)
    /// SYN_STREAM (type 1): opens a stream. The priority is 3 bits; the slot is unused by spdystream.
    case synStream(streamID: UInt32, associatedStreamID: UInt32, priority: UInt8, slot: UInt8,
                   fin: Bool, unidirectional: Bool, headers: SPDYHeaderBlock)
    /// SYN_REPLY (type 2): accepts a stream the peer opened.
    case synReply(streamID: UInt32, fin: Bool, headers: SPDYHeaderBlock)
    /// RST_STREAM (type 3): aborts a stream.
    case rstStream(streamID: UInt32, status: SPDYStreamStatus)
    /// SETTINGS (type 4).
    case settings(clearPersisted: Bool, entries: [SPDYSetting])
    /// PING (type 6): the receiver echoes pings whose id parity is not its own.
    case ping(id: UInt32)
    /// GOAWAY (type 7): the sender takes no new streams after `lastGoodStreamID`.
    case goAway(lastGoodStreamID: UInt32, status: UInt32)
    /// HEADERS (type 8): extra headers for an open stream.
    case headers(streamID: UInt32, fin: Bool, headers: SPDYHeaderBlock)
    /// WINDOW_UPDATE (type 9); stream 0 means the whole connection in SPDY/3.1.
    case windowUpdate(streamID: UInt32, deltaWindowSize: UInt32)
    /// A control frame of a type SPDY/3.1 does not define (for instance CREDENTIAL, 10);
    /// the draft says to ignore such frames, so the decoder hands them up rather than failing.
    case unknownControl(type: UInt16, flags: UInt8, payload: ByteBuffer)
}

/// The status word of RST_STREAM (SPDY draft 3.1, section 2.6.3).
public struct SPDYStreamStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let protocolError = SPDYStreamStatus(rawValue: 1)
    public static let invalidStream = SPDYStreamStatus(rawValue: 2)
    public static let refusedStream = SPDYStreamStatus(rawValue: 3)
    public static let unsupportedVersion = SPDYStreamStatus(rawValue: 4)
    /// What spdystream sends from `Stream.Reset()`, as client-go does when a forward ends.
    public static let cancel = SPDYStreamStatus(rawValue: 5)
    public static let internalError = SPDYStreamStatus(rawValue: 6)
    public static let flowControlError = SPDYStreamStatus(rawValue: 7)
    public static let streamInUse = SPDYStreamStatus(rawValue: 8)
    public static let streamAlreadyClosed = SPDYStreamStatus(rawValue: 9)
    public static let frameTooLarge = SPDYStreamStatus(rawValue: 11)

    public var description: String {
        switch rawValue {
        case 1: return "PROTOCOL_ERROR"
        case 2: return "INVALID_STREAM"
        case 3: return "REFUSED_STREAM"
        case 4: return "UNSUPPORTED_VERSION"
        case 5: return "CANCEL"
        case 6: return "INTERNAL_ERROR"
        case 7: return "FLOW_CONTROL_ERROR"
        case 8: return "STREAM_IN_USE"
        case 9: return "STREAM_ALREADY_CLOSED"
        case 11: return "FRAME_TOO_LARGE"
        default: return "status \(rawValue)"
        }
    }
}

/// One entry of a SETTINGS frame: 8 bits flags, 24 bits id, 32 bits value.
public struct SPDYSetting: Hashable, Sendable {
    public var flags: UInt8
    public var id: UInt32
    public var value: UInt32

    public init(flags: UInt8 = 0, id: UInt32, value: UInt32) {
        self.flags = flags
        self.id = id
        self.value = value
    }

    /// SETTINGS_INITIAL_WINDOW_SIZE: the only setting that could matter to a data path.
    public static let initialWindowSizeID: UInt32 = 7
}

/// Wire constants shared by the decoder and the encoder.
enum SPDYWire {
    static let version: UInt16 = 3
    static let flagFin: UInt8 = 0x01
    static let flagUnidirectional: UInt8 = 0x02
    static let flagClearSettings: UInt8 = 0x01
    static let headerLength = 8
    /// 24-bit length field.
    static let maximumLength = 0xFF_FFFF

    enum ControlType: UInt16 {
        case synStream = 1, synReply = 2, rstStream = 3, settings = 4
        case ping = 6, goAway = 7, headers = 8, windowUpdate = 9
    }
}

/// Turns the byte stream from the peer into frames, whatever the chunking.
///
/// client-go writes every field of a frame with its own `Write` on the tunnelling
/// connection, and each `Write` is one WebSocket message; so a frame arrives in many
/// pieces and the decoder must buffer until a whole frame is there. It also owns the
/// peer's header decompression context, which is why there must be one decoder per
/// connection (copies would share the zlib state).
public struct SPDYFrameDecoder {
    private var buffer: ByteBuffer
    private let decompressor: SPDYHeaderDecompressor
    /// Frames longer than this end the connection instead of being buffered.
    public let maximumFrameLength: Int

    public init(maximumFrameLength: Int = 0xFF_FFFF) throws(SPDYError) {
        self.buffer = ByteBuffer()
        self.decompressor = try SPDYHeaderDecompressor()
        self.maximumFrameLength = maximumFrameLength
    }

    /// Bytes received but not yet part of a complete frame.
    public var bufferedByteCount: Int { buffer.readableBytes }

    /// Adds received bytes (any chunk of the stream).
    public mutating func append(_ bytes: ByteBuffer) {
        var bytes = bytes
        if buffer.readableBytes == 0 {
            buffer.clear()
        } else if buffer.readerIndex > 64 * 1024 {
            buffer.discardReadBytes()
        }
        buffer.writeBuffer(&bytes)
    }

    /// The next complete frame, or nil until more bytes arrive.
    public mutating func nextFrame() throws(SPDYError) -> SPDYFrame? {
        guard buffer.readableBytes >= SPDYWire.headerLength,
              let first = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
              let second = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt32.self)
        else { return nil }
        let flags = UInt8(second >> 24)
        let length = Int(second & 0xFF_FFFF)
        guard length <= maximumFrameLength else {
            throw .frameTooLarge(length: length, limit: maximumFrameLength)
        }
        guard buffer.readableBytes >= SPDYWire.headerLength + length else { return nil }
        buffer.moveReaderIndex(forwardBy: SPDYWire.headerLength)
        // `readSlice` cannot fail: the length was checked just above.
        var payload = buffer.readSlice(length: length)!

        if first & 0x8000_0000 == 0 {
            let streamID = first & 0x7FFF_FFFF
            guard streamID != 0 else { throw .invalidFrame("DATA frame on stream 0") }
            return .data(streamID: streamID, fin: flags & SPDYWire.flagFin != 0, payload: payload)
        }
        let version = UInt16(truncatingIfNeeded: first >> 16) & 0x7FFF
        guard version == SPDYWire.version else { throw .unsupportedVersion(version) }
        let rawType = UInt16(truncatingIfNeeded: first)
        guard let type = SPDYWire.ControlType(rawValue: rawType) else {
            return .unknownControl(type: rawType, flags: flags, payload: payload)
        }
        return try parseControl(type, flags: flags, length: length, payload: &payload)
    }

    private func parseControl(_ type: SPDYWire.ControlType, flags: UInt8, length: Int,
                              payload: inout ByteBuffer) throws(SPDYError) -> SPDYFrame {
        func word() -> UInt32 { payload.readInteger(as: UInt32.self) ?? 0 }
        func requireLength(_ name: String, _ valid: Bool) throws(SPDYError) {
            if !valid { throw .invalidLength(frame: name, length: length) }
        }
        func stream(_ name: String, _ raw: UInt32) throws(SPDYError) -> UInt32 {
            let id = raw & 0x7FFF_FFFF
            if id == 0 { throw .invalidFrame("\(name) on stream 0") }
            return id
        }
        func headerBlock() throws(SPDYError) -> SPDYHeaderBlock {
            try decompressor.decompress(payload.readBytes(length: payload.readableBytes) ?? [])
        }
        let fin = flags & SPDYWire.flagFin != 0
        switch type {
        case .synStream:
            try requireLength("SYN_STREAM", length >= 10)
            let id = try stream("SYN_STREAM", word())
            let associated = word() & 0x7FFF_FFFF
            let priority = (payload.readInteger(as: UInt8.self) ?? 0) >> 5
            let slot = payload.readInteger(as: UInt8.self) ?? 0
            return .synStream(streamID: id, associatedStreamID: associated, priority: priority, slot: slot,
                              fin: fin, unidirectional: flags & SPDYWire.flagUnidirectional != 0,
                              headers: try headerBlock())
        case .synReply:
            try requireLength("SYN_REPLY", length >= 4)
            let id = try stream("SYN_REPLY", word())
            return .synReply(streamID: id, fin: fin, headers: try headerBlock())
        case .headers:
            try requireLength("HEADERS", length >= 4)
            let id = try stream("HEADERS", word())
            return .headers(streamID: id, fin: fin, headers: try headerBlock())
        case .rstStream:
            try requireLength("RST_STREAM", length == 8)
            let id = try stream("RST_STREAM", word())
            let status = word()
            guard status != 0 else { throw .invalidFrame("RST_STREAM with status 0") }
            return .rstStream(streamID: id, status: SPDYStreamStatus(rawValue: status))
        case .settings:
            try requireLength("SETTINGS", length >= 4)
            let count = Int(word())
            try requireLength("SETTINGS", count <= (length - 4) / 8 && length == 4 + count * 8)
            var entries: [SPDYSetting] = []
            entries.reserveCapacity(count)
            for _ in 0..<count {
                let flagsAndID = word()
                entries.append(SPDYSetting(flags: UInt8(flagsAndID >> 24), id: flagsAndID & 0xFF_FFFF, value: word()))
            }
            return .settings(clearPersisted: flags & SPDYWire.flagClearSettings != 0, entries: entries)
        case .ping:
            try requireLength("PING", length == 4)
            return .ping(id: word())
        case .goAway:
            try requireLength("GOAWAY", length == 8)
            let last = word() & 0x7FFF_FFFF
            return .goAway(lastGoodStreamID: last, status: word())
        case .windowUpdate:
            try requireLength("WINDOW_UPDATE", length == 8)
            let id = word() & 0x7FFF_FFFF
            return .windowUpdate(streamID: id, deltaWindowSize: word() & 0x7FFF_FFFF)
        }
    }
}

/// Turns frames into bytes for the peer, owning this side's header compression context.
///
/// Send each encoded frame to client-go as one WebSocket message (or several whole frames
/// in one): its reader decodes a header block through a look-ahead buffer limited to the
/// frame, and a frame split across messages can leave compressed bytes unread, which
/// spdystream reports as "compressed payload size was incorrect".
public struct SPDYFrameEncoder {
    private let compressor: SPDYHeaderCompressor

    public init() throws(SPDYError) {
        self.compressor = try SPDYHeaderCompressor()
    }

    /// Appends the wire form of `frame` to `buffer`.
    public func encode(_ frame: SPDYFrame, into buffer: inout ByteBuffer) throws(SPDYError) {
        switch frame {
        case .data(let streamID, let fin, let payload):
            try checkStream(streamID, "DATA")
            try checkLength(payload.readableBytes, "DATA")
            buffer.writeInteger(streamID)
            buffer.writeInteger(UInt32(fin ? SPDYWire.flagFin : 0) << 24 | UInt32(payload.readableBytes))
            var payload = payload
            buffer.writeBuffer(&payload)
        case .synStream(let streamID, let associated, let priority, let slot, let fin, let unidirectional, let headers):
            try checkStream(streamID, "SYN_STREAM")
            let block = try compressor.compress(headers)
            var flags: UInt8 = fin ? SPDYWire.flagFin : 0
            if unidirectional { flags |= SPDYWire.flagUnidirectional }
            try writeControlHeader(.synStream, flags: flags, length: 10 + block.count, into: &buffer)
            buffer.writeInteger(streamID)
            buffer.writeInteger(associated & 0x7FFF_FFFF)
            buffer.writeInteger((priority & 0x07) << 5)
            buffer.writeInteger(slot)
            buffer.writeBytes(block)
        case .synReply(let streamID, let fin, let headers):
            try checkStream(streamID, "SYN_REPLY")
            let block = try compressor.compress(headers)
            try writeControlHeader(.synReply, flags: fin ? SPDYWire.flagFin : 0, length: 4 + block.count, into: &buffer)
            buffer.writeInteger(streamID)
            buffer.writeBytes(block)
        case .headers(let streamID, let fin, let headers):
            try checkStream(streamID, "HEADERS")
            let block = try compressor.compress(headers)
            try writeControlHeader(.headers, flags: fin ? SPDYWire.flagFin : 0, length: 4 + block.count, into: &buffer)
            buffer.writeInteger(streamID)
            buffer.writeBytes(block)
        case .rstStream(let streamID, let status):
            try checkStream(streamID, "RST_STREAM")
            // spdystream refuses status 0 when reading.
            guard status.rawValue != 0 else { throw .invalidFrame("RST_STREAM with status 0") }
            try writeControlHeader(.rstStream, flags: 0, length: 8, into: &buffer)
            buffer.writeInteger(streamID)
            buffer.writeInteger(status.rawValue)
        case .settings(let clear, let entries):
            try writeControlHeader(.settings, flags: clear ? SPDYWire.flagClearSettings : 0,
                                   length: 4 + 8 * entries.count, into: &buffer)
            buffer.writeInteger(UInt32(entries.count))
            for entry in entries {
                buffer.writeInteger(UInt32(entry.flags) << 24 | (entry.id & 0xFF_FFFF))
                buffer.writeInteger(entry.value)
            }
        case .ping(let id):
            // spdystream refuses ping id 0 when reading.
            guard id != 0 else { throw .invalidFrame("PING with id 0") }
            try writeControlHeader(.ping, flags: 0, length: 4, into: &buffer)
            buffer.writeInteger(id)
        case .goAway(let last, let status):
            try writeControlHeader(.goAway, flags: 0, length: 8, into: &buffer)
            buffer.writeInteger(last & 0x7FFF_FFFF)
            buffer.writeInteger(status)
        case .windowUpdate(let streamID, let delta):
            try writeControlHeader(.windowUpdate, flags: 0, length: 8, into: &buffer)
            buffer.writeInteger(streamID & 0x7FFF_FFFF)
            buffer.writeInteger(delta & 0x7FFF_FFFF)
        case .unknownControl(let type, let flags, let payload):
            // Only for tests and tools: spdystream drops the connection on unknown types.
            try checkLength(payload.readableBytes, "control")
            buffer.writeInteger(UInt16(0x8000) | SPDYWire.version)
            buffer.writeInteger(type)
            buffer.writeInteger(UInt32(flags) << 24 | UInt32(payload.readableBytes))
            var payload = payload
            buffer.writeBuffer(&payload)
        }
    }

    /// The wire form of `frame` in a fresh buffer.
    public func encode(_ frame: SPDYFrame) throws(SPDYError) -> ByteBuffer {
        var buffer = ByteBuffer()
        try encode(frame, into: &buffer)
        return buffer
    }

    private func checkStream(_ id: UInt32, _ name: String) throws(SPDYError) {
        guard id != 0, id & 0x8000_0000 == 0 else { throw .invalidFrame("\(name) on stream \(id)") }
    }

    private func checkLength(_ length: Int, _ name: String) throws(SPDYError) {
        guard length <= SPDYWire.maximumLength else {
            throw .frameTooLarge(length: length, limit: SPDYWire.maximumLength)
        }
    }

    private func writeControlHeader(_ type: SPDYWire.ControlType, flags: UInt8, length: Int,
                                    into buffer: inout ByteBuffer) throws(SPDYError) {
        try checkLength(length, "control")
        buffer.writeInteger(UInt16(0x8000) | SPDYWire.version)
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(UInt32(flags) << 24 | UInt32(length))
    }
}
