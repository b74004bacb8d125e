import PorticoAPI

/// The cluster's Service address space: one service CIDR per family (the first one decides
/// the default family, as `--service-cluster-ip-range` does) and the node port range.
public struct ServiceNetworkConfig: Sendable, Hashable {
    public var serviceCIDRs: [IPNetwork]
    public var nodePortRange: PortRange

    public init(serviceCIDRs: [IPNetwork], nodePortRange: PortRange = .defaultNodePorts) {
        self.serviceCIDRs = serviceCIDRs
        self.nodePortRange = nodePortRange
    }

    /// Portico's lab default, as kubeadm's: 10.96.0.0/12 and 30000-32767.
    public static let lab = ServiceNetworkConfig(serviceCIDRs: [IPNetwork("10.96.0.0/12")!])

    public var defaultFamily: IPAddress.Family { self.serviceCIDRs[0].family }
    public var isDualStack: Bool { self.serviceCIDRs.count == 2 }

    /// The `kubernetes` Service's address: the first usable IP of the primary CIDR (10.96.0.1).
    public var kubernetesServiceIP: IPAddress { self.serviceCIDRs[0].address.adding(1) }

    public enum ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
        case noServiceCIDR
        case tooManyServiceCIDRs
        case sameFamilyTwice
        case invalidCIDR(String)
        case invalidPortRange(String)

        public var description: String {
            switch self {
            case .noServiceCIDR: return "at least one service CIDR is needed"
            case .tooManyServiceCIDRs: return "at most two service CIDRs (one per IP family) may be given"
            case .sameFamilyTwice: return "two service CIDRs must be of different IP families (one IPv4, one IPv6)"
            case .invalidCIDR(let s): return "invalid service CIDR \(GoQuote.quote(s)): must be a CIDR such as 10.96.0.0/12"
            case .invalidPortRange(let s): return "invalid node port range \(GoQuote.quote(s)): must be like 30000-32767"
            }
        }
    }

    /// Parses `10.96.0.0/12[,fd00:10:96::/108]` and `30000-32767`.
    public init(serviceCIDRs text: String, nodePortRange portText: String = "30000-32767") throws(ConfigurationError) {
        let parts = text.split(separator: ",").map { String($0).trimmingSpaces }
        guard !parts.isEmpty else { throw .noServiceCIDR }
        guard parts.count <= 2 else { throw .tooManyServiceCIDRs }
        var cidrs: [IPNetwork] = []
        for part in parts {
            guard let network = IPNetwork(part) else { throw .invalidCIDR(part) }
            cidrs.append(network)
        }
        if cidrs.count == 2, cidrs[0].family == cidrs[1].family { throw .sameFamilyTwice }
        guard let range = PortRange(portText) else { throw .invalidPortRange(portText) }
        self.init(serviceCIDRs: cidrs, nodePortRange: range)
    }
}

/// The allocators of one cluster: a ClusterIPAllocator per family and one NodePortAllocator.
public final class ServiceAllocators: Sendable {
    public let config: ServiceNetworkConfig
    public let clusterIPs: [IPAddress.Family: ClusterIPAllocator]
    public let nodePorts: NodePortAllocator
    /// The record shared with other servers (nil: this server alone allocates).
    let shared: SharedRecord?

    /// `records`: where servers sharing one store meet (the etcd store); nil for a server
    /// alone on its store (SQLite).
    public init(_ config: ServiceNetworkConfig, records: (any AllocationRecordStore)? = nil) throws(ClusterIPAllocator.ConfigurationError) {
        self.config = config
        self.shared = records.map(SharedRecord.init)
        var allocators: [IPAddress.Family: ClusterIPAllocator] = [:]
        for cidr in config.serviceCIDRs {
            allocators[cidr.family] = try ClusterIPAllocator(network: cidr)
        }
        self.clusterIPs = allocators
        self.nodePorts = NodePortAllocator(range: config.nodePortRange)
    }

    public var defaultFamily: IPFamily { self.config.defaultFamily.ipFamily }

    func allocator(for family: IPFamily) -> ClusterIPAllocator? {
        switch family {
        case .ipv4: return self.clusterIPs[.ipv4]
        case .ipv6: return self.clusterIPs[.ipv6]
        default: return nil
        }
    }
}
