import PorticoAPI
import PorticoSystem

/// What the load balancer forwards, as plain values: for every address:port a LoadBalancer
/// Service was given, the backends — the nodes' `IP:nodePort` (as a cloud load balancer
/// forwards), or the ready endpoints themselves when the Service has no node ports
/// (`allocateLoadBalancerNodePorts: false`) — and how each node's health is checked.
public struct LoadBalancerModel: Sendable, Equatable {
    public struct Backend: Sendable, Hashable {
        public var ip: String
        public var port: Int32
        /// The health check that decides whether the backend gets traffic; nil for endpoints
        /// (their readiness is already in the EndpointSlice).
        public var health: HTTPCheck?
    }

    public struct Frontend: Sendable, Equatable {
        public var service: String
        public var ip: String
        public var proto: String
        public var port: Int32
        public var backends: [Backend]
        /// Straight to the endpoints: the Service has no node ports.
        public var direct: Bool
        /// `loadBalancerSourceRanges`: clients outside them are dropped here, as a cloud's
        /// firewall in front of its load balancer drops them (the node proxy's own check sees
        /// only traffic still addressed to the LB IP, and this traffic reaches the node at its
        /// nodePort). Empty: everyone.
        public var sourceRanges: [String] = []

        public var chain: String { "frontend-\(self.ip)/\(self.proto)/\(self.port)" }
    }

    public var frontends: [Frontend]

    static func internalIP(_ node: Node) -> String? {
        node.status.addresses.first { $0.type == "InternalIP" }?.address
    }

    /// `healthy` says which health targets pass; a frontend whose backends all fail keeps
    /// them all (cloud load balancers fail open rather than drop everything).
    public static func build(services: [Service], nodes: [Node], slices: [EndpointSlice],
                             healthy: (HTTPCheck) -> Bool) -> LoadBalancerModel {
        let nodeIPs = nodes.filter(\.isEligibleForExternalLoadBalancers).compactMap(Self.internalIP).sorted()
        var frontends: [Frontend] = []
        for service in services.sorted(by: { ($0.metadata.namespace, $0.metadata.name) < ($1.metadata.namespace, $1.metadata.name) })
        where service.usesPorticoLoadBalancer && service.metadata.deletionTimestamp == nil {
            let key = "\(service.metadata.namespace)/\(service.metadata.name)"
            let ips = service.status.loadBalancer.ingress.compactMap { ingress -> String? in
                guard let ip = IPAddress(ingress.ip), ip.family == .ipv4 else { return nil }
                return ip.description
            }
            let local = service.spec.externalTrafficPolicy == TrafficPolicy.local
            let mine = slices.filter {
                $0.metadata.namespace == service.metadata.namespace && $0.metadata.labels["kubernetes.io/service-name"] == service.metadata.name
            }
            for ip in ips {
                for port in service.spec.ports {
                    let proto = (port.protocol.rawValue.isEmpty ? "TCP" : port.protocol.rawValue).lowercased()
                    var backends: [Backend]
                    let direct = port.nodePort == 0
                    if direct {
                        backends = []
                        for slice in mine {
                            guard let match = slice.ports.first(where: { ($0.name ?? "") == port.name }), let target = match.port else { continue }
                            for endpoint in slice.endpoints where endpoint.conditions.ready ?? true {
                                for address in endpoint.addresses where IPAddress(address)?.family == .ipv4 {
                                    backends.append(Backend(ip: address, port: target, health: nil))
                                }
                            }
                        }
                    } else {
                        backends = nodeIPs.map { nodeIP in
                            let health = local && service.spec.healthCheckNodePort != 0
                                ? HTTPCheck(ip: nodeIP, port: service.spec.healthCheckNodePort, path: "/")
                                : HTTPCheck(ip: nodeIP, port: 10256, path: "/healthz")
                            return Backend(ip: nodeIP, port: port.nodePort, health: health)
                        }
                        let passing = backends.filter { $0.health.map(healthy) ?? true }
                        if !passing.isEmpty { backends = passing }
                    }
                    frontends.append(Frontend(service: key, ip: ip, proto: proto, port: port.port,
                                              backends: Array(Set(backends)).sorted { ($0.ip, $0.port) < ($1.ip, $1.port) }, direct: direct,
                                              sourceRanges: service.effectiveLoadBalancerSourceRanges))
                }
            }
        }
        return LoadBalancerModel(frontends: frontends)
    }

    /// Every health check any frontend needs.
    public static func healthTargets(services: [Service], nodes: [Node]) -> Set<HTTPCheck> {
        let model = Self.build(services: services, nodes: nodes, slices: [], healthy: { _ in true })
        return Set(model.frontends.flatMap { $0.backends.compactMap(\.health) })
    }

    /// The addresses the load balancer must own.
    public var addresses: Set<String> { Set(self.frontends.map(\.ip)) }
}
