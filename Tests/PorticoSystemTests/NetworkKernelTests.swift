@testable import PorticoSystem
import Testing

/// iproute2's JSON read into values, and the in-memory kernel.
struct NetworkKernelTests {
    @Test func addressesFromIPJSON() throws {
        let json = """
            [{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host"}]},
             {"ifindex":2,"ifname":"eth1","addr_info":[{"family":"inet","local":"203.0.113.1","prefixlen":24},{"family":"inet","local":"203.0.113.10","prefixlen":32}]},
             {"ifindex":3,"ifname":"eth2"}]
            """
        #expect(try IPCommand.parseAddresses(json) == [
            InterfaceAddress(interface: "lo", address: "127.0.0.1", prefixLength: 8),
            InterfaceAddress(interface: "eth1", address: "203.0.113.1", prefixLength: 24),
            InterfaceAddress(interface: "eth1", address: "203.0.113.10", prefixLength: 32),
        ])
        #expect(try IPCommand.parseAddresses("\n").isEmpty)
    }

    @Test func routesFromIPJSON() throws {
        let json = """
            [{"dst":"default","gateway":"192.0.2.1","dev":"eth0","flags":[]},
             {"dst":"10.244.2.0/24","gateway":"10.10.10.2","dev":"portico-br","protocol":"static","flags":[]},
             {"type":"unreachable","dst":"10.96.0.0/16","flags":[]},
             {"type":"local","dst":"127.0.0.1","dev":"lo","table":"local","protocol":"kernel","scope":"host","prefsrc":"127.0.0.1","flags":[]}]
            """
        let routes = try IPCommand.parseRoutes(json)
        #expect(routes.map(\.description) == [
            "default via 192.0.2.1 dev eth0",
            "10.244.2.0/24 via 10.10.10.2 dev portico-br proto static",
            "unreachable 10.96.0.0/16",
            "local 127.0.0.1 dev lo table local proto kernel scope host",
        ])
        #expect(throws: (any Error).self) { try IPCommand.parseRoutes("10.0.0.0/8 dev eth0") }
    }

    @Test func theFakeHoldsWhatItWasGiven() async throws {
        let kernel = NetworkKernelFake(links: ["eth1"])
        try await kernel.addAddress("203.0.113.10", prefixLength: 32, device: "eth1")
        try await kernel.addAddress("203.0.113.10", prefixLength: 32, device: "eth1")
        await #expect(throws: Shell.Failure.self) { try await kernel.addAddress("10.0.0.1", prefixLength: 32, device: "eth9") }
        #expect(try await kernel.addresses(device: "eth1") == [InterfaceAddress(interface: "eth1", address: "203.0.113.10", prefixLength: 32)])
        try await kernel.replaceRoute(Route(destination: "10.244.2.0/24", gateway: "10.10.10.2", proto: "static"))
        try await kernel.replaceRoute(Route(destination: "10.244.2.0/24", gateway: "10.10.10.3", proto: "static"))
        #expect(try await kernel.routes().map(\.gateway) == ["10.10.10.3"])
        try await kernel.deleteRoute("10.244.2.0/24", proto: "static")
        try await kernel.deleteAddress("203.0.113.10", prefixLength: 32, device: "eth1")
        #expect(kernel.current.routes.isEmpty && kernel.current.addresses.isEmpty)
        #expect(kernel.current.changes.count == 6)
    }

    @Test func changesAreLinesOfIPBatch() {
        let changes: [IPChange] = [
            .addBridge("br0"), .addVeth("veth1", peer: "eth0", peerNamespace: "pod-1"), .setUp("veth1", bridge: "br0"),
            .hairpin("veth1"), .setUp("lo"), .addAddress(InterfaceAddress(interface: "eth0", address: "10.244.1.5", prefixLength: 24)),
            .replaceRoute(Route(destination: "default", gateway: "10.244.1.1", device: "eth0")),
        ]
        #expect(changes.map(\.description) == [
            "link add br0 type bridge", "link add veth1 type veth peer name eth0 netns pod-1", "link set veth1 master br0 up",
            "link set veth1 type bridge_slave hairpin on", "link set lo up", "addr add 10.244.1.5/24 dev eth0",
            "route replace default via 10.244.1.1 dev eth0",
        ])
    }

    /// The fake refuses what the kernel refuses, stops a list at the first refusal, and
    /// removes both ends of a veth with either end or with the namespace of one.
    @Test func theFakeKeepsTheKernelsRules() async throws {
        let kernel = NetworkKernelFake()
        await #expect(throws: Shell.Failure.self) { try await kernel.apply([.addVeth("veth1", peer: "eth0", peerNamespace: "pod-1")]) }
        await #expect(throws: Shell.Failure.self) { try await kernel.namespace("pod-1").apply([.setUp("lo")]) }
        try await kernel.addNamespace("pod-1")
        await #expect(throws: Shell.Failure.self) { try await kernel.addNamespace("pod-1") }
        await #expect(throws: Shell.Failure.self) {
            try await kernel.apply([.addVeth("veth1", peer: "eth0", peerNamespace: "pod-1"), .setUp("veth1", bridge: "br0"), .hairpin("veth1")])
        }
        #expect(kernel.current.links == ["veth1"] && kernel.current.up.isEmpty)
        await #expect(throws: Shell.Failure.self) { try await kernel.apply([.hairpin("veth1")]) }
        let pod = kernel.namespace("pod-1")
        await #expect(throws: Shell.Failure.self) {
            try await pod.apply([.replaceRoute(Route(destination: "default", gateway: "10.244.1.1", device: "eth0"))])
        }
        try await pod.apply([.addAddress(InterfaceAddress(interface: "eth0", address: "10.244.1.5", prefixLength: 24)),
                             .replaceRoute(Route(destination: "default", gateway: "10.244.1.1", device: "eth0"))])
        try await kernel.deleteLink("veth1")
        #expect(try await pod.linkExists("eth0") == false && pod is NetworkKernelFake)
        #expect(try await pod.routes().isEmpty)
        try await kernel.apply([.addVeth("veth1", peer: "eth0", peerNamespace: "pod-1")])
        try await kernel.deleteNamespace("pod-1")
        try await kernel.deleteNamespace("pod-1")
        #expect(kernel.current.links.isEmpty && kernel.namespaceNames.isEmpty)
        try await kernel.setSysctl("net.ipv4.ip_forward", to: "1")
        #expect(kernel.current.sysctls == ["net.ipv4.ip_forward": "1"])
    }
}
