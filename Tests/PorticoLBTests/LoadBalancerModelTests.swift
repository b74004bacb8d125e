import PorticoAPI
import PorticoLB
import PorticoNFTables
import Testing

@Suite struct LoadBalancerModelTests {
    func node(_ n: Int, taint: String? = nil) -> Node {
        var node = Node(metadata: ObjectMeta(name: "node-\(n)"))
        node.status.addresses = [NodeAddress(type: "InternalIP", address: "10.10.10.\(n)")]
        if let taint { node.spec.taints = [Taint(key: taint, effect: "NoSchedule")] }
        return node
    }

    func service(_ name: String, ip: String?, local: Bool = false, nodePort: Int32 = 31000) -> Service {
        var service = Service(metadata: ObjectMeta(name: name, namespace: "default"))
        service.spec.type = ServiceType.loadBalancer
        service.spec.ports = [ServicePort(name: "http", protocol: "TCP", port: 80, nodePort: nodePort)]
        if local {
            service.spec.externalTrafficPolicy = TrafficPolicy.local
            service.spec.healthCheckNodePort = 32000
        }
        if let ip { service.status.loadBalancer.ingress = [LoadBalancerIngress(ip: ip, ipMode: .vip)] }
        return service
    }

    @Test func frontendsForwardToHealthyNodesNodePorts() {
        let nodes = [self.node(1), self.node(2), self.node(3, taint: "ToBeDeletedByClusterAutoscaler")]
        let services = [self.service("web", ip: "203.0.113.10"), self.service("pending", ip: nil), self.service("local", ip: "203.0.113.11", local: true)]
        let model = LoadBalancerModel.build(services: services, nodes: nodes, slices: []) { $0.ip != "10.10.10.2" }
        #expect(model.frontends.map(\.ip) == ["203.0.113.11", "203.0.113.10"])
        let web = model.frontends.first { $0.service == "default/web" }!
        // node-2 fails its check; node-3 is being drained: only node-1.
        #expect(web.backends.map { "\($0.ip):\($0.port)" } == ["10.10.10.1:31000"])
        #expect(web.backends.first?.health?.description == "http://10.10.10.1:10256/healthz")
        let local = model.frontends.first { $0.service == "default/local" }!
        #expect(local.backends.first?.health?.description == "http://10.10.10.1:32000/")
        // All failing: fail open.
        let allDown = LoadBalancerModel.build(services: services, nodes: nodes, slices: []) { _ in false }
        #expect(allDown.frontends.first { $0.service == "default/web" }!.backends.count == 2)
    }

    @Test func withoutNodePortsTheEndpointsThemselves() throws {
        var service = self.service("direct", ip: "203.0.113.12", nodePort: 0)
        service.spec.allocateLoadBalancerNodePorts = false
        var slice = EndpointSlice(metadata: ObjectMeta(name: "direct-x", namespace: "default", labels: ["kubernetes.io/service-name": "direct"]),
                                  addressType: "IPv4")
        slice.ports = [EndpointPort(name: "http", protocol: "TCP", port: 8080)]
        slice.endpoints = [Endpoint(addresses: ["10.244.1.5"], conditions: EndpointConditions(ready: true)),
                           Endpoint(addresses: ["10.244.2.5"], conditions: EndpointConditions(ready: false))]
        let model = LoadBalancerModel.build(services: [service], nodes: [self.node(1)], slices: [slice]) { _ in true }
        #expect(model.frontends.first?.direct == true)
        #expect(model.frontends.first?.backends.map { "\($0.ip):\($0.port)" } == ["10.244.1.5:8080"])
    }

    @Test func otherClassesAreNotServed() {
        var other = self.service("other", ip: "203.0.113.13")
        other.spec.loadBalancerClass = "example.com/lb"
        #expect(LoadBalancerModel.build(services: [other], nodes: [self.node(1)], slices: []) { _ in true }.frontends.isEmpty)
    }

    @Test func theRulesetDispatchesByAddressAndSpreadsEvenly() throws {
        let model = LoadBalancerModel.build(services: [self.service("web", ip: "203.0.113.10")], nodes: [self.node(1), self.node(2), self.node(3)],
                                            slices: []) { _ in true }
        let table = LoadBalancerRuleset.table(model, internetCIDR: "203.0.113.0/24")
        let text = table.replacementTransaction
        #expect(text.contains("203.0.113.10 . tcp . 80 : goto frontend-203.0.113.10/tcp/80"))
        #expect(text.contains("numgen random mod 3 == 0 meta l4proto tcp dnat to 10.10.10.1:31000"))
        #expect(text.contains("numgen random mod 2 == 0 meta l4proto tcp dnat to 10.10.10.2:31000"))
        #expect(text.contains("ct status dnat ip saddr != 203.0.113.0/24 masquerade"))
        #expect(text.contains("ip saddr 203.0.113.0/24 drop"))
    }

    @Test func sourceRangesAreEnforcedAtTheLoadBalancer() {
        var service = self.service("ranged", ip: "203.0.113.10")
        service.spec.loadBalancerSourceRanges = ["198.51.100.0/24", " 10.0.0.0/8"]
        let model = LoadBalancerModel.build(services: [service], nodes: [self.node(1)], slices: []) { _ in true }
        #expect(model.frontends.first?.sourceRanges == ["10.0.0.0/8", "198.51.100.0/24"])
        let text = LoadBalancerRuleset.table(model, internetCIDR: "203.0.113.0/24").replacementTransaction
        let chain = text.components(separatedBy: "chain frontend-203.0.113.10/tcp/80 {").last ?? ""
        // The drop comes before the DNAT.
        #expect(chain.range(of: "ip saddr != { 10.0.0.0/8, 198.51.100.0/24 } drop")?.lowerBound ?? chain.endIndex
                < chain.range(of: "dnat to 10.10.10.1:31000")?.lowerBound ?? chain.startIndex, "\(chain)")
    }

    @Test func healthVerdictsNeedTwoInARowAfterTheFirst() {
        var status = HealthChecks.Status()
        #expect(status.record(pass: true, threshold: 2) && status.healthy == true)
        #expect(!status.record(pass: false, threshold: 2) && status.healthy == true)
        #expect(status.record(pass: false, threshold: 2) && status.healthy == false)
        #expect(!status.record(pass: true, threshold: 2) && status.healthy == false)
        #expect(status.record(pass: true, threshold: 2) && status.healthy == true)
    }
}
