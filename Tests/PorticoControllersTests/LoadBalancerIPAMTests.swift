import PorticoAPI
import PorticoControllers
import Testing

@Suite struct LoadBalancerIPAMTests {
    func claim(_ key: String, share: String? = nil, ports: Set<String> = ["TCP/80"], requested: [String] = []) -> LoadBalancerIPAM.Claim {
        LoadBalancerIPAM.Claim(key: key, shareKey: share, ports: ports, requested: requested.compactMap(IPAddress.init))
    }

    @Test func poolsAreRangesOrCIDRs() throws {
        let range = try LoadBalancerIPAM.Pool("203.0.113.10-203.0.113.99")
        #expect(range.contains(IPAddress("203.0.113.10")!) && range.contains(IPAddress("203.0.113.99")!) && !range.contains(IPAddress("203.0.113.100")!))
        let cidr = try LoadBalancerIPAM.Pool("198.51.100.0/30")
        #expect(!cidr.contains(IPAddress("198.51.100.0")!) && cidr.contains(IPAddress("198.51.100.1")!) && !cidr.contains(IPAddress("198.51.100.3")!))
        #expect(throws: LoadBalancerIPAM.PoolError.self) { try LoadBalancerIPAM.Pool("203.0.113.99-203.0.113.10") }
        #expect(throws: LoadBalancerIPAM.PoolError.self) { try LoadBalancerIPAM.Pool("fd00::/120") }
    }

    @Test func addressesInOrderUntilThePoolIsEmptyAndBackWhenReleased() throws {
        var ipam = LoadBalancerIPAM(pools: [try LoadBalancerIPAM.Pool("203.0.113.10-203.0.113.11")])
        do { let result = ipam.assign(self.claim("default/a")); #expect(result == .success(IPAddress("203.0.113.10")!)) }
        do { let result = ipam.assign(self.claim("default/b")); #expect(result == .success(IPAddress("203.0.113.11")!)) }
        do { let result = ipam.assign(self.claim("default/c")); #expect(result == .failure(.exhausted(pools: "203.0.113.10-203.0.113.11"))) }
        // The same Service keeps its address.
        do { let result = ipam.assign(self.claim("default/a", ports: ["TCP/8080"])); #expect(result == .success(IPAddress("203.0.113.10")!)) }
        ipam.release("default/a")
        do { let result = ipam.assign(self.claim("default/c")); #expect(result == .success(IPAddress("203.0.113.10")!)) }
    }

    @Test func requestedAddresses() throws {
        var ipam = LoadBalancerIPAM(pools: [try LoadBalancerIPAM.Pool("203.0.113.10-203.0.113.99")])
        do { let result = ipam.assign(self.claim("default/a", requested: ["203.0.113.50"])); #expect(result == .success(IPAddress("203.0.113.50")!)) }
        do { let result = ipam.assign(self.claim("default/b", requested: ["203.0.113.50"])); #expect(result == .failure(.taken(IPAddress("203.0.113.50")!, by: "default/a"))) }
        do { let result = ipam.assign(self.claim("default/c", requested: ["192.0.2.1"]))
           ; #expect(result == .failure(.notInPool(IPAddress("192.0.2.1")!, pools: "203.0.113.10-203.0.113.99"))) }
        // Asking for another address moves the Service there.
        do { let result = ipam.assign(self.claim("default/a", requested: ["203.0.113.51"])); #expect(result == .success(IPAddress("203.0.113.51")!)) }
        #expect(ipam.address(of: "default/a") == IPAddress("203.0.113.51"))
    }

    @Test func sharingNeedsTheSameKeyAndDifferentPorts() throws {
        var ipam = LoadBalancerIPAM(pools: [try LoadBalancerIPAM.Pool("203.0.113.10-203.0.113.99")])
        let ip = IPAddress("203.0.113.10")!
        do { let result = ipam.assign(self.claim("default/web", share: "k", ports: ["TCP/80"])); #expect(result == .success(ip)) }
        // Same key, other port: the same address, asked for or not.
        do { let result = ipam.assign(self.claim("default/dns", share: "k", ports: ["UDP/53"])); #expect(result == .success(ip)) }
        do { let result = ipam.assign(self.claim("default/ssh", share: "k", ports: ["TCP/22"], requested: ["203.0.113.10"])); #expect(result == .success(ip)) }
        // Same key, a port already there: refused when asked for, elsewhere when not.
        do { let result = ipam.assign(self.claim("default/web2", share: "k", ports: ["TCP/80"], requested: ["203.0.113.10"]))
           ; #expect(result == .failure(.portClash(ip, port: "TCP/80", with: "default/web"))) }
        do { let result = ipam.assign(self.claim("default/web3", share: "k", ports: ["TCP/80"])); #expect(result == .success(IPAddress("203.0.113.11")!)) }
        // Another key: taken.
        do { let result = ipam.assign(self.claim("default/other", share: "x", ports: ["TCP/443"], requested: ["203.0.113.10"]))
           ; #expect(result == .failure(.taken(ip, by: "default/web"))) }
    }

    @Test func restoringFromStatusKeepsTheRules() throws {
        var ipam = LoadBalancerIPAM(pools: [try LoadBalancerIPAM.Pool("203.0.113.10-203.0.113.99")])
        do { let restored = ipam.restore(self.claim("default/a"), at: IPAddress("203.0.113.20")!); #expect(restored) }
        do { let restored = ipam.restore(self.claim("default/b"), at: IPAddress("203.0.113.20")!); #expect(!restored) }
        do { let restored = ipam.restore(self.claim("default/c"), at: IPAddress("192.0.2.1")!); #expect(!restored) }
        do { let result = ipam.assign(self.claim("default/a")); #expect(result == .success(IPAddress("203.0.113.20")!)) }
    }

    @Test func noPoolIsSaidPlainly() {
        var ipam = LoadBalancerIPAM(pools: [])
        do { let result = ipam.assign(self.claim("default/a")); #expect(result == .failure(.noPools)) }
    }
}
