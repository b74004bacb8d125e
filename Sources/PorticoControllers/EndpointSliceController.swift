import PorticoAPI
import PorticoClient
import Synchronization

/// Keeps each selector Service's EndpointSlices true to its pods (upstream's
/// endpointslice-controller). Pod, Service, slice and node changes enqueue the Services they
/// touch; a sync reads the caches, asks `EndpointSliceReconciler` and writes the difference.
/// Slices it has just written but the cache has not seen yet make the sync wait (upstream's
/// EndpointSliceTracker), so it never writes from a stale view.
final class EndpointSliceController: QueueController {
    let name = "endpointslice-controller"
    let context: ControllerContext
    let queue = WorkQueue<String>(baseDelay: .seconds(1), maxDelay: .seconds(1000))
    let reconciler: EndpointSliceReconciler
    var workers: Int { 5 }

    /// Per Service: slices created (by name) or deleted (by uid) that the cache has yet to
    /// show, and the generation each updated slice must reach.
    struct Expected {
        var created: Set<String> = []
        var deleted: Set<String> = []
        var generations: [String: Int64] = [:]
    }

    let expected = Mutex<[String: Expected]>([:])

    init(context: ControllerContext, maxEndpointsPerSlice: Int = 100) {
        self.context = context
        self.reconciler = EndpointSliceReconciler(maxEndpointsPerSlice: maxEndpointsPerSlice)
    }

    func register() {
        self.context.services.addHandler { [queue] event in queue.add(key(event.object)) }
        self.context.pods.addHandler { [weak self] event in
            guard let self else { return }
            switch event {
            case .added(let pod), .deleted(let pod): self.enqueueServices(selecting: [pod])
            case .updated(let old, let new):
                if Self.podChanged(old, new) { self.enqueueServices(selecting: [old, new]) }
            }
        }
        self.context.endpointSlices.addHandler { [queue] event in
            let slice = event.object
            guard let service = slice.metadata.labels[EndpointSlice.serviceNameLabel] else { return }
            queue.add(slice.metadata.namespace + "/" + service)
        }
        self.context.nodes.addHandler { [weak self] event in
            guard let self else { return }
            if case .updated(let old, let new) = event, old.metadata.labels == new.metadata.labels { return }
            for service in self.context.services.items { self.queue.add(key(service)) }
        }
    }

    /// Only what ends up in an endpoint matters: labels, IPs, readiness, deletion, node, hostname, ports.
    static func podChanged(_ old: Pod, _ new: Pod) -> Bool {
        old.metadata.labels != new.metadata.labels || old.status.podIPs != new.status.podIPs || old.status.podIP != new.status.podIP
            || old.isReady != new.isReady || old.metadata.deletionTimestamp != new.metadata.deletionTimestamp
            || old.spec.nodeName != new.spec.nodeName || old.spec.hostname != new.spec.hostname
            || old.spec.subdomain != new.spec.subdomain || old.status.phase != new.status.phase
            || old.spec.containers.map(\.ports) != new.spec.containers.map(\.ports)
    }

    func enqueueServices(selecting pods: [Pod]) {
        guard let namespace = pods.first?.metadata.namespace else { return }
        for service in self.context.services.items(inNamespace: namespace) where !service.spec.selector.isEmpty {
            if pods.contains(where: { pod in service.spec.selector.allSatisfy { pod.metadata.labels[$0.key] == $0.value } }) {
                self.queue.add(key(service))
            }
        }
    }

    func sync(_ serviceKey: String) async throws {
        let (namespace, name) = splitKey(serviceKey)
        guard let service = self.context.services.get(namespace: namespace, name: name) else {
            // Its slices go with it, through their owner references.
            self.expected.withLock { _ = $0.removeValue(forKey: serviceKey) }
            return
        }
        let existing = self.context.endpointSlices.items(inNamespace: namespace)
            .filter { $0.metadata.labels[EndpointSlice.serviceNameLabel] == name }
        if self.isStale(serviceKey, existing) {
            self.queue.add(serviceKey, after: .milliseconds(50))
            return
        }
        if !EndpointSliceReconciler.managesSlices(for: service), existing.isEmpty { return }
        let pods = self.context.pods.items(inNamespace: namespace)
        var nodes: [String: Node] = [:]
        for node in self.context.nodes.items { nodes[node.metadata.name] = node }
        let changes = self.reconciler.reconcile(service: service, pods: pods, nodes: nodes, existing: existing, now: .now())
        try await self.apply(changes, serviceKey: serviceKey)
        if !changes.podsWithUnknownNode.isEmpty {
            throw ControllerError("pods \(changes.podsWithUnknownNode) of service \(serviceKey) are on nodes not yet known")
        }
    }

