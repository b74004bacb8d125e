import PorticoAPI
@testable import PorticoNFTables
@testable import PorticoProxy
import Testing

/// The proxy's rules without a kernel: the ruleset for each behaviour is rendered, read back
/// from its text, and packets are run through it by the evaluator, as kube-proxy's own tests
/// do with their fake nftables.
struct RulesetTests {
    static let nodes = ["node-1": "10.10.10.1", "node-2": "10.10.10.2", "node-3": "10.10.10.3"]

    static func service(_ name: String, type: ServiceType = .clusterIP, clusterIP: String = "10.96.0.20",
                        ports: [ServicePort] = [ServicePort(name: "http", protocol: .tcp, port: 80, targetPort: .int(8080), nodePort: 30080)],
                        _ configure: (inout Service) -> Void = { _ in }) -> Service {
        var s = Service(metadata: ObjectMeta(name: name, namespace: "default"))
        s.spec.type = type
        s.spec.clusterIP = clusterIP
        s.spec.clusterIPs = [clusterIP]
        s.spec.ports = ports
        if type == .clusterIP { s.spec.ports = s.spec.ports.map { var p = $0; p.nodePort = 0; return p } }
        s.spec.externalTrafficPolicy = type == .clusterIP ? "" : .cluster
        configure(&s)
        return s
    }

    static func slice(_ service: String, _ endpoints: [(ip: String, node: String)], port: Int32 = 8080, name: String = "http",
                      proto: PortProtocol = .tcp, ready: Bool = true, terminating: Bool = false) -> EndpointSlice {
        var slice = EndpointSlice(metadata: ObjectMeta(name: "\(service)-abc", namespace: "default",
                                                       labels: [EndpointSlice.serviceNameLabel: service]), addressType: .ipv4)
        slice.ports = [EndpointPort(name: name, protocol: proto, port: port)]
        slice.endpoints = endpoints.map { e in
            Endpoint(addresses: [e.ip], conditions: EndpointConditions(ready: ready, serving: true, terminating: terminating), nodeName: e.node)
        }
        return slice
    }

    static let three = [("10.244.1.2", "node-1"), ("10.244.2.2", "node-2"), ("10.244.3.2", "node-3")]

    /// The rules of `node` for these objects, rendered and read back from their text.
    static func evaluator(_ services: [Service], _ slices: [EndpointSlice], node: String = "node-1") throws -> NFTEvaluator {
        var config = ProxyConfig(nodeName: node, nodeIPs: [Self.nodes[node]!])
        config.clusterCIDRs = ["10.244.0.0/16"]
        config.serviceCIDRs = ["10.96.0.0/12"]
        let table = ProxyRuleset.table(ProxyState.build(services: services, slices: slices, config: config))
        let parsed = try NFTParser.table(table.text)
        #expect(parsed.sets.map(\.name) == table.sets.map(\.name))
        #expect(parsed == table, "the text does not read back as the table it came from")
        let n = node.split(separator: "-").last!
        return NFTEvaluator(table: parsed, localAddresses: [Self.nodes[node]!, "10.244.\(n).1", "127.0.0.1"])
    }

    static func spread(_ outcomes: [NFTOutcome: Double]) -> [String: Double] {
        var result: [String: Double] = [:]
        for (outcome, p) in outcomes { result[outcome.dnat ?? outcome.description, default: 0] += p }
        return result
    }

    @Test func clusterIPSpreadsEvenlyAndMasqueradesOnlyOutsiders() throws {
        let nft = try Self.evaluator([Self.service("web")], [Self.slice("web", Self.three)])
        let fromPod = nft.distribution(NFTPacket(from: "10.244.1.7", to: "10.96.0.20", port: 80), path: .arriving)
        #expect(fromPod.count == 3)
        for (outcome, p) in fromPod {
            #expect(abs(p - 1.0 / 3) < 1e-9)
            #expect(!outcome.masqueraded)
        }
        #expect(Set(fromPod.keys.compactMap(\.dnat)) == ["10.244.1.2:8080", "10.244.2.2:8080", "10.244.3.2:8080"])
        // From the LAN (not a pod): masqueraded, so replies come back through this node.
        let fromHost = nft.run(NFTPacket(from: "10.10.10.254", to: "10.96.0.20", port: 80), path: .arriving)
        #expect(fromHost.dnat != nil && fromHost.masqueraded)
    }

