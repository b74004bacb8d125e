/// A domain name as DNS carries it: a list of labels of raw octets (RFC 1035 §3.1). Names
/// compare without regard to ASCII case (RFC 4343), and keep the case they were written in,
/// so an answer can repeat the question's spelling.
public struct DNSName: Sendable, Hashable, CustomStringConvertible {
    public private(set) var labels: [[UInt8]]

    /// Limits of RFC 1035 §2.3.4.
    public static let maxLabelLength = 63
    public static let maxWireLength = 255

    public static let root = DNSName(uncheckedLabels: [])

    init(uncheckedLabels labels: [[UInt8]]) { self.labels = labels }

    /// From labels that must each be 1...63 octets, 255 octets in all on the wire.
    public init(labels: [[UInt8]]) throws(DNSWireError) {
        for label in labels where label.isEmpty || label.count > Self.maxLabelLength {
            throw label.isEmpty ? .emptyLabel : .labelTooLong(label.count)
        }
        let length = labels.reduce(1) { $0 + 1 + $1.count }
        guard length <= Self.maxWireLength else { throw .nameTooLong(length) }
        self.labels = labels
    }

    /// From presentation text: `a.b.c` or `a.b.c.` (always absolute), no escapes.
    public init(_ text: String) throws(DNSWireError) {
        let trimmed = text.hasSuffix(".") ? String(text.dropLast()) : text
        if trimmed.isEmpty {
            self = .root
            return
        }
        try self.init(labels: trimmed.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) })
    }

    /// The octets the name takes on the wire, uncompressed.
    public var wireLength: Int { self.labels.reduce(1) { $0 + 1 + $1.count } }

    /// Lower-cased labels as text, for lookups: `myservice.default.svc.cluster.local`.
    public var key: String {
        self.labels.map { String(decoding: $0.map(Self.lower), as: UTF8.self) }.joined(separator: ".")
    }

    /// Presentation form with a trailing dot; octets outside printable ASCII and the special
    /// characters are escaped as RFC 1035 §5.1 says.
    public var description: String {
        if self.labels.isEmpty { return "." }
        var out = ""
        for label in self.labels {
            for byte in label {
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "("), UInt8(ascii: ")"),
                     UInt8(ascii: ";"), UInt8(ascii: "@"), UInt8(ascii: "$"):
                    out += "\\" + String(UnicodeScalar(byte))
                case 0x21...0x7e: out.unicodeScalars.append(UnicodeScalar(byte))
                default:
                    let digits = String(byte)
                    out += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
                }
            }
            out += "."
        }
        return out
    }

    /// Whether `self` is `zone` or below it.
    public func isSubdomain(of zone: DNSName) -> Bool {
        guard self.labels.count >= zone.labels.count else { return false }
        return zip(self.labels.suffix(zone.labels.count), zone.labels).allSatisfy(Self.equalLabels)
    }

    /// The labels in front of `zone` (which must be a suffix).
    public func labels(before zone: DNSName) -> [[UInt8]] { Array(self.labels.dropLast(zone.labels.count)) }

    /// `label` in front of this name.
    public func prepending(_ label: String) throws(DNSWireError) -> DNSName {
        try DNSName(labels: [Array(label.utf8)] + self.labels)
    }

    public func prepending(_ labels: [String]) throws(DNSWireError) -> DNSName {
        try DNSName(labels: labels.map { Array($0.utf8) } + self.labels)
    }

    /// The name with its first `count` labels removed.
    public func dropping(_ count: Int) -> DNSName { DNSName(uncheckedLabels: Array(self.labels.dropFirst(count))) }

    public static func == (a: DNSName, b: DNSName) -> Bool {
        a.labels.count == b.labels.count && zip(a.labels, b.labels).allSatisfy(Self.equalLabels)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.labels.count)
        for label in self.labels {
            hasher.combine(label.count)
            for byte in label { hasher.combine(Self.lower(byte)) }
        }
    }

    static func equalLabels(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { Self.lower($0) == Self.lower($1) }
    }

    @inline(__always) public static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte
    }
}
