import Foundation
import PorticoAPI
import PorticoClient
import PorticoTestSupport
import Synchronization

/// What the HA lab test drives: the lab's processes by role and place (from
/// `portico status -o json`), a client through the lab's API address, kills with their
/// times, the etcd leader, and writers that time every create.
final class HALab: @unchecked Sendable {
    let lab: LabHarness
    let kubeconfig: Kubeconfig
    let transport: HTTPTransport
    let client: KubeClient
    /// `role place` → pid.
    let pids: [String: Int32]
    /// place → address.
    let addresses: [String: String]
    let killed = Mutex<[String: ContinuousClock.Instant]>([:])
    /// place → seconds from its server's kill until the `kubernetes` endpoints no longer listed it.
    let dropped = Mutex<[String: Double]>([:])

    init(_ lab: LabHarness) throws {
        self.lab = lab
        let status = try lab.portico("status", "-o", "json")
        let document = try JSON.parse(bytes: Array(status.stdout.utf8))
        var pids: [String: Int32] = [:]
        for process in document["processes"]?.arrayValue ?? [] {
            if let role = process["role"]?.stringValue, let place = process["place"]?.stringValue, let pid = process["pid"]?.intValue {
                pids["\(role) \(place)"] = Int32(pid)
            }
        }
        var addresses: [String: String] = [:]
        for place in document["places"]?.arrayValue ?? [] {
            if let name = place["name"]?.stringValue, let address = place["addresses"]?.arrayValue?.first?.stringValue { addresses[name] = address }
        }
        (self.pids, self.addresses) = (pids, addresses)
        self.kubeconfig = try Kubeconfig.load(path: lab.kubeconfig)
        self.transport = try HTTPTransport(self.kubeconfig)
        self.client = KubeClient(transport: self.transport, fieldManager: "ha-lab-test")
    }

    func close() {
        let transport = self.transport
        Task { try? await transport.shutdown() }
    }

    /// A client of one server, not through the load balancer.
    func client(of place: String) throws -> (KubeClient, HTTPTransport) {
        var config = self.kubeconfig
        config.server = "https://\(self.addresses[place] ?? place):\(self.lab.apiPort)"
        let transport = try HTTPTransport(config)
        return (KubeClient(transport: transport, fieldManager: "ha-lab-test"), transport)
    }

    func kill(role: String, place: String) throws {
        guard let pid = self.pids["\(role) \(place)"] else { throw HarnessError("no \(role) in \(place)") }
        let at = ContinuousClock.now
        Foundation.kill(pid, SIGKILL)
        self.killed.withLock { $0["\(role) \(place)"] = at }
        if role == "server" { Task { await self.watchEndpointsDrop(place, killedAt: at) } }
    }

