import CPorticoZlib
import NIOCore

/// One name/value pair of a SPDY/3 name/value header block.
///
/// SPDY/3 carries several values of one name in a single entry, separated by NUL
/// bytes; `value` keeps that raw form and `values` splits it.
public struct SPDYHeaderField: Hashable, Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// The individual values (SPDY/3 joins them with NUL).
    public var values: [String] {
        value.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
    }
}

/// The (uncompressed) name/value header block of SYN_STREAM, SYN_REPLY and HEADERS.
///
/// Wire form, all integers 32-bit big-endian: the pair count, then for each pair the
/// name length, the name, the value length, the value. Names travel lowercased:
/// spdystream lowercases them when writing and rejects upper case when reading, so
/// lookups here ignore case and encoding lowercases.
public struct SPDYHeaderBlock: Hashable, Sendable, ExpressibleByDictionaryLiteral {
    public var fields: [SPDYHeaderField]

    public init(_ fields: [SPDYHeaderField] = []) {
        self.fields = fields
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.fields = elements.map { SPDYHeaderField(name: $0.0, value: $0.1) }
    }

    /// The raw value of the first field named `name` (case-insensitive).
    public subscript(name: String) -> String? {
        let wanted = name.lowercased()
        return fields.first { $0.name.lowercased() == wanted }?.value
    }

    /// Serializes the block without compression.
    public func serialized() -> [UInt8] {
        var bytes: [UInt8] = []
        func appendLength(_ value: Int) {
            let v = UInt32(truncatingIfNeeded: value)
            bytes.append(contentsOf: [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16),
                                      UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)])
        }
        appendLength(fields.count)
        for field in fields {
            let name = Array(field.name.lowercased().utf8)
            let value = Array(field.value.utf8)
            appendLength(name.count)
            bytes.append(contentsOf: name)
            appendLength(value.count)
            bytes.append(contentsOf: value)
        }
        return bytes
    }

    /// Parses an uncompressed block; the bytes must hold exactly one block.
    public init(parsing bytes: [UInt8]) throws(SPDYError) {
        var index = 0
        func readLength(_ what: String) throws(SPDYError) -> Int {
            guard bytes.count - index >= 4 else {
                throw .malformedHeaderBlock("truncated \(what)")
            }
            let value = UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16
                | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
            index += 4
            return Int(value)
        }
        func readString(_ what: String) throws(SPDYError) -> String {
            let length = try readLength("\(what) length")
            guard bytes.count - index >= length else {
                throw .malformedHeaderBlock("\(what) of \(length) bytes runs past the block")
            }
            let slice = bytes[index..<(index + length)]
            index += length
            return String(decoding: slice, as: UTF8.self)
        }
        let count = try readLength("pair count")
        // Each pair takes at least 8 bytes, which bounds a lying count before any allocation.
        guard count <= (bytes.count - index) / 8 else {
            throw .malformedHeaderBlock("pair count \(count) does not fit in \(bytes.count) bytes")
        }
        var fields: [SPDYHeaderField] = []
        fields.reserveCapacity(count)
        for _ in 0..<count {
            let name = try readString("header name")
            guard !name.isEmpty else { throw .malformedHeaderBlock("empty header name") }
            let value = try readString("value of \(name)")
            fields.append(SPDYHeaderField(name: name.lowercased(), value: value))
        }
        guard index == bytes.count else {
            throw .malformedHeaderBlock("\(bytes.count - index) bytes after the last pair")
        }
        self.fields = fields
    }
}

/// The sending half of SPDY/3 header compression: one zlib stream for everything this
/// side sends on a connection, primed with `SPDYHeaderDictionary`, each block ended by a
/// sync flush so the peer can decode it at once. The zlib state runs on across frames, so
/// a connection must own exactly one (it is a class for that reason, confined to one thread).
public final class SPDYHeaderCompressor {
    private let stream: OpaquePointer

