import Foundation
import PorticoAPI
import PorticoTestSupport
import Testing

/// LoadBalancer Services as in a cloud (root): an address from the pool, `portico lb` in
/// front of the nodes, reached from the lab's internet and from the host, the client's
/// address kept for Local policy, and nodes taken out of rotation by health checks.
extension LabTests {
    @Test func loadBalancerServicesWorkFromTheInternet() throws {
        let lab = try LabHarness(extra: """
            lan: 10.71.1.0/24
            hostAddress: 10.71.1.254
            lbAddress: 10.71.1.250
            podCIDR: 10.72.{n}.0/24
            clusterCIDR: 10.72.0.0/16
            serviceCIDR: 10.73.0.0/16
            internetCIDR: 198.51.100.0/24
            internetClient: 198.51.100.200
            lbPool: 198.51.100.10-198.51.100.20
            """)
        defer { lab.tearDown() }
        let up = try lab.portico("up")
        #expect(up.status == 0, "portico up failed:\n\(up.combined)")
        guard up.status == 0 else { return }
        let internet = "\(lab.name)-internet"
        let lbNetns = "\(lab.name)-lb"

        #expect(try lab.kubectl("create", "deployment", "web", "--image=registry.k8s.io/e2e-test-images/agnhost:2.53", "--replicas=3",
                                "--", "/agnhost", "netexec", "--http-port=8080").status == 0)
        #expect(try lab.kubectl("expose", "deployment", "web", "--port=80", "--target-port=8080", "--type=LoadBalancer").status == 0)
        var pods: [(name: String, ip: String, node: String)] = []
        try LabHarness.eventually("3 pods ready") {
            pods = try Self.readyPods(lab, "app=web")
            return pods.count == 3
        }
        var lbIP = ""
        try LabHarness.eventually("an address from the pool") {
            lbIP = try lab.kubectlJSON("get", "service", "web")["status"]?["loadBalancer"]?["ingress"]?.arrayValue?.first?["ip"]?.stringValue ?? ""
            return !lbIP.isEmpty
        }
        #expect(lbIP == "198.51.100.10")
        let table = try lab.kubectl("get", "service", "web").stdout
        #expect(table.contains(" 198.51.100.10 "), "\(table)")
        let svc = try lab.kubectlJSON("get", "service", "web")
        let clusterIP = try #require(svc["spec"]?["clusterIP"]?.stringValue)
        let nodePort = try #require(svc["spec"]?["ports"]?.arrayValue?.first?["nodePort"]?.intValue)

        // From the internet: the LB address answers from the pods, spread over them.
        var seen = Set<String>()
        try LabHarness.eventually("the internet reaches all three pods through the load balancer") {
            let answer = try Command.run("ip", ["netns", "exec", internet, "curl", "-s", "--max-time", "3", "http://\(lbIP)/hostname"])
            if answer.status == 0 { seen.insert(answer.stdout) }
            return seen == Set(pods.map(\.name))
        }
        // ... but no node address and no ClusterIP.
        for target in ["http://10.71.1.1:\(nodePort)/hostname", "http://\(clusterIP)/hostname", "http://\(pods[0].ip):8080/hostname"] {
            let blocked = try Command.run("ip", ["netns", "exec", internet, "curl", "-s", "--max-time", "2", target])
            #expect(blocked.status != 0, "\(target) answered the internet: \(blocked.stdout)")
        }
        // The host reaches the LB address too.
        let fromHost = try Command.run("curl", ["-s", "--max-time", "3", "http://\(lbIP)/hostname"])
        #expect(Set(pods.map(\.name)).contains(fromHost.stdout), "from the host: \(fromHost.combined)")

        // Cluster policy: every node is a backend. Local policy: only nodes with an endpoint,
        // and the pod sees the internet client's own address.
        func backends() throws -> Set<String> {
            let chain = try Command.run("ip", ["netns", "exec", lbNetns, "nft", "list", "chain", "ip", "portico-lb", "frontend-\(lbIP)/tcp/80"]).stdout
            return Set(chain.split(separator: "\n").compactMap { line in
                line.range(of: "dnat to ").map { String(line[$0.upperBound...].split(separator: ":")[0]) }
            })
        }
        #expect(try backends() == ["10.71.1.1", "10.71.1.2", "10.71.1.3"])
        #expect(try lab.kubectl("scale", "deployment", "web", "--replicas=1").status == 0)
        #expect(try lab.kubectl("patch", "service", "web", "-p", #"{"spec":{"externalTrafficPolicy":"Local"}}"#).status == 0)
        var home = ""
        try LabHarness.eventually("only the node with the endpoint is a backend") {
            let left = try Self.readyPods(lab, "app=web")
            guard left.count == 1, let node = left.first?.node else { return false }
            home = "10.71.1." + String(node.split(separator: "-").last!)
            return try backends() == [home]
        }
        for _ in 0..<10 {
            let answer = try Command.run("ip", ["netns", "exec", internet, "curl", "-s", "--max-time", "3", "http://\(lbIP)/clientip"])
            #expect(answer.stdout.hasPrefix("198.51.100.200:"), "clientip: \(answer.combined)")
        }

        // Without node ports the load balancer forwards to the endpoints themselves, and says so.
        let direct = """
            apiVersion: v1
            kind: Service
            metadata: {name: direct}
            spec:
              type: LoadBalancer
              allocateLoadBalancerNodePorts: false
              selector: {app: web}
              ports: [{port: 81, targetPort: 8080}]
            """
        #expect(try lab.kubectl("apply", "-f", "-", input: direct).status == 0)
        try LabHarness.eventually("the direct Service answers from the internet") {
            let answer = try Command.run("ip", ["netns", "exec", internet, "curl", "-s", "--max-time", "3", "http://198.51.100.11:81/clientip"])
            return answer.stdout.hasPrefix("198.51.100.200:")
        }
        let directEvents = try lab.kubectl("get", "events", "--field-selector", "involvedObject.name=direct").stdout
        #expect(directEvents.contains("ForwardingToEndpoints"), "\(directEvents)")

        // A pod on every node again (still Local policy: each node serves its own pod, so a
        // request that reaches a live node cannot be sent on to a dead one). Then a node's
        // agent stops: out of rotation after two failed health checks, and no request fails
        // after that.
        #expect(try lab.kubectl("scale", "deployment", "web", "--replicas=3").status == 0)
        try LabHarness.eventually("all three nodes are backends again") { try backends().count == 3 }
        kill(try lab.pid(of: "node-2"), SIGKILL)
        let stopped = Date()
        try LabHarness.eventually("node-2 is out of rotation", seconds: 15) { !(try backends().contains("10.71.1.2")) }
        let outAfter = Date().timeIntervalSince(stopped)
        print("load balancer: node-2's agent stopped → out of rotation after \(String(format: "%.1f", outAfter)) s")
        // Cutting node-3's link: its checks time out.
        #expect(try Command.run("ip", ["link", "set", "\(lab.name)-n3", "down"]).status == 0)
        let cut = Date()
        try LabHarness.eventually("node-3 is out of rotation", seconds: 15) { !(try backends().contains("10.71.1.3")) }
        let cutAfter = Date().timeIntervalSince(cut)
        print("load balancer: node-3's link cut → out of rotation after \(String(format: "%.1f", cutAfter)) s")
        var failures = 0
        for _ in 0..<30 {
            let answer = try Command.run("ip", ["netns", "exec", internet, "curl", "-s", "--max-time", "3", "http://\(lbIP)/hostname"])
            if answer.status != 0 || answer.stdout.isEmpty { failures += 1 }
        }
        #expect(failures == 0, "\(failures) of 30 requests failed after the failed nodes left the rotation")
    }
}

