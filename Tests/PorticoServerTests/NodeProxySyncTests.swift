import Foundation
import Logging
import PorticoAPI
import PorticoClient
import PorticoNFTables
import PorticoProxy
import PorticoServer
import Testing

/// The node proxy's sync loop against a real API server (called in-process) and a fake
/// kernel: changes reach the rules as partial transactions, a failed transaction is followed
/// by the whole table, and UDP flows to a gone endpoint are cleaned up.
struct NodeProxySyncTests {
    static func service() -> JSON {
        ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "dns"],
         "spec": ["ports": [["name": "dns", "port": 53, "protocol": "UDP", "targetPort": 5353]]]]
    }

    static func slice(_ ip: String) -> JSON {
        ["apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
         "metadata": ["name": "dns-1", "labels": ["kubernetes.io/service-name": "dns"]],
         "ports": [["name": "dns", "port": 5353, "protocol": "UDP"]],
         "endpoints": [["addresses": [.string(ip)], "conditions": ["ready": true], "nodeName": "node-1"]]]
    }

    /// Polls `condition` for up to 10 s.
    static func eventually(_ what: Comment, _ condition: () -> Bool) async throws {
        for _ in 0..<200 where !condition() { try await Task.sleep(for: .milliseconds(50)) }
        #expect(condition(), what)
    }

    @Test func changesFailuresAndConntrack() async throws {
        let server = try await TestServer()
        let client = KubeClient(transport: InProcessTransport(server: server.server), fieldManager: "proxy-test")
        let logger = Logger(label: "proxy-test")
        let kernel = NFTablesFake()
        let conntrack = ConntrackRecorder()
        var timing = NodeProxy.Timing()
        timing.minSyncPeriod = .milliseconds(10)
        let services = Informer<PorticoAPI.Service>(client: client, logger: logger)
        let nodes = Informer<Node>(client: client, logger: logger)
        let proxy = NodeProxy(config: ProxyConfig(nodeName: "node-1", nodeIPs: ["10.10.10.1"]), client: client, services: services, nodes: nodes,
                              runner: kernel, conntrack: conntrack, timing: timing, healthzAddress: nil, logger: logger)
        let running = Task {
            await withDiscardingTaskGroup { group in
                group.addTask { await services.run() }
                group.addTask { await nodes.run() }
                for informer in proxy.informers { group.addTask { try? await informer.run() } }
                group.addTask { await proxy.run() }
            }
        }
        defer { running.cancel() }
        let created = try await server.ok("POST", "/api/v1/namespaces/default/services", Self.service())
        let clusterIP = created["spec"]?["clusterIP"]?.stringValue ?? "?"
        _ = try await server.ok("POST", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", Self.slice("10.244.1.5"))
        let rules = { kernel.table(name: "portico")?.text ?? "" }
        try await Self.eventually("the endpoint is programmed") { rules().contains("dnat to 10.244.1.5:5353") && rules().contains(clusterIP) }

        // The endpoint moves: a partial transaction, and the old endpoint's UDP flows are removed.
        let before = kernel.scripts.count
        _ = try await server.ok("PUT", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/dns-1", Self.slice("10.244.1.6"))
        try await Self.eventually("the new endpoint is programmed") { rules().contains("dnat to 10.244.1.6:5353") && !rules().contains("10.244.1.5") }
        #expect(kernel.scripts[before...].allSatisfy { !$0.hasPrefix("add table") }, "a change is sent as a difference")
        #expect(conntrack.deletions.contains(.init(destination: clusterIP, port: 53, endpoint: "10.244.1.5")))

        // The kernel refuses the next transaction: the proxy writes the whole table after it.
        kernel.failNext()
        let beforeFailure = kernel.scripts.count
        _ = try await server.ok("PUT", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/dns-1", Self.slice("10.244.1.7"))
        try await Self.eventually("the endpoint after a failure is programmed") { rules().contains("dnat to 10.244.1.7:5353") }
        #expect(kernel.scripts[beforeFailure...].first?.hasPrefix("add table ip portico\ndelete table ip portico\n") == true)
        #expect(kernel.table(name: "portico")?.canonical == proxy.appliedTable?.canonical)
    }
}
