import Foundation
import PorticoAPI
import PorticoClient
import PorticoControllers
import PorticoServer
import Testing

/// The LoadBalancer address controller against an in-process API server.
extension ControllerTests {
    func lbService(_ cluster: Cluster, _ name: String, port: Int32 = 80, annotations: [String: String] = [:], ip: String = "",
                   className: String? = nil) async throws -> Service {
        var service = Service(metadata: ObjectMeta(name: name, namespace: "default", annotations: annotations))
        service.spec.type = ServiceType.loadBalancer
        service.spec.selector = ["app": name]
        service.spec.ports = [ServicePort(name: "http", protocol: "TCP", port: port)]
        service.spec.loadBalancerIP = ip
        service.spec.loadBalancerClass = className
        return try await cluster.client.create(service)
    }

    func ingress(_ cluster: Cluster, _ name: String) async throws -> [LoadBalancerIngress] {
        try await cluster.client.get(Service.self, namespace: "default", name: name)?.status.loadBalancer.ingress ?? []
    }

    func events(_ cluster: Cluster, _ name: String) async throws -> [String] {
        try await cluster.client.list(Event.self, namespace: "default").items
            .filter { $0.involvedObject.name == name }.map { "\($0.reason): \($0.message)" }
    }

    @Test func loadBalancerServicesGetAnAddressFromThePool() async throws {
        let cluster = try await Cluster(pools: ["203.0.113.10-203.0.113.11"])
        _ = try await self.lbService(cluster, "a")
        try await Self.eventually("a gets 203.0.113.10") {
            try await self.ingress(cluster, "a") == [LoadBalancerIngress(ip: "203.0.113.10", ipMode: .vip)]
        }
        let a = try #require(try await cluster.client.get(Service.self, namespace: "default", name: "a"))
        #expect(a.metadata.finalizers == ["service.kubernetes.io/load-balancer-cleanup"])
        try await Self.eventually("the IPAllocated event") {
            try await self.events(cluster, "a").contains("IPAllocated: Assigned IP [\"203.0.113.10\"]")
        }
        _ = try await self.lbService(cluster, "b")
        _ = try await self.lbService(cluster, "c")
        try await Self.eventually("b gets the last address, c stays pending and says why") {
            let b = try await self.ingress(cluster, "b")
            let c = try await self.events(cluster, "c")
            return b.first?.ip == "203.0.113.11" && c.contains(
                "AllocationFailed: Failed to allocate IP for \"default/c\": no available IPs: every address of the pools (203.0.113.10-203.0.113.11) is in use")
        }
        #expect(try await self.ingress(cluster, "c").isEmpty)

        // Deleting a frees its address (the finalizer goes first), and c gets it.
        try await cluster.client.delete(Service.self, namespace: "default", name: "a")
        try await Self.eventually("a is gone and c has 203.0.113.10") {
            let a = try await cluster.client.get(Service.self, namespace: "default", name: "a")
            let c = try await self.ingress(cluster, "c")
            return a == nil && c.first?.ip == "203.0.113.10"
        }

        // A type change releases the address and the finalizer.
        var b = try #require(try await cluster.client.get(Service.self, namespace: "default", name: "b"))
        b.spec.type = ServiceType.clusterIP
        b.spec.ports[0].nodePort = 0
        _ = try await cluster.client.update(b)
        try await Self.eventually("b is a ClusterIP Service without address or finalizer") {
            let b = try await cluster.client.get(Service.self, namespace: "default", name: "b")
            return b?.status.loadBalancer.ingress.isEmpty == true && b?.metadata.finalizers.isEmpty == true
        }
    }

    @Test func requestedAddressesSharingAndOtherClasses() async throws {
        let cluster = try await Cluster(pools: ["203.0.113.10-203.0.113.99"])
        _ = try await self.lbService(cluster, "web", annotations: ["portico.dev/allow-shared-ip": "k", "portico.dev/load-balancer-ips": "203.0.113.50"])
        _ = try await self.lbService(cluster, "api", port: 8080, annotations: ["portico.dev/allow-shared-ip": "k"], ip: "203.0.113.50")
        _ = try await self.lbService(cluster, "clash", annotations: ["portico.dev/allow-shared-ip": "k"], ip: "203.0.113.50")
        _ = try await self.lbService(cluster, "stranger", port: 9090, ip: "203.0.113.50")
        _ = try await self.lbService(cluster, "elsewhere", className: "example.com/other")
        try await Self.eventually("web and api share 203.0.113.50; clash and stranger are refused with reasons") {
            let clash = try await self.events(cluster, "clash")
            let stranger = try await self.events(cluster, "stranger")
            let web = try await self.ingress(cluster, "web")
            let api = try await self.ingress(cluster, "api")
            return web.first?.ip == "203.0.113.50" && api.first?.ip == "203.0.113.50"
                && clash.contains { $0.contains("203.0.113.50 is shared with default/web, which already uses port TCP/80") }
                && stranger.contains { $0.contains("203.0.113.50 is in use by default/") }
        }
        // Another class is another controller's business: no address, no finalizer, no event.
        let elsewhere = try #require(try await cluster.client.get(Service.self, namespace: "default", name: "elsewhere"))
        #expect(elsewhere.status.loadBalancer.ingress.isEmpty && elsewhere.metadata.finalizers.isEmpty)
        #expect(try await self.events(cluster, "elsewhere").isEmpty)
    }
}
