import PorticoAPI
@testable import PorticoLab
import Testing

/// The breaks `portico trace` names from the objects alone, one test per case (no lab).
struct TracePlanTests {
    static let nodes = [TraceFacts.NodeFact(name: "node-1", address: "10.10.10.1"), .init(name: "node-2", address: "10.10.10.2")]

    static func service(_ type: ServiceType = .nodePort, selector: [String: String] = ["app": "web"]) -> Service {
        var service = Service()
        service.metadata.name = "web"
        service.metadata.namespace = "default"
        service.spec.type = type
        service.spec.clusterIP = "10.96.0.20"
        service.spec.selector = selector
        service.spec.ports = [ServicePort(port: 80, targetPort: .int(8080), nodePort: type == .clusterIP ? 0 : 30080)]
        return service
    }

    static let readyPod = TraceFacts.PodFact(name: "web-1", node: "node-2", ip: "10.244.2.3", phase: "Running", ready: true,
                                             notReadyBecause: nil, declaredPorts: ["8080/TCP"])
    static let endpoint = TraceFacts.EndpointFact(address: "10.244.2.3", node: "node-2", pod: "web-1", ready: true)

    static func plan(_ service: Service, from: LabPlace = .host, address: String = "10.10.10.254", clientNode: String? = nil,
                     endpoints: [TraceFacts.EndpointFact] = [endpoint], pods: [TraceFacts.PodFact] = [readyPod],
                     labels: [String: Int] = ["app=web": 1], failures: [String] = [], entryNode: String? = nil) -> TracePlan {
        TracePlan.make(TraceFacts(from: from, clientAddress: address, clientNode: clientNode, service: service, port: service.spec.ports[0],
                                  nodes: Self.nodes, endpoints: endpoints, selectedPods: pods, namespaceLabels: labels,
                                  allocationFailures: failures, entryNode: entryNode, name: nil, clusterDomain: "cluster.local"))
    }

    @Test func aWorkingPathHasADoorPerPlace() {
        var lb = Self.service(.loadBalancer)
        lb.status.loadBalancer.ingress = [.init(ip: "203.0.113.10")]
        let internet = Self.plan(lb, from: .internet, address: "203.0.113.200")
        #expect(internet.door?.kind == .loadBalancer && internet.door?.address == "203.0.113.10" && internet.door?.port == 80)
        #expect(internet.problems.isEmpty)
        let lan = Self.plan(lb, entryNode: "node-2")
        #expect(lan.door?.kind == .nodePort(node: "node-2") && lan.door?.address == "10.10.10.2" && lan.door?.port == 30080)
        let pod = Self.plan(lb, from: .pod(namespace: "other", name: "client"), address: "10.244.1.5", clientNode: "node-1")
        #expect(pod.dnsName == "web.default" && pod.door?.kind == .clusterIP && pod.door?.address == "10.96.0.20")
        let samePod = Self.plan(lb, from: .pod(namespace: "default", name: "client"), address: "10.244.1.5", clientNode: "node-1")
        #expect(samePod.dnsName == "web")
        let node = Self.plan(lb, from: .node("node-1"), address: "10.10.10.1", clientNode: "node-1")
        #expect(node.door?.kind == .clusterIP && node.problems.isEmpty)
    }

    @Test func noEndpointsBecauseTheSelectorMatchesNothing() {
        let plan = Self.plan(Self.service(selector: ["app": "wbe"]), endpoints: [], pods: [], labels: ["app=web": 3, "run=client": 1])
        #expect(plan.problems == [TraceProblem(at: "endpoints", why: "the selector app=wbe matches no pod in namespace default: pods there have app=web (3 pods)")])
    }

    @Test func noEndpointsBecauseThereIsNoSelector() {
        let plan = Self.plan(Self.service(selector: [:]), endpoints: [], pods: [])
        #expect(plan.problems.first?.why.contains("has no selector") == true)
    }

    @Test func podsNotReadyWithTheFailingProbe() {
        var pod = Self.readyPod
        pod.ready = false
        pod.notReadyBecause = "Readiness probe failed: dial tcp 10.244.2.3:9999: connect: connection refused"
        let plan = Self.plan(Self.service(), endpoints: [.init(address: "10.244.2.3", node: "node-2", pod: "web-1", ready: false)], pods: [pod])
        #expect(plan.problems == [TraceProblem(at: "pod web-1", why: "Running but not ready: Readiness probe failed: dial tcp 10.244.2.3:9999: connect: connection refused; an endpoint that is not ready gets no traffic")])
    }

    @Test func aNamedTargetPortNoContainerDeclares() {
        var service = Self.service()
        service.spec.ports[0].targetPort = .string("http")
        let plan = Self.plan(service, endpoints: [])
        #expect(plan.problems.first?.why.contains("targetPort \"http\" is a port name no container of the pods declares (they declare 8080/TCP)") == true)
    }

