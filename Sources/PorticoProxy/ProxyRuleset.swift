import Crypto
import Foundation
import PorticoAPI
import PorticoNFTables

/// The proxy's desired state as an nftables table, in kube-proxy's nftables layout
/// (KEP-3866): base chains that jump to `services` (NAT) and to the checks (filter), shared
/// verdict maps keyed `daddr . proto . dport` for dispatch, a chain per service port for
/// endpoint selection, and the masquerade mark. Unlike upstream, endpoints are chosen by a
/// cascade of `numgen random mod (n-i) == 0` rules inside the service's chain instead of an
/// anonymous verdict map per service: the kernel then has a fixed number of sets however
/// many Services there are (one anonymous map per service makes its set lookups quadratic,
/// kubernetes PR #140362), and hairpin traffic is found by one shared set.
public enum ProxyRuleset {
    public static let masqueradeBit: UInt32 = 0x4000

    // Shared sets and maps.
    static let serviceIPs = "service-ips"
    static let serviceNodePorts = "service-nodeports"
    static let nodePortIPs = "nodeport-ips"
    static let clusterIPs = "cluster-ips"
    static let noEndpointServices = "no-endpoint-services"
    static let noEndpointNodePorts = "no-endpoint-nodeports"
    static let noLocalEndpointIPs = "no-local-endpoint-ips"
    static let firewallIPs = "firewall-ips"
    static let hairpin = "hairpin"

    static let addrProtoPort = "ipv4_addr . inet_proto . inet_service"

    /// The shared sets and maps, empty but for the NodePort addresses: what every Service's
    /// fragment adds elements to.
    static func sharedSets(_ context: RulesetContext) -> [NFTSet] {
        var nodePorts = NFTSet(name: nodePortIPs, keyType: "ipv4_addr")
        for ip in context.nodePortIPs { nodePorts.elements[ip] = "" }
        return [
            NFTSet(name: clusterIPs, keyType: "ipv4_addr"),
            NFTSet(name: firewallIPs, keyType: addrProtoPort, valueType: "verdict"),
            NFTSet(name: hairpin, keyType: "ipv4_addr . ipv4_addr . inet_proto . inet_service"),
            NFTSet(name: noEndpointNodePorts, keyType: "inet_proto . inet_service", valueType: "verdict"),
            NFTSet(name: noEndpointServices, keyType: addrProtoPort, valueType: "verdict"),
            NFTSet(name: noLocalEndpointIPs, keyType: addrProtoPort, valueType: "verdict"),
            nodePorts,
            NFTSet(name: serviceIPs, keyType: addrProtoPort, valueType: "verdict"),
            NFTSet(name: serviceNodePorts, keyType: "inet_proto . inet_service", valueType: "verdict"),
        ]
    }

    /// The whole table: the fixed part and every Service's fragment.
    public static func table(_ state: ProxyState) -> NFTTable {
        let context = RulesetContext(state)
        var fragments: [String: ServiceFragment] = [:]
        for (key, ports) in Dictionary(grouping: state.ports, by: { "\($0.namespace)/\($0.name)" }) {
            fragments[key] = self.fragment(ports, context: context)
        }
        return ProxyProgram(context: context, fragments: fragments).table()
    }

