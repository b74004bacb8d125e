import PorticoAPI
import Synchronization

/// A range of node ports, written `30000-32767` as `--service-node-port-range` is.
public struct PortRange: Sendable, Hashable, CustomStringConvertible {
    public let base: Int
    public let size: Int

    public init(base: Int, size: Int) {
        self.base = base
        self.size = size
    }

    /// Parses `30000-32767` (or a single port).
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let low = Int(parts[0]),
            let high = parts.count == 2 ? Int(parts[1]) : low, low >= 0, high <= 65535, low <= high
        else { return nil }
        self.init(base: low, size: high - low + 1)
    }

    public static let defaultNodePorts = PortRange(base: 30000, size: 2768)

    public var last: Int { self.base + self.size - 1 }
    public func contains(_ port: Int) -> Bool { port >= self.base && port <= self.last }
    public var description: String { "\(self.base)-\(self.last)" }
}

/// Hands out node ports (and healthCheckNodePorts, from the same range). Automatic
/// allocation prefers the upper band (KEP-3668: 1/32 of the range, 16 to 128 ports, kept
/// for ports people ask for). Safe to use from many tasks at once.
public final class NodePortAllocator: Sendable {
    public let range: PortRange
    let state: Mutex<RangeAllocator>

    public init(range: PortRange = .defaultNodePorts) {
        self.range = range
        self.state = Mutex(RangeAllocator(size: UInt64(range.size), staticBandSize: UInt64(Self.staticBandSize(range))))
    }

    /// Upstream's calculateRangeOffset for ports.
    public static func staticBandSize(_ range: PortRange) -> Int {
        if range.size <= 16 { return 0 }
        return min(max(range.size / 32, 16), 128)
    }

    public func allocate(_ port: Int) throws(AllocationError) {
        guard self.range.contains(port) else { throw .portNotInRange(range: self.range.description) }
        let ok = self.state.withLock { $0.allocate(UInt64(port - self.range.base)) }
        if !ok { throw .alreadyAllocated(what: "port") }
    }

    public func allocateNext() throws(AllocationError) -> Int {
        var rng = SystemRandomNumberGenerator()
        guard let offset = self.state.withLock({ $0.allocateNext(using: &rng) }) else { throw .full }
        return self.range.base + Int(offset)
    }

    public func release(_ port: Int) {
        guard self.range.contains(port) else { return }
        self.state.withLock { $0.release(UInt64(port - self.range.base)) }
    }

    public func has(_ port: Int) -> Bool {
        guard self.range.contains(port) else { return false }
        return self.state.withLock { $0.has(UInt64(port - self.range.base)) }
    }

    public var used: Int { Int(self.state.withLock { $0.count }) }
    public var free: Int { self.range.size - self.used }

    public func reset() {
        self.state.withLock { $0 = RangeAllocator(size: $0.size, staticBandSize: $0.staticBandSize) }
    }
}
