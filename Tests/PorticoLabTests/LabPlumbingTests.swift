import PorticoAPI
@testable import PorticoLab
import PorticoSystem
import Testing

/// The lab's plumbing and status from the plan alone, no root: what the host is given, and
/// the status table.
struct LabPlumbingTests {
    @Test func theHostIsGivenRoutesForTheLabsRangesOnly() throws {
        let plan = try LabPlan(LabConfig())
        let commands = LabNetwork.lan(plan) + LabNetwork.nodes(plan) + LabNetwork.hostRoutes(plan) + LabNetwork.loadBalancerPlace(plan)
        // Commands that change the host's own namespace: not `-n <netns>`, not `netns exec`.
        let host = commands.filter { !["-n", "netns"].contains($0.arguments[0]) }
        let routes = host.filter { $0.arguments[0] == "route" }.map { $0.arguments.joined(separator: " ") }
        #expect(routes == plan.nodes.map { "route replace \($0.podCIDR) via \($0.address) dev \(plan.bridge) proto static" }
            + ["route add unreachable \(plan.serviceCIDR)",
               "route replace \(plan.config.internetCIDR) via \(plan.lbAddress) dev \(plan.bridge) proto static"])
        // Addresses go on the lab's own bridge only; links made are the lab's own.
        #expect(host.filter { $0.arguments[0] == "addr" }.allSatisfy { $0.arguments.last == plan.bridge })
        let made = host.filter { $0.arguments.starts(with: ["link", "add"]) }.map { $0.arguments[2] }
        #expect(made.allSatisfy { $0 == plan.bridge || $0.hasPrefix(plan.netnsPrefix) || plan.nodes.map(\.hostVeth).contains($0) }, "\(made)")
    }

    @Test func eachNodeIsANamespaceOnTheBridge() throws {
        let plan = try LabPlan(LabConfig())
        let node = plan.nodes[0]
        #expect(Array(LabNetwork.nodes(plan).prefix(4)) == [
            .init(["netns", "add", node.netns]),
            .init(["link", "add", node.hostVeth, "type", "veth", "peer", "name", "eth0", "netns", node.netns]),
            .init(["link", "set", node.hostVeth, "master", plan.bridge, "up"]),
            .init(["-n", node.netns, "-batch", "-"], input: "link set lo up\naddr add \(node.address)/\(plan.prefixLength) dev eth0\nlink set eth0 up\n"),
        ])
    }

    @Test func theStatusTable() throws {
        let plan = try LabPlan(LabConfig())
        var state = LabState(config: plan.config)
        state.processes = [.init(role: "server", pid: 100, log: ""), .init(role: "node-1", pid: 101, log: "")]
        var status = LabStatus()
        status.api = "serving"
        var node = Node(metadata: ObjectMeta(name: "node-1"))
        node.status.conditions = [NodeCondition(type: "Ready", status: "True")]
        status.nodes = ["node-1": node]
        status.podsPerNode = ["node-1": 2]
        status.running = ["server": true, "node-1": false]
        let text = status.render(plan, state)
        let rows = text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(rows.contains("host \(plan.config.hostAddress) - portico server: running (pid 100) API serving -"))
        #expect(rows.contains("node-1 \(plan.nodes[0].address) \(plan.nodes[0].podCIDR) portico agent: stopped (pid 101 is gone) Ready 2"))
        #expect(rows.contains("node-2 \(plan.nodes[1].address) \(plan.nodes[1].podCIDR) portico agent: not started not registered -"))
    }
}

/// `portico up` refuses ranges the machine already routes, naming the field.
struct LabRoutedRangesTests {
    @Test func aRangeTheHostRoutesIsNamed() throws {
        let plan = try LabPlan(LabConfig())
        let host = [Route(destination: "default", gateway: "192.0.2.1", device: "eth0"),
                    Route(destination: "192.0.2.0/24", device: "eth0", proto: "kernel", scope: "link"),
                    Route(destination: "127.0.0.0/8", device: "lo", proto: "kernel", type: "local", table: "local")]
        #expect(Lab.routed(plan, among: host) == nil)
        let taken = host + [Route(destination: plan.serviceCIDR, type: "unreachable")]
        let found = try #require(Lab.routed(plan, among: taken))
        #expect(found.0 == "serviceCIDR" && found.2.description == "unreachable \(plan.serviceCIDR)")
        let pod = Lab.routed(plan, among: [Route(destination: plan.nodes[1].podCIDR, gateway: "192.0.2.9", device: "eth0")])
        #expect(pod?.0 == "podCIDR of node-2")
    }
}