extension LabTests {
    /// Bare-metal L2 mode: an address of the LAN, one node answering ARP for it, another
    /// taking over when that node's link is cut.
    @Test func l2ModeMovesTheAddressWhenItsNodeGoes() throws {
        let lab = try LabHarness(extra: """
            lan: 10.74.1.0/24
            hostAddress: 10.74.1.254
            podCIDR: 10.75.{n}.0/24
            clusterCIDR: 10.75.0.0/16
            serviceCIDR: 10.76.0.0/16
            lbMode: l2
            """)
        defer { lab.tearDown() }
        let up = try lab.portico("up")
        #expect(up.status == 0, "portico up failed:\n\(up.combined)")
        guard up.status == 0 else { return }
        #expect(try lab.kubectl("create", "deployment", "web", "--image=registry.k8s.io/e2e-test-images/agnhost:2.53", "--replicas=3",
                                "--", "/agnhost", "netexec", "--http-port=8080").status == 0)
        #expect(try lab.kubectl("expose", "deployment", "web", "--port=80", "--target-port=8080", "--type=LoadBalancer").status == 0)
        try LabHarness.eventually("3 pods ready") { try Self.readyPods(lab, "app=web").count == 3 }
        func announcers() throws -> [String] {
            try lab.kubectl("get", "events", "--field-selector", "involvedObject.name=web,reason=nodeAssigned", "--sort-by=.lastTimestamp",
                            "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}").stdout
                .split(separator: "\n").compactMap { line in line.split(separator: "\"").dropFirst().first.map(String.init) }
        }
        var first = ""
        try LabHarness.eventually("the LAN address answers from the host and a node announces it") {
            let answer = try Command.run("curl", ["-s", "--max-time", "1", "http://10.74.1.200/hostname"])
            first = try announcers().first ?? ""
            return answer.status == 0 && !first.isEmpty
        }
        // The address is on the announcing node's LAN interface only.
        for n in 1...3 {
            let shown = try Command.run("ip", ["-n", "\(lab.name)-node-\(n)", "-o", "-4", "addr", "show", "dev", "eth0"]).stdout
            #expect(shown.contains("10.74.1.200/32") == ("node-\(n)" == first), "node-\(n): \(shown)")
        }
        // Its link cut, another node takes the address and the LAN reaches it again.
        let number = first.split(separator: "-").last.map(String.init) ?? ""
        #expect(try Command.run("ip", ["link", "set", "\(lab.name)-n\(number)", "down"]).status == 0)
        let cut = Date()
        try LabHarness.eventually("requests succeed again", seconds: 30) {
            try Command.run("curl", ["-s", "--max-time", "0.5", "http://10.74.1.200/hostname"]).status == 0
        }
        print("l2: \(first)'s link cut → the address answers again after \(String(format: "%.1f", Date().timeIntervalSince(cut))) s")
        try LabHarness.eventually("another node announces") { try announcers().contains { $0 != first } }
    }
}