    /// What one Service (all its ports) adds to the table: its chains, its elements in the
    /// shared sets and maps, and its affinity sets. Computed from the Service alone, so a
    /// change to one Service is computed and applied without looking at the others.
    public static func fragment(_ ports: [ServicePortEntry], context: RulesetContext) -> ServiceFragment {
        var fragment = ServiceFragment()
        func element(_ set: String, _ key: String, _ value: String = "") { fragment.elements[set, default: [:]][key] = value }
        let reject = "goto reject-chain"

        for port in ports.sorted(by: { $0.id < $1.id }) {
            let proto = port.proto.rawValue.lowercased()
            let hash = self.hash(port.id)
            let serviceChain = "service-\(hash)-\(port.id)"
            let localChain = "local-\(hash)-\(port.id)"
            let externalChain = "external-\(hash)-\(port.id)"
            let firewallChain = "firewall-\(hash)-\(port.id)"
            let key = { (ip: String, p: Int32) in "\(ip) . \(proto) . \(p)" }
            let clusterWide = port.allClusterEndpoints
            let local = port.localEndpoints

            // Internal traffic: the ClusterIP.
            if let clusterIP = port.clusterIP {
                element(clusterIPs, clusterIP)
                let internalEndpoints = port.internalPolicyLocal ? local : clusterWide
                if !internalEndpoints.isEmpty {
                    element(serviceIPs, key(clusterIP, port.port), "goto \(port.internalPolicyLocal ? localChain : serviceChain)")
                } else {
                    // None at all: refused; none here with Local policy: dropped.
                    element(noEndpointServices, key(clusterIP, port.port), port.internalPolicyLocal && !clusterWide.isEmpty ? "drop" : reject)
                }
            }

            // External traffic: node ports, load-balancer and external IPs.
            let externalKeys = (port.loadBalancerIPs + port.externalIPs).map { key($0, port.port) }
            let nodePortKey = port.nodePort.map { "\(proto) . \($0)" }
            if port.hasExternal {
                if !clusterWide.isEmpty {
                    for k in externalKeys { element(serviceIPs, k, "goto \(externalChain)") }
                    if let k = nodePortKey { element(serviceNodePorts, k, "goto \(externalChain)") }
                    fragment.chains.append(NFTChain(name: externalChain, rules: self.externalRules(port, context: context, serviceChain: serviceChain,
                                                                                                   localChain: localChain)))
                }
                // Nothing to send outside traffic to: refused. Local policy and no endpoint here:
                // dropped — checked only after DNAT, so the node's and pods' own traffic, sent
                // to all endpoints, passes.
                if clusterWide.isEmpty {
                    for k in externalKeys { element(noEndpointServices, k, reject) }
                    if let k = nodePortKey { element(noEndpointNodePorts, k, reject) }
                } else if port.externalPolicyLocal && local.isEmpty {
                    for k in externalKeys { element(noLocalEndpointIPs, k, "drop") }
                    if let k = nodePortKey { element(noEndpointNodePorts, k, "drop") }
                }
                if !port.loadBalancerSourceRanges.isEmpty, !port.loadBalancerIPs.isEmpty {
                    for ip in port.loadBalancerIPs { element(firewallIPs, key(ip, port.port), "goto \(firewallChain)") }
                    fragment.chains.append(NFTChain(name: firewallChain, rules: [
                        NFTRule([.compare(.saddr, negated: true, .anonymous(port.loadBalancerSourceRanges)), .drop]),
                    ]))
                }
            }

            // Endpoint selection chains. All endpoints: for ClusterIP traffic (unless
            // internalTrafficPolicy is Local) and for external traffic (Cluster policy, and
            // Local policy's pods and node).
            if !clusterWide.isEmpty && (!port.internalPolicyLocal || port.hasExternal) {
                let (rules, affinity) = self.selectionRules(port, endpoints: clusterWide, kind: "service", context: context,
                                                            masqueradeInternal: !port.internalPolicyLocal)
                fragment.chains.append(NFTChain(name: serviceChain, rules: rules))
                fragment.sets += affinity
            }
            if !local.isEmpty, port.internalPolicyLocal || port.externalPolicyLocal {
                let (rules, affinity) = self.selectionRules(port, endpoints: local, kind: "local", context: context,
                                                            masqueradeInternal: port.internalPolicyLocal)
                fragment.chains.append(NFTChain(name: localChain, rules: rules))
                fragment.sets += affinity
            }
            for endpoint in Set(clusterWide + local) {
                element(hairpin, "\(endpoint.ip) . \(endpoint.ip) . \(proto) . \(endpoint.port)")
            }
        }
        fragment.sets.sort { $0.name < $1.name }
        return fragment
    }

