import Foundation
import PorticoAPI

/// How this node's proxy is set up: who it is, which of its addresses take NodePorts, and
/// which traffic counts as coming from inside the cluster.
public struct ProxyConfig: Sendable, Equatable {
    public var nodeName: String
    /// The node's primary addresses (its InternalIP): NodePorts answer there by default.
    public var nodeIPs: [String]
    /// CIDRs whose local addresses take NodePorts (`--nodeport-addresses`); empty means the
    /// node's primary addresses, as kube-proxy's nftables mode does.
    public var nodePortAddresses: [String] = []
    /// The pods' range (`--cluster-cidr`): traffic from outside it to a ClusterIP is masqueraded.
    public var clusterCIDRs: [String] = []
    public var serviceCIDRs: [String] = []
    public var masqueradeAll = false
    /// The node's zone label, for topology hints.
    public var zone: String? = nil

    public init(nodeName: String, nodeIPs: [String]) {
        self.nodeName = nodeName
        self.nodeIPs = nodeIPs
    }
}

/// One endpoint as the proxy uses it.
public struct ProxyEndpoint: Sendable, Hashable, Comparable {
    public var ip: String
    public var port: Int32
    public var nodeName: String
    public var ready: Bool
    public var serving: Bool
    public var terminating: Bool
    public var zoneHints: [String]?
    public var nodeHints: [String]?

    public static func < (a: ProxyEndpoint, b: ProxyEndpoint) -> Bool {
        if a.ip == b.ip { return a.port < b.port }
        let (ia, ib) = (IPAddress(a.ip) ?? IPAddress(ipv4: 0), IPAddress(b.ip) ?? IPAddress(ipv4: 0))
        return ia < ib
    }

    public var address: String { "\(self.ip):\(self.port)" }
}

/// One port of one Service, with everything the rules need: where traffic enters (cluster
/// IP, node port, load-balancer and external IPs), the policies, and the endpoints this node
/// sends to, already chosen as kube-proxy's CategorizeEndpoints chooses them.
public struct ServicePortEntry: Sendable, Hashable {
    public var namespace: String
    public var name: String
    public var portName: String
    public var proto: PortProtocol
    public var clusterIP: String?
    public var port: Int32
    public var nodePort: Int32?
    public var externalIPs: [String]
    public var loadBalancerIPs: [String]
    public var loadBalancerSourceRanges: [String]
    /// ClientIP affinity timeout in seconds, when sessionAffinity is ClientIP.
    public var affinityTimeout: Int32?
    public var externalPolicyLocal: Bool
    public var internalPolicyLocal: Bool
    public var healthCheckNodePort: Int32?
    /// Endpoints for traffic from inside (ClusterIP): all of the cluster's, or the node's own
    /// with internalTrafficPolicy Local.
    public var clusterEndpoints: [ProxyEndpoint]
    /// The node's own endpoints (for Local policies).
    public var localEndpoints: [ProxyEndpoint]
    /// Every endpoint that exists, whatever its state (for UDP conntrack cleanup).
    public var allEndpoints: [ProxyEndpoint]

    /// `ns/svc/proto/port`: as kube-proxy names the service port in its chains.
    public var id: String {
        "\(self.namespace)/\(self.name)/\(self.proto.rawValue.lowercased())/\(self.portName)"
    }

    public var hasExternal: Bool { self.nodePort != nil || !self.externalIPs.isEmpty || !self.loadBalancerIPs.isEmpty }

    /// The endpoints external traffic goes to.
    public var externalEndpoints: [ProxyEndpoint] { self.externalPolicyLocal ? self.localEndpoints : self.allClusterEndpoints }

    /// Cluster-wide endpoints, whatever internalTrafficPolicy says (external Cluster policy).
    public var allClusterEndpoints: [ProxyEndpoint]
}

/// The proxy's desired state for this node: every service port and the addresses that take
/// NodePorts. Built from the API objects alone, so it can be computed and checked without a
/// kernel.
public struct ProxyState: Sendable, Hashable {
    public var ports: [ServicePortEntry]
    public var nodePortIPs: [String]
    public var serviceCIDRs: [String]
    public var clusterCIDRs: [String]
    public var masqueradeAll: Bool

    public static func build(services: [Service], slices: [EndpointSlice], config: ProxyConfig,
                             localAddresses: [String] = []) -> ProxyState {
        let byService = Self.slicesByService(slices)
        var ports: [ServicePortEntry] = []
        for service in services {
            ports += Self.entries(for: service, slices: byService[Self.key(service)] ?? [], config: config)
        }
        ports.sort { $0.id < $1.id }
        return ProxyState(ports: ports, nodePortIPs: Self.nodePortIPs(config: config, localAddresses: localAddresses),
                          serviceCIDRs: config.serviceCIDRs, clusterCIDRs: config.clusterCIDRs, masqueradeAll: config.masqueradeAll)
    }

    /// `namespace/name`, the key the proxy tracks a Service by.
    public static func key(_ service: Service) -> String { "\(service.metadata.namespace)/\(service.metadata.name)" }

    /// IPv4 slices by the `namespace/name` of their Service.
    public static func slicesByService(_ slices: [EndpointSlice]) -> [String: [EndpointSlice]] {
        var byService: [String: [EndpointSlice]] = [:]
        for slice in slices where slice.addressType == .ipv4 {
            guard let name = slice.metadata.labels[EndpointSlice.serviceNameLabel] else { continue }
            byService["\(slice.metadata.namespace)/\(name)", default: []].append(slice)
        }
        return byService
    }

