import PorticoAPI

/// The EndpointSlice controller's pure core (upstream's reconciler.go): from a Service, its
/// namespace's pods, the nodes and the slices it already has, the slices to create, update
/// and delete. Endpoints are packed by port mapping, at most `maxEndpointsPerSlice` a slice,
/// touching as few slices as it can; a Service with no endpoints keeps one placeholder slice.
public struct EndpointSliceReconciler: Sendable {
    public static let managedBy = "endpointslice-controller.k8s.io"
    public static let triggerTimeAnnotation = "endpoints.kubernetes.io/last-change-trigger-time"
    public static let headlessLabel = "service.kubernetes.io/headless"

    public var maxEndpointsPerSlice = 100

    public init(maxEndpointsPerSlice: Int = 100) {
        self.maxEndpointsPerSlice = maxEndpointsPerSlice
    }

    public struct Changes: Sendable, Equatable {
        public var create: [EndpointSlice] = []
        public var update: [EndpointSlice] = []
        public var delete: [EndpointSlice] = []
        /// Pods left out because their node is unknown (upstream retries the Service for them).
        public var podsWithUnknownNode: [String] = []

        public var isEmpty: Bool { self.create.isEmpty && self.update.isEmpty && self.delete.isEmpty }
    }

    /// Whether a Service gets slices at all: it needs a selector and must not be ExternalName.
    public static func managesSlices(for service: Service) -> Bool {
        !service.spec.selector.isEmpty && service.spec.type != .externalName
    }

    public func reconcile(service: Service, pods: [Pod], nodes: [String: Node], existing: [EndpointSlice], now: MicroTime) -> Changes {
        var changes = Changes()
        let owned = existing.filter { $0.metadata.isControlled(by: service.metadata.uid) }
        changes.delete += existing.filter { !$0.metadata.isControlled(by: service.metadata.uid) }
        guard Self.managesSlices(for: service) else {
            changes.delete += owned
            return changes
        }
        let families: [AddressType] = service.spec.ipFamilies.isEmpty ? [.ipv4]
            : service.spec.ipFamilies.map { $0 == .ipv6 ? AddressType.ipv6 : AddressType.ipv4 }
        let labels = Self.labels(for: service)
        let selector = service.spec.selector

        // Desired endpoints, per address type and port mapping.
        var desired: [AddressType: [[EndpointPort]: [String: Endpoint]]] = [:]
        for pod in pods.sorted(by: { $0.metadata.name < $1.metadata.name }) {
            guard pod.metadata.namespace == service.metadata.namespace, !pod.isTerminal,
                  selector.allSatisfy({ pod.metadata.labels[$0.key] == $0.value })
            else { continue }
            let node = nodes[pod.spec.nodeName]
            if node == nil, !service.spec.publishNotReadyAddresses {
                if !pod.spec.nodeName.isEmpty || !pod.status.podIP.isEmpty { changes.podsWithUnknownNode.append(pod.metadata.name) }
                continue
            }
            let ports = Self.endpointPorts(service: service, pod: pod)
            for family in families {
                guard let address = Self.address(of: pod, family: family) else { continue }
                desired[family, default: [:]][ports, default: [:]][address] = Self.endpoint(pod: pod, address: address, service: service, node: node)
            }
        }

        for family in families {
            let slicesOfFamily = owned.filter { $0.addressType == family }
            let wanted = desired[family] ?? [:]
            var byPorts: [[EndpointPort]: [EndpointSlice]] = [:]
            for slice in slicesOfFamily { byPorts[Self.sortedPorts(slice.ports), default: []].append(slice) }
            var familyChanges = Changes()
            for (ports, endpoints) in wanted.sorted(by: { Self.portsKey($0.key) < Self.portsKey($1.key) }) {
                let slices = byPorts.removeValue(forKey: ports) ?? []
                self.reconcileByPortMapping(service: service, family: family, ports: ports, labels: labels, existing: slices,
                                            desired: endpoints, now: now, into: &familyChanges)
            }
            for (_, slices) in byPorts { familyChanges.delete += slices }

            // No endpoints for this family: keep (or make) one placeholder slice.
            if wanted.values.allSatisfy(\.isEmpty) {
                let placeholder = self.newSlice(service: service, family: family, ports: [], labels: labels, endpoints: [], now: now)
                if let kept = slicesOfFamily.first(where: { Self.isPlaceholder($0) && Self.sameMeta($0, placeholder) }) {
                    familyChanges = Changes(delete: slicesOfFamily.filter { $0.metadata.uid != kept.metadata.uid })
                } else if let reuse = slicesOfFamily.first {
                    var updated = reuse
                    updated.endpoints = []
                    updated.ports = []
                    updated.metadata.labels = placeholder.metadata.labels
                    updated.metadata.annotations[Self.triggerTimeAnnotation] = now.rfc3339
                    familyChanges = Changes(update: [updated], delete: slicesOfFamily.filter { $0.metadata.uid != reuse.metadata.uid })
                } else {
                    familyChanges = Changes(create: [placeholder])
                }
            }
            changes.create += familyChanges.create
            changes.update += familyChanges.update
            changes.delete += familyChanges.delete
        }
        // Slices of families the Service no longer has.
        changes.delete += owned.filter { !families.contains($0.addressType) }
        return changes
    }

