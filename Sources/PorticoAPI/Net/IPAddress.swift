/// An IPv4 or IPv6 address as a 128-bit value (IPv4 in the low 32 bits), with the parsing
/// rules Kubernetes uses for Service fields: "sloppy" parsing (IPv4 octets with leading zeros
/// read as decimal, as netutils.ParseIPSloppy does) and RFC 5952 text out.
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Family: Sendable, Hashable {
        case ipv4, ipv6

        public var ipFamily: IPFamily { self == .ipv4 ? .ipv4 : .ipv6 }
        public var bits: Int { self == .ipv4 ? 32 : 128 }
        public var other: Family { self == .ipv4 ? .ipv6 : .ipv4 }
    }

    public let family: Family
    public let high: UInt64
    public let low: UInt64

    public init(ipv4 value: UInt32) {
        self.family = .ipv4
        self.high = 0
        self.low = UInt64(value)
    }

    public init(ipv6 high: UInt64, _ low: UInt64) {
        self.family = .ipv6
        self.high = high
        self.low = low
    }

    public var ipv4Value: UInt32 { UInt32(truncatingIfNeeded: self.low) }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        if a.family != b.family { return a.family == .ipv4 }
        return a.high != b.high ? a.high < b.high : a.low < b.low
    }

    /// Parses an address; IPv4-mapped IPv6 (`::ffff:1.2.3.4`) counts as IPv4, as in Go's net.IP.
    public init?(_ text: String) {
        if text.contains(":") {
            guard let (high, low) = Self.parseIPv6(text) else { return nil }
            if high == 0, low >> 32 == 0xFFFF {
                self.init(ipv4: UInt32(truncatingIfNeeded: low))
            } else {
                self.init(ipv6: high, low)
            }
        } else {
            guard let v = Self.parseIPv4(Substring(text)) else { return nil }
            self.init(ipv4: v)
        }
    }

    static func parseIPv4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.utf8.count <= 3, part.utf8.allSatisfy({ (48...57).contains($0) }),
                let octet = UInt32(part), octet <= 255
            else { return nil }
            value = value << 8 | octet
        }
        return value
    }

    static func parseIPv6(_ text: String) -> (UInt64, UInt64)? {
        if text.contains("%") { return nil }  // zones are not addresses here
        var groups: [UInt16] = []
        var gapIndex: Int? = nil
        let halves = Self.splitOnDoubleColon(text)
        guard halves.count <= 2 else { return nil }
        func parseGroups(_ s: String, allowIPv4Tail: Bool) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, part) in parts.enumerated() {
                if i == parts.count - 1, allowIPv4Tail, part.contains(".") {
                    guard let v4 = parseIPv4(part) else { return nil }
                    out.append(UInt16(v4 >> 16))
                    out.append(UInt16(v4 & 0xFFFF))
                } else {
                    guard !part.isEmpty, part.utf8.count <= 4, let g = UInt16(part, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        if halves.count == 2 {
            guard let head = parseGroups(halves[0], allowIPv4Tail: false),
                let tail = parseGroups(halves[1], allowIPv4Tail: true), head.count + tail.count <= 7
            else { return nil }
            gapIndex = head.count
            groups = head + tail
        } else {
            guard let all = parseGroups(text, allowIPv4Tail: true), all.count == 8 else { return nil }
            groups = all
        }
        if let gapIndex {
            groups.insert(contentsOf: Array(repeating: 0, count: 8 - groups.count), at: gapIndex)
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<4 { high = high << 16 | UInt64(groups[i]) }
        for i in 4..<8 { low = low << 16 | UInt64(groups[i]) }
        return (high, low)
    }

    static func splitOnDoubleColon(_ text: String) -> [String] {
        var halves: [String] = []
        var current: [UInt8] = []
        let b = Array(text.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: ":"), i + 1 < b.count, b[i + 1] == UInt8(ascii: ":") {
                halves.append(String(decoding: current, as: UTF8.self))
                current = []
                i += 2
            } else {
                current.append(b[i])
                i += 1
            }
        }
        halves.append(String(decoding: current, as: UTF8.self))
        return halves
    }

    public var description: String {
        switch self.family {
        case .ipv4:
            let v = self.ipv4Value
            return "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
        case .ipv6:
            var groups: [UInt16] = []
            for i in (0..<4).reversed() { groups.append(UInt16(truncatingIfNeeded: self.high >> (UInt64(i) * 16))) }
            for i in (0..<4).reversed() { groups.append(UInt16(truncatingIfNeeded: self.low >> (UInt64(i) * 16))) }
            // RFC 5952: the longest run (of at least two) zero groups becomes "::", the first one on a tie.
            var bestStart = -1
            var bestLength = 0
            var i = 0
            while i < 8 {
                if groups[i] == 0 {
                    var j = i
                    while j < 8, groups[j] == 0 { j += 1 }
                    if j - i > bestLength {
                        bestStart = i
                        bestLength = j - i
                    }
                    i = j
                } else {
                    i += 1
                }
            }
            if bestLength < 2 { bestStart = -1 }
            var out = ""
            i = 0
            while i < 8 {
                if i == bestStart {
                    out += "::"
                    i += bestLength
                    continue
                }
                if !out.isEmpty, !out.hasSuffix(":") { out += ":" }
                out += String(groups[i], radix: 16)
                i += 1
            }
            return out
        }
    }

    public var isUnspecified: Bool { self.high == 0 && self.low == 0 }

    public var isLoopback: Bool {
        self.family == .ipv4 ? self.ipv4Value >> 24 == 127 : (self.high == 0 && self.low == 1)
    }

    public var isLinkLocalUnicast: Bool {
        self.family == .ipv4 ? self.ipv4Value >> 16 == 0xA9FE : (self.high >> 54 == 0x3FA)  // fe80::/10
    }

    public var isLinkLocalMulticast: Bool {
        self.family == .ipv4 ? self.ipv4Value >> 8 == 0xE00000 : (self.high >> 48 & 0xFF0F == 0xFF02)
    }

    /// The address `n` places after this one (wrapping within the family's width).
    public func adding(_ n: UInt64) -> IPAddress {
        switch self.family {
        case .ipv4: return IPAddress(ipv4: UInt32(truncatingIfNeeded: self.low &+ n))
        case .ipv6:
            let (low, overflow) = self.low.addingReportingOverflow(n)
            return IPAddress(ipv6: self.high &+ (overflow ? 1 : 0), low)
        }
    }

    /// The distance from `base` to this address, when it fits in 64 bits.
    public func offset(from base: IPAddress) -> UInt64? {
        guard self.family == base.family, self >= base else { return nil }
        let (low, borrow) = self.low.subtractingReportingOverflow(base.low)
        let high = self.high &- base.high &- (borrow ? 1 : 0)
        return high == 0 ? low : nil
    }
}

/// An IP network in CIDR notation (`10.96.0.0/12`).
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    /// The network with the host bits of `address` cleared.
    public init(address: IPAddress, prefixLength: Int) {
        self.prefixLength = prefixLength
        self.address = IPNetwork.mask(address, prefixLength)
    }

    /// Parses `ip/len` sloppily, as ParseCIDRSloppy does: host bits may be set (they are masked).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let ip = IPAddress(String(parts[0])), !parts[1].isEmpty,
            parts[1].utf8.allSatisfy({ (48...57).contains($0) }), let length = Int(parts[1])
        else { return nil }
        let isV6Text = parts[0].contains(":")
        // "::ffff:1.2.3.4/120" is an IPv6 network in Go even though the address is 4-in-6.
        let bits = isV6Text ? 128 : 32
        guard length <= bits else { return nil }
        if isV6Text, ip.family == .ipv4 {
            let mapped = IPAddress(ipv6: 0, 0xFFFF_0000_0000 | UInt64(ip.ipv4Value))
            self.init(address: mapped, prefixLength: length)
        } else {
            self.init(address: ip, prefixLength: length)
        }
    }

    static func mask(_ ip: IPAddress, _ length: Int) -> IPAddress {
        switch ip.family {
        case .ipv4:
            let m: UInt32 = length == 0 ? 0 : ~UInt32(0) << UInt32(32 - length)
            return IPAddress(ipv4: ip.ipv4Value & m)
        case .ipv6:
            let highMask: UInt64 = length >= 64 ? ~0 : (length == 0 ? 0 : ~UInt64(0) << UInt64(64 - length))
            let lowMask: UInt64 = length <= 64 ? 0 : (length == 128 ? ~0 : ~UInt64(0) << UInt64(128 - length))
            return IPAddress(ipv6: ip.high & highMask, ip.low & lowMask)
        }
    }

    public var family: IPAddress.Family { self.address.family }
    public var description: String { "\(self.address)/\(self.prefixLength)" }

    public func contains(_ ip: IPAddress) -> Bool {
        ip.family == self.family && IPNetwork.mask(ip, self.prefixLength) == self.address
    }

    /// Number of addresses in the network, capped at UInt64.max.
    public var size: UInt64 {
        let hostBits = self.family.bits - self.prefixLength
        return hostBits >= 64 ? UInt64.max : UInt64(1) << UInt64(hostBits)
    }

    /// The last address (IPv4 broadcast).
    public var lastAddress: IPAddress {
        switch self.family {
        case .ipv4:
            let hostBits = 32 - self.prefixLength
            let m: UInt32 = hostBits == 32 ? ~0 : (UInt32(1) << UInt32(hostBits)) - 1
            return IPAddress(ipv4: self.address.ipv4Value | m)
        case .ipv6:
            let hostBits = 128 - self.prefixLength
            let lowOnes: UInt64 = hostBits >= 64 ? ~0 : (UInt64(1) << UInt64(hostBits)) - 1
            let highOnes: UInt64 = hostBits <= 64 ? 0 : (hostBits == 128 ? ~0 : (UInt64(1) << UInt64(hostBits - 64)) - 1)
            return IPAddress(ipv6: self.address.high | highOnes, self.address.low | lowOnes)
        }
    }
}

extension IPAddress {
    /// Network-order bytes: 4 for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch self.family {
        case .ipv4: return (0..<4).map { UInt8(truncatingIfNeeded: self.ipv4Value >> (24 - 8 * UInt32($0))) }
        case .ipv6:
            return (0..<8).map { UInt8(truncatingIfNeeded: self.high >> (56 - 8 * UInt64($0))) }
                + (0..<8).map { UInt8(truncatingIfNeeded: self.low >> (56 - 8 * UInt64($0))) }
        }
    }

    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4: self.init(ipv4: bytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            self.init(ipv6: bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }, bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) })
        default: return nil
        }
    }
}