    /// The entries of one Service (one per port), from its own slices: what changes when the
    /// Service or its slices do, and nothing else.
    public static func entries(for service: Service, slices: [EndpointSlice], config: ProxyConfig) -> [ServicePortEntry] {
        let spec = service.spec
        guard spec.type != .externalName, !spec.clusterIP.isEmpty, spec.clusterIP != "None" else { return [] }
        guard IPAddress(spec.clusterIP)?.family == .ipv4 else { return [] }
        let lbIPs = service.status.loadBalancer.ingress.compactMap { ingress -> String? in
            guard !ingress.ip.isEmpty, IPAddress(ingress.ip)?.family == .ipv4 else { return nil }
            // ipMode Proxy: the load balancer delivers to the nodes itself; no VIP rules.
            return ingress.ipMode?.rawValue == "Proxy" ? nil : ingress.ip
        }
        var ports: [ServicePortEntry] = []
        for servicePort in spec.ports {
            let proto = servicePort.protocol.isZeroValue ? PortProtocol.tcp : servicePort.protocol
            var all: [ProxyEndpoint] = []
            var seen = Set<String>()
            for slice in slices where slice.addressType == .ipv4 {
                // The slice's port for this service port: same name and protocol.
                guard let port = slice.ports.first(where: { ($0.name ?? "") == servicePort.name && ($0.protocol ?? .tcp) == proto }),
                      let number = port.port
                else { continue }
                for endpoint in slice.endpoints {
                    guard let ip = endpoint.addresses.first, seen.insert("\(ip):\(number)").inserted else { continue }
                    all.append(ProxyEndpoint(
                        ip: ip, port: number, nodeName: endpoint.nodeName ?? "",
                        ready: endpoint.conditions.ready ?? true, serving: endpoint.conditions.serving ?? (endpoint.conditions.ready ?? true),
                        terminating: endpoint.conditions.terminating ?? false,
                        zoneHints: endpoint.hints.map { $0.forZones.map(\.name) }, nodeHints: endpoint.hints.map { $0.forNodes.map(\.name) }))
                }
            }
            all.sort()
            let (cluster, local) = Self.categorize(all, service: service, config: config)
            let clusterWide = Self.usable(all)
            let affinity: Int32? = spec.sessionAffinity == .clientIP
                ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) : nil
            let isLB = spec.type == .loadBalancer
            ports.append(ServicePortEntry(
                namespace: service.metadata.namespace, name: service.metadata.name, portName: servicePort.name,
                proto: proto, clusterIP: spec.clusterIP, port: servicePort.port,
                nodePort: (spec.type == .nodePort || isLB) && servicePort.nodePort > 0 ? servicePort.nodePort : nil,
                externalIPs: spec.externalIPs.filter { IPAddress($0)?.family == .ipv4 }.sorted(),
                loadBalancerIPs: isLB ? lbIPs.sorted() : [],
                loadBalancerSourceRanges: isLB ? service.effectiveLoadBalancerSourceRanges : [],
                affinityTimeout: affinity,
                externalPolicyLocal: (spec.type == .nodePort || isLB || !spec.externalIPs.isEmpty) && spec.externalTrafficPolicy == .local,
                internalPolicyLocal: spec.internalTrafficPolicy == .local,
                healthCheckNodePort: spec.healthCheckNodePort > 0 ? spec.healthCheckNodePort : nil,
                clusterEndpoints: cluster, localEndpoints: local, allEndpoints: all, allClusterEndpoints: clusterWide))
        }
        return ports
    }

    /// Ready endpoints; if there are none, serving-and-terminating ones (upstream's fallback).
    static func usable(_ endpoints: [ProxyEndpoint]) -> [ProxyEndpoint] {
        let ready = endpoints.filter(\.ready)
        if !ready.isEmpty { return ready }
        return endpoints.filter { $0.serving && $0.terminating }
    }

    /// Upstream's CategorizeEndpoints: the cluster set (topology hints applied when every ready
    /// endpoint has them and one matches; the node's own only with internalTrafficPolicy
    /// Local) and the local set, each with the terminating fallback.
    static func categorize(_ all: [ProxyEndpoint], service: Service, config: ProxyConfig) -> (cluster: [ProxyEndpoint], local: [ProxyEndpoint]) {
        let local = Self.usable(all.filter { $0.nodeName == config.nodeName })
        if service.spec.internalTrafficPolicy == .local { return (local, local) }
        var cluster = Self.usable(all)
        let ready = all.filter(\.ready)
        if !ready.isEmpty {
            if let zone = config.zone, ready.allSatisfy({ $0.zoneHints != nil && !($0.zoneHints!.isEmpty) }) {
                let hinted = cluster.filter { $0.zoneHints?.contains(zone) == true }
                if !hinted.isEmpty { cluster = hinted }
            } else if ready.allSatisfy({ $0.nodeHints != nil && !($0.nodeHints!.isEmpty) }) {
                let hinted = cluster.filter { $0.nodeHints?.contains(config.nodeName) == true }
                if !hinted.isEmpty { cluster = hinted }
            }
        }
        return (cluster, local)
    }

    /// The node's addresses that take NodePorts: the ones in `--nodeport-addresses`, or the
    /// primary ones.
    static func nodePortIPs(config: ProxyConfig, localAddresses: [String]) -> [String] {
        let wanted = config.nodePortAddresses.filter { $0 != "primary" }
        if wanted.isEmpty { return config.nodeIPs.sorted() }
        let networks = wanted.compactMap { IPNetwork($0) }
        var result = Set(config.nodeIPs.filter { ip in networks.contains { $0.contains(IPAddress(ip)!) } })
        for address in localAddresses where !address.hasPrefix("127.") {
            if let ip = IPAddress(address), networks.contains(where: { $0.contains(ip) }) { result.insert(address) }
        }
        if config.nodePortAddresses.contains("primary") { result.formUnion(config.nodeIPs) }
        return result.sorted()
    }
}