    /// Upstream's reconcileByPortMapping: drop unwanted endpoints, refresh changed ones, then
    /// place new ones into slices already being updated, then into the unchanged slice that
    /// fits best, then into new slices.
    func reconcileByPortMapping(service: Service, family: AddressType, ports: [EndpointPort], labels: [String: String],
                                existing: [EndpointSlice], desired: [String: Endpoint], now: MicroTime, into changes: inout Changes) {
        var remaining = desired
        var toUpdate: [EndpointSlice] = []
        var unchanged: [EndpointSlice] = []
        for slice in existing {
            var kept: [Endpoint] = []
            var changed = !Self.sameLabels(slice, labels)
            for endpoint in slice.endpoints {
                guard let address = endpoint.addresses.first, let want = remaining.removeValue(forKey: address) else {
                    changed = true
                    continue
                }
                if want != endpoint { changed = true }
                kept.append(want)
            }
            if !changed {
                unchanged.append(slice)
                continue
            }
            if kept.isEmpty {
                changes.delete.append(slice)
                continue
            }
            var updated = slice
            updated.endpoints = kept
            updated.metadata.labels = labels
            toUpdate.append(updated)
        }

        var pending = remaining.keys.sorted().map { remaining[$0]! }
        // Fill the slices already being written, fullest first.
        toUpdate.sort { $0.endpoints.count > $1.endpoints.count }
        for i in toUpdate.indices where !pending.isEmpty {
            let room = self.maxEndpointsPerSlice - toUpdate[i].endpoints.count
            if room > 0 {
                toUpdate[i].endpoints += pending.prefix(room)
                pending.removeFirst(min(room, pending.count))
            }
        }
        var created: [EndpointSlice] = []
        while !pending.isEmpty {
            if pending.count < self.maxEndpointsPerSlice,
               let best = unchanged.indices.filter({ unchanged[$0].endpoints.count + pending.count <= self.maxEndpointsPerSlice })
                   .max(by: { unchanged[$0].endpoints.count < unchanged[$1].endpoints.count })
            {
                var slice = unchanged.remove(at: best)
                slice.endpoints += pending
                slice.metadata.labels = labels
                toUpdate.append(slice)
                pending = []
                break
            }
            let batch = Array(pending.prefix(self.maxEndpointsPerSlice))
            pending.removeFirst(batch.count)
            created.append(self.newSlice(service: service, family: family, ports: ports, labels: labels, endpoints: batch, now: now))
        }
        for i in toUpdate.indices {
            toUpdate[i].ports = ports
            toUpdate[i].metadata.annotations[Self.triggerTimeAnnotation] = now.rfc3339
        }
        changes.update += toUpdate
        changes.create += created
    }