    /// Level 9 is what spdystream's framer uses; any level decodes the same.
    public init(level: Int32 = 9) throws(SPDYError) {
        let dictionary = SPDYHeaderDictionary.bytes
        guard let stream = dictionary.withUnsafeBufferPointer({
            porticoz_deflate_new(level, $0.baseAddress, $0.count)
        }) else {
            throw .compression("cannot create a zlib deflate stream")
        }
        self.stream = stream
    }

    deinit { porticoz_free(stream) }

    /// Compresses one block and returns the bytes that go into the frame.
    public func compress(_ block: SPDYHeaderBlock) throws(SPDYError) -> [UInt8] {
        try ZlibPump.run(stream, input: block.serialized(), limit: Int.max, what: "deflate")
    }
}

/// The receiving half of SPDY/3 header compression: one zlib inflate stream for all
/// blocks the peer sends, answering its dictionary request with `SPDYHeaderDictionary`.
/// Like the compressor it keeps state across frames, and a failure poisons it for good.
public final class SPDYHeaderDecompressor {
    private let stream: OpaquePointer
    private var failed = false
    /// The most a block may inflate to, so a tiny frame cannot claim unbounded memory.
    public let maximumBlockSize: Int

    public init(maximumBlockSize: Int = 256 * 1024) throws(SPDYError) {
        let dictionary = SPDYHeaderDictionary.bytes
        guard let stream = dictionary.withUnsafeBufferPointer({
            porticoz_inflate_new($0.baseAddress, $0.count)
        }) else {
            throw .compression("cannot create a zlib inflate stream")
        }
        self.stream = stream
        self.maximumBlockSize = maximumBlockSize
    }

    deinit { porticoz_free(stream) }

    /// Inflates the compressed bytes of one frame and parses the block they hold.
    public func decompress(_ compressed: [UInt8]) throws(SPDYError) -> SPDYHeaderBlock {
        guard !failed else { throw .compression("header decompressor failed earlier") }
        do {
            let plain = try ZlibPump.run(stream, input: compressed, limit: maximumBlockSize, what: "inflate")
            return try SPDYHeaderBlock(parsing: plain)
        } catch {
            failed = true
            throw error
        }
    }
}

/// Drives `porticoz_step` until the input is consumed and the flush is complete.
enum ZlibPump {
    static func run(_ stream: OpaquePointer, input: [UInt8], limit: Int, what: String) throws(SPDYError) -> [UInt8] {
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var offset = 0
        while true {
            var consumed = 0
            var produced = 0
            let rc = input.withUnsafeBufferPointer { inBuf in
                chunk.withUnsafeMutableBufferPointer { outBuf in
                    porticoz_step(stream,
                                  inBuf.baseAddress.map { $0 + offset }, inBuf.count - offset,
                                  outBuf.baseAddress, outBuf.count,
                                  &consumed, &produced)
                }
            }
            offset += consumed
            output.append(contentsOf: chunk[0..<produced])
            guard output.count <= limit else {
                throw .compression("\(what) output exceeds \(limit) bytes")
            }
            switch rc {
            case Int32(PORTICOZ_OK), Int32(PORTICOZ_BUF_ERROR):
                // Done once all input is in and zlib left room unused: the flush is complete.
                if offset == input.count && produced < chunk.count { return output }
                if rc == Int32(PORTICOZ_BUF_ERROR) && consumed == 0 && produced == 0 {
                    if offset == input.count { return output }
                    throw .compression("\(what) made no progress")
                }
            case Int32(PORTICOZ_STREAM_END):
                // The peer ended its zlib stream; no later block could be read.
                throw .compression("\(what): zlib stream ended, which SPDY never does")
            case Int32(PORTICOZ_DICT_ERROR):
                throw .compression("\(what): peer's zlib header names a dictionary other than SPDY/3's")
            case Int32(PORTICOZ_DATA_ERROR):
                throw .compression("\(what): corrupt compressed data")
            default:
                throw .compression("\(what) failed with zlib code \(rc)")
            }
        }
    }
}
