import PorticoNFTables

/// The load balancer's kernel program, table `ip portico-lb`: one map sends
/// `LB IP . protocol . port` to its frontend's chain, which picks a backend with equal odds
/// (a `numgen` cascade, as the node proxy does) and DNATs to it. The client's address is
/// kept for clients on the internet side (the nodes route their replies back through the
/// load balancer), so externalTrafficPolicy Local shows it to the pod; clients on the LAN
/// are masqueraded, or the node would answer them directly past the load balancer. From
/// the internet, nothing but the frontends is forwarded; a frontend with
/// `loadBalancerSourceRanges` drops other sources first.
public enum LoadBalancerRuleset {
    public static func table(_ model: LoadBalancerModel, internetCIDR: String) -> NFTTable {
        var table = NFTTable(family: "ip", name: "portico-lb")
        var frontends = NFTSet(name: "frontends", keyType: "ipv4_addr . inet_proto . inet_service", valueType: "verdict")
        for frontend in model.frontends {
            frontends.elements["\(frontend.ip) . \(frontend.proto) . \(frontend.port)"] = "goto \(frontend.chain)"
        }
        table.sets = [frontends]
        table.chains = [
            NFTChain(name: "prerouting", base: NFTBaseChain(type: "nat", hook: "prerouting", priority: -100),
                     rules: [NFTRule([.vmap([.daddr, .l4proto, .dport], map: "frontends")])]),
            NFTChain(name: "postrouting", base: NFTBaseChain(type: "nat", hook: "postrouting", priority: 100),
                     rules: [NFTRule([.ctStatusDNAT, .compare(.saddr, negated: true, .literal(internetCIDR)), .masquerade])]),
            NFTChain(name: "forward", base: NFTBaseChain(type: "filter", hook: "forward", priority: 0),
                     rules: [NFTRule([.compare(.saddr, negated: false, .literal(internetCIDR)), .ctStatusDNAT, .accept]),
                             NFTRule([.compare(.saddr, negated: false, .literal(internetCIDR)), .drop])]),
        ]
        for frontend in model.frontends {
            var rules: [NFTRule] = []
            if !frontend.sourceRanges.isEmpty {
                rules.append(NFTRule([.compare(.saddr, negated: true, .anonymous(frontend.sourceRanges)), .drop]))
            }
            let count = frontend.backends.count
            for (i, backend) in frontend.backends.enumerated() {
                var items: [NFTItem] = []
                if i < count - 1 { items.append(.numgen(mod: count - i, equals: 0)) }
                items.append(.dnat(proto: frontend.proto, address: backend.ip, port: backend.port))
                rules.append(NFTRule(items))
            }
            if count == 0 { rules.append(NFTRule([.reject(tcpReset: frontend.proto == "tcp")])) }
            table.chains.append(NFTChain(name: frontend.chain, rules: rules))
        }
        return table
    }
}
