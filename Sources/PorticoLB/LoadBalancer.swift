import Logging
import PorticoAPI
import PorticoClient
import PorticoNFTables
import PorticoSystem
import ServiceLifecycle
import Synchronization

/// `portico lb`, the cloud's L4 load balancer in front of the nodes: it watches Services,
/// Nodes and EndpointSlices, owns every assigned LoadBalancer address on its external
/// interface, checks the nodes' health, and programs `LoadBalancerRuleset` with one
/// `nft -f -` transaction whenever what it forwards changes.
public final class LoadBalancer: ServiceLifecycle.Service, Sendable {
    public struct Options: Sendable {
        /// The interface facing the clients (the lab's internet), where LB addresses live.
        public var externalInterface = "eth1"
        /// Clients there keep their address; others are masqueraded.
        public var internetCIDR = "203.0.113.0/24"
        public var interval: Duration = .seconds(2)
        public init() {}
    }

    let options: Options
    let client: KubeClient
    let logger: Logger
    let runner: NFTablesRunner
    /// The external interface's addresses.
    let kernel: any NetworkKernel
    let services: Informer<PorticoAPI.Service>
    let nodes: Informer<Node>
    let slices: Informer<EndpointSlice>
    public let health: HealthChecks
    let queue = WorkQueue<String>(baseDelay: .milliseconds(10), maxDelay: .seconds(5))
    let events: EventRecorder
    /// What the kernel was last made to hold, and which Services were told they are served directly.
    let applied = Mutex<(table: NFTTable?, addresses: Set<String>?, told: Set<String>)>((nil, nil, []))

    public init(options: Options, client: KubeClient, runner: NFTablesRunner = NFTCommand(), kernel: any NetworkKernel = IPCommand(),
                logger: Logger) {
        self.options = options
        self.client = client
        self.logger = logger
        self.runner = runner
        self.kernel = kernel
        self.services = Informer(client: client, logger: logger)
        self.nodes = Informer(client: client, logger: logger)
        self.slices = Informer(client: client, logger: logger)
        self.health = HealthChecks(interval: options.interval)
        self.events = EventRecorder(client: client, component: "portico-lb", logger: logger)
    }

    public var model: LoadBalancerModel {
        LoadBalancerModel.build(services: self.services.items, nodes: self.nodes.items, slices: self.slices.items,
                                healthy: self.health.isHealthy)
    }

    /// The watch caches it reads: they go before it in the process's ServiceGroup, so they
    /// run while it starts and stop after it.
    public var informers: [any ServiceLifecycle.Service] { [self.services, self.nodes, self.slices] }

    /// Forwards until the group shuts down (or the task is cancelled). The rules and
    /// addresses stay in the kernel when it stops: connections keep flowing until another
    /// load balancer process takes over.
    public func run() async throws {
        self.logger.info("portico lb: serving LoadBalancer Services on \(self.options.externalInterface)")
        let queue = self.queue
        self.services.addHandler { _ in queue.add("sync") }
        self.nodes.addHandler { _ in queue.add("sync") }
        self.slices.addHandler { _ in queue.add("sync") }
        await cancelWhenGracefulShutdown {
            await self.services.waitForSync()
            await self.nodes.waitForSync()
            await self.slices.waitForSync()
            queue.add("sync")
            await withDiscardingTaskGroup { group in
                group.addTask { await self.checkHealth() }
                group.addTask { await self.syncLoop() }
            }
        }
        self.logger.info("lb: stopping; the rules and addresses stay in the kernel")
    }

    /// Health checks of every backend; a verdict that changes asks for a sync.
    func checkHealth() async {
        await self.health.run(targets: { [self] in
            LoadBalancerModel.healthTargets(services: self.services.items, nodes: self.nodes.items)
        }, changed: { [self] flipped in
            for (target, healthy) in flipped {
                self.logger.info("lb: backend \(healthy ? "healthy" : "unhealthy"): \(target)")
            }
            self.queue.add("sync")
        })
    }

    func syncLoop() async {
        while let key = await self.queue.get() {
            do {
                try await self.sync()
                self.queue.forget(key)
            } catch {
                self.logger.error("lb: sync failed, retrying", metadata: ["error": "\(error)"])
                self.queue.addRateLimited(key)
            }
            self.queue.done(key)
        }
    }

    /// Computes what to forward, and applies it if it changed; nothing before the caches
    /// have listed (stopped while it waited, they are empty, and an empty model would take
    /// every address and rule away).
    func sync() async throws {
        guard self.services.hasSynced, self.nodes.hasSynced, self.slices.hasSynced else { return }
        let model = self.model
        try await self.ownAddresses(model.addresses)
        let table = LoadBalancerRuleset.table(model, internetCIDR: self.options.internetCIDR)
        if self.applied.withLock({ $0.table }) != table {
            try await self.runner.apply(table.replacementTransaction)
            self.applied.withLock { $0.table = table }
            self.logger.info("lb: forwarding \(model.frontends.count) frontends",
                             metadata: ["frontends": "\(model.frontends.map { "\($0.ip):\($0.port)/\($0.proto)→\($0.backends.count)" })"])
        }
        // Say once per Service when it is served straight from its endpoints.
        for frontend in model.frontends where frontend.direct {
            let note = "\(frontend.service) \(frontend.ip):\(frontend.port)/\(frontend.proto)"
            guard self.applied.withLock({ $0.told.insert(note).inserted }) else { continue }
            let (namespace, name) = (String(frontend.service.split(separator: "/")[0]), String(frontend.service.split(separator: "/")[1]))
            if let service = self.services.get(namespace: namespace, name: name) {
                await self.events.normal(service, reason: "ForwardingToEndpoints",
                                         "The load balancer forwards \(frontend.ip):\(frontend.port)/\(frontend.proto.uppercased()) to the endpoints directly: the Service has no node ports (allocateLoadBalancerNodePorts: false)")
            }
        }
    }

    /// Each LB address as a /32 on the external interface (so the load balancer answers ARP
    /// for it there); addresses no Service has any more are removed.
    func ownAddresses(_ wanted: Set<String>) async throws {
        // The kernel is asked only when the wanted set changed since the last time it was made so.
        guard self.applied.withLock({ $0.addresses != wanted }) else { return }
        let device = self.options.externalInterface
        let present = Set(try await self.kernel.addresses(device: device).filter { $0.prefixLength == 32 }.map(\.address))
        for ip in wanted.subtracting(present).sorted() { try await self.kernel.addAddress(ip, prefixLength: 32, device: device) }
        for ip in present.subtracting(wanted).sorted() { try await self.kernel.deleteAddress(ip, prefixLength: 32, device: device) }
        self.applied.withLock { $0.addresses = wanted }
    }
}
