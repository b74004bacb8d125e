import PorticoAPI
import Testing

@testable import PorticoRegistry

@Suite("ClusterIPAllocator") struct ClusterIPAllocatorTests {
    @Test func slash24HasTheKEP3070Bands() throws {
        let allocator = try ClusterIPAllocator(network: IPNetwork("10.0.0.0/24")!)
        #expect(allocator.size == 254)
        #expect(ClusterIPAllocator.staticBandSize(allocator.network) == 16)
        var order: [IPAddress] = []
        while let ip = try? allocator.allocateNext() { order.append(ip) }
        #expect(order.count == 254)
        #expect(Set(order).count == 254)
        let lowBand = IPAddress("10.0.0.1")!...IPAddress("10.0.0.16")!
        // Every address of the upper band is handed out before any of the static band.
        #expect(order.prefix(238).allSatisfy { !lowBand.contains($0) })
        #expect(order.suffix(16).allSatisfy { lowBand.contains($0) })
        #expect(!order.contains(IPAddress("10.0.0.0")!) && !order.contains(IPAddress("10.0.0.255")!))
        #expect(throws: AllocationError.full) { try allocator.allocateNext() }
        #expect("\(AllocationError.full)" == "range is full")
    }

    @Test(arguments: [("10.0.0.0/28", 0, 14), ("10.0.0.0/27", 16, 30), ("10.0.0.0/20", 256, 4094), ("10.96.0.0/12", 256, 1_048_574),
                      ("10.0.0.0/29", 0, 6), ("10.0.0.0/30", 0, 2)])
    func bandsAndSizes(_ cidr: String, _ band: UInt64, _ size: UInt64) throws {
        let allocator = try ClusterIPAllocator(network: IPNetwork(cidr)!)
        #expect(ClusterIPAllocator.staticBandSize(allocator.network) == band)
        #expect(allocator.size == size)
    }

    @Test func tooSmallNetworksAreRefused() {
        #expect(throws: ClusterIPAllocator.ConfigurationError.self) { try ClusterIPAllocator(network: IPNetwork("10.0.0.0/32")!) }
        #expect(throws: ClusterIPAllocator.ConfigurationError.self) { try ClusterIPAllocator(network: IPNetwork("10.0.0.0/31")!) }
        do {
            _ = try ClusterIPAllocator(network: IPNetwork("fd00::/48")!)
            Issue.record("a /48 was accepted")
        } catch {
            #expect("\(error)" == "shortest allowed prefix length for service CIDR is 64")
        }
    }

    @Test func requestedAddresses() throws {
        let allocator = try ClusterIPAllocator(network: IPNetwork("10.96.0.0/12")!)
        try allocator.allocate(IPAddress("10.96.0.10")!)
        #expect(allocator.has(IPAddress("10.96.0.10")!))
        #expect(throws: AllocationError.alreadyAllocated(what: "IP")) { try allocator.allocate(IPAddress("10.96.0.10")!) }
        #expect("\(AllocationError.alreadyAllocated(what: "IP"))" == "provided IP is already allocated")
        for outside in ["10.96.0.0", "10.111.255.255", "10.112.0.1", "192.168.0.1"] {
            #expect(throws: AllocationError.mismatchedNetwork) { try allocator.allocate(IPAddress(outside)!) }
        }
        #expect(throws: AllocationError.mismatchedNetwork) { try allocator.allocate(IPAddress("fd00::1")!) }
        // The last usable address and one in the upper band may be asked for.
        try allocator.allocate(IPAddress("10.111.255.254")!)
        allocator.release(IPAddress("10.96.0.10")!)
        #expect(!allocator.has(IPAddress("10.96.0.10")!))
        try allocator.allocate(IPAddress("10.96.0.10")!)
        #expect(allocator.used == 2)
    }

