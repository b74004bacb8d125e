import Foundation
import PorticoAPI
import PorticoEtcd
@testable import PorticoServer
import PorticoTestSupport
import ServiceLifecycle

/// An API server on a fresh temporary data directory, called in-process; removed afterwards.
final class TestServer: @unchecked Sendable {
    let directory: String
    let server: APIServer
    var controllers: Task<Void, Never>?
    /// The etcd member of this server alone, when it asked for one.
    let ownEtcd: EtcdMember?

    /// `revisionsOfItsOwn`: the test counts revisions, so with etcd it gets a member no other
    /// test writes to (etcd has one revision counter for all its keys).
    init(revisionsOfItsOwn: Bool = false, configure: (inout APIServerConfiguration) -> Void = { _ in }) async throws {
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("portico-server-test-\(UUID().uuidString)").path
        var configuration = APIServerConfiguration(dataDirectory: self.directory)
        self.ownEtcd = try Self.useTheStoreAsked(&configuration, revisionsOfItsOwn: revisionsOfItsOwn)
        configure(&configuration)
        self.server = try await APIServer(configuration: configuration)
    }

    /// With `PORTICO_TEST_STORE=etcd` (scripts/test runs the server tests once so), the
    /// server keeps its objects in an etcd member shared by the tests of this run, each data
    /// directory under a prefix of its own (so a server started again on it finds its objects).
    static func useTheStoreAsked(_ configuration: inout APIServerConfiguration, revisionsOfItsOwn: Bool) throws -> EtcdMember? {
        guard Self.storeIsEtcd else { return nil }
        let own = revisionsOfItsOwn ? try EtcdMember() : nil
        let member = try own ?? Self.etcd.get()
        configuration.etcd = EtcdClient.Configuration(endpoints: [member.clientURL])
        configuration.etcdPrefix = "/" + URL(fileURLWithPath: configuration.dataDirectory).lastPathComponent + "/registry"
        return own
    }

    static var storeIsEtcd: Bool { ProcessInfo.processInfo.environment["PORTICO_TEST_STORE"] == "etcd" }

    static let etcd = Result { try EtcdMember() }

    /// Starts namespace deletion and garbage collection.
    func startControllers() {
        let service = self.server.controllers
        self.controllers = Task { try? await service.run() }
    }

    deinit {
        self.controllers?.cancel()
        self.server.store.closeWatches()
        self.ownEtcd?.stop()
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    @discardableResult
    func call(_ method: String, _ target: String, _ body: JSON? = nil, headers: [String: String] = [:], raw: [UInt8]? = nil) async -> APIResponse {
        var allHeaders = headers
        if allHeaders["content-type"] == nil, body != nil { allHeaders["content-type"] = "application/json" }
        return await self.server.handle(APIRequest(method: method, target: target, headers: allHeaders,
                                                   body: raw ?? body?.serializedBytes() ?? []))
    }

    /// The body of a successful call; records an issue otherwise.
    func ok(_ method: String, _ target: String, _ body: JSON? = nil, headers: [String: String] = [:]) async throws -> JSON {
        let response = await self.call(method, target, body, headers: headers)
        guard response.status < 300, let json = response.bodyJSON else {
            throw Failure(description: "\(method) \(target): \(response.status) \(String(decoding: response.bodyBytes, as: UTF8.self))")
        }
        return json
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Collects the events of a watch until `count` lines arrive or the watch ends.
    func watch(_ target: String, count: Int, headers: [String: String] = [:]) async throws -> [JSON] {
        let response = await self.call("GET", target, headers: headers)
        guard case .stream(let produce) = response.body else {
            throw Failure(description: "not a watch: \(response.status) \(String(decoding: response.bodyBytes, as: UTF8.self))")
        }
        let lines = LineCollector(count: count)
        // Bounded, so a watch that never brings what the test waits for fails and says so
        // instead of hanging the run.
        let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                do { try await produce { bytes in try await lines.add(bytes) } } catch is LineCollector.Enough {}
                return true
            }
            group.addTask {
                try await Task.sleep(for: .seconds(60))
                return false
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
        let events = await lines.events
        guard finished else {
            throw Failure(description: "the watch \(target) brought \(events.count) of \(count) events in 60 s "
                + "(the store is at revision \(self.server.store.currentResourceVersion)): \(events)")
        }
        return events
    }
}

actor LineCollector {
    struct Enough: Error {}
    let count: Int
    var events: [JSON] = []
    var pending: [UInt8] = []

    init(count: Int) { self.count = count }

    func add(_ bytes: [UInt8]) throws {
        self.pending += bytes
        while let newline = self.pending.firstIndex(of: 0x0A) {
            let line = Array(self.pending[..<newline])
            self.pending.removeFirst(newline + 1)
            if let json = try? JSON.parse(bytes: line) { self.events.append(json) }
            if self.events.count >= self.count { throw Enough() }
        }
    }
}

func service(_ name: String, _ spec: JSON = ["ports": [["port": 80]], "selector": ["app": "web"]], namespace: String = "default",
             labels: [String: String] = [:]) -> JSON {
    var metadata: JSON = ["name": .string(name), "namespace": .string(namespace)]
    if !labels.isEmpty { metadata["labels"] = .object(.init(uniqueKeysWithValues: labels.map { ($0.key, JSON.string($0.value)) })) }
    return ["apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec]
}
