import OrderedCollections

/// A malformed JSON text, described the way Go's encoding/json describes it, since that is
/// what a Kubernetes client expects to read back from a server.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// Byte offset into the input where the problem was found.
    public var offset: Int
    public var description: String { self.message }
}

/// The result of parsing: the tree plus the keys that appeared twice in one object
/// (the last one wins, as in Go; strict field validation reports the others).
public struct ParsedJSON: Sendable {
    public var value: JSON
    public var duplicateFields: [String]
}

extension JSON {
    /// Parses a JSON text (RFC 8259). Duplicate keys keep the last value.
    public static func parse(_ text: String) throws -> JSON {
        try self.parseReportingDuplicates(Array(text.utf8)).value
    }

    public static func parse<Bytes: Collection>(bytes: Bytes) throws -> JSON where Bytes.Element == UInt8 {
        try self.parseReportingDuplicates(Array(bytes)).value
    }

    /// Parses a JSON text and lists duplicate keys by their dotted path (`metadata.name`,
    /// `spec.ports[0].port`).
    public static func parseReportingDuplicates(_ bytes: [UInt8]) throws -> ParsedJSON {
        try bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            let value = try parser.parseDocument()
            return ParsedJSON(value: value, duplicateFields: parser.duplicates)
        }
    }
}

struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var depth = 0
    var path: [String] = []
    var duplicates: [String] = []

    /// Go's decoder stops at 10000 levels; a limit keeps a hostile document from exhausting the stack.
    static let maxDepth = 1000

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws -> JSON {
        self.skipWhitespace()
        // A UTF-8 byte order mark is tolerated, as Kubernetes' YAML/JSON sniffer does.
        if self.bytes.count >= self.index + 3, self.bytes[self.index] == 0xEF, self.bytes[self.index + 1] == 0xBB,
            self.bytes[self.index + 2] == 0xBF
        {
            self.index += 3
            self.skipWhitespace()
        }
        let value = try self.parseValue()
        self.skipWhitespace()
        if self.index < self.bytes.count {
            throw self.error("invalid character \(self.describe(self.bytes[self.index])) after top-level value")
        }
        return value
    }

    func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(message: message, offset: self.index)
    }

    /// Go's quoteChar: the byte as a quoted Go character literal.
    func describe(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "'"): return "'\\''"
        case UInt8(ascii: "\""): return "'\"'"
        case 0x80...: return "'\\x\(String(byte, radix: 16, uppercase: false))'"
        default: return "'" + GoQuote.quote(String(Unicode.Scalar(byte))).dropFirst().dropLast() + "'"
        }
    }

    mutating func skipWhitespace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case 0x20, 0x0A, 0x0D, 0x09: self.index += 1
            default: return
            }
        }
    }

    var unexpectedEnd: JSONSyntaxError { self.error("unexpected end of JSON input") }

    mutating func parseValue() throws -> JSON {
        self.skipWhitespace()
        guard self.index < self.bytes.count else { throw self.unexpectedEnd }
        switch self.bytes[self.index] {
        case UInt8(ascii: "{"): return try self.parseObject()
        case UInt8(ascii: "["): return try self.parseArray()
        case UInt8(ascii: "\""): return .string(try self.parseString())
        case UInt8(ascii: "t"): try self.expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try self.expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try self.expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try self.parseNumber()
        case let other: throw self.error("invalid character \(self.describe(other)) looking for beginning of value")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws {
        let start = self.index
        for (offset, expected) in UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
            .enumerated()
        {
            let at = start + offset
            guard at < self.bytes.count else {
                self.index = at
                throw self.unexpectedEnd
            }
            if self.bytes[at] != expected {
                self.index = at
                throw self.error("invalid character \(self.describe(self.bytes[at])) in literal \(literal) (expecting '\(Character(Unicode.Scalar(expected)))')")
            }
        }
        self.index = start + literal.utf8CodeUnitCount
    }

    mutating func enter() throws {
        self.depth += 1
        if self.depth > Self.maxDepth { throw self.error("exceeded max depth") }
    }

    mutating func parseObject() throws -> JSON {
        try self.enter()
        defer { self.depth -= 1 }
        self.index += 1  // {
        var members = OrderedDictionary<String, JSON>()
        self.skipWhitespace()
        guard self.index < self.bytes.count else { throw self.unexpectedEnd }
        if self.bytes[self.index] == UInt8(ascii: "}") {
            self.index += 1
            return .object(members)
        }
        while true {
            self.skipWhitespace()
            guard self.index < self.bytes.count else { throw self.unexpectedEnd }
            guard self.bytes[self.index] == UInt8(ascii: "\"") else {
                throw self.error("invalid character \(self.describe(self.bytes[self.index])) looking for beginning of object key string")
            }
            let key = try self.parseString()
            self.skipWhitespace()
            guard self.index < self.bytes.count else { throw self.unexpectedEnd }
            guard self.bytes[self.index] == UInt8(ascii: ":") else {
                throw self.error("invalid character \(self.describe(self.bytes[self.index])) after object key")
            }
            self.index += 1
            self.path.append(key)
            let value = try self.parseValue()
            self.path.removeLast()
            if members.updateValue(value, forKey: key) != nil {
                self.duplicates.append(FieldPathRendering.dotted(self.path + [key]))
            }
            self.skipWhitespace()
            guard self.index < self.bytes.count else { throw self.unexpectedEnd }
            switch self.bytes[self.index] {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                return .object(members)
            case let other:
                throw self.error("invalid character \(self.describe(other)) after object key:value pair")
            }
        }
    }

    mutating func parseArray() throws -> JSON {
        try self.enter()
        defer { self.depth -= 1 }
        self.index += 1  // [
        var items: [JSON] = []
        self.skipWhitespace()
        guard self.index < self.bytes.count else { throw self.unexpectedEnd }
        if self.bytes[self.index] == UInt8(ascii: "]") {
            self.index += 1
            return .array(items)
        }
        while true {
            self.path.append("[\(items.count)]")
            items.append(try self.parseValue())
            self.path.removeLast()
            self.skipWhitespace()
            guard self.index < self.bytes.count else { throw self.unexpectedEnd }
            switch self.bytes[self.index] {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                return .array(items)
            case let other:
                throw self.error("invalid character \(self.describe(other)) after array element")
            }
        }
    }

    mutating func parseString() throws -> String {
        self.index += 1  // opening quote
        let start = self.index
        // Fast path: no escapes.
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            if byte == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: self.bytes[start..<self.index]), as: UTF8.self)
                self.index += 1
                return s
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw self.error("invalid character \(self.describe(byte)) in string literal") }
            self.index += 1
        }
        var scratch = Array(self.bytes[start..<self.index])
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            switch byte {
            case UInt8(ascii: "\""):
                self.index += 1
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                self.index += 1
                guard self.index < self.bytes.count else { throw self.unexpectedEnd }
                let escaped = self.bytes[self.index]
                self.index += 1
                switch escaped {
                case UInt8(ascii: "\""): scratch.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): scratch.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try self.parseHex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        // A surrogate pair; an unpaired surrogate becomes U+FFFD as in Go.
                        if self.index + 6 <= self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\\"),
                            self.bytes[self.index + 1] == UInt8(ascii: "u")
                        {
                            let save = self.index
                            self.index += 2
                            let low = try self.parseHex4()
                            if (0xDC00..<0xE000).contains(low) {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                self.index = save
                                scalar = 0xFFFD
                            }
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        scalar = 0xFFFD
                    }
                    scratch.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
                default:
                    self.index -= 1
                    throw self.error("invalid character \(self.describe(escaped)) in string escape code")
                }
            default:
                if byte < 0x20 { throw self.error("invalid character \(self.describe(byte)) in string literal") }
                scratch.append(byte)
                self.index += 1
            }
        }
        throw self.unexpectedEnd
    }

    mutating func parseHex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard self.index < self.bytes.count else { throw self.unexpectedEnd }
            let byte = self.bytes[self.index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw self.error("invalid character \(self.describe(byte)) in \\u hexadecimal character escape")
            }
            value = value << 4 | digit
            self.index += 1
        }
        return value
    }

    mutating func parseNumber() throws -> JSON {
        let start = self.index
        var isInteger = true
        if self.bytes[self.index] == UInt8(ascii: "-") { self.index += 1 }
        guard self.index < self.bytes.count else { throw self.unexpectedEnd }
        if self.bytes[self.index] == UInt8(ascii: "0") {
            self.index += 1
        } else if (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(self.bytes[self.index]) {
            while self.index < self.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self.bytes[self.index]) {
                self.index += 1
            }
        } else {
            throw self.error("invalid character \(self.describe(self.bytes[self.index])) in numeric literal")
        }
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ".") {
            isInteger = false
            self.index += 1
            try self.expectDigits(after: "decimal point")
        }
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "e") || self.bytes[self.index] == UInt8(ascii: "E") {
            isInteger = false
            self.index += 1
            if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "+") || self.bytes[self.index] == UInt8(ascii: "-") {
                self.index += 1
            }
            try self.expectDigits(after: "exponent")
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: self.bytes[start..<self.index]), as: UTF8.self)
        if isInteger, let i = Int64(text) { return .integer(i) }
        guard let d = Double(text) else { throw self.error("invalid number \(text)") }
        return .double(d)
    }

    mutating func expectDigits(after what: String) throws {
        guard self.index < self.bytes.count else { throw self.unexpectedEnd }
        guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self.bytes[self.index]) else {
            throw self.error("invalid character \(self.describe(self.bytes[self.index])) after \(what) in numeric literal")
        }
        while self.index < self.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self.bytes[self.index]) {
            self.index += 1
        }
    }
}

/// How Portico writes the path of a field inside a document: `spec.ports[0].port`.
enum FieldPathRendering {
    static func dotted(_ components: [String]) -> String {
        var out = ""
        for component in components {
            if component.hasPrefix("[") {
                out += component
            } else {
                if !out.isEmpty { out += "." }
                out += component
            }
        }
        return out
    }
}
