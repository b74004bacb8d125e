import Foundation
import PorticoAPI
import PorticoSystem

/// A pod's network: its namespace, the veth from the node bridge into it, its address.
public struct PodSandbox: Sendable, Codable, Hashable {
    public var podUID: String
    public var namespace: String
    public var name: String
    /// The network namespace's name under /run/netns.
    public var netns: String
    /// The node-side end of the veth (the pod side is `eth0`).
    public var hostVeth: String
    public var ip: String

    public var netnsPath: String { "/run/netns/\(self.netns)" }
}

/// What the agent asks of the kernel, behind a protocol so tests can run without root.
public protocol NodeNetwork: Sendable {
    /// The node bridge with the gateway address of the pod CIDR, and forwarding on.
    func ensureBridge(name: String, gateway: IPAddress, prefixLength: Int) async throws
    func createSandbox(_ sandbox: PodSandbox, bridge: String, gateway: IPAddress, prefixLength: Int) async throws
    func deleteSandbox(_ sandbox: PodSandbox) async throws
    /// Routes to the other nodes' pod CIDRs, via their addresses (host-gw); replaces what differs.
    func syncRoutes(_ routes: [String: String]) async throws
    /// A route for the Service ranges out of the node's own interface, so that traffic to a
    /// ClusterIP reaches the proxy's forward rules (and is refused there for an unused port)
    /// instead of failing routing with "network unreachable", as on a node with a default route.
    func routeServiceCIDRs(_ cidrs: [String], nodeIP: String) async throws
}

/// `NodeNetwork` through iproute2, as a CNI bridge plugin with host-local IPAM and host-gw
/// routes would set it up. Every command runs in the agent's own network namespace (the
/// node's) or, with `-n`, in the pod's. The node's addresses and routes are read and changed
/// through `kernel` (a `NetworkKernelFake` in tests); sandboxes are made with `ip` directly.
public struct IPRoute2Network: NodeNetwork {
    let kernel: any NetworkKernel

    public init(kernel: any NetworkKernel = IPCommand()) {
        self.kernel = kernel
    }

    public func ensureBridge(name: String, gateway: IPAddress, prefixLength: Int) async throws {
        if try await !self.kernel.linkExists(name) {
            try await Shell.run("ip", ["link", "add", name, "type", "bridge"])
        }
        let present = try await self.kernel.addresses(device: name)
        if !present.contains(InterfaceAddress(interface: name, address: gateway.description, prefixLength: prefixLength)) {
            try await self.kernel.addAddress(gateway.description, prefixLength: prefixLength, device: name)
        }
        try await Shell.run("ip", ["link", "set", name, "up"])
        try "1\n".write(toFile: "/proc/sys/net/ipv4/ip_forward", atomically: false, encoding: .utf8)
        try await Self.callNetfilterOnBridge()
    }

    /// Packets bridged between two pods of one node must pass netfilter too: the reply of a
    /// pod that a Service's DNAT sent to a neighbour on the same bridge is only translated
    /// back (to the ClusterIP) if the bridge hands it to conntrack (br_netfilter), as
    /// kubeadm's preflight requires `bridge-nf-call-iptables = 1`. The setting is per network
    /// namespace; the node's is set here.
    static func callNetfilterOnBridge() async throws {
        let path = "/proc/sys/net/bridge/bridge-nf-call-iptables"
        if !FileManager.default.fileExists(atPath: path) {
            _ = try? await Shell.run("modprobe", ["br_netfilter"], allowFailure: true)
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw Shell.Failure(description: "the kernel has no br_netfilter (\(path) is missing): load it with `modprobe br_netfilter`; Services need it for pods that reach a neighbour on their own node")
        }
        try "1\n".write(toFile: path, atomically: false, encoding: .utf8)
    }

    public func createSandbox(_ sandbox: PodSandbox, bridge: String, gateway: IPAddress, prefixLength: Int) async throws {
        try? await self.deleteSandbox(sandbox)
        try await Shell.run("ip", ["netns", "add", sandbox.netns])
        do {
            try await Shell.run("ip", ["link", "add", sandbox.hostVeth, "type", "veth", "peer", "name", "eth0", "netns", sandbox.netns])
            try await Shell.run("ip", ["link", "set", sandbox.hostVeth, "master", bridge, "up"])
            // Hairpin: a pod reaching itself through a Service leaves and comes back on its own
            // bridge port (kubenet's hairpin-veth mode).
            try await Shell.run("ip", ["link", "set", sandbox.hostVeth, "type", "bridge_slave", "hairpin", "on"])
            try await Shell.run("ip", ["-n", sandbox.netns, "-batch", "-"], input: """
                link set lo up
                addr add \(sandbox.ip)/\(prefixLength) dev eth0
                link set eth0 up
                route add default via \(gateway) dev eth0

                """)
        } catch {
            try? await self.deleteSandbox(sandbox)
            throw error
        }
    }

    public func deleteSandbox(_ sandbox: PodSandbox) async throws {
        _ = try await Shell.run("ip", ["link", "del", sandbox.hostVeth], allowFailure: true)
        let result = try await Shell.run("ip", ["netns", "del", sandbox.netns], allowFailure: true)
        if result.status != 0, FileManager.default.fileExists(atPath: sandbox.netnsPath) {
            throw Shell.Failure(description: "ip netns del \(sandbox.netns): \(result.output)")
        }
    }

    public func routeServiceCIDRs(_ cidrs: [String], nodeIP: String) async throws {
        guard let device = try await self.kernel.addresses().first(where: { $0.address == nodeIP })?.interface else {
            throw Shell.Failure(description: "no interface has the node address \(nodeIP)")
        }
        for cidr in cidrs { try await self.kernel.replaceRoute(Route(destination: cidr, device: device, scope: "link")) }
    }

    public func syncRoutes(_ routes: [String: String]) async throws {
        var present: [String: String] = [:]
        for route in try await self.kernel.routes() where route.proto == "static" {
            if let gateway = route.gateway { present[route.destination] = gateway }
        }
        for (cidr, via) in routes.sorted(by: { $0.key < $1.key }) where present[cidr] != via {
            try await self.kernel.replaceRoute(Route(destination: cidr, gateway: via, proto: "static"))
        }
        for cidr in present.keys.sorted() where routes[cidr] == nil {
            try await self.kernel.deleteRoute(cidr, proto: "static")
        }
    }
}