    @Test func ipv6RangesLargerThanABitmap() throws {
        let allocator = try ClusterIPAllocator(network: IPNetwork("fd00:10:96::/64")!)
        #expect(ClusterIPAllocator.staticBandSize(allocator.network) == 256)
        var seen = Set<IPAddress>()
        for _ in 0..<2000 {
            let ip = try allocator.allocateNext()
            #expect(allocator.network.contains(ip))
            #expect(ip.offset(from: allocator.base)! >= 256, "static band used while the upper band is free")
            seen.insert(ip)
        }
        #expect(seen.count == 2000)
        try allocator.allocate(IPAddress("fd00:10:96::a")!)
        #expect(throws: AllocationError.alreadyAllocated(what: "IP")) { try allocator.allocate(IPAddress("fd00:10:96::a")!) }
        #expect(throws: AllocationError.mismatchedNetwork) { try allocator.allocate(IPAddress("fd00:10:96::")!) }
    }

    @Test func manyTasksNeverGetTheSameAddress() async throws {
        let allocator = try ClusterIPAllocator(network: IPNetwork("10.0.0.0/20")!)  // 4094 addresses
        let results = await withTaskGroup(of: [IPAddress].self) { group in
            for _ in 0..<16 {
                group.addTask {
                    var mine: [IPAddress] = []
                    while let ip = try? allocator.allocateNext() { mine.append(ip) }
                    return mine
                }
            }
            var all: [IPAddress] = []
            for await part in group { all += part }
            return all
        }
        #expect(results.count == 4094)
        #expect(Set(results).count == 4094)
        #expect(allocator.free == 0)
    }
}

@Suite("NodePortAllocator") struct NodePortAllocatorTests {
    @Test func defaultRangeAndTheKEP3668Band() throws {
        let allocator = NodePortAllocator()
        #expect(allocator.range.description == "30000-32767")
        #expect(NodePortAllocator.staticBandSize(allocator.range) == 86)
        var order: [Int] = []
        while let port = try? allocator.allocateNext() { order.append(port) }
        #expect(order.count == 2768)
        #expect(Set(order).count == 2768)
        #expect(order.prefix(2682).allSatisfy { $0 >= 30086 })
        #expect(order.suffix(86).allSatisfy { $0 < 30086 })
        #expect(throws: AllocationError.full) { try allocator.allocateNext() }
    }

    @Test func requestedPorts() throws {
        let allocator = NodePortAllocator()
        try allocator.allocate(31852)
        #expect(throws: AllocationError.alreadyAllocated(what: "port")) { try allocator.allocate(31852) }
        do {
            try allocator.allocate(80)
            Issue.record("80 was accepted")
        } catch {
            #expect("\(error)" == "provided port is not in the valid range. The range of valid ports is 30000-32767")
        }
        #expect(throws: AllocationError.self) { try allocator.allocate(32768) }
        #expect(throws: AllocationError.self) { try allocator.allocate(29999) }
        allocator.release(31852)
        try allocator.allocate(31852)
    }

    @Test(arguments: [("30000-30015", 0), ("30000-30016", 16), ("30000-32767", 86), ("20000-32767", 128), ("1-65535", 128)])
    func bands(_ text: String, _ band: Int) {
        #expect(NodePortAllocator.staticBandSize(PortRange(text)!) == band)
    }

    @Test func rangeParsing() {
        #expect(PortRange("30000-32767") == PortRange(base: 30000, size: 2768))
        #expect(PortRange("30000") == PortRange(base: 30000, size: 1))
        #expect(PortRange("32767-30000") == nil)
        #expect(PortRange("abc") == nil)
        #expect(PortRange("1-70000") == nil)
    }

    @Test func manyTasksShareTheRangeWithoutRepeats() async {
        let allocator = NodePortAllocator()
        let results = await withTaskGroup(of: [Int].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var mine: [Int] = []
                    while let port = try? allocator.allocateNext() { mine.append(port) }
                    return mine
                }
            }
            var all: [Int] = []
            for await part in group { all += part }
            return all
        }
        #expect(results.count == 2768)
        #expect(Set(results).count == 2768)
    }
}

@Suite("Allocation transactions") struct AllocationTransactionTests {
    func registry(cidr: String = "10.96.0.0/12", ports: String = "30000-32767") throws -> ServiceRegistry {
        ServiceRegistry(allocators: try ServiceAllocators(try ServiceNetworkConfig(serviceCIDRs: cidr, nodePortRange: ports)))
    }