    @Test func localPolicyWithNoLocalEndpoint() {
        var service = Self.service()
        service.spec.externalTrafficPolicy = .local
        let plan = Self.plan(service, entryNode: "node-1")
        #expect(plan.problems.first?.at == "node-1")
        #expect(plan.problems.first?.why.hasPrefix("externalTrafficPolicy is Local and node-1 has no ready endpoint") == true)
        #expect(Self.plan(service, entryNode: "node-2").problems.isEmpty)
        var inside = Self.service(.clusterIP)
        inside.spec.internalTrafficPolicy = .local
        let fromPod = Self.plan(inside, from: .pod(namespace: "default", name: "c"), address: "10.244.1.5", clientNode: "node-1")
        #expect(fromPod.problems.first?.why.hasPrefix("internalTrafficPolicy is Local and node-1") == true)
    }

    @Test func pendingLoadBalancerWithItsReason() {
        let plan = Self.plan(Self.service(.loadBalancer), from: .internet, address: "203.0.113.200",
                             failures: ["Failed to allocate IP for \"default/web\": no available IP in the pools"])
        #expect(plan.door == nil)
        #expect(plan.problems == [TraceProblem(at: "lb", why: "EXTERNAL-IP is <pending>: the load-balancer controller says: Failed to allocate IP for \"default/web\": no available IP in the pools")])
    }

    @Test func sourceRangeRefusesTheClient() {
        var service = Self.service(.loadBalancer)
        service.status.loadBalancer.ingress = [.init(ip: "203.0.113.10")]
        service.spec.loadBalancerSourceRanges = ["10.0.0.0/8"]
        let plan = Self.plan(service, from: .internet, address: "203.0.113.200")
        #expect(plan.problems.first?.at == "lb")
        #expect(plan.problems.first?.why.hasPrefix("loadBalancerSourceRanges [10.0.0.0/8] does not contain the client 203.0.113.200") == true)
        service.spec.loadBalancerSourceRanges = ["203.0.113.0/24"]
        #expect(Self.plan(service, from: .internet, address: "203.0.113.200").problems.isEmpty)
    }

    @Test func typesThatDoNotReachThatFar() {
        let fromLAN = Self.plan(Self.service(.clusterIP))
        #expect(fromLAN.door == nil && fromLAN.problems.first?.why.hasPrefix("type ClusterIP is reachable only inside the cluster") == true)
        let fromInternet = Self.plan(Self.service(.nodePort), from: .internet, address: "203.0.113.200")
        #expect(fromInternet.door == nil && fromInternet.problems.first?.why.hasPrefix("type NodePort is not exposed to the internet") == true)
    }
}

/// The kernel's records `portico trace` reads.
struct TraceRecordsTests {
    @Test func nftMonitorTraceLines() {
        let text = """
            trace id e0871475 ip portico-trace prerouting packet: iif "eth0" ip saddr 10.10.10.254 ip daddr 10.10.10.1 tcp dport 31188
            trace id e0871475 ip portico-trace prerouting rule ip saddr 10.10.10.254 counter packets 0 bytes 0 meta nftrace set 1 (verdict continue)
            trace id e0871475 ip portico services rule ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports (verdict goto external-X/web/tcp/)
            trace id e0871475 ip portico service-X/web/tcp/ rule numgen random mod 2 0 meta l4proto tcp dnat to 10.244.2.3:8080 (verdict accept)
            trace id 2c531600 ip portico filter-forward policy accept
            """
        let records = NFTTraceRecord.parse(text)
        #expect(records.map(\.id) == ["e0871475", "2c531600"])
        #expect(records[0].steps.count == 3)
        #expect(records[0].steps[1] == .init(table: "portico", chain: "services",
                                             rule: "ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports", verdict: "goto external-X/web/tcp/"))
        #expect(records[0].steps[2].verdict == "accept" && records[1].steps.isEmpty)
    }

    @Test func conntrackLines() {
        let text = """
            tcp      6 118 TIME_WAIT src=10.10.10.254 dst=10.10.10.1 sport=36820 dport=31188 src=10.244.2.3 dst=10.10.10.1 sport=8080 dport=31045 [ASSURED] mark=0 use=1
            conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.
            """
        #expect(ConntrackEntry.parse(text) == [ConntrackEntry(
            proto: "tcp",
            original: .init(source: "10.10.10.254", destination: "10.10.10.1", sourcePort: 36820, destinationPort: 31188),
            reply: .init(source: "10.244.2.3", destination: "10.10.10.1", sourcePort: 8080, destinationPort: 31045))])
    }
}