    func isStale(_ serviceKey: String, _ existing: [EndpointSlice]) -> Bool {
        self.expected.withLock { all in
            guard var expected = all[serviceKey] else { return false }
            let names = Set(existing.map(\.metadata.name))
            let uids = Set(existing.map(\.metadata.uid))
            expected.created = expected.created.filter { !names.contains($0) }
            expected.deleted = expected.deleted.filter { uids.contains($0) }
            for slice in existing {
                if let want = expected.generations[slice.metadata.uid], slice.metadata.generation >= want {
                    expected.generations.removeValue(forKey: slice.metadata.uid)
                }
            }
            expected.generations = expected.generations.filter { uids.contains($0.key) }
            let stale = !expected.created.isEmpty || !expected.deleted.isEmpty || !expected.generations.isEmpty
            all[serviceKey] = stale ? expected : nil
            return stale
        }
    }

    func apply(_ changes: EndpointSliceReconciler.Changes, serviceKey: String) async throws {
        let client = self.context.client
        for slice in changes.delete {
            try await client.delete(EndpointSlice.self, namespace: slice.metadata.namespace, name: slice.metadata.name)
            self.expected.withLock { _ = $0[serviceKey, default: Expected()].deleted.insert(slice.metadata.uid) }
        }
        for slice in changes.update {
            let written = try await client.update(slice)
            self.expected.withLock { $0[serviceKey, default: Expected()].generations[written.metadata.uid] = written.metadata.generation }
        }
        for slice in changes.create {
            let written = try await client.create(slice)
            self.expected.withLock { _ = $0[serviceKey, default: Expected()].created.insert(written.metadata.name) }
        }
    }
}

/// Keeps each selector Service's legacy Endpoints object (upstream's endpoint-controller).
final class EndpointsController: QueueController {
    let name = "endpoint-controller"
    let context: ControllerContext
    let queue = WorkQueue<String>(baseDelay: .milliseconds(5), maxDelay: .seconds(1000))
    var workers: Int { 5 }

    init(context: ControllerContext) {
        self.context = context
    }

    func register() {
        self.context.services.addHandler { [queue] event in queue.add(key(event.object)) }
        self.context.pods.addHandler { [weak self] event in
            guard let self else { return }
            let pods: [Pod]
            switch event {
            case .added(let pod), .deleted(let pod): pods = [pod]
            case .updated(let old, let new):
                guard EndpointSliceController.podChanged(old, new) else { return }
                pods = [old, new]
            }
            for service in self.context.services.items(inNamespace: pods[0].metadata.namespace) where !service.spec.selector.isEmpty {
                if pods.contains(where: { pod in service.spec.selector.allSatisfy { pod.metadata.labels[$0.key] == $0.value } }) {
                    self.queue.add(key(service))
                }
            }
        }
        self.context.endpoints.addHandler { [queue] event in
            if case .deleted = event { queue.add(key(event.object)) }
        }
    }

    func sync(_ serviceKey: String) async throws {
        let (namespace, name) = splitKey(serviceKey)
        let existing = self.context.endpoints.get(namespace: namespace, name: name)
        guard let service = self.context.services.get(namespace: namespace, name: name) else {
            // The Endpoints of a deleted Service go too (the API server also deletes them).
            if existing != nil {
                try await self.context.client.delete(Endpoints.self, namespace: namespace, name: name)
            }
            return
        }
        guard let desired = EndpointsReconciler.desired(service: service, pods: self.context.pods.items(inNamespace: namespace),
                                                        existing: existing, now: .now())
        else { return }
        if let existing, desired == existing { return }
        if existing == nil {
            _ = try await self.context.client.create(desired)
        } else {
            _ = try await self.context.client.update(desired)
        }
    }
}

struct ControllerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
