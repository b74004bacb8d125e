import Foundation
import PorticoAPI
import PorticoStore
import ServiceLifecycle

extension APIServer {
    /// Renews this server's lease in kube-system (or, `leaving`, removes it) and writes the
    /// `kubernetes` Service's Endpoints and EndpointSlice as the addresses of every server
    /// whose lease is live, when they differ from what is stored. Returns how long until the
    /// first live lease runs out.
    @discardableResult
    func reconcileKubernetesEndpoints(leaving: Bool = false) async throws -> Duration? {
        let address = self.configuration.advertiseAddress
        let port = self.configuration.securePort
        let name = APIServerLeases.name(address: address, port: port)
        let path = "/apis/coordination.k8s.io/v1/namespaces/\(APIServerLeases.namespace)/leases"
        let key = ObjectKey(resource: Catalog.leases.storageResource, namespace: APIServerLeases.namespace, name: name)
        let existing = try await self.store.get(key).map { try KubeJSONDecoder().decode(Lease.self, from: $0.object).value }
        if leaving {
            if existing != nil { _ = try? await self.systemRequest("DELETE", path + "/" + name, nil) }
        } else {
            let lease = try APIServerLeases.lease(address: address, port: port, identity: self.configuration.identity, now: .now(),
                                                  existing: existing).toJSON()
            _ = try await self.systemRequest(existing == nil ? "POST" : "PUT", existing == nil ? path : path + "/" + name, lease)
        }
        let (stored, _) = try await self.store.list(resource: Catalog.leases.storageResource, namespace: APIServerLeases.namespace)
        let leases = stored.compactMap { try? KubeJSONDecoder().decode(Lease.self, from: $0.object).value }
        let now = MicroTime.now()
        try await self.writeKubernetesEndpoints(APIServerLeases.liveAddresses(leases, now: now))
        return APIServerLeases.untilNextExpiry(leases, now: now)
    }

    /// The `kubernetes` Endpoints and EndpointSlice with `addresses` at the secure port.
    func writeKubernetesEndpoints(_ addresses: [String]) async throws {
        let port = Int64(self.configuration.securePort)
        let ports: JSON = [["name": "https", "port": .integer(port), "protocol": "TCP"]]
        let subsets: JSON = addresses.isEmpty ? [] : [["addresses": .array(addresses.map { ["ip": .string($0)] }), "ports": ports]]
        let endpointsKey = ObjectKey(resource: "endpoints", namespace: "default", name: "kubernetes")
        if try await self.store.get(endpointsKey)?.object["subsets"] ?? [] != subsets {
            _ = try await self.systemRequest("PUT", "/api/v1/namespaces/default/endpoints/kubernetes", [
                "apiVersion": "v1", "kind": "Endpoints",
                "metadata": ["name": "kubernetes", "namespace": "default", "labels": ["endpointslice.kubernetes.io/skip-mirror": "true"]],
                "subsets": subsets,
            ])
        }
        let family = addresses.first.flatMap { IPAddress($0) }?.family == .ipv6 ? "IPv6" : "IPv4"
        let endpoints: JSON = .array(addresses.map { ["addresses": [.string($0)], "conditions": ["ready": true]] })
        let sliceKey = ObjectKey(resource: "endpointslices.discovery.k8s.io", namespace: "default", name: "kubernetes")
        let current = try await self.store.get(sliceKey)
        guard current == nil || current!.object["endpoints"] ?? [] != endpoints || current!.object["ports"] != ports else { return }
        let slice: JSON = [
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": ["name": "kubernetes", "namespace": "default", "labels": ["kubernetes.io/service-name": "kubernetes"]],
            "addressType": .string(family), "endpoints": endpoints, "ports": ports,
        ]
        if current != nil {
            _ = try await self.systemRequest("PUT", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes", slice)
        } else {
            _ = try await self.systemRequest("POST", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", slice)
        }
    }
}

/// Keeps this server's lease renewed and the `kubernetes` endpoints listing every live server,
/// every ten seconds (upstream's lease endpoint reconciler), and also when another server's
/// lease runs out, so a dead server leaves the endpoints when its lease ends; a failed round
/// is tried again after a second. On shutdown it takes this server out, so clients stop
/// being sent to it before it stops answering.
struct KubernetesEndpointsReconciler: ServiceLifecycle.Service {
    let server: APIServer

    func run() async throws {
        var wait = APIServerLeases.renewEvery
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let pause = wait
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            guard !Task.isCancelled, !Task.isShuttingDownGracefully else { break }
            do {
                let untilExpiry = try await self.server.reconcileKubernetesEndpoints()
                // Just past the first expiry (its reconcile renews this server's own lease early: harmless).
                wait = min(APIServerLeases.renewEvery, (untilExpiry ?? APIServerLeases.renewEvery) + .milliseconds(100))
            } catch {
                self.server.logger.warning("kubernetes endpoints: \(error)")
                wait = .seconds(1)
            }
        }
        _ = try? await self.server.reconcileKubernetesEndpoints(leaving: true)
    }
}
