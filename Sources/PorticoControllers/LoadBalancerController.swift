import PorticoAPI
import PorticoClient
import Synchronization

/// Gives LoadBalancer Services their external address, in the role of a cloud's service
/// controller and MetalLB's controller: Services of type LoadBalancer with no
/// `loadBalancerClass` or Portico's own get an address from the pools (`LoadBalancerIPAM`),
/// the finalizer `service.kubernetes.io/load-balancer-cleanup` and
/// `status.loadBalancer.ingress` `[{ip, ipMode: VIP}]`; a Service
/// that cannot get one stays `<pending>` with an Event saying why; the address goes back to
/// the pool when the Service stops being ours (type or class changed) or is deleted. What
/// forwards traffic to the address is `portico lb`, which reads the same status.
final class LoadBalancerController: QueueController {
    static let finalizer = "service.kubernetes.io/load-balancer-cleanup"

    let name = "service-lb-controller"
    let context: ControllerContext
    let queue = WorkQueue<String>(baseDelay: .milliseconds(5), maxDelay: .seconds(300))
    /// One worker: the address book is this controller's own, decided one Service at a time.
    var workers: Int { 1 }
    let events: EventRecorder
    let state: Mutex<State>

    struct State {
        var ipam: LoadBalancerIPAM
        var primed = false
        /// The last failure reported per Service, so an unchanged reason is not repeated.
        var reported: [String: String] = [:]
    }

    init(context: ControllerContext, pools: [LoadBalancerIPAM.Pool]) {
        self.context = context
        self.events = context.recorder("service-lb-controller")
        self.state = Mutex(State(ipam: LoadBalancerIPAM(pools: pools)))
    }

    func register() {
        self.context.services.addHandler { [queue] event in
            switch event {
            case .updated(let old, let new):
                // A freed address may be what another pending Service waits for.
                if Self.wants(old) != Self.wants(new) || new.metadata.deletionTimestamp != nil { queue.add("*") }
            case .deleted: queue.add("*")
            case .added: break
            }
            queue.add(key(event.object))
        }
    }

    /// Whether this controller is the Service's load balancer.
    static func wants(_ service: Service) -> Bool {
        service.usesPorticoLoadBalancer && service.metadata.deletionTimestamp == nil
    }

    /// Rebuilds the address book from the Services' status, once the cache has synced.
    func prime() {
        self.state.withLock { state in
            guard !state.primed else { return }
            state.primed = true
            for service in self.context.services.items where Self.wants(service) && service.metadata.finalizers.contains(Self.finalizer) {
                guard case .success(let claim) = LoadBalancerIPAM.Claim.of(service),
                      let ip = service.status.loadBalancer.ingress.first.flatMap({ IPAddress($0.ip) }) else { continue }
                _ = state.ipam.restore(claim, at: ip)
            }
        }
    }

    func sync(_ serviceKey: String) async throws {
        self.prime()
        if serviceKey == "*" {
            // Give every pending LoadBalancer Service another try.
            for service in self.context.services.items where Self.wants(service) && service.status.loadBalancer.ingress.isEmpty {
                self.queue.add(key(service))
            }
            return
        }
        let (namespace, name) = splitKey(serviceKey)
        guard let service = self.context.services.get(namespace: namespace, name: name) else {
            self.state.withLock { $0.ipam.release(serviceKey); $0.reported[serviceKey] = nil }
            return
        }
        if Self.wants(service) {
            try await self.ensure(service, key: serviceKey)
        } else if service.metadata.finalizers.contains(Self.finalizer) {
            try await self.release(service, key: serviceKey)
        }
    }

    func ensure(_ original: Service, key serviceKey: String) async throws {
        var service = original
        let outcome = self.state.withLock { state -> Result<IPAddress, LoadBalancerIPAM.Failure> in
            switch LoadBalancerIPAM.Claim.of(service) {
            case .failure(let failure): return .failure(failure)
            case .success(let claim): return state.ipam.assign(claim)
            }
        }
        switch outcome {
        case .success(let ip):
            // The finalizer before the status: a Service that holds an address is not gone
            // until the address is back in the pool.
            if !service.metadata.finalizers.contains(Self.finalizer) {
                service.metadata.finalizers.append(Self.finalizer)
                service = try await self.context.client.update(service)
            }
            let ingress = [LoadBalancerIngress(ip: ip.description, ipMode: .vip)]
            guard service.status.loadBalancer.ingress != ingress else { return }
            let had = service.status.loadBalancer.ingress.first?.ip
            service.status.loadBalancer.ingress = ingress
            _ = try await self.context.client.updateStatus(service)
            self.state.withLock { $0.reported[serviceKey] = nil }
            await self.events.normal(service, reason: "IPAllocated",
                                     had == nil ? "Assigned IP [\"\(ip)\"]" : "Moved from IP [\"\(had!)\"] to [\"\(ip)\"]")
        case .failure(let failure):
            if !service.status.loadBalancer.ingress.isEmpty {
                service.status.loadBalancer.ingress = []
                service = try await self.context.client.updateStatus(service)
            }
            let message = "Failed to allocate IP for \"\(serviceKey)\": \(failure)"
            let isNew = self.state.withLock { state in
                defer { state.reported[serviceKey] = message }
                return state.reported[serviceKey] != message
            }
            if isNew { await self.events.warning(service, reason: "AllocationFailed", message) }
        }
    }

    /// The Service is no longer ours (deleted, or another type or class): its address goes
    /// back to the pool, its status is cleared and the finalizer removed.
    func release(_ original: Service, key serviceKey: String) async throws {
        var service = original
        let ip = self.state.withLock { state -> IPAddress? in
            defer { state.ipam.release(serviceKey); state.reported[serviceKey] = nil }
            return state.ipam.address(of: serviceKey)
        }
        let ours = (service.spec.loadBalancerClass ?? Service.porticoLoadBalancerClass) == Service.porticoLoadBalancerClass
        if ours, !service.status.loadBalancer.ingress.isEmpty {
            service.status.loadBalancer.ingress = []
            service = try await self.context.client.updateStatus(service)
        }
        service.metadata.finalizers.removeAll { $0 == Self.finalizer }
        _ = try await self.context.client.update(service)
        if let ip { await self.events.normal(service, reason: "IPReleased", "Released IP [\"\(ip)\"]") }
        self.queue.add("*")
    }
}
