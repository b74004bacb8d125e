import PorticoAPI

/// The legacy Endpoints controller's pure core (upstream's endpoints_controller.go): one
/// Endpoints object named as the Service, ready and not-ready addresses per port set,
/// terminating pods left out unless the Service publishes not-ready addresses, at most
/// 1000 addresses with the over-capacity annotation past that.
public enum EndpointsReconciler {
    public static let maxCapacity = 1000
    public static let overCapacityAnnotation = "endpoints.kubernetes.io/over-capacity"

    /// The Endpoints the Service should have, or nil when it gets none (no selector, ExternalName).
    public static func desired(service: Service, pods: [Pod], existing: Endpoints?, now: MicroTime) -> Endpoints? {
        guard EndpointSliceReconciler.managesSlices(for: service) else { return nil }
        let family: IPAddress.Family = service.spec.ipFamilies.first == .ipv6 ? .ipv6 : .ipv4
        let publishNotReady = service.spec.publishNotReadyAddresses
        var subsets: [EndpointSubset] = []
        for pod in pods.sorted(by: { $0.metadata.name < $1.metadata.name }) {
            guard pod.metadata.namespace == service.metadata.namespace, !pod.isTerminal,
                  service.spec.selector.allSatisfy({ pod.metadata.labels[$0.key] == $0.value })
            else { continue }
            if pod.metadata.deletionTimestamp != nil, !publishNotReady { continue }
            let ips = pod.status.podIPs.isEmpty ? (pod.status.podIP.isEmpty ? [] : [pod.status.podIP]) : pod.status.podIPs.map(\.ip)
            guard let ip = ips.first(where: { IPAddress($0)?.family == family }) else { continue }
            var address = EndpointAddress(ip: ip, nodeName: pod.spec.nodeName.isEmpty ? nil : pod.spec.nodeName,
                                          targetRef: ObjectReference(kind: "Pod", namespace: pod.metadata.namespace,
                                                                     name: pod.metadata.name, uid: pod.metadata.uid))
            if !pod.spec.hostname.isEmpty, pod.spec.subdomain == service.metadata.name { address.hostname = pod.spec.hostname }
            let ready = publishNotReady || pod.isReady
            if service.spec.ports.isEmpty {
                if service.spec.clusterIP == "None" {
                    subsets.append(ready ? EndpointSubset(addresses: [address]) : EndpointSubset(notReadyAddresses: [address]))
                }
                continue
            }
            for servicePort in service.spec.ports {
                guard let number = pod.findPort(servicePort) else { continue }
                let port = EndpointsPort(name: servicePort.name, port: number,
                                         protocol: servicePort.protocol.isZeroValue ? .tcp : servicePort.protocol,
                                         appProtocol: servicePort.appProtocol)
                subsets.append(ready ? EndpointSubset(addresses: [address], ports: [port])
                                     : EndpointSubset(notReadyAddresses: [address], ports: [port]))
            }
        }
        subsets = self.repack(subsets)
        var annotations = existing?.metadata.annotations ?? [:]
        annotations.removeValue(forKey: self.overCapacityAnnotation)
        let total = subsets.reduce(0) { $0 + $1.addresses.count + $1.notReadyAddresses.count }
        if total > self.maxCapacity {
            subsets = self.truncate(subsets, to: self.maxCapacity)
            annotations[self.overCapacityAnnotation] = "truncated"
        }
        var labels = service.metadata.labels
        if service.spec.clusterIP == "None" { labels[EndpointSliceReconciler.headlessLabel] = "" } else {
            labels.removeValue(forKey: EndpointSliceReconciler.headlessLabel)
        }
        var endpoints = existing ?? Endpoints(metadata: ObjectMeta(name: service.metadata.name, namespace: service.metadata.namespace))
        let unchanged = existing != nil && existing!.subsets == subsets && existing!.metadata.labels == labels
            && existing!.metadata.annotations[self.overCapacityAnnotation] == annotations[self.overCapacityAnnotation]
        if unchanged { return existing }
        annotations[EndpointSliceReconciler.triggerTimeAnnotation] = now.rfc3339
        endpoints.metadata.labels = labels
        endpoints.metadata.annotations = annotations
        endpoints.subsets = subsets
        return endpoints
    }

    /// Upstream's RepackSubsets: one subset per distinct port set, addresses sorted.
    static func repack(_ subsets: [EndpointSubset]) -> [EndpointSubset] {
        var order: [[EndpointsPort]] = []
        var ready: [[EndpointsPort]: [EndpointAddress]] = [:]
        var notReady: [[EndpointsPort]: [EndpointAddress]] = [:]
        for subset in subsets {
            let ports = subset.ports.sorted { ($0.name, $0.port) < ($1.name, $1.port) }
            if ready[ports] == nil, notReady[ports] == nil { order.append(ports) }
            ready[ports, default: []] += subset.addresses
            notReady[ports, default: []] += subset.notReadyAddresses
        }
        let byAddress: (EndpointAddress, EndpointAddress) -> Bool = { a, b in
            (IPAddress(a.ip) ?? IPAddress(ipv4: 0)) < (IPAddress(b.ip) ?? IPAddress(ipv4: 0))
        }
        return order.map { ports in
            EndpointSubset(addresses: self.unique(ready[ports] ?? []).sorted(by: byAddress),
                           notReadyAddresses: self.unique(notReady[ports] ?? []).sorted(by: byAddress), ports: ports)
        }.sorted { self.subsetKey($0) < self.subsetKey($1) }
    }

    static func unique(_ addresses: [EndpointAddress]) -> [EndpointAddress] {
        var seen = Set<String>()
        return addresses.filter { seen.insert($0.ip + "/" + ($0.targetRef?.uid ?? "")).inserted }
    }

    static func subsetKey(_ subset: EndpointSubset) -> String {
        (subset.addresses + subset.notReadyAddresses).first?.ip ?? ""
    }

    /// Keeps `limit` addresses, taking from each subset in proportion, ready ones first.
    static func truncate(_ subsets: [EndpointSubset], to limit: Int) -> [EndpointSubset] {
        let total = subsets.reduce(0) { $0 + $1.addresses.count + $1.notReadyAddresses.count }
        var left = limit
        return subsets.enumerated().map { index, subset in
            var subset = subset
            let size = subset.addresses.count + subset.notReadyAddresses.count
            var share = index == subsets.count - 1 ? left : Int(Double(size) / Double(total) * Double(limit))
            share = min(share, left)
            left -= share
            let readyKept = min(share, subset.addresses.count)
            subset.addresses = Array(subset.addresses.prefix(readyKept))
            subset.notReadyAddresses = Array(subset.notReadyAddresses.prefix(share - readyKept))
            return subset
        }
    }
}
