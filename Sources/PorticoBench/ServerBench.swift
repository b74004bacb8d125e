import Foundation
import PorticoAPI
import PorticoServer
import PorticoStore

/// `portico bench server`: the API server's create, get, list and watch delivery with many
/// Services, beside the same number of writes made straight into the store (the floor the
/// server cannot beat). The server is called in-process, without HTTP and TLS.
public struct ServerBench: Sendable {
    public var services = 10_000
    /// Requests in flight at once.
    public var concurrency = 16

    public init() {}

    struct Sample {
        var what: String
        var operations: Int
        var seconds: Double
        var latencies: [Double]

        func percentile(_ p: Double) -> String {
            guard !self.latencies.isEmpty else { return "-" }
            let sorted = self.latencies.sorted()
            let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
            return value >= 0.001 ? String(format: "%.2fms", value * 1000) : String(format: "%.0fµs", value * 1_000_000)
        }

        var rate: String { String(format: "%.0f/s", Double(self.operations) / self.seconds) }
    }

    /// The table to print: a header row, then one row per measurement.
    public func run(progress: @Sendable (String) -> Void) async throws -> [[String]] {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("portico-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let n = self.services
        var samples: [Sample] = []

        // The floor: the same writes straight into the store.
        progress("writing \(n) objects straight into the store")
        let store = try Store(path: base + "-floor.db", historyLimit: n + 100)
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: base + "-floor.db" + suffix) } }
        samples.append(try await self.measure("store create (floor)", n) { i in
            let json: JSON = ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string("s\(i)"), "namespace": "default"],
                              "spec": ["ports": [["port": 80]]]]
            _ = try await store.create(ObjectKey(resource: "services", namespace: "default", name: "s\(i)"), json)
        })

        var configuration = APIServerConfiguration(dataDirectory: base)
        configuration.historyLimit = n * 3
        let server = try await APIServer(configuration: configuration)
        progress("creating \(n) Services through the API")
        samples.append(try await self.measure("API create", n) { i in
            let body: JSON = ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string("s\(i)")],
                              "spec": ["ports": [["port": 80]], "selector": ["app": "web"]]]
            let response = await server.handle(APIRequest(method: "POST", path: "/api/v1/namespaces/default/services",
                                                          headers: ["content-type": "application/json"], body: body.serializedBytes()))
            guard response.status == 201 else {
                throw BenchFailure("create failed: \(response.status) \(response.bodyJSON?["message"]?.stringValue ?? "")")
            }
        })
        progress("reading them back one by one")
        samples.append(try await self.measure("API get", n) { i in
            let response = await server.handle(APIRequest(method: "GET", path: "/api/v1/namespaces/default/services/s\(i)"))
            guard response.status == 200 else { throw BenchFailure("get failed: \(response.status)") }
        })
        progress("listing all of them")
        let lists = 10
        var list = try await self.measure("API list (\(n) items each)", lists, concurrency: 1) { _ in
            let response = await server.handle(APIRequest(method: "GET", path: "/api/v1/namespaces/default/services"))
            guard response.status == 200 else { throw BenchFailure("list failed: \(response.status)") }
        }
        list.what = "API list (\(n) items each)"
        samples.append(list)

        progress("delivering \(n) changes to a watch")
        let events = try await self.watchDelivery(server, n)
        samples.append(events)

        var rows = [["WHAT", "OPS", "RATE", "P50", "P99", "VS STORE FLOOR"]]
        let floor = Double(samples[0].operations) / samples[0].seconds
        for sample in samples {
            let ratio = sample.what.hasPrefix("API create") ? String(format: "%.2f", (Double(sample.operations) / sample.seconds) / floor) : ""
            rows.append([sample.what, String(sample.operations), sample.rate, sample.percentile(0.5), sample.percentile(0.99), ratio])
        }
        return rows
    }

    /// Runs `operation(i)` for i in 0..<count with `concurrency` in flight; latency per operation.
    func measure(_ what: String, _ count: Int, concurrency: Int? = nil,
                 _ operation: @escaping @Sendable (Int) async throws -> Void) async throws -> Sample {
        let clock = ContinuousClock()
        let start = clock.now
        let width = concurrency ?? self.concurrency
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for worker in 0..<width {
                group.addTask {
                    var mine: [Double] = []
                    var i = worker
                    while i < count {
                        let t0 = clock.now
                        try await operation(i)
                        let d = clock.now - t0
                        mine.append(Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
                        i += width
                    }
                    return mine
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all
        }
        let d = clock.now - start
        return Sample(what: what, operations: count, seconds: Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18,
                      latencies: latencies)
    }

    /// A watch open while `count` Services are labelled one after another: how long each change
    /// takes from its write being acknowledged to its event reaching the watcher.
    func watchDelivery(_ server: APIServer, _ count: Int) async throws -> Sample {
        let list = await server.handle(APIRequest(method: "GET", path: "/api/v1/namespaces/default/services"))
        let rv = list.bodyJSON?["metadata"]?["resourceVersion"]?.stringValue ?? "0"
        let response = await server.handle(APIRequest(method: "GET", path: "/api/v1/namespaces/default/services",
                                                      query: ["watch": "true", "resourceVersion": rv]))
        guard case .stream(let produce) = response.body else { throw BenchFailure("the watch did not start") }
        let sent = SendTimes()
        let clock = ContinuousClock()
        let start = clock.now
        return try await withThrowingTaskGroup(of: [Double]?.self) { group in
            group.addTask {
                do {
                    try await produce { bytes in
                        var text = bytes
                        while let newline = text.firstIndex(of: 0x0A) {
                            let line = Array(text[..<newline])
                            text.removeFirst(newline + 1)
                            guard let name = (try? JSON.parse(bytes: line))?["object"]?["metadata"]?["name"]?.stringValue,
                                let written = await sent.time(name)
                            else { continue }
                            let d = clock.now - written
                            let received = await sent.received(Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
                            if received == count { throw CancellationError() }
                        }
                    }
                } catch is CancellationError {}
                return await sent.latencies
            }
            group.addTask {
                for i in 0..<count {
                    let name = "s\(i)"
                    await sent.record(name, clock.now)
                    _ = await server.handle(APIRequest(method: "PATCH", path: "/api/v1/namespaces/default/services/\(name)",
                                                       headers: ["content-type": "application/merge-patch+json"],
                                                       body: Array(#"{"metadata":{"labels":{"bench":"yes"}}}"#.utf8)))
                }
                return nil
            }
            var latencies: [Double] = []
            for try await part in group { if let part { latencies = part } }
            let d = clock.now - start
            return Sample(what: "watch delivery (write to event)", operations: latencies.count,
                          seconds: Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18, latencies: latencies)
        }
    }
}

/// When each change was written, and how long each took to reach the watcher.
actor SendTimes {
    var times: [String: ContinuousClock.Instant] = [:]
    var latencies: [Double] = []
    func record(_ name: String, _ at: ContinuousClock.Instant) { self.times[name] = at }
    func received(_ latency: Double) -> Int {
        self.latencies.append(latency)
        return self.latencies.count
    }
    func time(_ name: String) -> ContinuousClock.Instant? { self.times[name] }
}
