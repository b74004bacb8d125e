import PorticoAPI
import Synchronization

/// Hands out cluster IPs from one service CIDR: the network address (and, for IPv4, the
/// broadcast address) are never used; automatic allocation prefers the upper band
/// (KEP-3070) so that addresses people pick by hand, such as 10.96.0.10 for DNS, stay free.
/// Safe to use from many tasks at once.
public final class ClusterIPAllocator: Sendable {
    public let network: IPNetwork
    /// First usable address (network + 1).
    public let base: IPAddress
    /// Number of usable addresses.
    public let size: UInt64
    let state: Mutex<RangeAllocator>

    public enum ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
        case tooSmall(IPNetwork)
        case ipv6PrefixTooShort(IPNetwork)

        public var description: String {
            switch self {
            case .tooSmall(let n): return "service CIDR \(n) holds no usable address"
            case .ipv6PrefixTooShort: return "shortest allowed prefix length for service CIDR is 64"
            }
        }
    }

    public init(network: IPNetwork) throws(ConfigurationError) {
        if network.family == .ipv6, network.prefixLength < 64 { throw .ipv6PrefixTooShort(network) }
        self.network = network
        self.base = network.address.adding(1)
        let total = network.size
        let usable = network.family == .ipv4 ? (total >= 2 ? total - 2 : 0) : (total == UInt64.max ? total : total - 1)
        guard usable > 0 else { throw .tooSmall(network) }
        self.size = usable
        self.state = Mutex(RangeAllocator(size: usable, staticBandSize: Self.staticBandSize(network)))
    }

    /// Upstream's calculateRangeOffset: 1/16 of the CIDR, at least 16 and at most 256; none for /28 and smaller.
    public static func staticBandSize(_ network: IPNetwork) -> UInt64 {
        let hostBits = network.family.bits - network.prefixLength
        if hostBits <= 4 { return 0 }
        if hostBits >= 12 { return 256 }
        return min(max((UInt64(1) << UInt64(hostBits)) / 16, 16), 256)
    }

    public var family: IPAddress.Family { self.network.family }

    /// The addresses kept for static assignment.
    public var staticBand: ClosedRange<IPAddress>? {
        let band = Self.staticBandSize(self.network)
        return band == 0 ? nil : self.base...self.base.adding(band - 1)
    }

    func offset(of ip: IPAddress) -> UInt64? {
        guard self.network.contains(ip), let offset = ip.offset(from: self.base), offset < self.size else { return nil }
        return offset
    }

    public func contains(_ ip: IPAddress) -> Bool { self.offset(of: ip) != nil }

    public func allocate(_ ip: IPAddress) throws(AllocationError) {
        guard let offset = self.offset(of: ip) else { throw .mismatchedNetwork }
        let ok = self.state.withLock { $0.allocate(offset) }
        if !ok { throw .alreadyAllocated(what: "IP") }
    }

    public func allocateNext() throws(AllocationError) -> IPAddress {
        var rng = SystemRandomNumberGenerator()
        guard let offset = self.state.withLock({ $0.allocateNext(using: &rng) }) else { throw .full }
        return self.base.adding(offset)
    }

    public func release(_ ip: IPAddress) {
        guard let offset = self.offset(of: ip) else { return }
        self.state.withLock { $0.release(offset) }
    }

    public func has(_ ip: IPAddress) -> Bool {
        guard let offset = self.offset(of: ip) else { return false }
        return self.state.withLock { $0.has(offset) }
    }

    public var used: UInt64 { self.state.withLock { $0.count } }
    public var free: UInt64 { self.size - self.used }

    /// Forgets every allocation (before a rebuild from stored Services).
    public func reset() {
        self.state.withLock { $0 = RangeAllocator(size: $0.size, staticBandSize: $0.staticBandSize) }
    }
}
