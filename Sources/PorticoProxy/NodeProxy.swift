import Foundation
import Logging
import PorticoAPI
import PorticoClient
import PorticoNFTables
import PorticoSystem
import ServiceLifecycle
import Synchronization

/// The node proxy of one node, in the role of kube-proxy in nftables mode: Services,
/// EndpointSlices and the Node are watched; each change marks the proxy dirty and records
/// when the change happened; a sync computes the node's desired rules from the caches
/// (`ProxyState`, `ProxyRuleset`), sends only the difference from what the kernel has as one
/// atomic `nft -f` transaction (the whole table at start, after a failure and every hour),
/// then answers health checks, cleans up UDP conntrack and records its metrics. Syncs are
/// at least `minSyncPeriod` apart, and happen every `syncPeriod` even without a change.
public final class NodeProxy: ServiceLifecycle.Service, Sendable {
    public struct Timing: Sendable {
        public var minSyncPeriod: Duration = .milliseconds(100)
        public var syncPeriod: Duration = .seconds(30)
        public var fullSyncPeriod: Duration = .seconds(3600)
        /// Unhealthy when a change waited longer than this for its sync.
        public var healthTimeout: Duration = .seconds(60)

        public init() {}
    }

    let config: ProxyConfig
    let services: Informer<PorticoAPI.Service>
    let nodes: Informer<Node>
    let slices: Informer<EndpointSlice>
    let runner: any NFTablesRunner
    let conntrack: any ConntrackCleaner
    public let metrics: ProxyMetrics
    let health: HealthCheckServers
    let timing: Timing
    let logger: Logger
    let healthzAddress: (String, Int)?
    let metricsAddress: (String, Int)?
    let queue = WorkQueue<String>(baseDelay: .milliseconds(100), maxDelay: .seconds(30))

    struct State {
        /// What the kernel has, per Service; nil until the first sync.
        var program: ProxyProgram?
        /// The entries behind it, per Service.
        var entries: [String: [ServicePortEntry]] = [:]
        /// Services changed since the last sync.
        var dirty: Set<String> = []
        var needFull = true
        var lastFull = ContinuousClock.now
        /// When changes not yet in the kernel were made (EndpointSlice trigger times).
        var triggers: [Date] = []
        /// The oldest change the kernel does not have yet.
        var pendingSince: ContinuousClock.Instant?
        var lastApplied: Date?
        var syncs = 0
    }

    let state = Mutex(State())

    public init(config: ProxyConfig, client: KubeClient, services: Informer<PorticoAPI.Service>, nodes: Informer<Node>,
                runner: any NFTablesRunner = NFTCommand(), conntrack: any ConntrackCleaner = ConntrackCommand(),
                timing: Timing = Timing(), healthzAddress: (String, Int)? = ("0.0.0.0", 10256),
                metricsAddress: (String, Int)? = nil, logger: Logger) {
        self.healthzAddress = healthzAddress
        self.metricsAddress = metricsAddress
        self.config = config
        self.services = services
        self.nodes = nodes
        self.slices = Informer(client: client, logger: logger)
        self.runner = runner
        self.conntrack = conntrack
        self.metrics = ProxyMetrics()
        self.health = HealthCheckServers(logger: logger)
        self.timing = timing
        self.logger = logger
    }

    /// The table the kernel has, as last applied.
    public var appliedTable: NFTTable? { self.state.withLock { $0.program?.table() } }
    public var syncCount: Int { self.state.withLock { $0.syncs } }

    /// Healthy unless a change has waited longer than the health timeout.
    public var isHealthy: Bool {
        self.state.withLock { state in
            guard let since = state.pendingSince else { return true }
            return ContinuousClock.now - since < self.timing.healthTimeout
        }
    }

    public var lastApplied: Date? { self.state.withLock { $0.lastApplied } }

    func changed(service: String? = nil, trigger: Date? = nil, topology: Bool = false) {
        self.state.withLock { state in
            if state.pendingSince == nil { state.pendingSince = .now }
            if let service { state.dirty.insert(service) }
            if let trigger { state.triggers.append(trigger) }
            if topology { state.needFull = true }
        }
        self.queue.add("sync")
    }

    /// The watch cache it owns (EndpointSlices; Services and Nodes are shared with the agent):
    /// it goes before the proxy in the process's ServiceGroup.
    public var informers: [any ServiceLifecycle.Service] { [self.slices] }

