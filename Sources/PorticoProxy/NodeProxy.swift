import Foundation
import Logging
import PorticoAPI
import PorticoClient
import PorticoSystem
import Synchronization

/// Where the proxy's transactions go: `nft -f -` on a node, a recorder in tests.
public protocol NFTablesRunner: Sendable {
    func apply(_ script: String) async throws
}

/// Runs a transaction through `nft -f -`, in this process's network namespace.
public struct NFTCommand: NFTablesRunner {
    public init() {}

    public func apply(_ script: String) async throws {
        try await Shell.run("nft", ["-f", "-"], input: script)
    }
}

/// Removes conntrack entries of UDP flows whose endpoint is gone, so they do not keep
/// sending to it (TCP notices by itself; UDP would not).
public protocol ConntrackCleaner: Sendable {
    /// Entries to `destination` (any, if nil) on `port` whose reply comes from `endpoint`.
    func deleteUDP(destination: String?, port: Int32, endpoint: String) async
}

public struct ConntrackCommand: ConntrackCleaner {
    public init() {}

    public func deleteUDP(destination: String?, port: Int32, endpoint: String) async {
        var arguments = ["-D", "-p", "udp"]
        if let destination { arguments += ["--orig-dst", destination] }
        arguments += ["--orig-port-dst", String(port), "--reply-src", endpoint]
        // Exit status 1 means there was nothing to delete.
        _ = try? await Shell.run("conntrack", arguments, allowFailure: true)
    }
}

/// The node proxy of one node, in the role of kube-proxy in nftables mode: Services,
/// EndpointSlices and the Node are watched; each change marks the proxy dirty and records
/// when the change happened; a sync computes the node's desired rules from the caches
/// (`ProxyState`, `ProxyRuleset`), sends only the difference from what the kernel has as one
/// atomic `nft -f` transaction (the whole table at start, after a failure and every hour),
/// then answers health checks, cleans up UDP conntrack and records its metrics. Syncs are
/// at least `minSyncPeriod` apart, and happen every `syncPeriod` even without a change.
public final class NodeProxy: Sendable {
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

