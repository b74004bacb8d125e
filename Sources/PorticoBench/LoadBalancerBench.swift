import Foundation
import PorticoAPI
import PorticoClient
import PorticoSystem
import PorticoLab

/// `portico bench lb` (root): in a 2-node lab of its own, from the internet namespace,
/// iperf3 throughput and new-connection request latency through the load balancer and a
/// node to a pod (externalTrafficPolicy Local: the one node with the pod), beside the same
/// through a Service with `allocateLoadBalancerNodePorts: false`, which the load balancer
/// sends straight to the pod (internet → lb → pod, no node hop), measured in the same run;
/// then the failover time after a node's agent stops, beside MetalLB's published "within a
/// few seconds".
public struct LoadBalancerBench: Sendable {
    public typealias Row = BenchRow
    public let porticoPath: String

    public init(porticoPath: String) { self.porticoPath = porticoPath }

    public func run(progress: @Sendable (String) -> Void) async throws -> [Row] {
        var rows = try await self.cloud(progress: progress)
        rows.append(try await self.l2(progress: progress))
        return rows
    }

    /// L2 mode: the announcing node's link is cut; how long until the LAN reaches the address again.
    func l2(progress: @Sendable (String) -> Void) async throws -> Row {
        var config = BenchLab.config(name: "porticobl2", nodes: 2, base: 67, apiPort: 26446)
        config.lbMode = "l2"
        progress("a 2-node lab in L2 mode")
        return try await BenchLab.with(config, porticoPath: self.porticoPath) { client, plan in
            var deployment = Deployment(metadata: ObjectMeta(name: "web", namespace: "default"))
            deployment.spec.replicas = 2
            deployment.spec.selector = LabelSelector(matchLabels: ["app": "web"])
            deployment.spec.template.metadata.labels = ["app": "web"]
            deployment.spec.template.spec.containers = [Container(name: "web", image: "registry.k8s.io/e2e-test-images/agnhost:2.53",
                                                                  command: ["/agnhost", "netexec", "--http-port=8080"])]
            _ = try await client.create(deployment)
            var service = Service(metadata: ObjectMeta(name: "web", namespace: "default"))
            service.spec.type = ServiceType.loadBalancer
            service.spec.selector = ["app": "web"]
            service.spec.ports = [ServicePort(protocol: "TCP", port: 80, targetPort: .int(8080))]
            _ = try await client.create(service)
            let url = "http://10.67.1.200/hostname"
            var owner: String?
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline, owner == nil {
                if try await Shell.run("curl", ["-s", "--max-time", "1", url], allowFailure: true).status == 0 {
                    for node in plan.nodes {
                        let addresses = try await IPCommand(netns: node.netns).addresses(device: "eth0")
                        if addresses.contains(where: { $0.address == "10.67.1.200" && $0.prefixLength == 32 }) { owner = node.hostVeth }
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            guard let owner else { throw LabError("the L2 address never answered") }
            progress("L2 failover: the announcing node's link is cut")
            try await Shell.run("ip", ["link", "set", owner, "down"])
            let start = ContinuousClock.now
            while try await Shell.run("curl", ["-s", "--max-time", "0.3", url], allowFailure: true).status != 0 {
                guard ContinuousClock.now - start < .seconds(30) else { throw LabError("the L2 address did not come back within 30 s") }
                try await Task.sleep(for: .milliseconds(50))
            }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return Row(what: "L2 failover: the announcing node's link cut → the address answers again", portico: String(format: "%.1f s", seconds),
                       reference: "a few s", ratio: "-", referenceIs: "MetalLB L2 docs: \"within a few seconds\" (~4 s observed, metallb#2009)")
        }
    }

    func cloud(progress: @Sendable (String) -> Void) async throws -> [Row] {
        try await SystemPrograms.ensure(["iperf3": "iperf3"])
        var config = BenchLab.config(name: "porticobl", nodes: 2, base: 64, apiPort: 26445)
        config.internetCIDR = "198.19.7.0/24"
        config.internetClient = "198.19.7.200"
        config.lbPool = "198.19.7.10-198.19.7.20"
        progress("a 2-node lab with its load balancer")
        return try await BenchLab.with(config, porticoPath: self.porticoPath) { try await self.measure($0, plan: $1, progress: progress) }
    }

    func measure(_ client: KubeClient, plan: LabPlan, progress: @Sendable (String) -> Void) async throws -> [Row] {
        let helper = ProxyDataPlaneBench(porticoPath: self.porticoPath)
        for (name, image, command) in [("web", "registry.k8s.io/e2e-test-images/agnhost:2.53", ["/agnhost", "netexec", "--http-port=8080"]),
                                       ("iperf", "iperf3", ["iperf3", "-s", "-p", "5201"])] {
            var pod = Pod(metadata: ObjectMeta(name: name, namespace: "default", labels: ["bench": name]))
            pod.spec.nodeName = "node-2"
            pod.spec.containers = [Container(name: "c", image: image, command: command)]
            _ = try await client.create(pod)
        }
        // Through a node (Local: the node with the pod), and straight to the pod.
        for (name, selector, port, target, direct) in [("web-lb", "web", Int32(80), Int32(8080), false), ("web-direct", "web", 80, 8080, true),
                                                       ("iperf-lb", "iperf", 5201, 5201, false), ("iperf-direct", "iperf", 5201, 5201, true),
                                                       ("web-cluster", "web", 80, 8080, false)] {
            var service = Service(metadata: ObjectMeta(name: name, namespace: "default"))
            service.spec.type = ServiceType.loadBalancer
            service.spec.selector = ["bench": selector]
            service.spec.ports = [ServicePort(protocol: "TCP", port: port, targetPort: .int(target))]
            if direct { service.spec.allocateLoadBalancerNodePorts = false }
            if name.hasSuffix("-lb") { service.spec.externalTrafficPolicy = TrafficPolicy.local }
            _ = try await client.create(service)
        }
        var addresses: [String: String] = [:]
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, addresses.count < 5 {
            for service in try await client.list(Service.self, namespace: "default").items {
                if let ip = service.status.loadBalancer.ingress.first?.ip { addresses[service.metadata.name] = ip }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard addresses.count == 5 else { throw LabError("the benchmark's Services got no addresses: \(addresses)") }
        let internet = plan.netnsPrefix + "internet"
        for name in ["web-lb", "web-direct", "web-cluster"] {
            try await helper.waitUntilAnswers(netns: internet, url: "http://\(addresses[name]!)/hostname")
        }
        for name in ["iperf-lb", "iperf-direct"] {
            for _ in 0..<100 {
                let probe = try await Shell.run("ip", ["netns", "exec", internet, "iperf3", "-c", addresses[name]!, "-p", "5201", "-t", "1"],
                                                allowFailure: true)
                if probe.status == 0 { break }
                try await Task.sleep(for: .milliseconds(200))
            }
        }

        var rows: [Row] = []
        progress("iperf3 from the internet: through the load balancer and a node, and straight to the pod, 3 s each")
        let viaNode = try await helper.iperf(netns: internet, target: addresses["iperf-lb"]!)
        let straight = try await helper.iperf(netns: internet, target: addresses["iperf-direct"]!)
        rows.append(Row(what: "TCP throughput, internet → LB → node → pod", portico: ProxyDataPlaneBench.rate(viaNode),
                        reference: ProxyDataPlaneBench.rate(straight), ratio: String(format: "%.2f", viaNode / straight),
                        referenceIs: "internet → LB → pod (no node hop)"))
        progress("\(helper.requests) requests from the internet, each on a new connection, both ways")
        let through = try await helper.latency(netns: internet, url: "http://\(addresses["web-lb"]!)/hostname")
        let direct = try await helper.latency(netns: internet, url: "http://\(addresses["web-direct"]!)/hostname")
        rows.append(Row(what: "request latency p50 (new connection each)", portico: ProxyDataPlaneBench.micros(through.p50),
                        reference: ProxyDataPlaneBench.micros(direct.p50), ratio: String(format: "%.2f", through.p50 / direct.p50),
                        referenceIs: "internet → LB → pod"))
        rows.append(Row(what: "request latency p99", portico: ProxyDataPlaneBench.micros(through.p99),
                        reference: ProxyDataPlaneBench.micros(direct.p99), ratio: String(format: "%.2f", through.p99 / direct.p99),
                        referenceIs: "internet → LB → pod"))

        // Failover: node-1's agent stops; the Cluster-policy Service's frontend drops it.
        progress("failover: node-1's agent stops")
        let chain = "frontend-\(addresses["web-cluster"]!)/tcp/80"
        let lbNetns = plan.netnsPrefix + "lb"
        func backends() async throws -> String {
            let listed = try await Shell.run("ip", ["netns", "exec", lbNetns, "nft", "list", "chain", "ip", "portico-lb", chain])
            return listed.output
        }
        guard try await backends().contains("dnat to \(plan.nodes[0].address):") else { throw LabError("node-1 is not a backend of \(chain)") }
        let state = LabState.load(plan.dataDirectory)
        guard let agent = state?.processes.first(where: { $0.role == "node-1" }) else { throw LabError("no agent of node-1 in the lab's state") }
        kill(agent.pid, SIGKILL)
        let start = ContinuousClock.now
        while try await backends().contains("dnat to \(plan.nodes[0].address):") {
            guard ContinuousClock.now - start < .seconds(30) else { throw LabError("node-1 stayed a backend for 30 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let failover = ContinuousClock.now - start
        let seconds = Double(failover.components.seconds) + Double(failover.components.attoseconds) / 1e18
        rows.append(Row(what: "cloud failover: a node's agent stops → out of rotation", portico: String(format: "%.1f s", seconds),
                        reference: "a few s", ratio: "-", referenceIs: "MetalLB L2 docs: \"within a few seconds\" (~4 s observed, metallb#2009)"))
        return rows
    }
}