    @Test func unusedPortsAndAddressesOfTheServiceRange() throws {
        let nft = try Self.evaluator([Self.service("web")], [Self.slice("web", Self.three)])
        #expect(nft.run(NFTPacket(from: "10.244.1.7", to: "10.96.0.20", port: 81), path: .arriving).verdict == .reject(tcpReset: false))
        #expect(nft.run(NFTPacket(from: "10.244.1.7", to: "10.96.0.99", port: 80), path: .arriving).verdict == .drop)
        // A node process too.
        #expect(nft.run(NFTPacket(from: "10.10.10.1", to: "10.96.0.20", port: 81), path: .local).verdict == .reject(tcpReset: false))
    }

    @Test func nodePortOnTheNodesAddressOnly() throws {
        let nft = try Self.evaluator([Self.service("web", type: .nodePort)], [Self.slice("web", Self.three)])
        let fromLAN = nft.distribution(NFTPacket(from: "10.10.10.254", to: "10.10.10.1", port: 30080), path: .arriving)
        #expect(Set(fromLAN.keys.compactMap(\.dnat)).count == 3)
        #expect(fromLAN.keys.allSatisfy { $0.masqueraded })
        // Not on the ClusterIP, not on other node addresses, other ports untouched.
        #expect(nft.run(NFTPacket(from: "10.244.1.7", to: "10.96.0.20", port: 30080), path: .arriving).verdict == .reject(tcpReset: false))
        #expect(nft.run(NFTPacket(from: "10.10.10.254", to: "10.244.1.1", port: 30080), path: .arriving).dnat == nil)
        let other = nft.run(NFTPacket(from: "10.10.10.254", to: "10.10.10.1", port: 22), path: .arriving)
        #expect(other.verdict == .accept && other.dnat == nil && other.toNode)
    }

    @Test func noEndpointsRefusesAtOnce() throws {
        let ports = [ServicePort(name: "http", protocol: .tcp, port: 80, targetPort: .int(8080), nodePort: 30080),
                     ServicePort(name: "dns", protocol: .udp, port: 53, targetPort: .int(53), nodePort: 30053)]
        let nft = try Self.evaluator([Self.service("empty", type: .nodePort, ports: ports)], [])
        #expect(nft.run(NFTPacket(from: "10.244.1.7", to: "10.96.0.20", port: 80), path: .arriving).verdict == .reject(tcpReset: true))
        #expect(nft.run(NFTPacket(from: "10.244.1.7", to: "10.96.0.20", "udp", port: 53), path: .arriving).verdict == .reject(tcpReset: false))
        #expect(nft.run(NFTPacket(from: "10.10.10.254", to: "10.10.10.1", port: 30080), path: .arriving).verdict == .reject(tcpReset: true))
        #expect(nft.run(NFTPacket(from: "10.10.10.1", to: "10.96.0.20", port: 80), path: .local).verdict == .reject(tcpReset: true))
    }

    @Test func udpAndSCTPGoThroughToo() throws {
        let ports = [ServicePort(name: "dns", protocol: .udp, port: 53, targetPort: .int(5353)),
                     ServicePort(name: "sig", protocol: .sctp, port: 9, targetPort: .int(9))]
        let slices = [Self.slice("dns", [("10.244.2.9", "node-2")], port: 5353, name: "dns", proto: .udp),
                      Self.slice("dns", [("10.244.2.9", "node-2")], port: 9, name: "sig", proto: .sctp)]
        let nft = try Self.evaluator([Self.service("dns", ports: ports)], slices)
        #expect(nft.run(NFTPacket(from: "10.244.1.7", to: "10.96.0.20", "udp", port: 53), path: .arriving).dnat == "10.244.2.9:5353")
        #expect(nft.run(NFTPacket(from: "10.244.1.7", to: "10.96.0.20", "sctp", port: 9), path: .arriving).dnat == "10.244.2.9:9")
        #expect(nft.run(NFTPacket(from: "10.244.1.7", to: "10.96.0.20", "tcp", port: 53), path: .arriving).verdict == .reject(tcpReset: false))
    }

    @Test func clientIPAffinityKeepsAClientOnOneEndpoint() throws {
        let service = Self.service("sticky") { $0.spec.sessionAffinity = .clientIP }
        let nft = try Self.evaluator([service], [Self.slice("sticky", Self.three)])
        var seen = Set<String>()
        for _ in 0..<50 { seen.insert(nft.run(NFTPacket(from: "10.244.1.7", to: "10.96.0.20", port: 80), path: .arriving).dnat ?? "") }
        #expect(seen.count == 1)
        // Another client may land elsewhere; without affinity one client spreads.
        let plain = try Self.evaluator([Self.service("web")], [Self.slice("web", Self.three)])
        var spread = Set<String>()
        for _ in 0..<50 { spread.insert(plain.run(NFTPacket(from: "10.244.1.7", to: "10.96.0.20", port: 80), path: .arriving).dnat ?? "") }
        #expect(spread.count == 3)
        // The timeout is upstream's default, 3 hours.
        let table = try NFTParser.table(ProxyRuleset.table(ProxyState.build(
            services: [service], slices: [Self.slice("sticky", Self.three)], config: ProxyConfig(nodeName: "node-1", nodeIPs: ["10.10.10.1"]))).text)
        #expect(table.sets.filter { $0.name.hasPrefix("affinity-") }.map(\.timeoutSeconds) == [10800, 10800, 10800])
    }

