import Foundation
import PorticoSystem
import Logging
import PorticoAPI
import PorticoClient
import PorticoProxy
import PorticoSpeaker
import ServiceLifecycle

/// `portico agent`: the kubelet of a Portico node, run inside the node's network namespace.
/// It sets up the node's pod bridge, registers the Node and keeps its Lease, routes the
/// other nodes' pod CIDRs via their addresses, runs the pods bound to it, and serves their
/// logs. Like the kubelet, it leaves running pods alone when it stops.
public struct NodeAgent: ServiceLifecycle.Service {
    let configuration: AgentConfiguration
    let client: KubeClient
    let network: any NodeNetwork
    let logger: Logger

    public init(configuration: AgentConfiguration, client: KubeClient, network: any NodeNetwork = BridgeNetwork(), logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.network = network
        self.logger = logger
    }

    public struct RefusedOnHost: Error, CustomStringConvertible {
        public init() {}
        public var description: String {
            "portico agent: refusing to set up a pod bridge and IP forwarding in the host's own network namespace; run it inside the node's namespace (portico up does)"
        }
    }

    /// True when this process shares the network namespace of PID 1, the host's.
    public static var inHostNetworkNamespace: Bool {
        var mine = stat()
        var host = stat()
        guard stat("/proc/self/ns/net", &mine) == 0, stat("/proc/1/ns/net", &host) == 0 else { return false }
        return mine.st_ino == host.st_ino && mine.st_dev == host.st_dev
    }

    public func run() async throws {
        let ipam = try await self.prepareNode()
        let config = self.configuration
        let services = Informer<PorticoAPI.Service>(client: self.client, logger: self.logger)
        let context = AgentContext(configuration: config, client: self.client, network: self.network, ipam: ipam,
                                   services: services, logger: self.logger)
        let reporter = NodeStatusReporter(context: context)
        _ = try await reporter.register()
        self.logger.info("node registered", metadata: ["node": "\(config.nodeName)", "ip": "\(config.nodeIP)"])

        let pods = Informer<Pod>(client: self.client, fieldSelector: "spec.nodeName=\(config.nodeName)", logger: self.logger)
        let nodes = Informer<Node>(client: self.client, logger: self.logger)
        let manager = PodManager(context: context)
        manager.register(pods)
        let (routeChanges, routeInbox) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        nodes.addHandler { _ in routeInbox.yield() }
        let logServer = LogServer(manager: manager, address: config.nodeIP, port: config.kubeletPort, logger: self.logger)
        let proxy = config.proxy.enabled ? self.nodeProxy(services: services, nodes: nodes) : nil
        var l2: L2Speaker? = nil
        if config.announceLoadBalancerAddresses {
            let (interface, lan) = try await Self.interface(holding: config.nodeIP)
            l2 = L2Speaker(nodeName: config.nodeName, interface: interface, lan: lan, client: self.client, services: services,
                           nodes: nodes, logger: self.logger)
        }

        // One ordered group: the watch caches first (they stop last), the pods last (they stop
        // first; like the kubelet, stopping leaves the running pods alone).
        var pieces: [any ServiceLifecycle.Service] = [services, nodes, pods]
        pieces += (proxy?.informers ?? []) + (l2?.informers ?? [])
        pieces.append(AgentTask { await reporter.run() })
        pieces.append(AgentTask {
            do {
                try await logServer.application().runService()
            } catch {
                self.logger.error("log server stopped", metadata: ["error": "\(error)"])
            }
        })
        pieces.append(AgentTask { for await _ in routeChanges { await self.syncRoutes(nodes.items) } })
        if let proxy { pieces.append(proxy) }
        if let l2 { pieces.append(l2) }
        pieces.append(AgentTask {
            // Pods start once the Services are known, for their environment variables.
            await services.waitForSync()
            await pods.waitForSync()
            self.releaseAddresses(of: pods.items, ipam: ipam)
            await manager.run()
        })
        try await ServiceGroup(configuration: .init(services: pieces, logger: self.logger)).run()
    }

