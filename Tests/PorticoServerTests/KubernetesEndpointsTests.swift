import Foundation
import PorticoAPI
import PorticoEtcd
import PorticoTestSupport
import Testing

@testable import PorticoServer

/// The `kubernetes` Service's endpoints are the servers whose lease in kube-system is live.
struct KubernetesEndpointsTests {
    static func lease(_ address: String, renewedAt seconds: Int64, labelled: Bool = true) -> Lease {
        var lease = APIServerLeases.lease(address: address, port: 6443, identity: "host_\(address):6443",
                                          now: MicroTime(microsecondsSinceEpoch: seconds * 1_000_000), existing: nil)
        if !labelled { lease.metadata.labels = [:] }
        return lease
    }

    @Test func liveLeasesAreTheEndpoints() {
        let now = MicroTime(microsecondsSinceEpoch: 100 * 1_000_000)
        let leases = [Self.lease("10.0.0.10", renewedAt: 95), Self.lease("10.0.0.9", renewedAt: 90),
                      Self.lease("10.0.0.3", renewedAt: 85), Self.lease("10.0.0.4", renewedAt: 99, labelled: false)]
        // 10.0.0.3's lease ran out at 100 s; 10.0.0.4's is not a server's.
        #expect(APIServerLeases.liveAddresses(leases, now: now) == ["10.0.0.9", "10.0.0.10"])
        // The next reconcile is due when 10.0.0.9's lease runs out, at 105 s.
        #expect(APIServerLeases.untilNextExpiry(leases, now: now) == .seconds(5))
        #expect(APIServerLeases.untilNextExpiry([Self.lease("10.0.0.3", renewedAt: 85)], now: now) == nil)
        #expect(APIServerLeases.name(address: "10.0.0.9", port: 6443) == "apiserver-10-0-0-9-6443")
        #expect(APIServerLeases.name(address: "fd00::1", port: 443) == "apiserver-fd00--1-443")
    }

    /// Two servers on one etcd list each other; one that leaves takes itself out.
    @Test func everyLiveServerIsAnEndpointAndOneThatLeavesIsNot() async throws {
        let member = try EtcdMember()
        defer { member.stop() }
        func server(_ address: String) async throws -> TestServer {
            try await TestServer { configuration in
                configuration.etcd = EtcdClient.Configuration(endpoints: [member.clientURL])
                configuration.etcdPrefix = "/two-servers/registry"
                configuration.advertiseAddress = address
            }
        }
        let one = try await server("10.0.0.1")
        let two = try await server("10.0.0.2")
        func addresses(_ t: TestServer) async throws -> (endpoints: [String], slice: [String]) {
            let endpoints = try await t.ok("GET", "/api/v1/namespaces/default/endpoints/kubernetes")
            let slice = try await t.ok("GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes")
            return ((endpoints["subsets"]?.arrayValue?.first?["addresses"]?.arrayValue ?? []).compactMap { $0["ip"]?.stringValue },
                    (slice["endpoints"]?.arrayValue ?? []).compactMap { $0["addresses"]?.arrayValue?.first?.stringValue })
        }
        let both = try await addresses(one)
        #expect(both.endpoints == ["10.0.0.1", "10.0.0.2"] && both.slice == ["10.0.0.1", "10.0.0.2"])
        try await one.server.reconcileKubernetesEndpoints(leaving: true)
        let left = try await addresses(two)
        #expect(left.endpoints == ["10.0.0.2"] && left.slice == ["10.0.0.2"])
        let leases = try await two.ok("GET", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases?labelSelector=apiserver.kubernetes.io/identity%3Dkube-apiserver")
        #expect(leases["items"]?.arrayValue?.compactMap { $0["metadata"]?["name"]?.stringValue } == ["apiserver-10-0-0-2-6443"])
    }
}
