import PorticoAPI
@testable import PorticoLab
import Testing

/// A lab with several API servers, from the plan alone (no root): where the servers go, what
/// the host is given, HAProxy's configuration, the flags each server gets and the status
/// document's roles.
struct LabServersTests {
    static func plan(servers: Int = 3) throws -> LabPlan {
        var config = LabConfig()
        config.servers = servers
        return try LabPlan(config)
    }

    @Test func serversHavePlacesOfTheirOwnOnTheLAN() throws {
        let plan = try Self.plan()
        #expect(plan.servers.map(\.name) == ["server-1", "server-2", "server-3"])
        #expect(plan.servers.map(\.address) == ["10.10.10.236", "10.10.10.237", "10.10.10.238"])
        #expect(plan.servers.map(\.netns) == ["portico-server-1", "portico-server-2", "portico-server-3"])
        #expect(plan.etcdInitialCluster
            == "server-1=http://10.10.10.236:2380,server-2=http://10.10.10.237:2380,server-3=http://10.10.10.238:2380")
        #expect(plan.serverDirectory(plan.servers[0]) == plan.serverDirectory)
        #expect(plan.serverDirectory(plan.servers[2]) == plan.dataDirectory + "/servers/server-3")
        // One server is today's lab: no places, the server on the host.
        #expect(try Self.plan(servers: 1).servers.isEmpty)
        #expect(throws: LabError.self) { try Self.plan(servers: 0) }
        #expect(throws: LabError.self) { try Self.plan(servers: 6) }
        var small = LabConfig()
        (small.lan, small.hostAddress, small.nodes, small.servers) = ("10.10.10.0/29", "10.10.10.6", 2, 3)
        #expect(throws: LabError.self) { try LabPlan(small) }
    }

    /// The host is given nothing more: the server places are namespaces on the bridge, with
    /// routes to the pod CIDRs inside them.
    @Test func serverPlacesTouchOnlyTheirNamespacesAndTheBridge() throws {
        let plan = try Self.plan()
        let commands = LabNetwork.serverPlaces(plan)
        let host = commands.filter { !["-n", "netns"].contains($0.arguments[0]) }
        #expect(host.allSatisfy { $0.arguments.starts(with: ["link"]) })
        #expect(host.filter { $0.arguments.starts(with: ["link", "add"]) }.map { $0.arguments[2] } == plan.servers.map(\.hostVeth))
        let inside = try #require(commands.first { $0.arguments == ["-n", "portico-server-1", "-batch", "-"] }?.input)
        #expect(inside.contains("addr add 10.10.10.236/24 dev eth0") && inside.contains("route add 10.244.2.0/24 via 10.10.10.2"))
    }

    @Test func haproxyForwardsTheAPIAddressToReadyServers() throws {
        let text = HAProxyConfig.render(try Self.plan())
        #expect(text.contains("bind 127.0.0.1:6443\n") && text.contains("bind 10.10.10.254:6443\n"))
        #expect(text.contains("http-check send meth GET uri /readyz"))
        #expect(text.contains("server server-2 10.10.10.237:6443 check check-ssl verify none"))
    }

    @Test func eachServerIsToldEveryMemberAndTheLoadBalancersNames() throws {
        let lab = Lab(plan: try Self.plan(), porticoPath: "/usr/bin/portico")
        let arguments = lab.serverArguments(lab.plan.servers[1])
        func value(_ flag: String) -> [String] {
            arguments.indices.filter { arguments[$0] == flag }.map { arguments[$0 + 1] }
        }
        #expect(value("--etcd-servers") == ["http://10.10.10.236:2379,http://10.10.10.237:2379,http://10.10.10.238:2379"])
        #expect(value("--advertise-address") == ["10.10.10.237"] && value("--bind-address") == ["10.10.10.237"])
        #expect(value("--tls-san") == ["127.0.0.1", "10.10.10.254"])
        #expect(arguments.contains("--leader-elect=true"))
    }

    @Test func statusRolesAndPlaces() {
        #expect(LabStatus.roleAndPlace("server") == ("server", "host"))
        #expect(LabStatus.roleAndPlace("server-2") == ("server", "server-2"))
        #expect(LabStatus.roleAndPlace("etcd-server-3") == ("etcd", "server-3"))
        #expect(LabStatus.roleAndPlace("node-1") == ("agent", "node-1"))
        #expect(LabStatus.roleAndPlace("dns-relay") == ("dns", "host"))
        #expect(LabStatus.roleAndPlace("lb") == ("lb", "lb"))
        #expect(LabStatus.roleAndPlace("api-lb") == ("api-lb", "host"))
    }
}
