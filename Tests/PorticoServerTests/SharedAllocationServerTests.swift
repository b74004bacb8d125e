import Foundation
import PorticoAPI
import PorticoEtcd
import PorticoRegistry
import PorticoTestSupport
import Testing

@testable import PorticoServer

/// Several servers on one etcd hand out each cluster IP and node port once, and a server
/// that starts later takes what is allocated from the store, not from its own memory.
struct SharedAllocationServerTests {
    @Test func serversOnOneEtcdHandOutEachValueOnce() async throws {
        let member = try EtcdMember()
        defer { member.stop() }
        func server() async throws -> TestServer {
            try await TestServer { configuration in
                configuration.etcd = EtcdClient.Configuration(endpoints: [member.clientURL])
                configuration.etcdPrefix = "/shared-allocation/registry"
                configuration.serviceNetwork = ServiceNetworkConfig(serviceCIDRs: [IPNetwork("10.96.0.0/24")!])
            }
        }
        let servers = [try await server(), try await server(), try await server()]
        let created = try await withThrowingTaskGroup(of: JSON.self) { group in
            for i in 0..<90 {
                let t = servers[i % 3]
                group.addTask {
                    try await t.ok("POST", "/api/v1/namespaces/default/services", [
                        "metadata": ["name": .string("s\(i)")],
                        "spec": ["type": "NodePort", "ports": [["name": "a", "port": 80], ["name": "b", "port": 81]]]])
                }
            }
            return try await group.reduce(into: [JSON]()) { $0.append($1) }
        }
        let ips = created.compactMap { $0["spec"]?["clusterIP"]?.stringValue }
        let ports = created.flatMap { ($0["spec"]?["ports"]?.arrayValue ?? []).compactMap { $0["nodePort"]?.integerValue } }
        #expect(ips.count == 90 && Set(ips).count == 90 && !ips.contains("10.96.0.1"))
        #expect(ports.count == 180 && Set(ports).count == 180)
        // A fourth server, started now, is refused what the others hold.
        let held = try #require(created.first { $0["metadata"]?["name"] == "s0" }?["spec"]?["clusterIP"]?.stringValue)
        let later = try await server()
        let again: JSON = ["metadata": ["name": "again"], "spec": ["clusterIP": .string(held), "ports": [["port": 80]]]]
        let taken = await later.call("POST", "/api/v1/namespaces/default/services", again)
        #expect(taken.status == 422)
        #expect(taken.bodyJSON?["message"]?.stringValue?.contains("provided IP is already allocated") == true)
        // What one server gives back, another hands out.
        _ = try await servers[0].ok("DELETE", "/api/v1/namespaces/default/services/s0")
        let reused = try await later.ok("POST", "/api/v1/namespaces/default/services", again)
        #expect(reused["spec"]?["clusterIP"]?.stringValue == held)
    }
}