    @Test func externalTrafficPolicyLocal() throws {
        let service = Self.service("local", type: .loadBalancer) {
            $0.spec.externalTrafficPolicy = .local
            $0.spec.healthCheckNodePort = 32000
            $0.status.loadBalancer.ingress = [LoadBalancerIngress(ip: "203.0.113.10", ipMode: "VIP")]
        }
        let slices = [Self.slice("local", [("10.244.1.2", "node-1"), ("10.244.3.2", "node-3")])]
        // node-1 has a local endpoint: the client's address is kept.
        let one = try Self.evaluator([service], slices, node: "node-1")
        let viaNodePort = one.run(NFTPacket(from: "10.10.10.254", to: "10.10.10.1", port: 30080), path: .arriving)
        #expect(viaNodePort.dnat == "10.244.1.2:8080" && !viaNodePort.masqueraded)
        let viaLB = one.run(NFTPacket(from: "203.0.113.200", to: "203.0.113.10", port: 80), path: .arriving)
        #expect(viaLB.dnat == "10.244.1.2:8080" && !viaLB.masqueraded)
        // node-2 has none: outside traffic is dropped, a pod there still reaches the Service.
        let two = try Self.evaluator([service], slices, node: "node-2")
        #expect(two.run(NFTPacket(from: "10.10.10.254", to: "10.10.10.2", port: 30080), path: .arriving).verdict == .drop)
        #expect(two.run(NFTPacket(from: "203.0.113.200", to: "203.0.113.10", port: 80), path: .arriving).verdict == .drop)
        let fromPod = two.distribution(NFTPacket(from: "10.244.2.7", to: "203.0.113.10", port: 80), path: .arriving)
        #expect(Set(fromPod.keys.compactMap(\.dnat)) == ["10.244.1.2:8080", "10.244.3.2:8080"])
        // The node itself goes to all endpoints, masqueraded.
        let fromNode = two.run(NFTPacket(from: "10.10.10.2", to: "203.0.113.10", port: 80), path: .local)
        #expect(fromNode.dnat != nil && fromNode.masqueraded)
        // Cluster policy: any node, masqueraded.
        let cluster = try Self.evaluator([Self.service("c", type: .nodePort)], [Self.slice("c", [("10.244.1.2", "node-1")])], node: "node-2")
        let out = cluster.run(NFTPacket(from: "10.10.10.254", to: "10.10.10.2", port: 30080), path: .arriving)
        #expect(out.dnat == "10.244.1.2:8080" && out.masqueraded)
    }

