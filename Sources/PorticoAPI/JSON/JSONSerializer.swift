/// Writes JSON as Go's encoding/json does, because Kubernetes clients compare and display
/// what the server writes: keys in the order given, `<`, `>` and `&` escaped as `\u003c` etc.
/// (Go's default HTML-safe escaping), and no spaces in the compact form.
public struct JSONWriteOptions: Sendable {
    /// Indentation per level; nil writes the compact form.
    public var indent: String?
    public var escapeHTML: Bool

    public init(indent: String? = nil, escapeHTML: Bool = true) {
        self.indent = indent
        self.escapeHTML = escapeHTML
    }

    public static let compact = JSONWriteOptions()
    /// The layout of `kubectl get -o json`: four spaces per level.
    public static let kubectl = JSONWriteOptions(indent: "    ", escapeHTML: true)
}

extension JSON {
    public func serialized(_ options: JSONWriteOptions = .compact) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        self.write(into: &bytes, options: options, level: 0)
        return String(decoding: bytes, as: UTF8.self)
    }

    public func serializedBytes(_ options: JSONWriteOptions = .compact) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        self.write(into: &bytes, options: options, level: 0)
        return bytes
    }

    func write(into out: inout [UInt8], options: JSONWriteOptions, level: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): out.append(contentsOf: Self.formatDouble(d).utf8)
        case .string(let s): Self.writeString(s, into: &out, escapeHTML: options.escapeHTML)
        case .array(let items):
            if items.isEmpty {
                out.append(contentsOf: "[]".utf8)
                return
            }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.newline(&out, options, level + 1)
                item.write(into: &out, options: options, level: level + 1)
            }
            Self.newline(&out, options, level)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty {
                out.append(contentsOf: "{}".utf8)
                return
            }
            out.append(UInt8(ascii: "{"))
            var first = true
            for (key, value) in members {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                Self.newline(&out, options, level + 1)
                Self.writeString(key, into: &out, escapeHTML: options.escapeHTML)
                out.append(UInt8(ascii: ":"))
                if options.indent != nil { out.append(UInt8(ascii: " ")) }
                value.write(into: &out, options: options, level: level + 1)
            }
            Self.newline(&out, options, level)
            out.append(UInt8(ascii: "}"))
        }
    }

    static func newline(_ out: inout [UInt8], _ options: JSONWriteOptions, _ level: Int) {
        guard let indent = options.indent else { return }
        out.append(0x0A)
        for _ in 0..<level { out.append(contentsOf: indent.utf8) }
    }

    /// Go formats float64 like ECMAScript: plain digits between 1e-6 and 1e21, else an exponent.
    static func formatDouble(_ d: Double) -> String {
        if d.isNaN || d.isInfinite { return "null" }
        if d == d.rounded(), abs(d) < 1e21 {
            return String(Int64(exactly: d).map { String($0) } ?? String(d))
        }
        var s = String(d)
        // Swift writes 1e-07; Go writes 1e-07 as well, but 1e+21 as 1e+21; keep Swift's form.
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Writes `s` quoted, escaped as Go does. Works on the UTF-8 bytes: a string needing no
    /// escape (nearly all) is copied whole.
    static func writeString(_ s: String, into out: inout [UInt8], escapeHTML: Bool) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var start = 0
            var i = 0
            while i < bytes.count {
                let escaped = Self.escape(bytes, at: i, escapeHTML: escapeHTML)
                guard let (replacement, length) = escaped else {
                    i += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                replacement(&out)
                i += length
                start = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// The escape for the byte (or, for U+2028 and U+2029, the three bytes) at `i`, with how
    /// many bytes it replaces; nil when the byte is written as it is.
    static func escape(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int,
                       escapeHTML: Bool) -> ((inout [UInt8]) -> Void, Int)? {
        let byte = bytes[i]
        switch byte {
        case 0x22: return ({ $0.append(contentsOf: [0x5C, 0x22]) }, 1)
        case 0x5C: return ({ $0.append(contentsOf: [0x5C, 0x5C]) }, 1)
        case 0x0A: return ({ $0.append(contentsOf: [0x5C, UInt8(ascii: "n")]) }, 1)
        case 0x0D: return ({ $0.append(contentsOf: [0x5C, UInt8(ascii: "r")]) }, 1)
        case 0x09: return ({ $0.append(contentsOf: [0x5C, UInt8(ascii: "t")]) }, 1)
        case 0x08: return ({ $0.append(contentsOf: [0x5C, UInt8(ascii: "b")]) }, 1)
        case 0x0C: return ({ $0.append(contentsOf: [0x5C, UInt8(ascii: "f")]) }, 1)
        case 0x3C where escapeHTML, 0x3E where escapeHTML, 0x26 where escapeHTML, 0x00..<0x20:
            return ({ Self.writeUnicodeEscape(UInt32(byte), into: &$0) }, 1)
        case 0xE2 where i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9):
            let value: UInt32 = bytes[i + 2] == 0xA8 ? 0x2028 : 0x2029
            return ({ Self.writeUnicodeEscape(value, into: &$0) }, 3)
        default:
            return nil
        }
    }

    static func writeUnicodeEscape(_ value: UInt32, into out: inout [UInt8]) {
        out.append(contentsOf: [0x5C, UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(Self.hex[Int((value >> UInt32(shift)) & 0xF)])
        }
    }
}

extension JSON: CustomStringConvertible {
    public var description: String { self.serialized(JSONWriteOptions(indent: nil, escapeHTML: false)) }
}