    /// Syncs until the group shuts down (or the task is cancelled); the rules stay in the
    /// kernel, so the node keeps forwarding while no proxy runs.
    public func run() async {
        self.watchChanges()
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.health.run() }
                group.addTask { await self.syncLoop() }
                if let (host, port) = self.healthzAddress {
                    group.addTask { await self.serve(host: host, port: port, what: "healthz", self.healthz) }
                }
                if let (host, port) = self.metricsAddress {
                    group.addTask { await self.serve(host: host, port: port, what: "metrics", self.serveMetrics) }
                }
            }
        }
    }

    /// Every change to a Service, an EndpointSlice or this Node marks the proxy dirty.
    func watchChanges() {
        self.services.addHandler { [weak self] event in self?.changed(service: ProxyState.key(event.object)) }
        self.slices.addHandler { [weak self] event in
            let slice = event.object
            let annotation = slice.metadata.annotations["endpoints.kubernetes.io/last-change-trigger-time"]
            let service = slice.metadata.labels[EndpointSlice.serviceNameLabel].map { "\(slice.metadata.namespace)/\($0)" }
            self?.changed(service: service, trigger: annotation.flatMap { MicroTime(rfc3339: $0) }.map {
                Date(timeIntervalSince1970: Double($0.microsecondsSinceEpoch) / 1e6)
            })
        }
        self.nodes.addHandler { [weak self] event in
            guard let self, event.object.metadata.name == self.config.nodeName else { return }
            if case .updated(let old, let new) = event, old.metadata.labels == new.metadata.labels { return }
            self.changed(topology: true)
        }
    }

    /// Syncs at least `minSyncPeriod` apart, and every `syncPeriod` even without a change.
    func syncLoop() async {
        await self.services.waitForSync()
        await self.slices.waitForSync()
        self.queue.add("sync")
        var last = ContinuousClock.now - self.timing.minSyncPeriod
        while let key = await self.queue.get() {
            let wait = self.timing.minSyncPeriod - (ContinuousClock.now - last)
            if wait > .zero { try? await Task.sleep(for: wait) }
            last = .now
            await self.sync()
            self.queue.done(key)
            // Even without changes, sync now and then (and fully every hour).
            self.queue.add("sync", after: self.timing.syncPeriod)
        }
    }

    func serveMetrics(_ request: MiniHTTP.Request) async -> MiniHTTP.Response {
        guard request.path == "/metrics" else { return .error(404, "404 page not found") }
        return MiniHTTP.Response(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: self.metrics.text)
    }

    /// One of the proxy's own ports; a failure to serve it is logged, the proxy goes on.
    func serve(host: String, port: Int, what: String, _ handler: @escaping @Sendable (MiniHTTP.Request) async -> MiniHTTP.Response) async {
        do {
            try await HTTPPort(host: host, port: port, handler).run()
        } catch {
            self.logger.error("proxy \(what) server on \(host):\(port) stopped", metadata: ["error": "\(error)"])
        }
    }

    /// False while the Node is being deleted or carries the cluster autoscaler's
    /// `ToBeDeletedByClusterAutoscaler` taint, as kube-proxy's health server decides.
    var nodeEligible: Bool {
        guard let node = self.nodes.get(name: self.config.nodeName) else { return true }
        if node.metadata.deletionTimestamp != nil { return false }
        return !node.spec.taints.contains { $0.key == "ToBeDeletedByClusterAutoscaler" }
    }

    /// kube-proxy's `/healthz` and `/livez`: 200 while changes reach the kernel in time.
    func healthz(_ request: MiniHTTP.Request) async -> MiniHTTP.Response {
        guard request.path == "/healthz" || request.path == "/livez" else { return .error(404, "404 page not found") }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let last = self.lastApplied.map { formatter.string(from: $0) } ?? ""
        let eligible = self.nodeEligible
        let body = "{\"lastUpdated\": \"\(last)\",\"currentTime\": \"\(formatter.string(from: Date()))\", \"nodeEligible\": \(eligible)}"
        // /livez says whether the proxy works; /healthz also whether the node should get
        // load-balancer traffic (KEP-3836): not while it is being deleted or drained for deletion.
        let healthy = self.isHealthy && self.lastApplied != nil && (request.path == "/livez" || eligible)
        return MiniHTTP.Response(status: healthy ? 200 : 503, headers: [("X-Content-Type-Options", "nosniff")],
                                 contentType: "application/json", body: Array(body.utf8))
    }

    /// One sync: plan (pure: the changed Services' fragments and the difference to what the
    /// kernel has, or the whole table at the start, after a failure, when the node's topology
    /// changed and every `fullSyncPeriod`) → one transaction → bookkeeping (state, metrics,
    /// health check ports, conntrack).
    public func sync() async {
        // Caches that have not listed (the proxy stopped while it waited) are empty, and an
        // empty table must never reach the kernel: the node would stop forwarding.
        guard self.services.hasSynced, self.slices.hasSynced else { return }
        let started = ContinuousClock.now
        let startedAt = Date()
        let oldEntries = self.state.withLock { $0.entries }
        let plan = self.plan()
        do {
            if !plan.script.isEmpty { try await self.runner.apply(plan.script) }
        } catch {
            self.failed(error, started: started)
            return
        }
        let triggers = self.applied(plan, startedAt: startedAt)
        self.record(plan, elapsed: Self.seconds(ContinuousClock.now - started), triggers: triggers)
        self.updateHealthChecks(plan)
        let changed = plan.changedServices
        await self.cleanUpConntrack(changed.flatMap { oldEntries[$0] ?? [] }, changed.flatMap { plan.entries[$0] ?? [] })
    }

    /// Takes the dirty Services and computes what to send.
    func plan() -> ProxySyncPlan {
        var config = self.config
        config.zone = self.nodes.get(name: self.config.nodeName)?.metadata.labels["topology.kubernetes.io/zone"]
        let (dirty, oldEntries, oldProgram, wantFull) = self.state.withLock { state in
            let full = state.needFull || state.program == nil || ContinuousClock.now - state.lastFull > self.timing.fullSyncPeriod
            let dirty = state.dirty
            state.dirty = []
            state.pendingSince = nil
            return (dirty, state.entries, state.program, full)
        }
        let slices = self.slices
        let inputs = ProxySyncPlan.Inputs(
            services: self.services.items, service: { self.services.get(namespace: $0, name: $1) },
            slices: { namespace, name in slices.items(inNamespace: namespace).filter { $0.metadata.labels[EndpointSlice.serviceNameLabel] == name } },
            allSlices: slices.items)
        return ProxySyncPlan.make(config: config, inputs: inputs, dirty: dirty, previous: oldProgram, previousEntries: oldEntries, wantFull: wantFull)
    }

    /// The transaction failed: nothing of it is in the kernel, so the next sync writes the
    /// whole table, soon.
    func failed(_ error: any Error, started: ContinuousClock.Instant) {
        self.metrics.failures.increment()
        self.state.withLock { state in
            state.needFull = true
            if state.pendingSince == nil { state.pendingSince = started }
        }
        self.logger.warning("nftables transaction failed; the whole table will be written again", metadata: ["error": "\(error)"])
        self.queue.add("sync", after: max(self.timing.minSyncPeriod, .seconds(1)))
    }

    /// The kernel has the plan: keep it; returns the change times it covers.
    func applied(_ plan: ProxySyncPlan, startedAt: Date) -> [Date] {
        self.state.withLock { state -> [Date] in
            state.program = plan.program
            state.entries = plan.entries
            state.needFull = false
            if plan.full { state.lastFull = .now }
            state.lastApplied = Date()
            state.syncs += 1
            let done = state.triggers.filter { $0 <= startedAt }
            state.triggers.removeAll { $0 <= startedAt }
            return done
        }
    }

    func record(_ plan: ProxySyncPlan, elapsed: Double, triggers: [Date]) {
        self.metrics.syncDuration.record(elapsed)
        if plan.full {
            self.metrics.fullSyncDuration.record(elapsed)
            self.metrics.fullSyncs.increment()
        } else {
            self.metrics.partialSyncDuration.record(elapsed)
            self.metrics.partialSyncs.increment()
        }
        let now = Date()
        for trigger in triggers { self.metrics.programmingLatency.record(max(0, now.timeIntervalSince(trigger))) }
        self.metrics.lastSync.set(now.timeIntervalSince1970)
        if plan.full || !plan.script.isEmpty {
            let counts = plan.ruleAndElementCounts
            self.metrics.rules.set(Double(counts.rules))
            self.metrics.elements.set(Double(counts.elements))
        }
        let allPorts = plan.entries.values.flatMap { $0 }
        self.metrics.servicePorts.set(Double(allPorts.count))
        self.metrics.noLocalEndpoints.set(Double(allPorts.filter { $0.externalPolicyLocal && $0.localEndpoints.isEmpty }.count))
    }

    /// A health check node port for every Local Service, saying how many endpoints it has here.
    func updateHealthChecks(_ plan: ProxySyncPlan) {
        self.health.update(plan.entries.values.flatMap { $0 }.compactMap { port in
            guard port.externalPolicyLocal, let healthPort = port.healthCheckNodePort else { return nil }
            return HealthCheckServers.Service(port: healthPort, namespace: port.namespace, name: port.name,
                                              localEndpoints: port.localEndpoints.count)
        }, proxyHealthy: { [weak self] in self?.isHealthy ?? false })
    }

    /// UDP flows to endpoints that no longer serve a port are removed, for every address the
    /// port is reached at.
    func cleanUpConntrack(_ old: [ServicePortEntry], _ new: [ServicePortEntry]) async {
        let current = Dictionary(new.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for port in old where port.proto == .udp {
            let before = Set((port.allClusterEndpoints + port.localEndpoints).map(\.ip))
            let now = current[port.id].map { Set(($0.allClusterEndpoints + $0.localEndpoints).map(\.ip)) } ?? []
            for endpoint in before.subtracting(now).sorted() {
                self.metrics.conntrackCleanups.increment()
                for address in [port.clusterIP].compactMap({ $0 }) + port.externalIPs + port.loadBalancerIPs {
                    await self.conntrack.deleteUDP(destination: address, port: port.port, endpoint: endpoint)
                }
                if let nodePort = port.nodePort { await self.conntrack.deleteUDP(destination: nil, port: nodePort, endpoint: endpoint) }
            }
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