    @Test func internalTrafficPolicyLocal() throws {
        let service = Self.service("itp") { $0.spec.internalTrafficPolicy = .local }
        let slices = [Self.slice("itp", [("10.244.1.2", "node-1"), ("10.244.3.2", "node-3")])]
        let one = try Self.evaluator([service], slices, node: "node-1")
        #expect(Set(one.distribution(NFTPacket(from: "10.244.1.7", to: "10.96.0.20", port: 80), path: .arriving).keys.compactMap(\.dnat))
            == ["10.244.1.2:8080"])
        let two = try Self.evaluator([service], slices, node: "node-2")
        #expect(two.run(NFTPacket(from: "10.244.2.7", to: "10.96.0.20", port: 80), path: .arriving).verdict == .drop)
    }

    @Test func terminatingEndpointsServeWhenNoneIsReady() throws {
        let nft = try Self.evaluator([Self.service("web")], [Self.slice("web", Self.three, ready: false, terminating: true)])
        #expect(nft.distribution(NFTPacket(from: "10.244.1.7", to: "10.96.0.20", port: 80), path: .arriving).count == 3)
        // Mixed: the ready one only.
        var mixed = Self.slice("web", [("10.244.1.2", "node-1")])
        mixed.endpoints.append(Endpoint(addresses: ["10.244.2.2"], conditions: EndpointConditions(ready: false, serving: true, terminating: true),
                                        nodeName: "node-2"))
        let only = try Self.evaluator([Self.service("web")], [mixed])
        #expect(Set(only.distribution(NFTPacket(from: "10.244.1.7", to: "10.96.0.20", port: 80), path: .arriving).keys.compactMap(\.dnat))
            == ["10.244.1.2:8080"])
    }

    @Test func hairpinIsMasqueraded() throws {
        let nft = try Self.evaluator([Self.service("web")], [Self.slice("web", [("10.244.1.2", "node-1")])])
        let out = nft.run(NFTPacket(from: "10.244.1.2", to: "10.96.0.20", port: 80), path: .arriving)
        #expect(out.dnat == "10.244.1.2:8080" && out.masqueraded)
        let other = nft.run(NFTPacket(from: "10.244.1.9", to: "10.96.0.20", port: 80), path: .arriving)
        #expect(!other.masqueraded)
    }

    @Test func loadBalancerSourceRangesAndExternalIPs() throws {
        let service = Self.service("fw", type: .loadBalancer) {
            $0.spec.loadBalancerSourceRanges = ["203.0.113.0/24"]
            $0.spec.externalIPs = ["198.51.100.7"]
            $0.status.loadBalancer.ingress = [LoadBalancerIngress(ip: "203.0.113.10")]
        }
        let nft = try Self.evaluator([service], [Self.slice("fw", Self.three)])
        #expect(nft.run(NFTPacket(from: "192.0.2.50", to: "203.0.113.10", port: 80), path: .arriving).verdict == .drop)
        #expect(nft.run(NFTPacket(from: "203.0.113.200", to: "203.0.113.10", port: 80), path: .arriving).dnat != nil)
        // Source ranges apply to the load-balancer IP only, not to node ports or external IPs.
        #expect(nft.run(NFTPacket(from: "192.0.2.50", to: "10.10.10.1", port: 30080), path: .arriving).dnat != nil)
        #expect(nft.run(NFTPacket(from: "192.0.2.50", to: "198.51.100.7", port: 80), path: .arriving).dnat != nil)
        // ipMode Proxy: no VIP rules for the load-balancer address.
        var proxied = service
        proxied.status.loadBalancer.ingress = [LoadBalancerIngress(ip: "203.0.113.11", ipMode: "Proxy")]
        let p = try Self.evaluator([proxied], [Self.slice("fw", Self.three)])
        #expect(p.run(NFTPacket(from: "203.0.113.200", to: "203.0.113.11", port: 80), path: .arriving).dnat == nil)
    }

    @Test func oneServiceChangeRewritesOnlyItsChainAndElements() throws {
        var config = ProxyConfig(nodeName: "node-1", nodeIPs: ["10.10.10.1"])
        config.clusterCIDRs = ["10.244.0.0/16"]
        var services: [Service] = []
        var slices: [EndpointSlice] = []
        for i in 0..<50 {
            services.append(Self.service("s\(i)", clusterIP: "10.96.1.\(i + 1)"))
            slices.append(Self.slice("s\(i)", [("10.244.1.\(i + 2)", "node-1")]))
        }
        let before = ProxyRuleset.table(ProxyState.build(services: services, slices: slices, config: config))
        #expect(before.transaction(from: before).isEmpty)
        slices[7] = Self.slice("s7", [("10.244.1.9", "node-1"), ("10.244.2.9", "node-2")])
        let after = ProxyRuleset.table(ProxyState.build(services: services, slices: slices, config: config))
        let lines = after.transaction(from: before).split(separator: "\n")
        #expect(lines.allSatisfy { $0.contains("default/s7/") || $0.contains("hairpin") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("flush chain ip portico service-") })
        #expect(lines.contains { $0.hasPrefix("add element ip portico hairpin { 10.244.2.9 . 10.244.2.9 . tcp . 8080 }") })
        // A Service removed: its element goes before its chain.
        let fewer = ProxyRuleset.table(ProxyState.build(services: Array(services.dropLast()), slices: slices, config: config))
        let removal = fewer.transaction(from: after).split(separator: "\n").map(String.init)
        let elementLine = try #require(removal.firstIndex { $0.hasPrefix("delete element ip portico service-ips") })
        let chainLine = try #require(removal.firstIndex { $0.hasPrefix("delete chain ip portico service-") })
        #expect(elementLine < chainLine)
    }

    @Test func setsStayFewHoweverManyServices() throws {
        var services: [Service] = []
        var slices: [EndpointSlice] = []
        for i in 0..<1000 {
            services.append(Self.service("s\(i)", clusterIP: "10.96.\(i / 250).\(i % 250 + 1)"))
            slices.append(Self.slice("s\(i)", [("10.244.1.\(i % 250 + 2)", "node-1"), ("10.244.2.\(i % 250 + 2)", "node-2")]))
        }
        let table = ProxyRuleset.table(ProxyState.build(services: services, slices: slices,
                                                        config: ProxyConfig(nodeName: "node-1", nodeIPs: ["10.10.10.1"])))
        #expect(table.sets.count == 9)
        #expect(table.set("service-ips")?.elements.count == 1000)
    }
}

