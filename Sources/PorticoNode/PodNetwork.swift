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

/// `NodeNetwork` as a CNI bridge plugin with host-local IPAM and host-gw routes would set it
/// up, all through `kernel` (iproute2 for real, a `NetworkKernelFake` in tests): the node's
/// side in the agent's own network namespace (the node's), each pod's inside its own.
public struct BridgeNetwork: NodeNetwork {
    let kernel: any NetworkKernel

    public init(kernel: any NetworkKernel = IPCommand()) {
        self.kernel = kernel
    }

    public func ensureBridge(name: String, gateway: IPAddress, prefixLength: Int) async throws {
        let exists = try await self.kernel.linkExists(name)
        let address = InterfaceAddress(interface: name, address: gateway.description, prefixLength: prefixLength)
        let present = exists ? try await self.kernel.addresses(device: name) : []
        let changes: [IPChange] = (exists ? [] : [.addBridge(name)]) + (present.contains(address) ? [] : [.addAddress(address)])
        try await self.kernel.apply(changes + [.setUp(name)])
        try await self.kernel.setSysctl("net.ipv4.ip_forward", to: "1")
        try await self.callNetfilterOnBridge()
    }

    /// Packets bridged between two pods of one node must pass netfilter too: the reply of a
    /// pod that a Service's DNAT sent to a neighbour on the same bridge is only translated
    /// back (to the ClusterIP) if the bridge hands it to conntrack (br_netfilter), as
    /// kubeadm's preflight requires `bridge-nf-call-iptables = 1`. The setting is per network
    /// namespace; the node's is set here.
    func callNetfilterOnBridge() async throws {
        do {
            try await self.kernel.setSysctl("net.bridge.bridge-nf-call-iptables", to: "1")
        } catch {
            throw Shell.Failure(description: "\(error); Services need it for pods that reach a neighbour on their own node")
        }
    }

    public func createSandbox(_ sandbox: PodSandbox, bridge: String, gateway: IPAddress, prefixLength: Int) async throws {
        try? await self.deleteSandbox(sandbox)
        try await self.kernel.addNamespace(sandbox.netns)
        do {
            try await self.kernel.apply(Self.hostSide(sandbox, bridge: bridge))
            try await self.kernel.namespace(sandbox.netns).apply(Self.podSide(sandbox, gateway: gateway, prefixLength: prefixLength))
        } catch {
            try? await self.deleteSandbox(sandbox)
            throw error
        }
    }

    /// The node's end of the pod's veth, a port of the bridge with hairpin on: a pod reaching
    /// itself through a Service leaves and comes back on its own port.
    static func hostSide(_ sandbox: PodSandbox, bridge: String) -> [IPChange] {
        [.addVeth(sandbox.hostVeth, peer: "eth0", peerNamespace: sandbox.netns),
         .setUp(sandbox.hostVeth, bridge: bridge),
         .hairpin(sandbox.hostVeth)]
    }

    /// Inside the pod: loopback, `eth0` with the pod's address, the node's bridge as gateway.
    static func podSide(_ sandbox: PodSandbox, gateway: IPAddress, prefixLength: Int) -> [IPChange] {
        [.setUp("lo"),
         .addAddress(InterfaceAddress(interface: "eth0", address: sandbox.ip, prefixLength: prefixLength)),
         .setUp("eth0"),
         .replaceRoute(Route(destination: "default", gateway: gateway.description, device: "eth0"))]
    }

    public func deleteSandbox(_ sandbox: PodSandbox) async throws {
        try await self.kernel.deleteLink(sandbox.hostVeth)
        try await self.kernel.deleteNamespace(sandbox.netns)
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
