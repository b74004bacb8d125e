import Foundation
import Logging
import PorticoAPI
import PorticoClient
import PorticoLB
import PorticoNFTables
import PorticoServer
import PorticoSystem
import Testing

/// The load balancer against a real API server (called in-process), a fake nftables and a
/// fake interface: a LoadBalancer Service's address is taken and forwarded to the node's
/// nodePort; when the Service goes, so do its rules and its address.
struct LoadBalancerSyncTests {
    static func eventually(_ what: Comment, _ condition: () async -> Bool) async throws {
        for _ in 0..<200 where !(await condition()) { try await Task.sleep(for: .milliseconds(50)) }
        #expect(await condition(), what)
    }

    @Test func addressesAndRulesFollowTheServices() async throws {
        let server = try await TestServer()
        let client = KubeClient(transport: InProcessTransport(server: server.server), fieldManager: "lb-test")
        let node: JSON = ["apiVersion": "v1", "kind": "Node", "metadata": ["name": "node-1"],
                          "status": ["addresses": [["type": "InternalIP", "address": "127.0.0.2"]],
                                     "conditions": [["type": "Ready", "status": "True"]]]]
        _ = try await server.ok("POST", "/api/v1/nodes", node)
        _ = try await server.ok("PUT", "/api/v1/nodes/node-1/status", node)
        var service = try await server.ok("POST", "/api/v1/namespaces/default/services", [
            "apiVersion": "v1", "kind": "Service", "metadata": ["name": "web"],
            "spec": ["type": "LoadBalancer", "ports": [["port": 80, "targetPort": 8080]], "selector": ["app": "web"]]])
        let nodePort = service["spec"]?["ports"]?.arrayValue?.first?["nodePort"]?.integerValue ?? 0
        service["status"] = ["loadBalancer": ["ingress": [["ip": "203.0.113.10"]]]]
        _ = try await server.ok("PUT", "/api/v1/namespaces/default/services/web/status", service)

        let nft = NFTablesFake()
        let kernel = NetworkKernelFake(links: ["eth1"])
        let lb = LoadBalancer(options: LoadBalancer.Options(), client: client, runner: nft, kernel: kernel, logger: Logger(label: "lb-test"))
        let running = Task {
            await withDiscardingTaskGroup { group in
                for piece in lb.informers { group.addTask { try? await piece.run() } }
                group.addTask { try? await lb.run() }
            }
        }
        defer { running.cancel() }
        let frontend = { nft.table(name: "portico-lb")?.chain("frontend-203.0.113.10/tcp/80")?.rules.map(\.text) ?? [] }
        try await Self.eventually("the address is forwarded to the node's nodePort") {
            frontend().contains { $0.contains("dnat to 127.0.0.2:\(nodePort)") }
        }
        #expect(kernel.current.addresses == [InterfaceAddress(interface: "eth1", address: "203.0.113.10", prefixLength: 32)])

        _ = try await server.ok("DELETE", "/api/v1/namespaces/default/services/web")
        try await Self.eventually("the Service's rules and address go with it") {
            frontend().isEmpty && kernel.current.addresses.isEmpty
        }
        #expect(kernel.current.changes == ["addr add 203.0.113.10/32 dev eth1", "addr del 203.0.113.10/32 dev eth1"])
    }
}
