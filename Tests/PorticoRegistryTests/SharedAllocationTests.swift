import PorticoAPI
import Testing

@testable import PorticoRegistry

/// The allocation record in memory, as the store keeps it: a revision that moves with every
/// write, and writes refused when they were read at an older one. Every call yields, so
/// servers sharing it interleave as they would over a network.
actor FakeRecordStore: AllocationRecordStore {
    var record: JSON? = nil
    var revision: Int64 = 0
    var writes = 0
    var conflicts = 0

    func read() async throws -> (record: JSON, resourceVersion: Int64)? {
        await Task.yield()
        return self.record.map { ($0, self.revision) }
    }

    func write(_ record: JSON, at resourceVersion: Int64?) async throws -> Int64? {
        await Task.yield()
        guard resourceVersion == (self.record == nil ? nil : self.revision) else {
            self.conflicts += 1
            return nil
        }
        self.revision += 1
        self.record = record
        self.writes += 1
        return self.revision
    }
}

@Suite("Allocation shared between servers") struct SharedAllocationTests {
    static let config = ServiceNetworkConfig(serviceCIDRs: [IPNetwork("10.96.0.0/24")!], nodePortRange: PortRange("30000-30299")!)

    func nodePortService(_ name: String, clusterIP: String = "") throws -> Service {
        try serviceDocument(#"{"type": "NodePort", "clusterIP": "\#(clusterIP)", "ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}]}"#, name: name)
    }

    func server(_ records: FakeRecordStore) throws -> ServiceRegistry {
        ServiceRegistry(allocators: try ServiceAllocators(Self.config, records: records))
    }

    /// Three servers create 60 NodePort Services at once: every cluster IP and node port is
    /// handed out once, and the record holds exactly what the Services hold.
    @Test func serversAllocatingAtOnceHandOutEachValueOnce() async throws {
        let records = FakeRecordStore()
        let servers = try (0..<3).map { _ in try self.server(records) }
        let services = try await withThrowingTaskGroup(of: Service.self) { group in
            for i in 0..<60 {
                let registry = servers[i % 3]
                let service = try self.nodePortService("s\(i)")
                group.addTask {
                    let write = try await registry.allocators.allocating { () throws(APIError) in try registry.create(service) }
                    try await write.transaction.finish(stored: true)
                    return write.service
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let ips = services.map(\.spec.clusterIP)
        let ports = services.flatMap { $0.spec.ports.map(\.nodePort) }
        #expect(Set(ips).count == 60 && Set(ports).count == 120)
        let stored = try #require(await records.record)
        let ranges = stored["ranges"]?.arrayValue ?? []
        #expect(Set(ranges[0]["allocated"]?.arrayValue?.compactMap(\.stringValue) ?? []) == Set(ips))
        #expect(Set(ranges[1]["allocated"]?.arrayValue?.compactMap(\.integerValue) ?? []) == Set(ports.map(Int64.init)))
    }

    /// Steps that wait while a write is out are committed together: 32 creates at once
    /// through one server take far fewer writes of the record than creates.
    @Test func stepsThatWaitAreCommittedTogether() async throws {
        let records = FakeRecordStore()
        let registry = try self.server(records)
        let ips = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<32 {
                let service = try self.nodePortService("s\(i)")
                group.addTask {
                    try await registry.allocators.allocating { () throws(APIError) in try registry.create(service) }.service.spec.clusterIP
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(ips).count == 32)
        let writes = await records.writes
        #expect(writes < 32, "\(writes) writes for 32 creates")
    }

    /// What one server gives back another can take, though its own view still has it taken;
    /// what one holds another is refused.
    @Test func releasesAndRefusalsAreSeenByEveryServer() async throws {
        let records = FakeRecordStore()
        let a = try self.server(records)
        let b = try self.server(records)
        let first = try await a.allocators.allocating { () throws(APIError) in try a.create(try! self.nodePortService("one", clusterIP: "10.96.0.50")) }
        try await first.transaction.finish(stored: true)
        // b reads the record now, so its view has 10.96.0.50 taken.
        await #expect(throws: APIError.self) {
            try await b.allocators.allocating { () throws(APIError) in try b.create(try! self.nodePortService("two", clusterIP: "10.96.0.50")) }
        }
        try await a.allocators.allocating { () throws(APIError) in a.release(first.service) }
        let second = try await b.allocators.allocating { () throws(APIError) in try b.create(try! self.nodePortService("two", clusterIP: "10.96.0.50")) }
        #expect(second.service.spec.clusterIP == "10.96.0.50")
        #expect(b.allocators.clusterIPs[.ipv4]?.has(IPAddress("10.96.0.50")!) == true)
    }

    /// A write that fails after allocating gives its values back through the record.
    @Test func aFailedWriteGivesBackWhatItTook() async throws {
        let records = FakeRecordStore()
        let a = try self.server(records)
        let write = try await a.allocators.allocating { () throws(APIError) in try a.create(try! self.nodePortService("x")) }
        try await write.transaction.finish(stored: false)
        let stored = try #require(await records.record)
        #expect(stored["ranges"]?.arrayValue?.allSatisfy { $0["allocated"] == [] } == true)
    }

    /// The first server rebuilds from the stored Services and writes the record; one that
    /// starts later takes the record as it is (the store is the truth).
    @Test func startTakesTheRecordWhenThereIsOne() async throws {
        let records = FakeRecordStore()
        let first = try self.server(records)
        var existing = try self.nodePortService("old", clusterIP: "10.96.0.7")
        existing.spec.ports[0].nodePort = 30007
        let findings = try await first.allocators.start(from: [existing])
        #expect(findings.isEmpty && first.allocators.nodePorts.has(30007))
        let later = try self.server(records)
        // Given no Services at all, it still holds what the record says.
        #expect(try await later.allocators.start(from: []).isEmpty)
        #expect(later.allocators.nodePorts.has(30007) && later.allocators.clusterIPs[.ipv4]?.has(IPAddress("10.96.0.7")!) == true)
        #expect(await records.writes == 1)
    }
}