    /// Base chains and the fixed chains they jump to.
    static func baseChains(_ context: RulesetContext) -> [NFTChain] {
        let dispatch: [NFTField] = [.daddr, .l4proto, .dport]
        var clusterCheck = [NFTRule([.compare(.daddr, negated: false, .named(clusterIPs)), .reject(tcpReset: false)])]
        if !context.serviceCIDRs.isEmpty {
            clusterCheck.append(NFTRule([.compare(.daddr, negated: false, .anonymous(context.serviceCIDRs)), .drop]))
        }
        return [
            NFTChain(name: "filter-prerouting", base: NFTBaseChain(type: "filter", hook: "prerouting", priority: -110),
                     rules: [NFTRule([.ctStateNew, .jump("firewall-check")])]),
            NFTChain(name: "filter-input", base: NFTBaseChain(type: "filter", hook: "input", priority: -110),
                     rules: [NFTRule([.ctStateNew, .jump("nodeport-endpoints-check")]), NFTRule([.ctStateNew, .jump("service-endpoints-check")]),
                             NFTRule([.ctStateNew, .jump("local-endpoints-check")])]),
            NFTChain(name: "filter-forward", base: NFTBaseChain(type: "filter", hook: "forward", priority: -110),
                     rules: [NFTRule([.ctStateNew, .jump("service-endpoints-check")]), NFTRule([.ctStateNew, .jump("local-endpoints-check")]),
                             NFTRule([.ctStateNew, .jump("cluster-ips-check")])]),
            NFTChain(name: "filter-output", base: NFTBaseChain(type: "filter", hook: "output", priority: -110),
                     rules: [NFTRule([.ctStateNew, .jump("service-endpoints-check")]), NFTRule([.ctStateNew, .jump("firewall-check")])]),
            NFTChain(name: "filter-output-post-dnat", base: NFTBaseChain(type: "filter", hook: "output", priority: -90),
                     rules: [NFTRule([.ctStateNew, .jump("cluster-ips-check")])]),
            NFTChain(name: "nat-prerouting", base: NFTBaseChain(type: "nat", hook: "prerouting", priority: -100),
                     rules: [NFTRule([.jump("services")])]),
            NFTChain(name: "nat-output", base: NFTBaseChain(type: "nat", hook: "output", priority: -100),
                     rules: [NFTRule([.jump("services")])]),
            NFTChain(name: "nat-postrouting", base: NFTBaseChain(type: "nat", hook: "postrouting", priority: 100),
                     rules: [NFTRule([.jump("masquerading")])]),
            NFTChain(name: "services", rules: [
                NFTRule([.vmap(dispatch, map: serviceIPs)]),
                NFTRule([.compare(.daddr, negated: false, .named(nodePortIPs)), .vmap([.l4proto, .dport], map: serviceNodePorts)]),
            ]),
            NFTChain(name: "service-endpoints-check", rules: [NFTRule([.vmap(dispatch, map: noEndpointServices)])]),
            NFTChain(name: "local-endpoints-check", rules: [NFTRule([.vmap(dispatch, map: noLocalEndpointIPs)])]),
            NFTChain(name: "nodeport-endpoints-check", rules: [
                NFTRule([.compare(.daddr, negated: false, .named(nodePortIPs)), .vmap([.l4proto, .dport], map: noEndpointNodePorts)]),
            ]),
            NFTChain(name: "firewall-check", rules: [NFTRule([.vmap(dispatch, map: firewallIPs)])]),
            NFTChain(name: "cluster-ips-check", rules: clusterCheck),
            NFTChain(name: "reject-chain", rules: [
                NFTRule([.compare(.l4proto, negated: false, .literal("tcp")), .reject(tcpReset: true)]),
                NFTRule([.reject(tcpReset: false)]),
            ]),
            NFTChain(name: "mark-for-masquerade", rules: [NFTRule([.markSetOr(masqueradeBit)])]),
            NFTChain(name: "masquerading", rules: [
                // Hairpin: a pod reaching itself through its Service.
                NFTRule([.ctStatusDNAT, .concatIn([.saddr, .daddr, .l4proto, .dport], set: hairpin), .masquerade]),
                NFTRule([.markBitClear(masqueradeBit), .return]),
                NFTRule([.markSetXor(masqueradeBit)]),
                NFTRule([.masquerade]),
            ]),
        ]
    }

