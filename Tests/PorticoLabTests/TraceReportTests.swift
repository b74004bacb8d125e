import PorticoAPI
@testable import PorticoLab
import PorticoSystem
import Testing

/// The trace explained from what was observed, with no lab: hops, breaks and the ending.
struct TraceReportTests {
    static func facts(_ service: Service, from: LabPlace = .internet, address: String = "203.0.113.200", clientNode: String? = nil) -> TraceFacts {
        var endpoint = TracePlanTests.endpoint
        endpoint.port = 8080
        return TraceFacts(from: from, clientAddress: address, clientNode: clientNode, service: service, port: service.spec.ports[0],
                          nodes: TracePlanTests.nodes, endpoints: [endpoint], selectedPods: [TracePlanTests.readyPod],
                          namespaceLabels: ["app=web": 1], allocationFailures: [], entryNode: nil, name: nil, clusterDomain: "cluster.local")
    }

    static func loadBalancer() -> Service {
        var service = TracePlanTests.service(.loadBalancer)
        service.status.loadBalancer.ingress = [.init(ip: "203.0.113.10")]
        return service
    }

    static func tuple(_ source: String, _ sourcePort: Int, _ destination: String, _ destinationPort: Int) -> ConntrackEntry.Tuple {
        ConntrackEntry.Tuple(source: source, destination: destination, sourcePort: sourcePort, destinationPort: destinationPort)
    }

    @Test func aRequestThroughTheLoadBalancerHopByHop() {
        let facts = Self.facts(Self.loadBalancer())
        var observation = TraceObservation()
        observation.backends = [.init(node: "node-1", target: "10.10.10.1:30080", healthy: true, check: "http://10.10.10.1:10256/healthz"),
                                .init(node: "node-2", target: "10.10.10.2:30080", healthy: false, check: "http://10.10.10.2:10256/healthz")]
        observation.endpointProbes = [.init(endpoint: facts.endpoints[0], outcome: .answered(0.001))]
        observation.outcome = .answered(0.002)
        observation.seen = [
            .init(place: "lb", records: [], packets: 1, conntrack: [
                ConntrackEntry(proto: "tcp", original: Self.tuple("203.0.113.200", 40000, "203.0.113.10", 80),
                               reply: Self.tuple("10.10.10.1", 30080, "203.0.113.200", 40000))]),
            .init(place: "node-1", records: [NFTTraceRecord(id: "1", steps: [
                .init(table: "portico", chain: "nat-prerouting", rule: "jump services", verdict: "")])], packets: 1, conntrack: [
                ConntrackEntry(proto: "tcp", original: Self.tuple("203.0.113.200", 40000, "10.10.10.1", 30080),
                               reply: Self.tuple("10.244.2.3", 8080, "10.244.1.1", 40000))]),
            .init(place: "node-2", records: [], packets: 0, conntrack: []),
        ]
        let report = TraceReport.make(facts: facts, plan: TracePlan.make(facts), observation: observation, lbPlace: "lab-lb")
        #expect(report.hops.map(\.place) == ["client", "lb", "node-1", "endpoint"])
        #expect(report.hops[1].more.contains("this request → node-1 10.10.10.1:30080 (DNAT; source kept: 203.0.113.200)"))
        #expect(report.hops[2].more.contains("NAT: DNAT 10.10.10.1:30080 → 10.244.2.3:8080; SNAT 203.0.113.200 → 10.244.1.1 (masquerade)"))
        #expect(report.hops[3].text == "pod default/web-1 on node-2 (ready) at 10.244.2.3:8080")
        #expect(report.answered && report.problems.isEmpty)
        #expect(report.lines.contains(" 2  lb        lab-lb owns 203.0.113.10; chain frontend-203.0.113.10/tcp/80 spreads over the healthy nodes' nodePort 30080:"))
    }

    @Test func everyBreakIsNamed() {
        let facts = Self.facts(Self.loadBalancer())
        var observation = TraceObservation()
        observation.backends = [.init(node: "node-1", target: "10.10.10.1:30080", healthy: false, check: "http://10.10.10.1:10256/healthz")]
        observation.endpointProbes = [.init(endpoint: facts.endpoints[0], outcome: .refused)]
        observation.outcome = .noAnswer
        observation.seen = [.init(place: "node-1", records: [NFTTraceRecord(id: "1", steps: [
            .init(table: "portico", chain: "filter-forward", rule: "ip daddr 203.0.113.10 drop", verdict: "")])], packets: 1, conntrack: [])]
        let report = TraceReport.make(facts: facts, plan: TracePlan.make(facts), observation: observation, lbPlace: "lab-lb")
        #expect(report.problems.map(\.at) == ["pod web-1", "lb", "node-1"])
        #expect(report.problems[0].why.hasPrefix("nothing listens at 10.244.2.3:8080 (refused)"))
        #expect(!report.answered && report.lines.contains("why:"))
    }

    @Test func nothingReachedANode() {
        let facts = Self.facts(TracePlanTests.service(.nodePort), from: .node("node-1"), address: "10.10.10.1", clientNode: "node-1")
        var observation = TraceObservation()
        observation.outcome = .noAnswer
        observation.seen = [.init(place: "node-1", records: [], packets: 0, conntrack: [])]
        let report = TraceReport.make(facts: facts, plan: TracePlan.make(facts), observation: observation, lbPlace: nil)
        #expect(report.problems == [TraceProblem(at: "network", why: "no packet of the request reached a node")])
        #expect(report.hops.map(\.place) == ["client"])
    }

    @Test func aNameThatDoesNotResolveSendsNothing() {
        let facts = Self.facts(TracePlanTests.service(.clusterIP), from: .pod(namespace: "other", name: "client"), address: "10.244.1.5")
        var observation = TraceObservation()
        observation.lookup = .init(name: "web", resolved: nil)
        let report = TraceReport.make(facts: facts, plan: TracePlan.make(facts), observation: observation, lbPlace: nil)
        #expect(report.hops.map(\.place) == ["dns"])
        #expect(report.ending == "✗ nothing sent: the pod has no address for web")
        #expect(report.problems.last?.why.contains("use web.default or web.default.svc.cluster.local") == true)
    }
}
