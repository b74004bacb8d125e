import PorticoAPI

/// Where the allocations of several API servers meet: one object in the store holding what
/// every Service range has handed out, read and written with compare-and-swap. This is
/// upstream's bitmap-object allocator (`/registry/ranges/serviceips`, `servicenodeports`:
/// a RangeAllocation updated with a guarded write), with every range in one object so that a
/// Service's cluster IPs and node ports are taken in one write, and with the taken values
/// listed rather than as a bitmap, so the object stays small and readable.
public protocol AllocationRecordStore: Sendable {
    /// The stored record and its revision; nil when none is stored yet.
    func read() async throws -> (record: JSON, resourceVersion: Int64)?
    /// Stores `record` only if the stored one is still at `resourceVersion` (nil: only if none
    /// is stored). The new revision, or nil when another server wrote first.
    func write(_ record: JSON, at resourceVersion: Int64?) async throws -> Int64?
}

extension ServiceAllocators {
    /// What every range has handed out, as the record stores it:
    /// `{"ranges": [{"range": "10.96.0.0/12", "allocated": ["10.96.0.1", ...]}, {"range": "30000-32767", "allocated": [30080, ...]}]}`.
    public func record() -> JSON {
        var ranges: [JSON] = []
        for cidr in self.config.serviceCIDRs {
            guard let allocator = self.clusterIPs[cidr.family] else { continue }
            let taken = allocator.state.withLock { $0.offsets }.map { JSON.string(allocator.base.adding($0).description) }
            ranges.append(["range": .string(cidr.description), "allocated": .array(taken)])
        }
        let ports = self.nodePorts.state.withLock { $0.offsets }.map { JSON.integer(Int64(self.nodePorts.range.base) + Int64($0)) }
        ranges.append(["range": .string(self.nodePorts.range.description), "allocated": .array(ports)])
        return ["apiVersion": "v1", "kind": "RangeAllocation", "metadata": ["name": .string(Self.recordName)], "ranges": .array(ranges)]
    }

    /// The name of the record in the store (`/registry/ranges/services`).
    public static let recordName = "services"

    /// Takes exactly what the record says for every range this server has; a range the
    /// record does not hold (another service CIDR) is left as it is.
    public func restore(from record: JSON) {
        for range in record["ranges"]?.arrayValue ?? [] {
            let name = range["range"]?.stringValue ?? ""
            let values = range["allocated"]?.arrayValue ?? []
            if name == self.nodePorts.range.description {
                let base = Int64(self.nodePorts.range.base)
                let offsets = values.compactMap { $0.integerValue }.filter { $0 >= base }.map { UInt64($0 - base) }
                self.nodePorts.state.withLock { $0 = $0.restored(offsets) }
            } else if let cidr = IPNetwork(name), let allocator = self.clusterIPs[cidr.family],
                      allocator.network == cidr {
                let offsets = values.compactMap { $0.stringValue.flatMap(IPAddress.init).flatMap(allocator.offset(of:)) }
                allocator.state.withLock { $0 = $0.restored(offsets) }
            }
        }
    }

    /// Changes in every range so far: equal before and after a step when it took and gave back nothing.
    var mutations: UInt64 {
        self.clusterIPs.values.reduce(self.nodePorts.state.withLock { $0.mutations }) { $0 + $1.state.withLock { $0.mutations } }
    }
}
