import Foundation
import Logging
import PorticoAPI
import PorticoClient
import PorticoSystem
import ServiceLifecycle
import Synchronization

/// Bare-metal L2 mode, as MetalLB's speaker: for each LoadBalancer address on the node's
/// LAN, one node owns it — the first of the eligible nodes sorted by a hash of node name and
/// address — takes it on its LAN interface (so its kernel answers ARP for it) and sends
/// gratuitous ARP when it takes it; the node proxy then handles the address (ipMode VIP).
/// Eligible: Ready, reachable (the speakers probe each other's proxy `/livez` every second;
/// three misses in a row and a node is gone, as memberlist suspects a silent member), not
/// drained for deletion, and for Local policy holding a ready endpoint of the Service.
public final class L2Speaker: ServiceLifecycle.Service, Sendable {
    let nodeName: String
    let interface: String
    let lan: IPNetwork
    let client: KubeClient
    let services: Informer<PorticoAPI.Service>
    let nodes: Informer<Node>
    let slices: Informer<EndpointSlice>
    let events: EventRecorder
    let logger: Logger
    /// The LAN interface's addresses.
    let kernel: any NetworkKernel
    /// Misses in a row per peer node name.
    let misses = Mutex<[String: Int]>([:])
    let announced = Mutex<[String: String]>([:])
    /// The live nodes at the last round: when they change, owned addresses are announced again
    /// (a node back from a cut link may hold an address the LAN has since learned elsewhere).
    let lastLive = Mutex<Set<String>>([])

    public init(nodeName: String, interface: String, lan: IPNetwork, client: KubeClient, services: Informer<PorticoAPI.Service>, nodes: Informer<Node>,
                kernel: any NetworkKernel = IPCommand(), logger: Logger) {
        self.nodeName = nodeName
        self.kernel = kernel
        self.interface = interface
        self.lan = lan
        self.client = client
        self.services = services
        self.nodes = nodes
        self.slices = Informer(client: client, logger: logger)
        self.events = EventRecorder(client: client, component: "portico-speaker", logger: logger)
        self.logger = logger
    }

    static func isReady(_ node: Node) -> Bool {
        node.status.conditions.contains { $0.type == "Ready" && $0.status == "True" }
    }

    func liveNodes() -> [String] {
        let dead = self.misses.withLock { misses in Set(misses.filter { $0.value >= 3 }.map(\.key)) }
        return self.nodes.items.filter {
            $0.isEligibleForExternalLoadBalancers && Self.isReady($0) && !dead.contains($0.metadata.name)
        }.map(\.metadata.name).sorted()
    }

    /// What this node should own now, with `live` nodes: address → Service key.
    func desired(live: [String]) -> [String: String] {
        var mine: [String: String] = [:]
        for service in self.services.items where service.usesPorticoLoadBalancer && service.metadata.deletionTimestamp == nil {
            var candidates = live
            if service.spec.externalTrafficPolicy == TrafficPolicy.local {
                let withEndpoints = Set(self.slices.items(inNamespace: service.metadata.namespace)
                    .filter { $0.metadata.labels["kubernetes.io/service-name"] == service.metadata.name }
                    .flatMap(\.endpoints).filter { $0.conditions.ready ?? true }.compactMap(\.nodeName))
                candidates = candidates.filter(withEndpoints.contains)
            }
            for ingress in service.status.loadBalancer.ingress {
                guard let ip = IPAddress(ingress.ip), self.lan.contains(ip) else { continue }
                if L2Election.owner(of: ingress.ip, among: candidates) == self.nodeName {
                    mine[ingress.ip] = "\(service.metadata.namespace)/\(service.metadata.name)"
                }
            }
        }
        return mine
    }

    /// The watch cache it owns (EndpointSlices, for Local policy): it goes before the speaker
    /// in the process's ServiceGroup.
    public var informers: [any ServiceLifecycle.Service] { [self.slices] }

    /// Announces until the group shuts down (or the task is cancelled). The addresses stay
    /// on the interface: the next run adopts them, and meanwhile the node keeps answering.
    public func run() async {
        await cancelWhenGracefulShutdown {
            await self.services.waitForSync()
            await self.nodes.waitForSync()
            await self.slices.waitForSync()
            await self.adoptAddresses()
            while !Task.isCancelled {
                let started = ContinuousClock.now
                await self.probePeers()
                await self.reconcile()
                try? await Task.sleep(until: started + .seconds(1))
            }
        }
    }

    /// Addresses of the LAN already on the interface (an earlier run of this agent): taken
    /// as announced, so the first round keeps or removes them like any other.
    func adoptAddresses() async {
        for found in (try? await self.kernel.addresses(device: self.interface)) ?? [] where found.prefixLength == 32 {
            guard let ip = IPAddress(found.address), self.lan.contains(ip) else { continue }
            self.announced.withLock { $0[ip.description] = "(an earlier run)" }
        }
    }

    /// One round of probes to the other nodes' proxy `/livez`.
    func probePeers() async {
        let peers = self.nodes.items.filter { $0.metadata.name != self.nodeName }.compactMap { node -> (String, String)? in
            node.status.addresses.first { $0.type == "InternalIP" }.map { (node.metadata.name, $0.address) }
        }
        let results = await withTaskGroup(of: (String, Bool).self) { group in
            for (name, ip) in peers {
                group.addTask { (name, await HTTPCheck(ip: ip, port: 10256, path: "/livez").probe(timeout: .milliseconds(500), userAgent: "portico-speaker")) }
            }
            var all: [(String, Bool)] = []
            for await result in group { all.append(result) }
            return all
        }
        self.misses.withLock { misses in
            for (name, pass) in results { misses[name] = pass ? 0 : (misses[name] ?? 0) + 1 }
        }
    }

    func reconcile() async {
        let liveNodes = self.liveNodes()
        let want = self.desired(live: liveNodes)
        let have = self.announced.withLock { $0 }
        let live = Set(liveNodes)
        if self.lastLive.withLock({ previous in defer { previous = live }; return previous != live }) {
            for ip in have.keys where want[ip] != nil {
                _ = try? await Shell.run("arping", ["-U", "-c", "2", "-w", "1", "-I", self.interface, ip], allowFailure: true)
            }
        }
        for (ip, service) in want where have[ip] == nil {
            do {
                try await self.kernel.addAddress(ip, prefixLength: 32, device: self.interface)
                // Gratuitous ARP: the LAN learns the new owner now, not when its cache expires.
                _ = try? await Shell.run("arping", ["-U", "-c", "2", "-w", "1", "-I", self.interface, ip], allowFailure: true)
                self.announced.withLock { $0[ip] = service }
                self.logger.info("l2: announcing \(ip) for \(service)")
                let parts = service.split(separator: "/").map(String.init)
                if let object = self.services.get(namespace: parts[0], name: parts[1]) {
                    await self.events.normal(object, reason: "nodeAssigned", "announcing from node \"\(self.nodeName)\" with protocol \"layer2\"")
                }
            } catch {
                self.logger.error("l2: could not take \(ip)", metadata: ["error": "\(error)"])
            }
        }
        for (ip, service) in have where want[ip] == nil {
            try? await self.kernel.deleteAddress(ip, prefixLength: 32, device: self.interface)
            self.announced.withLock { $0[ip] = nil }
            self.logger.info("l2: no longer announcing \(ip) for \(service)")
        }
    }
}