    /// From a server's kill, polls the `kubernetes` endpoints (every 100 ms, 40 s at most)
    /// until its address is gone.
    func watchEndpointsDrop(_ place: String, killedAt: ContinuousClock.Instant) async {
        let address = self.addresses[place] ?? ""
        while ContinuousClock.now < killedAt + .seconds(40) {
            if let endpoints = try? await self.client.get(Endpoints.self, namespace: "default", name: "kubernetes"),
               !endpoints.subsets.flatMap({ $0.addresses.map(\.ip) }).contains(address) {
                self.dropped.withLock { $0[place] = (ContinuousClock.now - killedAt) / .seconds(1) }
                return
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The place whose etcd member leads.
    func etcdLeader() throws -> String {
        let members = self.addresses.filter { $0.key.hasPrefix("server-") }
        for (place, address) in members where self.killed.withLock({ $0["etcd \(place)"] == nil }) {
            guard let status = try Self.etcdStatus("http://\(address):2379") else { continue }
            if status["leader"] == status["header"]?["member_id"] { return place }
        }
        throw HarnessError("no etcd member says it leads")
    }

    /// `etcdctl endpoint status` of the first of `endpoints`, as JSON.
    static func etcdStatus(_ endpoints: String) throws -> JSON? {
        let output = try Command.run("etcdctl", ["--endpoints", endpoints, "endpoint", "status", "-w", "json"],
                                     environment: ["ETCDCTL_API": "3"], timeout: 10)
        return (try? JSON.parse(bytes: Array(output.stdout.utf8)))?.arrayValue?.first?["Status"]
    }

    /// The place of the server holding the controllers' lease.
    func controllerLeader() async throws -> String {
        let lease = try await self.client.get(Lease.self, namespace: "kube-system", name: "kube-controller-manager")
        let holder = lease?.spec.holderIdentity ?? ""
        // <hostname>_<address>:<port>
        let address = holder.split(separator: "_").last?.split(separator: ":").first.map(String.init) ?? ""
        guard let place = self.addresses.first(where: { $0.value == address })?.key else { throw HarnessError("no server holds the lease: \(holder)") }
        return place
    }

    struct Writes {
        var created: [String: Service] = [:]
        var failed = 0
        /// Per kill: seconds until a create sent after it succeeded, and when the last create
        /// that failed was sent (nil: none sent after it failed).
        var recoveries: [(what: String, seconds: Double, lastFailedSent: Double?)] = []
        /// Seconds after the first kill, and why, for each failed create.
        var failures: [(at: Double, error: String)] = []
    }

    /// `count` NodePort Service creates in namespace `load` from `writers` writers; each kill
    /// runs once when that many creates have been tried. A kill's recovery: from the kill to
    /// the first create that started after the last failure since the kill, and succeeded.
    func createServices(count: Int, writers: Int, kills: [(after: Int, what: String, kill: @Sendable () throws -> Void)]) async throws -> Writes {
        _ = try? await self.client.create(Namespace(metadata: ObjectMeta(name: "load")))
        struct Attempt: Sendable { var started: ContinuousClock.Instant; var ended: ContinuousClock.Instant; var ok: Bool; var error = "" }
        final class Shared: Sendable {
            let tried = Mutex(0)
            let killTimes = Mutex<[(String, ContinuousClock.Instant)]>([])
        }
        let shared = Shared()
        let results = try await withThrowingTaskGroup(of: ([String: Service], [Attempt]).self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var created: [String: Service] = [:]
                    var attempts: [Attempt] = []
                    for i in 0..<(count / writers) {
                        let n = shared.tried.withLock { $0 += 1; return $0 }
                        for kill in kills where kill.after == n {
                            shared.killTimes.withLock { $0.append((kill.what, .now)) }
                            try kill.kill()
                        }
                        var service = Service(metadata: ObjectMeta(name: "w\(writer)-\(i)", namespace: "load"),
                                              spec: ServiceSpec(ports: [ServicePort(port: 80)], type: .nodePort))
                        service.spec.selector = ["app": "none"]
                        let started = ContinuousClock.now
                        do {
                            created[service.metadata.name] = try await self.client.create(service)
                            attempts.append(Attempt(started: started, ended: .now, ok: true))
                        } catch {
                            attempts.append(Attempt(started: started, ended: .now, ok: false, error: "\(error)"))
                        }
                    }
                    return (created, attempts)
                }
            }
            return try await group.reduce(into: [([String: Service], [Attempt])]()) { $0.append($1) }
        }
        var writes = Writes()
        let attempts = results.flatMap(\.1)
        for (created, _) in results { writes.created.merge(created) { a, _ in a } }
        writes.failed = attempts.filter { !$0.ok }.count
        let kills = shared.killTimes.withLock { $0 }.sorted { $0.1 < $1.1 }
        if let firstKill = kills.first?.1 {
            writes.failures = attempts.filter { !$0.ok }.map { (($0.ended - firstKill) / .seconds(1), $0.error) }.sorted { $0.at < $1.at }
        }
        for (index, (what, at)) in kills.enumerated() {
            // The first create sent after the kill that succeeded; and the last create sent
            // after it (and before the next kill) that failed (a request in flight at the kill
            // may still fail later).
            let next = index + 1 < kills.count ? kills[index + 1].1 : ContinuousClock.now
            let recovered = attempts.filter { $0.ok && $0.started >= at }.map(\.ended).min()
            let lastFailed = attempts.filter { !$0.ok && $0.started >= at && $0.started < next }.map(\.started).max()
            writes.recoveries.append((what, recovered.map { ($0 - at) / .seconds(1) } ?? .infinity,
                                      lastFailed.map { ($0 - at) / .seconds(1) }))
        }
        return writes
    }

    /// Seconds from the server's kill until the `kubernetes` endpoints no longer listed it.
    func waitUntilEndpointsDrop(_ place: String) async throws -> Double {
        let deadline = ContinuousClock.now + .seconds(40)
        while ContinuousClock.now < deadline {
            if let seconds = self.dropped.withLock({ $0[place] }) { return seconds }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("the kubernetes endpoints still list \(place) 40 s after it was killed")
    }

    /// A watch of configmaps held by one server while a writer creates one every 100 ms
    /// through the load balancer.
    func startWatch(on place: String) async throws -> HeldWatch {
        _ = try? await self.client.create(Namespace(metadata: ObjectMeta(name: "watched")))
        let (client, transport) = try self.client(of: place)
        let start = try await client.list(ConfigMap.self, namespace: "watched").resourceVersion
        return HeldWatch(lab: self, client: client, transport: transport, from: start)
    }

    /// A watch from a revision etcd has compacted away: `410 Expired`.
    func watchAfterCompactionIsExpired() async throws -> Bool {
        let old = try await self.client.list(ConfigMap.self, namespace: "watched").resourceVersion
        // Two changes after `old`; history is compacted up to the second, so the first is gone.
        for name in ["compacted-away", "kept"] {
            _ = try await self.client.create(ConfigMap(metadata: ObjectMeta(name: name, namespace: "watched")))
        }
        let killed = self.killed.withLock { $0 }
        let live = self.addresses.filter { place, _ in place.hasPrefix("server-") && killed["etcd \(place)"] == nil }
        let endpoints = live.values.map { "http://\($0):2379" }.joined(separator: ",")
        let revision = try Self.etcdStatus(endpoints)?["header"]?["revision"]?.intValue ?? 0
        _ = try Command.run("etcdctl", ["--endpoints", endpoints, "compaction", String(revision)], environment: ["ETCDCTL_API": "3"])
        do {
            for try await _ in try await self.client.watch(ConfigMap.self, namespace: "watched", resourceVersion: old, timeoutSeconds: 5) {}
        } catch let error as APIError where error.code == 410 {
            return true
        }
        return false
    }
}

/// A watch on one server, followed on another after the first dies.
final class HeldWatch: @unchecked Sendable {
    let received = Mutex<(names: [String], lastRV: String)>(([], ""))
    let sent = Mutex<[String]>([])
    /// Creates whose answer was lost (the server died with the request in flight): each may
    /// or may not have been stored, so its event may or may not come.
    let uncertain = Mutex<Set<String>>([])
    let stop = Mutex(false)
    let lab: HALab
    let transport: HTTPTransport
    var reader: Task<Void, Never>? = nil
    var writer: Task<Void, Never>? = nil

    init(lab: HALab, client: KubeClient, transport: HTTPTransport, from start: String) {
        self.lab = lab
        self.transport = transport
        self.received.withLock { $0.lastRV = start }
        self.reader = Task { await self.follow(client) }
        self.writer = Task {
            var n = 0
            while !self.stop.withLock({ $0 }) {
                let name = String(format: "cm-%04d", n)
                if (try? await lab.client.create(ConfigMap(metadata: ObjectMeta(name: name, namespace: "watched")))) != nil {
                    self.sent.withLock { $0.append(name) }
                } else {
                    self.uncertain.withLock { _ = $0.insert(name) }
                }
                n += 1
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Reads the watch until it ends (its server died), keeping the names and the last revision.
    func follow(_ client: KubeClient) async {
        guard let stream = try? await client.watch(ConfigMap.self, namespace: "watched", resourceVersion: self.received.withLock { $0.lastRV }) else { return }
        do {
            for try await event in stream {
                switch event {
                case .added(let object), .modified(let object), .deleted(let object):
                    self.received.withLock {
                        $0.names.append(object.metadata.name)
                        $0.lastRV = object.metadata.resourceVersion
                    }
                case .bookmark(let version):
                    if !version.isEmpty { self.received.withLock { $0.lastRV = version } }
                }
            }
        } catch {}
    }

    /// Stops the writer, watches again on `place` from the last revision received, and
    /// returns what was sent and what arrived once every write has (or 20 s have passed).
    func finish(on place: String) async throws -> (sent: [String], received: [String], uncertain: Set<String>) {
        self.stop.withLock { $0 = true }
        await self.writer?.value
        self.reader?.cancel()
        let (client, transport) = try self.lab.client(of: place)
        defer { Task { try? await transport.shutdown() } }
        let reader = Task { await self.follow(client) }
        let deadline = ContinuousClock.now + .seconds(20)
        let sent = self.sent.withLock { $0 }
        while ContinuousClock.now < deadline, self.received.withLock({ $0.names.count }) < sent.count {
            try await Task.sleep(for: .milliseconds(100))
        }
        reader.cancel()
        try? await self.transport.shutdown()
        return (sent, self.received.withLock { $0.names }, self.uncertain.withLock { $0 })
    }
}

/// GETs a URL every 100 ms on a thread of its own (curl, 2 s at most each) until stopped.
final class Prober: @unchecked Sendable {
    let counts = Mutex<(ok: Int, failed: Int, stop: Bool)>((0, 0, false))
    let done = DispatchSemaphore(value: 0)

    init(url: String) {
        Thread.detachNewThread {
            while !self.counts.withLock({ $0.stop }) {
                let ok = (try? Command.run("curl", ["-sf", "--max-time", "2", url], timeout: 5).status) == 0
                self.counts.withLock { ok ? ($0.ok += 1) : ($0.failed += 1) }
                Thread.sleep(forTimeInterval: 0.1)
            }
            self.done.signal()
        }
    }

    func stop() -> (ok: Int, failed: Int) {
        self.counts.withLock { $0.stop = true }
        self.done.wait()
        return self.counts.withLock { ($0.ok, $0.failed) }
    }
}