    public func run() async {
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
        await withDiscardingTaskGroup { group in
            group.addTask { await self.slices.run() }
            group.addTask { await self.health.run() }
            group.addTask {
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
            if let (host, port) = self.healthzAddress {
                group.addTask { await self.serve(host: host, port: port, what: "healthz", self.healthz) }
            }
            if let (host, port) = self.metricsAddress {
                group.addTask {
                    await self.serve(host: host, port: port, what: "metrics") { request in
                        guard request.path == "/metrics" else { return .error(404, "404 page not found") }
                        return MiniHTTP.Response(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: self.metrics.text)
                    }
                }
            }
        }
    }

    func serve(host: String, port: Int, what: String, _ handler: @escaping @Sendable (MiniHTTP.Request) async -> MiniHTTP.Response) async {
        do {
            let server = try await MiniHTTP.bind(host: host, port: port)
            try await withTaskCancellationHandler {
                try await MiniHTTP.serveAll(server, handler: handler)
            } onCancel: {
                server.channel.close(promise: nil)
            }
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

    /// One sync: the changed Services' fragments, the difference to what the kernel has, one
    /// transaction. The whole table at the start, after a failure, when the node's topology
    /// changed, and every `fullSyncPeriod`.
    public func sync() async {
        let started = ContinuousClock.now
        let startedAt = Date()
        var config = self.config
        config.zone = self.nodes.get(name: self.config.nodeName)?.metadata.labels["topology.kubernetes.io/zone"]
        let (dirty, oldEntries, oldProgram, wantFull) = self.state.withLock { state in
            let full = state.needFull || state.program == nil || ContinuousClock.now - state.lastFull > self.timing.fullSyncPeriod
            let dirty = state.dirty
            state.dirty = []
            state.pendingSince = nil
            return (dirty, state.entries, state.program, full)
        }
        var entries = oldEntries
        var program: ProxyProgram
        let script: String
        let full: Bool
        let context = RulesetContext(nodePortIPs: ProxyState.nodePortIPs(config: config, localAddresses: []),
                                     serviceCIDRs: config.serviceCIDRs, clusterCIDRs: config.clusterCIDRs, masqueradeAll: config.masqueradeAll)
        if wantFull || oldProgram?.context != context || dirty.count > 500 {
            let byService = ProxyState.slicesByService(self.slices.items)
            entries = [:]
            var fragments: [String: ServiceFragment] = [:]
            for service in self.services.items {
                let key = ProxyState.key(service)
                let ports = ProxyState.entries(for: service, slices: byService[key] ?? [], config: config)
                if ports.isEmpty { continue }
                entries[key] = ports
                fragments[key] = ProxyRuleset.fragment(ports, context: context)
            }
            program = ProxyProgram(context: context, fragments: fragments)
            script = program.table().replacementTransaction
            full = true
        } else {
            program = oldProgram!
            var changes: [String: ServiceFragment?] = [:]
            for key in dirty {
                let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                let slices = self.slices.items(inNamespace: parts[0]).filter { $0.metadata.labels[EndpointSlice.serviceNameLabel] == parts[1] }
                let ports = self.services.get(namespace: parts[0], name: parts[1])
                    .map { ProxyState.entries(for: $0, slices: slices, config: config) } ?? []
                entries[key] = ports.isEmpty ? nil : ports
                changes[key] = ports.isEmpty ? .some(nil) : ProxyRuleset.fragment(ports, context: context)
            }
            script = program.update(changes)
            full = false
        }
        do {
            if !script.isEmpty { try await self.runner.apply(script) }
        } catch {
            self.metrics.failures.increment()
            self.state.withLock { state in
                state.needFull = true
                if state.pendingSince == nil { state.pendingSince = started }
            }
            self.logger.warning("nftables transaction failed; the whole table will be written again",
                                metadata: ["error": "\(error)"])
            self.queue.add("sync", after: max(self.timing.minSyncPeriod, .seconds(1)))
            return
        }
        let elapsed = Self.seconds(ContinuousClock.now - started)
        let triggers = self.state.withLock { state -> [Date] in
            state.program = program
            state.entries = entries
            state.needFull = false
            if full { state.lastFull = .now }
            state.lastApplied = Date()
            state.syncs += 1
            let done = state.triggers.filter { $0 <= startedAt }
            state.triggers.removeAll { $0 <= startedAt }
            return done
        }
        self.metrics.syncDuration.record(elapsed)
        if full {
            self.metrics.fullSyncDuration.record(elapsed)
            self.metrics.fullSyncs.increment()
        } else {
            self.metrics.partialSyncDuration.record(elapsed)
            self.metrics.partialSyncs.increment()
        }
        let now = Date()
        for trigger in triggers { self.metrics.programmingLatency.record(max(0, now.timeIntervalSince(trigger))) }
        self.metrics.lastSync.set(now.timeIntervalSince1970)
        let allPorts = entries.values.flatMap { $0 }
        if full || !script.isEmpty {
            var rules = 0
            var elements = context.nodePortIPs.count
            for fragment in program.fragments.values {
                rules += fragment.chains.reduce(0) { $0 + $1.rules.count }
                elements += fragment.elements.values.reduce(0) { $0 + $1.count }
            }
            self.metrics.rules.set(Double(rules + ProxyRuleset.baseChains(context).reduce(0) { $0 + $1.rules.count }))
            self.metrics.elements.set(Double(elements))
        }
        self.metrics.servicePorts.set(Double(allPorts.count))
        self.metrics.noLocalEndpoints.set(Double(allPorts.filter { $0.externalPolicyLocal && $0.localEndpoints.isEmpty }.count))
        self.health.update(allPorts.compactMap { port in
            guard port.externalPolicyLocal, let healthPort = port.healthCheckNodePort else { return nil }
            return HealthCheckServers.Service(port: healthPort, namespace: port.namespace, name: port.name,
                                              localEndpoints: port.localEndpoints.count)
        }, proxyHealthy: { [weak self] in self?.isHealthy ?? false })
        // UDP flows of the changed Services whose endpoint went.
        let changedKeys = full ? Set(oldEntries.keys).union(entries.keys) : dirty
        await self.cleanUpConntrack(changedKeys.flatMap { oldEntries[$0] ?? [] }, changedKeys.flatMap { entries[$0] ?? [] })
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