    /// What the node needs before anything runs: the proxy's programs, the pods' directory,
    /// the address pool, the pod bridge, no sandboxes of an earlier run, and the Service ranges
    /// routed out of the node's interface.
    func prepareNode() async throws -> PodIPAM {
        let config = self.configuration
        if config.proxy.enabled {
            for (program, package) in [("nft", "nftables"), ("conntrack", "conntrack")] where (try? Shell.locate(program)) == nil {
                throw Shell.Failure(description: "portico agent: \(program) not found; the node proxy needs it (Debian package \(package))")
            }
        }
        try FileManager.default.createDirectory(atPath: config.podsDirectory, withIntermediateDirectories: true)
        let ipam = try PodIPAM(directory: config.dataDirectory + "/ipam", podCIDR: config.podCIDR)
        try await self.network.ensureBridge(name: config.bridge, gateway: ipam.gateway, prefixLength: ipam.prefixLength)
        try await self.cleanUpLeftovers()
        if config.proxy.enabled, !config.proxy.serviceCIDRs.isEmpty {
            try await self.network.routeServiceCIDRs(config.proxy.serviceCIDRs, nodeIP: config.nodeIP)
        }
        return ipam
    }

    /// The node proxy, with the agent's Services and Nodes caches.
    func nodeProxy(services: Informer<PorticoAPI.Service>, nodes: Informer<Node>) -> NodeProxy {
        let config = self.configuration
        var proxyConfig = ProxyConfig(nodeName: config.nodeName, nodeIPs: [config.nodeIP])
        proxyConfig.clusterCIDRs = config.proxy.clusterCIDRs
        proxyConfig.serviceCIDRs = config.proxy.serviceCIDRs
        proxyConfig.nodePortAddresses = config.proxy.nodePortAddresses
        proxyConfig.masqueradeAll = config.proxy.masqueradeAll
        var timing = NodeProxy.Timing()
        timing.minSyncPeriod = config.proxy.minSyncPeriod
        return NodeProxy(config: proxyConfig, client: self.client, services: services, nodes: nodes, timing: timing,
                         healthzAddress: ("0.0.0.0", config.proxy.healthzPort), metricsAddress: (config.nodeIP, config.proxy.metricsPort),
                         logger: self.logger)
    }

    /// host-gw: every other node's pod CIDR via that node's address.
    /// The interface that has `ip`, and the network it is on (`10.10.10.1/24` → eth0, 10.10.10.0/24).
    static func interface(holding ip: String) async throws -> (String, IPNetwork) {
        guard let found = try await IPCommand().addresses().first(where: { $0.address == ip }), let address = IPAddress(ip) else {
            throw Shell.Failure(description: "no interface has the node address \(ip)")
        }
        let prefix = found.prefixLength
        let base = IPAddress(ipv4: address.ipv4Value & (prefix == 0 ? 0 : UInt32.max << UInt32(32 - prefix)))
        return (found.interface, IPNetwork(address: base, prefixLength: prefix))
    }

    func syncRoutes(_ nodes: [Node]) async {
        var routes: [String: String] = [:]
        for node in nodes where node.metadata.name != self.configuration.nodeName {
            guard let ip = node.internalIP else { continue }
            for cidr in node.spec.podCIDRs.isEmpty ? [node.spec.podCIDR] : node.spec.podCIDRs where !cidr.isEmpty && !cidr.contains(":") {
                routes[cidr] = ip
            }
        }
        do {
            try await self.network.syncRoutes(routes)
        } catch {
            self.logger.warning("route sync failed", metadata: ["error": "\(error)"])
        }
    }

    /// Sandboxes a previous run of the agent left: their processes are stopped and their
    /// namespaces removed. Addresses stay reserved until the pods are known, so a pod that
    /// is still bound here gets its address back.
    func cleanUpLeftovers() async throws {
        let directory = self.configuration.sandboxesDirectory
        for file in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where file.hasSuffix(".json") {
            let path = directory + "/" + file
            guard let data = FileManager.default.contents(atPath: path), let sandbox = try? JSONDecoder().decode(PodSandbox.self, from: data)
            else { continue }
            let stopped = await NetnsProcesses.stop(in: sandbox.netnsPath)
            try? await self.network.deleteSandbox(sandbox)
            try? FileManager.default.removeItem(atPath: path)
            self.logger.info("removed a sandbox left by an earlier run", metadata: ["pod": "\(sandbox.namespace)/\(sandbox.name)",
                                                                                    "processes": "\(stopped)"])
        }
    }

    func releaseAddresses(of pods: [Pod], ipam: PodIPAM) {
        let live = Set(pods.filter { !$0.isTerminal }.map(\.metadata.uid))
        for (uid, _) in ipam.holders where !live.contains(uid) { ipam.release(uid: uid) }
    }
}

/// A long-running part of the agent as a Service of its group: it ends when the group shuts
/// down (or its task is cancelled).
struct AgentTask: ServiceLifecycle.Service {
    let body: @Sendable () async -> Void

    init(_ body: @escaping @Sendable () async -> Void) {
        self.body = body
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { await self.body() }
    }
}