    func used(_ r: ServiceRegistry) -> (ips: UInt64, ports: Int) {
        (r.allocators.clusterIPs.values.reduce(0) { $0 + $1.used }, r.allocators.nodePorts.used)
    }

    @Test func aCreateThatFailsValidationGivesBackWhatItTook() throws {
        let r = try registry()
        #expect(throws: APIError.self) {
            try r.create(try serviceDocument(#"{"type":"LoadBalancer","externalTrafficPolicy":"Local","sessionAffinity":"Sticky","ports":[{"name":"a","port":80},{"name":"b","port":81}]}"#))
        }
        #expect(used(r) == (0, 0))
    }

    @Test func aCreateThatFailsOnItsSecondPortGivesBackTheFirst() throws {
        let r = try registry()
        try r.allocators.nodePorts.allocate(30081)
        #expect(throws: APIError.self) {
            try r.create(try serviceDocument(#"{"type":"NodePort","ports":[{"name":"a","port":80},{"name":"b","port":81,"nodePort":30081}]}"#))
        }
        #expect(used(r) == (0, 1))
    }

    @Test func aRevertedWriteGivesBackAndACommittedOneKeeps() throws {
        let r = try registry()
        let write = try r.create(try serviceDocument(Spec.nodePort))
        #expect(used(r) == (1, 1))
        write.transaction.revert()
        #expect(used(r) == (0, 0))
        let kept = try r.create(try serviceDocument(Spec.nodePort))
        kept.transaction.commit()
        kept.transaction.revert()  // after commit, revert does nothing
        #expect(used(r) == (1, 1))
    }

    @Test func anUpdateReleasesTheOldPortOnlyWhenCommitted() throws {
        let r = try registry()
        let created = try r.create(try serviceDocument(#"{"type":"NodePort","ports":[{"name":"http","port":80,"nodePort":30100}]}"#))
        created.transaction.commit()
        var old = created.service
        old.metadata.resourceVersion = "1"
        var new = try serviceDocument(#"{"type":"NodePort","ports":[{"name":"http","port":80,"nodePort":30101}]}"#)
        new.metadata.resourceVersion = "1"
        let update = try r.update(new, old: old)
        #expect(r.allocators.nodePorts.has(30100) && r.allocators.nodePorts.has(30101))
        update.transaction.commit()
        #expect(!r.allocators.nodePorts.has(30100) && r.allocators.nodePorts.has(30101))

        // A failed update gives back what it took and keeps what the stored object holds.
        var bad = try serviceDocument(#"{"type":"NodePort","sessionAffinity":"Sticky","ports":[{"name":"http","port":80,"nodePort":30102}]}"#)
        bad.metadata.resourceVersion = "1"
        #expect(throws: APIError.self) { try r.update(bad, old: update.service) }
        #expect(!r.allocators.nodePorts.has(30102) && r.allocators.nodePorts.has(30101))
    }

    @Test func typeChangeToClusterIPReleasesPortsAndHealthCheckPort() throws {
        let r = try registry()
        let created = try r.create(try serviceDocument(Spec.lbLocal))
        created.transaction.commit()
        #expect(used(r) == (1, 2))
        var old = created.service
        old.metadata.resourceVersion = "1"
        var new = try serviceDocument(#"{"type":"ClusterIP","ports":[{"port":80}],"selector":{"app":"web"}}"#)
        new.metadata.resourceVersion = "1"
        let update = try r.update(new, old: old)
        update.transaction.commit()
        #expect(used(r) == (1, 0))
        #expect(update.service.spec.healthCheckNodePort == 0)
    }

    @Test func deleteReleasesEverything() throws {
        let r = try registry(cidr: "10.96.0.0/12,fd00:10:96::/108")
        let created = try r.create(try serviceDocument(#"{"type":"LoadBalancer","externalTrafficPolicy":"Local","ipFamilyPolicy":"RequireDualStack","ports":[{"name":"a","port":80},{"name":"b","port":53,"protocol":"UDP"},{"name":"c","port":53}]}"#))
        created.transaction.commit()
        #expect(used(r) == (2, 3))  // 80, shared 53, health check
        r.release(created.service)
        #expect(used(r) == (0, 0))
    }

    @Test func rebuildFromStoredServices() throws {
        let r = try registry()
        var services: [Service] = []
        for (i, spec) in [Spec.nodePort, Spec.lbLocal, Spec.clusterIP, #"{"clusterIP":"None","selector":{"a":"b"},"ports":[{"port":80}]}"#,
                          Spec.externalName].enumerated() {
            let write = try r.create(try serviceDocument(spec, name: "s\(i)"))
            write.transaction.commit()
            services.append(write.service)
        }
        let before = (used(r), services.flatMap(\.spec.clusterIPs))
        // A fresh set of allocators rebuilt from the store holds exactly the same values.
        let fresh = try registry()
        #expect(fresh.allocators.rebuild(from: services).isEmpty)
        #expect(used(fresh) == before.0)
        for service in services where service.needsClusterIP && !service.isHeadless {
            #expect(fresh.allocators.clusterIPs[.ipv4]!.has(IPAddress(service.spec.clusterIP)!))
        }
        for port in services.flatMap({ $0.spec.ports.map(\.nodePort) + [$0.spec.healthCheckNodePort] }) where port != 0 {
            #expect(fresh.allocators.nodePorts.has(Int(port)))
        }
        // And a rebuild forgets what no Service holds.
        try fresh.allocators.nodePorts.allocate(32000)
        fresh.allocators.rebuild(from: services)
        #expect(!fresh.allocators.nodePorts.has(32000))
    }

    @Test func rebuildReportsWhatCannotBeTaken() throws {
        let r = try registry()
        func stored(_ name: String, _ spec: String) throws -> Service {
            var s = try serviceDocument(spec, name: name)
            s.spec.clusterIPs = s.spec.clusterIP.isEmpty ? [] : [s.spec.clusterIP]
            return s
        }
        let services = [
            try stored("a", #"{"type":"NodePort","clusterIP":"10.96.0.10","ports":[{"port":80,"nodePort":30080}]}"#),
            try stored("b", #"{"type":"NodePort","clusterIP":"10.96.0.10","ports":[{"port":80,"nodePort":30080}]}"#),
            try stored("c", #"{"type":"NodePort","clusterIP":"192.168.1.1","ports":[{"port":80,"nodePort":8080}]}"#),
            try stored("d", #"{"clusterIP":"garbage","ports":[{"port":80}]}"#),
        ]
        let findings = r.allocators.rebuild(from: services).map(\.description)
        #expect(findings == [
            "default/b: ClusterIPAlreadyAllocated: Cluster IP 10.96.0.10 was assigned to multiple services; please recreate service",
            "default/b: PortAlreadyAllocated: Port 30080 was assigned to multiple services; please recreate service",
            "default/c: ClusterIPOutOfRange: Cluster IP 192.168.1.1 is not within the service CIDR 10.96.0.0/12; please recreate service",
            "default/c: PortOutOfRange: Port 8080 is not within the port range 30000-32767; please recreate service",
            "default/d: ClusterIPNotValid: Cluster IP garbage is not a valid IP; please recreate service",
        ])
    }

    @Test func concurrentCreatesNeverShareAnAddressOrPort() async throws {
        let r = try registry(cidr: "10.0.0.0/24", ports: "30000-30099")
        let services = await withTaskGroup(of: Service?.self) { group in
            for i in 0..<150 {
                group.addTask {
                    guard let write = try? r.create(try serviceDocument(Spec.nodePort, name: "s\(i)")) else { return nil }
                    write.transaction.commit()
                    return write.service
                }
            }
            var all: [Service] = []
            for await s in group { if let s { all.append(s) } }
            return all
        }
        // 100 node ports: exactly 100 creates succeed, and the rest gave back their IPs.
        #expect(services.count == 100)
        #expect(Set(services.map { $0.spec.clusterIP }).count == 100)
        #expect(Set(services.map { $0.spec.ports[0].nodePort }).count == 100)
        #expect(used(r) == (100, 100))
    }
}