    /// The entry of external traffic: Cluster policy masquerades and goes to all endpoints;
    /// Local policy keeps the client's address and goes to the node's own, except for pods and
    /// the node itself, which are sent to all endpoints (masqueraded from the node).
    static func externalRules(_ port: ServicePortEntry, context: RulesetContext, serviceChain: String, localChain: String) -> [NFTRule] {
        guard port.externalPolicyLocal else {
            return [NFTRule([.jump("mark-for-masquerade")]), NFTRule([.goto(serviceChain)])]
        }
        var rules: [NFTRule] = []
        if !context.clusterCIDRs.isEmpty {
            rules.append(NFTRule([.compare(.saddr, negated: false, .anonymous(context.clusterCIDRs)), .goto(serviceChain)]))
        }
        rules.append(NFTRule([.fibLocal(source: true), .jump("mark-for-masquerade")]))
        rules.append(NFTRule([.fibLocal(source: true), .goto(serviceChain)]))
        if !port.localEndpoints.isEmpty { rules.append(NFTRule([.goto(localChain)])) }
        return rules
    }

    /// Equal odds for each endpoint: rule i takes 1/(n-i) of what the rules before it left.
    /// With ClientIP affinity, a client seen within the timeout goes back to its endpoint.
    static func selectionRules(_ port: ServicePortEntry, endpoints: [ProxyEndpoint], kind: String,
                               context: RulesetContext, masqueradeInternal: Bool) -> ([NFTRule], [NFTSet]) {
        let proto = port.proto.rawValue.lowercased()
        var rules: [NFTRule] = []
        if masqueradeInternal, let clusterIP = port.clusterIP {
            if context.masqueradeAll {
                rules.append(NFTRule([.compare(.daddr, negated: false, .literal(clusterIP)), .jump("mark-for-masquerade")]))
            } else if !context.clusterCIDRs.isEmpty {
                rules.append(NFTRule([.compare(.daddr, negated: false, .literal(clusterIP)),
                                      .compare(.saddr, negated: true, .anonymous(context.clusterCIDRs)), .jump("mark-for-masquerade")]))
            }
        }
        var affinitySets: [NFTSet] = []
        let affinityName = { (e: ProxyEndpoint) in "affinity-\(self.hash("\(kind)/\(port.id)/\(e.address)"))" }
        if let timeout = port.affinityTimeout {
            for endpoint in endpoints {
                let name = affinityName(endpoint)
                affinitySets.append(NFTSet(name: name, keyType: "ipv4_addr", flags: ["dynamic", "timeout"], timeoutSeconds: timeout))
                rules.append(NFTRule([.compare(.saddr, negated: false, .named(name)),
                                      .dnat(proto: proto, address: endpoint.ip, port: endpoint.port)]))
            }
        }
        for (i, endpoint) in endpoints.enumerated() {
            var items: [NFTItem] = []
            if i < endpoints.count - 1 { items.append(.numgen(mod: endpoints.count - i, equals: 0)) }
            if port.affinityTimeout != nil { items.append(.updateSaddr(set: affinityName(endpoint))) }
            items.append(.dnat(proto: proto, address: endpoint.ip, port: endpoint.port))
            rules.append(NFTRule(items))
        }
        return (rules, affinitySets)
    }

    /// Eight characters of base32(sha256), as kube-proxy names its chains.
    static func hash(_ text: String) -> String {
        let digest = Array(SHA256.hash(data: Data(text.utf8)))
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var bits = 0
        var value = 0
        var out = ""
        for byte in digest {
            value = (value << 8) | Int(byte)
            bits += 8
            while bits >= 5, out.count < 8 {
                out.append(alphabet[(value >> (bits - 5)) & 31])
                bits -= 5
            }
            if out.count == 8 { break }
        }
        return out
    }
}
