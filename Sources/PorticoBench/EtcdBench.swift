import Foundation
import PorticoAPI
import PorticoClient
import PorticoLab
import PorticoSystem

/// `portico bench etcd`: the control plane on etcd beside the embedded SQLite store, every
/// part a real process on loopback (Debian's etcd, `portico server` over HTTPS): Service
/// creates with 16 in flight through one server on SQLite (the reference), one server on a
/// three-member etcd, and three servers on it (creates spread over them); how long a change
/// takes from its write being sent to its event at a watcher (on three servers, the
/// watch held by another server than the writes); and each process's peak memory.
public struct EtcdBench: Sendable {
    public var creates = 2000
    public var concurrency = 16
    public var watched = 300
    let porticoPath: String

    public init(porticoPath: String) {
        self.porticoPath = porticoPath
    }

    struct Case {
        var what: String
        var creates: ServerBench.Sample
        var watch: ServerBench.Sample
    }

    public func run(progress: @escaping @Sendable (String) -> Void) async throws -> (results: [[String]], memory: [[String]]) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("portico-bench-etcd-\(UUID().uuidString.prefix(8))").path
        let processes = BenchProcesses(base: base)
        defer { processes.stopAll(); try? FileManager.default.removeItem(atPath: base) }
        let cases: [Case]
        do {
            cases = try await self.measureAll(processes, progress: progress)
        } catch {
            await processes.closeClients()
            throw error
        }
        await processes.closeClients()

        var rows = [["WHAT", "CREATES", "CREATES/S", "CREATE P50", "CREATE P99", "WATCH P50", "WATCH P99", "CREATES/S VS SQLITE"]]
        let reference = Double(cases[0].creates.operations) / cases[0].creates.seconds
        for c in cases {
            let rate = Double(c.creates.operations) / c.creates.seconds
            rows.append([c.what, String(c.creates.operations), c.creates.rate, c.creates.percentile(0.5), c.creates.percentile(0.99),
                         c.watch.percentile(0.5), c.watch.percentile(0.99), String(format: "%.2f", rate / reference)])
        }
        var memory = [["PROCESS", "PEAK MEMORY (VmHWM)"]]
        for (name, pid) in processes.started() { memory.append([name, BenchProcesses.peakMemory(pid)]) }
        return (rows, memory)
    }

    /// The three cases, in order: one server on SQLite, one on etcd, three on etcd.
    func measureAll(_ processes: BenchProcesses, progress: @escaping @Sendable (String) -> Void) async throws -> [Case] {
        let port = Int.random(in: 21000..<24000)
        var cases: [Case] = []
        progress("one server on SQLite (the reference)")
        let sqlite = try await processes.server("sqlite", port: port, etcd: nil, porticoPath: self.porticoPath)
        progress("creating \(self.creates) Services through it")
        cases.append(try await self.measure("1 server, SQLite (reference)", [sqlite], watchOn: sqlite, namespace: "a"))

        progress("a three-member etcd cluster on loopback")
        let members = try await processes.etcdCluster(ports: (port + 10, port + 20))
        progress("one server on etcd")
        let one = try await processes.server("etcd-1", port: port + 1, etcd: members, porticoPath: self.porticoPath)
        cases.append(try await self.measure("1 server, etcd (3 members)", [one], watchOn: one, namespace: "b"))
        progress("two more servers on the same etcd")
        let two = try await processes.server("etcd-2", port: port + 2, etcd: members, sharing: "etcd-1", porticoPath: self.porticoPath)
        let three = try await processes.server("etcd-3", port: port + 3, etcd: members, sharing: "etcd-1", porticoPath: self.porticoPath)
        cases.append(try await self.measure("3 servers, etcd (3 members)", [one, two, three], watchOn: one, namespace: "c"))
        return cases
    }

    /// Creates spread round-robin over `servers`, then watch delivery: writes through the last
    /// server, the watch held by `watchOn`.
    func measure(_ what: String, _ servers: [BenchServer], watchOn watcher: BenchServer, namespace: String) async throws -> Case {
        _ = try await servers[0].client.create(Namespace(metadata: ObjectMeta(name: namespace)))
        let bench = ServerBench()
        var creates = try await bench.measure(what, self.creates, concurrency: self.concurrency) { i in
            let service = Service(metadata: ObjectMeta(name: "s\(i)", namespace: namespace), spec: ServiceSpec(ports: [ServicePort(port: 80)]))
            _ = try await servers[i % servers.count].client.create(service)
        }
        creates.what = what
        let watch = try await self.watchDelivery(writer: servers[servers.count - 1], watcher: watcher, namespace: namespace)
        return Case(what: what, creates: creates, watch: watch)
    }

    /// Labels `watched` Services one after another through `writer`: from each write being
    /// sent to its event at a watch held by `watcher` (as `portico bench server` measures).
    func watchDelivery(writer: BenchServer, watcher: BenchServer, namespace: String) async throws -> ServerBench.Sample {
        let start = try await watcher.client.list(Service.self, namespace: namespace).resourceVersion
        let stream = try await watcher.client.watch(Service.self, namespace: namespace, resourceVersion: start)
        let sent = SendTimes()
        let clock = ContinuousClock()
        let began = clock.now
        let count = min(self.watched, self.creates)
        let latencies = try await withThrowingTaskGroup(of: [Double]?.self) { group in
            group.addTask {
                for try await event in stream {
                    guard case .modified(let service) = event, let written = await sent.time(service.metadata.name) else { continue }
                    let d = clock.now - written
                    if await sent.received(Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18) == count { break }
                }
                return await sent.latencies
            }
            group.addTask {
                for i in 0..<count {
                    let name = "s\(i)"
                    await sent.record(name, clock.now)
                    _ = try await writer.client.patch(Service.self, namespace: namespace, name: name, ["metadata": ["labels": ["bench": "yes"]]])
                }
                return nil
            }
            var result: [Double] = []
            for try await part in group { if let part { result = part } }
            return result
        }
        let d = clock.now - began
        return ServerBench.Sample(what: "watch", operations: latencies.count,
                                  seconds: Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18, latencies: latencies)
    }
}