    func newSlice(service: Service, family: AddressType, ports: [EndpointPort], labels: [String: String],
                  endpoints: [Endpoint], now: MicroTime) -> EndpointSlice {
        var meta = ObjectMeta(namespace: service.metadata.namespace, labels: labels)
        let prefix = service.metadata.name + "-"
        meta.generateName = NameRules.isDNS1123Subdomain(prefix + "a").isEmpty ? prefix : service.metadata.name
        meta.ownerReferences = [OwnerReference.controller(of: service)]
        meta.annotations[Self.triggerTimeAnnotation] = now.rfc3339
        return EndpointSlice(metadata: meta, addressType: family, endpoints: endpoints, ports: ports)
    }

    /// The Service's labels (less the ones the controller owns), the service-name and
    /// managed-by labels, and `headless` for a headless Service.
    public static func labels(for service: Service) -> [String: String] {
        var labels = service.metadata.labels
        labels.removeValue(forKey: EndpointSlice.serviceNameLabel)
        labels.removeValue(forKey: EndpointSlice.managedByLabel)
        labels.removeValue(forKey: Self.headlessLabel)
        labels[EndpointSlice.serviceNameLabel] = service.metadata.name
        labels[EndpointSlice.managedByLabel] = Self.managedBy
        if service.spec.clusterIP == "None" || service.spec.clusterIP.isEmpty { labels[Self.headlessLabel] = "" }
        return labels
    }

    static func endpointPorts(service: Service, pod: Pod) -> [EndpointPort] {
        var ports: [EndpointPort] = []
        for servicePort in service.spec.ports {
            guard let number = pod.findPort(servicePort) else { continue }
            ports.append(EndpointPort(name: servicePort.name, protocol: servicePort.protocol.isZeroValue ? .tcp : servicePort.protocol,
                                      port: number, appProtocol: servicePort.appProtocol))
        }
        return self.sortedPorts(ports)
    }

    static func sortedPorts(_ ports: [EndpointPort]) -> [EndpointPort] {
        ports.sorted { self.portKey($0) < self.portKey($1) }
    }

    static func portKey(_ port: EndpointPort) -> String {
        "\(port.name ?? "")/\(port.protocol?.rawValue ?? "")/\(port.port ?? 0)/\(port.appProtocol ?? "")"
    }

    static func portsKey(_ ports: [EndpointPort]) -> String {
        ports.map(self.portKey).joined(separator: ",")
    }

    static func address(of pod: Pod, family: AddressType) -> String? {
        let ips = pod.status.podIPs.isEmpty ? (pod.status.podIP.isEmpty ? [] : [pod.status.podIP]) : pod.status.podIPs.map(\.ip)
        return ips.first { ip in
            guard let address = IPAddress(ip) else { return false }
            return (address.family == .ipv6) == (family == .ipv6)
        }
    }

    static func endpoint(pod: Pod, address: String, service: Service, node: Node?) -> Endpoint {
        let serving = pod.isReady
        let terminating = pod.metadata.deletionTimestamp != nil
        var endpoint = Endpoint(
            addresses: [address],
            conditions: EndpointConditions(ready: service.spec.publishNotReadyAddresses || (serving && !terminating),
                                           serving: serving, terminating: terminating),
            targetRef: ObjectReference(kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid))
        if !pod.spec.nodeName.isEmpty { endpoint.nodeName = pod.spec.nodeName }
        if let zone = node?.metadata.labels["topology.kubernetes.io/zone"] { endpoint.zone = zone }
        if !pod.spec.hostname.isEmpty, pod.spec.subdomain == service.metadata.name,
           pod.metadata.namespace == service.metadata.namespace
        {
            endpoint.hostname = pod.spec.hostname
        }
        return endpoint
    }

    static func isPlaceholder(_ slice: EndpointSlice) -> Bool {
        slice.endpoints.isEmpty && slice.ports.isEmpty
    }

    static func sameLabels(_ slice: EndpointSlice, _ labels: [String: String]) -> Bool {
        slice.metadata.labels == labels
    }

    static func sameMeta(_ a: EndpointSlice, _ b: EndpointSlice) -> Bool {
        a.metadata.labels == b.metadata.labels && a.addressType == b.addressType
    }
}