/// The incremental program against the whole table: after any sequence of changes, what the
/// program holds equals the table computed from scratch, and its transactions only touch
/// what changed.
struct ProxyProgramTests {
    static let config: ProxyConfig = {
        var c = ProxyConfig(nodeName: "node-1", nodeIPs: ["10.10.10.1"])
        c.clusterCIDRs = ["10.244.0.0/16"]
        return c
    }()

    static func program(_ services: [Service], _ slices: [EndpointSlice]) -> ProxyProgram {
        let state = ProxyState.build(services: services, slices: slices, config: Self.config)
        let context = RulesetContext(state)
        return ProxyProgram(context: context, fragments: Dictionary(grouping: state.ports, by: { "\($0.namespace)/\($0.name)" })
            .mapValues { ProxyRuleset.fragment($0, context: context) })
    }

    static func fragment(_ service: Service?, _ slices: [EndpointSlice]) -> ServiceFragment? {
        guard let service else { return nil }
        let ports = ProxyState.entries(for: service, slices: slices, config: Self.config)
        return ports.isEmpty ? nil : ProxyRuleset.fragment(ports, context: RulesetContext(ProxyState.build(services: [], slices: [], config: Self.config)))
    }

    /// What is sent, applied to a fake kernel (which refuses what nft would), ends as the whole
    /// table computed from scratch: the program's own bookkeeping is checked too, but the
    /// transactions are what counts.
    @Test func incrementalUpdatesMatchTheWholeTable() async throws {
        var services = (0..<20).map { RulesetTests.service("s\($0)", clusterIP: "10.96.2.\($0 + 1)") }
        var slices = (0..<20).map { RulesetTests.slice("s\($0)", [("10.244.1.\($0 + 2)", "node-1"), ("10.244.2.\($0 + 2)", "node-2")]) }
        var program = Self.program(services, slices)
        let kernel = NFTablesFake()
        try await kernel.apply(program.table().replacementTransaction)
        var generator = SystemRandomNumberGenerator()
        for round in 0..<40 {
            let i = Int.random(in: 0..<20, using: &generator)
            var change: [String: ServiceFragment?] = [:]
            switch round % 4 {
            case 0: slices[i] = RulesetTests.slice("s\(i)", [("10.244.3.\(round + 2)", "node-3")])
            case 1: slices[i] = RulesetTests.slice("s\(i)", [])
            case 2: services[i].spec.sessionAffinity = services[i].spec.sessionAffinity == .clientIP ? .none : .clientIP
            default: services[i].spec.type = services[i].spec.type == .nodePort ? .clusterIP : .nodePort
                services[i].spec.ports[0].nodePort = services[i].spec.type == .nodePort ? Int32(30000 + i) : 0
            }
            change["default/s\(i)"] = Self.fragment(services[i], [slices[i]])
            try await kernel.apply(program.update(change))
            let whole = ProxyRuleset.table(ProxyState.build(services: services, slices: slices, config: Self.config))
            #expect(kernel.table(name: "portico")?.canonical == whole.canonical, "round \(round) changed s\(i)")
            #expect(program.table() == whole, "round \(round) changed s\(i)")
        }
    }

    @Test func sharedElementsStayUntilNoServiceWantsThem() throws {
        // Two Services with the same endpoint share its hairpin element.
        let services = [RulesetTests.service("a", clusterIP: "10.96.3.1"), RulesetTests.service("b", clusterIP: "10.96.3.2")]
        let slices = [RulesetTests.slice("a", [("10.244.1.50", "node-1")]), RulesetTests.slice("b", [("10.244.1.50", "node-1")])]
        var program = Self.program(services, slices)
        let removeA = program.update(["default/a": ServiceFragment?.none])
        #expect(!removeA.contains("delete element ip portico hairpin"))
        #expect(removeA.contains("delete element ip portico service-ips { 10.96.3.1 . tcp . 80 }"))
        let removeB = program.update(["default/b": ServiceFragment?.none])
        #expect(removeB.contains("delete element ip portico hairpin { 10.244.1.50 . 10.244.1.50 . tcp . 8080 }"))
        let again = program.update(["default/b": ServiceFragment?.none])
        #expect(again.isEmpty)
    }
}