/// A `portico server` the benchmark started, and a client of it.
struct BenchServer: Sendable {
    var name: String
    var pid: Int32
    var client: KubeClient
}

/// The processes of one benchmark run (etcd members and servers), each with a log in the
/// run's directory, all stopped at the end.
final class BenchProcesses: @unchecked Sendable {
    let base: String
    private var processes: [(name: String, pid: Int32)] = []
    private let lock = NSLock()

    init(base: String) {
        self.base = base
        try? FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    }

    private var transports: [HTTPTransport] = []

    func started() -> [(name: String, pid: Int32)] { self.lock.withLock { self.processes } }

    /// Shuts the clients of the servers down (before they are dropped: AsyncHTTPClient insists).
    func closeClients() async {
        for transport in self.lock.withLock({ self.transports }) { try? await transport.shutdown() }
    }

    func start(_ name: String, _ executable: String, _ arguments: [String]) throws -> Int32 {
        let pid = try Shell.start(Program(executable, arguments, output: .file("\(self.base)/\(name).log"))).pid
        self.lock.withLock { self.processes.append((name, pid)) }
        return pid
    }

    func stopAll() {
        for (_, pid) in self.started() { kill(pid, SIGTERM) }
        Thread.sleep(forTimeInterval: 1)
        for (_, pid) in self.started() { kill(pid, SIGKILL) }
    }

    /// Three members on 127.0.0.1 (clients from `ports.client`, peers from `ports.peer`); their client URLs once healthy.
    func etcdCluster(ports: (client: Int, peer: Int)) async throws -> [String] {
        let etcd = try Shell.locate("etcd")
        let names = ["m1", "m2", "m3"]
        let cluster = names.enumerated().map { "\($1)=http://127.0.0.1:\(ports.peer + $0)" }.joined(separator: ",")
        var urls: [String] = []
        for (i, name) in names.enumerated() {
            let client = "http://127.0.0.1:\(ports.client + i)"
            let peer = "http://127.0.0.1:\(ports.peer + i)"
            _ = try self.start("etcd-\(name)", etcd, [
                "--name", name, "--data-dir", "\(self.base)/\(name)", "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", cluster,
                "--initial-cluster-state", "new", "--initial-cluster-token", "portico-bench"])
            urls.append(client)
        }
        for (i, url) in urls.enumerated() {
            let check = HTTPCheck(ip: "127.0.0.1", port: Int32(ports.client + i), path: "/health")
            let deadline = ContinuousClock.now + .seconds(30)
            while !(await check.probe(timeout: .seconds(1), userAgent: "portico-bench")) {
                guard ContinuousClock.now < deadline else { throw BenchFailure("etcd at \(url) was not healthy within 30 s; see \(self.base)") }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        return urls
    }

    /// A server on `port` (on etcd when given), with the CA and tokens of `sharing` (another
    /// server of this run) so one client trusts them all; returned once `/readyz` answers.
    func server(_ name: String, port: Int, etcd: [String]?, sharing: String? = nil, porticoPath: String) async throws -> BenchServer {
        let directory = "\(self.base)/\(name)"
        if let sharing { try Lab.copyClusterSecrets(from: "\(self.base)/\(sharing)", to: directory) }
        let pid = try self.start(name, porticoPath, ["server", "--data-dir", directory, "--bind-address", "127.0.0.1", "--secure-port", String(port)]
            + (etcd.map { ["--etcd-servers", $0.joined(separator: ",")] } ?? []))
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let kubeconfig = try? Kubeconfig.load(path: directory + "/admin.kubeconfig"), let transport = try? HTTPTransport(kubeconfig) {
                if let answer = try? await transport.send(ClientRequest(method: "GET", path: "/readyz")), answer.status == 200 {
                    self.lock.withLock { self.transports.append(transport) }
                    return BenchServer(name: name, pid: pid, client: KubeClient(transport: transport, fieldManager: "portico-bench"))
                }
                try? await transport.shutdown()
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchFailure("the server \(name) did not become ready within 60 s; see \(self.base)/\(name).log")
    }

    /// The process's peak resident memory, as the kernel counts it.
    static func peakMemory(_ pid: Int32) -> String {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return "-" }
        return String(format: "%.1f MiB", kilobytes / 1024)
    }
}
