/// The columns and cells of each served kind, as upstream's printers.go writes them.

extension Service: TablePrintable {
    public static let columnDefinitions: [TableColumnDefinition] = [
        TablePrinter.nameColumn,
        TableColumnDefinition(name: "Type", description: "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer."),
        TableColumnDefinition(name: "Cluster-IP", description: "clusterIP is the IP address of the service and is usually assigned randomly."),
        TableColumnDefinition(name: "External-IP", description: "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
        TableColumnDefinition(name: "Port(s)", description: "The list of ports that are exposed by this service."),
        TablePrinter.ageColumn,
        TableColumnDefinition(name: "Selector", description: "Route service traffic to pods with label keys and values matching this selector.", priority: 1),
    ]

    public func tableCells(now: MicroTime) -> [JSON] {
        let clusterIP = self.spec.clusterIPs.first ?? "<none>"
        let ports = self.spec.ports.map { port in
            port.nodePort > 0 ? "\(port.port):\(port.nodePort)/\(port.protocol)" : "\(port.port)/\(port.protocol)"
        }.joined(separator: ",")
        return [
            .string(self.metadata.name), .string(self.spec.type.rawValue), .string(clusterIP),
            .string(self.externalIPCell), .string(ports.isEmpty ? "<none>" : ports),
            .string(HumanDuration.since(self.metadata.creationTimestamp, now: now)),
            .string(TablePrinter.formatLabels(self.spec.selector)),
        ]
    }

    /// EXTERNAL-IP: external IPs, the load balancer's ingress, `<pending>`, or the external name.
    public var externalIPCell: String {
        switch self.spec.type {
        case .clusterIP, .nodePort:
            return self.spec.externalIPs.isEmpty ? "<none>" : self.spec.externalIPs.joined(separator: ",")
        case .loadBalancer:
            let ingress = Set(self.status.loadBalancer.ingress.compactMap { i -> String? in
                !i.ip.isEmpty ? i.ip : (!i.hostname.isEmpty ? i.hostname : nil)
            }).sorted()
            if !self.spec.externalIPs.isEmpty { return (ingress + self.spec.externalIPs).joined(separator: ",") }
            return ingress.isEmpty ? "<pending>" : ingress.joined(separator: ",")
        case .externalName:
            return self.spec.externalName
        default:
            return "<unknown>"
        }
    }
}

extension Pod: TablePrintable {
    public static let columnDefinitions: [TableColumnDefinition] = [
        TablePrinter.nameColumn,
        TableColumnDefinition(name: "Ready", description: "The aggregate readiness state of this pod for accepting traffic."),
        TableColumnDefinition(name: "Status", description: "The aggregate status of the containers in this pod."),
        TableColumnDefinition(name: "Restarts", description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
        TablePrinter.ageColumn,
        TableColumnDefinition(name: "IP", description: "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", priority: 1),
        TableColumnDefinition(name: "Node", description: "NodeName indicates in which node this pod is scheduled.", priority: 1),
        TableColumnDefinition(name: "Nominated Node", description: "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.", priority: 1),
        TableColumnDefinition(name: "Readiness Gates", description: "If specified, all readiness gates will be evaluated for pod readiness.", priority: 1),
    ]

    func conditionIsTrue(_ type: String) -> Bool {
        self.status.conditions.first(where: { $0.type == type })?.status == "True"
    }

    public func tableConditions() -> [TableRowCondition] {
        switch self.status.phase {
        case .succeeded:
            return [TableRowCondition(type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully.")]
        case .failed:
            return [TableRowCondition(type: "Completed", status: "True", reason: "Failed", message: "The pod failed.")]
        default:
            return []
        }
    }

    /// READY, STATUS and RESTARTS, computed as upstream's printPod does.
    public func readyStatusRestarts(now: MicroTime) -> (ready: String, status: String, restarts: String) {
        var restarts: Int32 = 0
        var sidecarRestarts: Int32 = 0
        var total = self.spec.containers.count
        var ready = 0
        var lastRestart: Time? = nil
        var lastSidecarRestart: Time? = nil
        var reason = self.status.phase.rawValue
        if !self.status.reason.isEmpty { reason = self.status.reason }
        for condition in self.status.conditions where condition.type == "PodScheduled" && condition.reason == "SchedulingGated" {
            reason = "SchedulingGated"
        }
        let initByName = Dictionary(self.spec.initContainers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func isSidecar(_ name: String) -> Bool { initByName[name]?.restartPolicy == "Always" }
        total += self.spec.initContainers.filter { $0.restartPolicy == "Always" }.count
        func later(_ a: Time?, _ b: Time?) -> Time? {
            guard let a else { return b }
            guard let b else { return a }
            return max(a, b)
        }

        var initializing = false
        for (i, cs) in self.status.initContainerStatuses.enumerated() {
            restarts += cs.restartCount
            if let t = cs.lastState.terminated { lastRestart = later(lastRestart, t.finishedAt) }
            if isSidecar(cs.name) {
                sidecarRestarts += cs.restartCount
                if let t = cs.lastState.terminated { lastSidecarRestart = later(lastSidecarRestart, t.finishedAt) }
            }
            if let t = cs.state.terminated, t.exitCode == 0 { continue }
            if isSidecar(cs.name), cs.started == true {
                if cs.ready { ready += 1 }
                continue
            }
            if let t = cs.state.terminated {
                if t.reason.isEmpty {
                    reason = t.signal != 0 ? "Init:Signal:\(t.signal)" : "Init:ExitCode:\(t.exitCode)"
                } else {
                    reason = "Init:" + t.reason
                }
            } else if let w = cs.state.waiting, !w.reason.isEmpty, w.reason != "PodInitializing" {
                reason = "Init:" + w.reason
            } else {
                reason = "Init:\(i)/\(self.spec.initContainers.count)"
            }
            initializing = true
            break
        }
        if !initializing || self.conditionIsTrue("Initialized") {
            restarts = sidecarRestarts
            lastRestart = lastSidecarRestart
            var hasRunning = false
            for cs in self.status.containerStatuses.reversed() {
                restarts += cs.restartCount
                if let t = cs.lastState.terminated { lastRestart = later(lastRestart, t.finishedAt) }
                if let w = cs.state.waiting, !w.reason.isEmpty {
                    reason = w.reason
                } else if let t = cs.state.terminated, !t.reason.isEmpty {
                    reason = t.reason
                } else if let t = cs.state.terminated {
                    reason = t.signal != 0 ? "Signal:\(t.signal)" : "ExitCode:\(t.exitCode)"
                } else if cs.ready, cs.state.running != nil {
                    hasRunning = true
                    ready += 1
                }
            }
            if reason == "Completed", hasRunning {
                reason = self.conditionIsTrue("Ready") ? "Running" : "NotReady"
            }
        }
        if self.metadata.deletionTimestamp != nil {
            if self.status.reason == "NodeLost" {
                reason = "Unknown"
            } else if self.status.phase != .succeeded && self.status.phase != .failed {
                reason = "Terminating"
            }
        }
        var restartsText = String(restarts)
        if restarts != 0, let lastRestart {
            restartsText = "\(restarts) (\(HumanDuration.since(lastRestart, now: now)) ago)"
        }
        return ("\(ready)/\(total)", reason, restartsText)
    }

    public func tableCells(now: MicroTime) -> [JSON] {
        let (ready, status, restarts) = self.readyStatusRestarts(now: now)
        let ip = self.status.podIPs.first.map(\.ip).flatMap { $0.isEmpty ? nil : $0 } ?? "<none>"
        var gates = "<none>"
        if !self.spec.readinessGates.isEmpty {
            let trueCount = self.spec.readinessGates.filter { gate in
                guard let type = gate["conditionType"]?.stringValue else { return false }
                return self.status.conditions.first(where: { $0.type == type })?.status == "True"
            }.count
            gates = "\(trueCount)/\(self.spec.readinessGates.count)"
        }
        return [
            .string(self.metadata.name), .string(ready), .string(status), .string(restarts),
            .string(HumanDuration.since(self.metadata.creationTimestamp, now: now)), .string(ip),
            .string(self.spec.nodeName.isEmpty ? "<none>" : self.spec.nodeName),
            .string(self.status.nominatedNodeName.isEmpty ? "<none>" : self.status.nominatedNodeName), .string(gates),
        ]
    }
}

extension Node: TablePrintable {
    public static let columnDefinitions: [TableColumnDefinition] = [
        TablePrinter.nameColumn,
        TableColumnDefinition(name: "Status", description: "The status of the node"),
        TableColumnDefinition(name: "Roles", description: "The roles of the node"),
        TablePrinter.ageColumn,
        TableColumnDefinition(name: "Version", description: "Kubelet Version reported by the node."),
        TableColumnDefinition(name: "Internal-IP", description: "List of addresses reachable to the node. Queried from cloud provider, if available.", priority: 1),
        TableColumnDefinition(name: "External-IP", description: "List of addresses reachable to the node. Queried from cloud provider, if available.", priority: 1),
        TableColumnDefinition(name: "OS-Image", description: "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", priority: 1),
        TableColumnDefinition(name: "Kernel-Version", description: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", priority: 1),
        TableColumnDefinition(name: "Container-Runtime", description: "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", priority: 1),
    ]

    public var statusCell: String {
        var byType: [String: NodeCondition] = [:]
        for condition in self.status.conditions { byType[condition.type] = condition }
        var parts: [String]
        if let readyCondition = byType["Ready"] {
            parts = [readyCondition.status == "True" ? "Ready" : "NotReady"]
        } else {
            parts = ["Unknown"]
        }
        if self.spec.unschedulable { parts.append("SchedulingDisabled") }
        return parts.joined(separator: ",")
    }

    public var rolesCell: String {
        var roles = Set<String>()
        for (key, value) in self.metadata.labels {
            if key.hasPrefix("node-role.kubernetes.io/") {
                let role = String(key.dropFirst("node-role.kubernetes.io/".count))
                if !role.isEmpty { roles.insert(role) }
            } else if key == "kubernetes.io/role", !value.isEmpty {
                roles.insert(value)
            }
        }
        return roles.isEmpty ? "<none>" : roles.sorted().joined(separator: ",")
    }

    public func address(_ type: String) -> String? {
        self.status.addresses.first(where: { $0.type == type })?.address
    }

    public func tableCells(now: MicroTime) -> [JSON] {
        let info = self.status.nodeInfo
        func orUnknown(_ s: String) -> String { s.isEmpty ? "<unknown>" : s }
        return [
            .string(self.metadata.name), .string(self.statusCell), .string(self.rolesCell),
            .string(HumanDuration.since(self.metadata.creationTimestamp, now: now)), .string(info.kubeletVersion),
            .string(self.address(NodeAddress.internalIP) ?? "<none>"), .string(self.address(NodeAddress.externalIP) ?? "<none>"),
            .string(orUnknown(info.osImage)), .string(orUnknown(info.kernelVersion)),
            .string(orUnknown(info.containerRuntimeVersion)),
        ]
    }
}

extension Endpoints: TablePrintable {
    public static let columnDefinitions: [TableColumnDefinition] = [
        TablePrinter.nameColumn,
        TableColumnDefinition(name: "Endpoints", description: "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service."),
        TablePrinter.ageColumn,
    ]

    /// Ready addresses only, as ip:port, three at most then ` + N more...`.
    public var endpointsCell: String {
        if self.subsets.isEmpty { return "<none>" }
        var list: [String] = []
        var more = false
        var count = 0
        for subset in self.subsets {
            if subset.ports.isEmpty {
                count += subset.addresses.count
                for address in subset.addresses {
                    if list.count == 3 { more = true; break }
                    list.append(address.ip)
                }
                continue
            }
            for port in subset.ports {
                count += subset.addresses.count
                for address in subset.addresses {
                    if list.count == 3 { more = true; break }
                    list.append(TablePrinter.joinHostPort(address.ip, port.port))
                }
            }
        }
        let joined = list.joined(separator: ",")
        return more ? "\(joined) + \(count - 3) more..." : joined
    }

    public func tableCells(now: MicroTime) -> [JSON] {
        [.string(self.metadata.name), .string(self.endpointsCell),
         .string(HumanDuration.since(self.metadata.creationTimestamp, now: now))]
    }
}

extension EndpointSlice: TablePrintable {
    public static let columnDefinitions: [TableColumnDefinition] = [
        TablePrinter.nameColumn,
        TableColumnDefinition(name: "AddressType", description: "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation."),
        TableColumnDefinition(name: "Ports", description: "ports specifies the list of network ports exposed by each endpoint in this slice."),
        TableColumnDefinition(name: "Endpoints", description: "endpoints is a list of unique endpoints in this slice."),
        TablePrinter.ageColumn,
    ]

    public func tableCells(now: MicroTime) -> [JSON] {
        let ports = self.ports.map { p in p.port.map(String.init) ?? p.name ?? "*" }
        let addresses = self.endpoints.flatMap(\.addresses)
        return [
            .string(self.metadata.name), .string(self.addressType.rawValue),
            .string(TablePrinter.listWithMore(ports, total: ports.count)),
            .string(TablePrinter.listWithMore(addresses, total: addresses.count)),
            .string(HumanDuration.since(self.metadata.creationTimestamp, now: now)),
        ]
    }
}

extension Deployment: TablePrintable {
    public static let columnDefinitions: [TableColumnDefinition] = [
        TablePrinter.nameColumn,
        TableColumnDefinition(name: "Ready", description: "Number of the pod with ready state"),
        TableColumnDefinition(name: "Up-to-date", description: "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
        TableColumnDefinition(name: "Available", description: "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
        TablePrinter.ageColumn,
        TableColumnDefinition(name: "Containers", description: "Names of each container in the template.", priority: 1),
        TableColumnDefinition(name: "Images", description: "Images referenced by each container in the template.", priority: 1),
        TableColumnDefinition(name: "Selector", description: "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", priority: 1),
    ]

    public func tableCells(now: MicroTime) -> [JSON] {
        let containers = self.spec.template.spec.containers
        let selector: String
        do { selector = try Labels.Selector(self.spec.selector).description } catch { selector = "<invalid>" }
        return [
            .string(self.metadata.name), .string("\(self.status.readyReplicas)/\(self.spec.replicas ?? 1)"),
            .integer(Int64(self.status.updatedReplicas)), .integer(Int64(self.status.availableReplicas)),
            .string(HumanDuration.since(self.metadata.creationTimestamp, now: now)),
            .string(containers.map(\.name).joined(separator: ",")), .string(containers.map(\.image).joined(separator: ",")),
            .string(selector),
        ]
    }
}

extension ReplicaSet: TablePrintable {
    public static let columnDefinitions: [TableColumnDefinition] = [
        TablePrinter.nameColumn,
        TableColumnDefinition(name: "Desired", type: "integer", description: "Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1."),
        TableColumnDefinition(name: "Current", type: "integer", description: "Replicas is the most recently observed number of non-terminating pods."),
        TableColumnDefinition(name: "Ready", type: "integer", description: "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition."),
        TablePrinter.ageColumn,
        TableColumnDefinition(name: "Containers", description: "Names of each container in the template.", priority: 1),
        TableColumnDefinition(name: "Images", description: "Images referenced by each container in the template.", priority: 1),
        TableColumnDefinition(name: "Selector", description: "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set.", priority: 1),
    ]

    public func tableCells(now: MicroTime) -> [JSON] {
        let containers = self.spec.template?.spec.containers ?? []
        let selector: String
        do {
            let text = try Labels.Selector(self.spec.selector).description
            selector = text.isEmpty ? "<none>" : text
        } catch {
            selector = "<error>"
        }
        return [
            .string(self.metadata.name), .integer(Int64(self.spec.replicas ?? 1)), .integer(Int64(self.status.replicas)),
            .integer(Int64(self.status.readyReplicas)), .string(HumanDuration.since(self.metadata.creationTimestamp, now: now)),
            .string(containers.map(\.name).joined(separator: ",")), .string(containers.map(\.image).joined(separator: ",")),
            .string(selector),
        ]
    }
}

extension Namespace: TablePrintable {
    public static let columnDefinitions: [TableColumnDefinition] = [
        TablePrinter.nameColumn,
        TableColumnDefinition(name: "Status", description: "The status of the namespace"),
        TablePrinter.ageColumn,
    ]

    public func tableCells(now: MicroTime) -> [JSON] {
        [.string(self.metadata.name), .string(self.status.phase),
         .string(HumanDuration.since(self.metadata.creationTimestamp, now: now))]
    }
}

extension Event: TablePrintable {
    public static let columnDefinitions: [TableColumnDefinition] = [
        TableColumnDefinition(name: "Last Seen", description: "The time at which the most recent occurrence of this event was recorded."),
        TableColumnDefinition(name: "Type", description: "Type of this event (Normal, Warning), new types could be added in the future"),
        TableColumnDefinition(name: "Reason", description: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
        TableColumnDefinition(name: "Object", description: "The object that this event is about."),
        TableColumnDefinition(name: "Subobject", description: "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].", priority: 1),
        TableColumnDefinition(name: "Source", description: "The component reporting this event. Should be a short machine understandable string.", priority: 1),
        TableColumnDefinition(name: "Message", description: "A human-readable description of the status of this operation."),
        TableColumnDefinition(name: "First Seen", description: "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", priority: 1),
        TableColumnDefinition(name: "Count", description: "The number of times this event has occurred.", priority: 1),
        TableColumnDefinition(name: "Name", format: "name", description: TablePrinter.nameDescription, priority: 1),
    ]

    public func tableCells(now: MicroTime) -> [JSON] {
        var firstSeen = HumanDuration.since(self.firstTimestamp, now: now)
        if self.firstTimestamp == nil { firstSeen = HumanDuration.since(self.eventTime, now: now) }
        var lastSeen = HumanDuration.since(self.lastTimestamp, now: now)
        if self.lastTimestamp == nil { lastSeen = firstSeen }
        var count = self.count
        if let series = self.series {
            lastSeen = HumanDuration.since(series.lastObservedTime, now: now)
            count = series.count
        } else if count == 0 {
            count = 1
        }
        let kind = self.involvedObject.kind.lowercased()
        let object = self.involvedObject.name.isEmpty ? kind : "\(kind)/\(self.involvedObject.name)"
        let component = self.source.component.isEmpty ? self.reportingComponent : self.source.component
        let instance = self.source.host.isEmpty ? self.reportingInstance : self.source.host
        let source = instance.isEmpty ? component : "\(component), \(instance)"
        return [
            .string(lastSeen), .string(self.type), .string(self.reason), .string(object),
            .string(self.involvedObject.fieldPath), .string(source), .string(self.message.trimmingSpaces),
            .string(firstSeen), .integer(Int64(count)), .string(self.metadata.name),
        ]
    }
}

extension ConfigMap: TablePrintable {
    public static let columnDefinitions: [TableColumnDefinition] = [
        TablePrinter.nameColumn,
        TableColumnDefinition(name: "Data", description: "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process."),
        TablePrinter.ageColumn,
    ]

    public func tableCells(now: MicroTime) -> [JSON] {
        [.string(self.metadata.name), .integer(Int64(self.data.count + self.binaryData.count)),
         .string(HumanDuration.since(self.metadata.creationTimestamp, now: now))]
    }
}

extension Lease: TablePrintable {
    public static let columnDefinitions: [TableColumnDefinition] = [
        TablePrinter.nameColumn,
        TableColumnDefinition(name: "Holder", description: "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field."),
        TablePrinter.ageColumn,
    ]

    public func tableCells(now: MicroTime) -> [JSON] {
        [.string(self.metadata.name), .string(self.spec.holderIdentity ?? ""),
         .string(HumanDuration.since(self.metadata.creationTimestamp, now: now))]
    }
}
