/// What upstream's podutil answers about a pod, shared by the controllers, the node agent
/// and (later) DNS: readiness, activity, availability, owners and named ports.
extension PodStatus {
    public func condition(_ type: String) -> PodCondition? {
        self.conditions.first { $0.type == type }
    }
}

extension Pod {
    public func condition(_ type: String) -> PodCondition? {
        self.status.condition(type)
    }

    /// The Ready condition is True.
    public var isReady: Bool { self.condition(PodConditionType.ready)?.status == "True" }

    /// Ready for at least `minReadySeconds` at `now` (upstream's IsPodAvailable).
    public func isAvailable(minReadySeconds: Int32, now: Time) -> Bool {
        guard let ready = self.condition(PodConditionType.ready), ready.status == "True" else { return false }
        if minReadySeconds == 0 { return true }
        guard let since = ready.lastTransitionTime else { return false }
        return since.secondsSinceEpoch + Int64(minReadySeconds) <= now.secondsSinceEpoch
    }

    /// Succeeded or Failed: it will not run again.
    public var isTerminal: Bool { self.status.phase == .succeeded || self.status.phase == .failed }

    /// Counted by ReplicaSets: not terminal and not being deleted.
    public var isActive: Bool { !self.isTerminal && self.metadata.deletionTimestamp == nil }

    /// Upstream's FindPort: an int targetPort as is; a named one looked up by name and protocol
    /// in the containers' ports, then in restartable init containers. Nil if not found.
    public func findPort(_ servicePort: ServicePort) -> Int32? {
        switch servicePort.targetPort {
        case .int(let port):
            return port == 0 ? servicePort.port : port
        case .string(let name):
            if let number = Int32(name) { return number }
            let proto = servicePort.protocol.isZeroValue ? PortProtocol.tcp : servicePort.protocol
            for container in self.spec.containers {
                for port in container.ports where port.name == name && (port.protocol.isZeroValue ? .tcp : port.protocol) == proto {
                    return port.containerPort
                }
            }
            for container in self.spec.initContainers where container.restartPolicy == "Always" {
                for port in container.ports where port.name == name && (port.protocol.isZeroValue ? .tcp : port.protocol) == proto {
                    return port.containerPort
                }
            }
            return nil
        }
    }
}

public enum PodConditionType {
    public static let podScheduled = "PodScheduled"
    public static let podReadyToStartContainers = "PodReadyToStartContainers"
    public static let initialized = "Initialized"
    public static let containersReady = "ContainersReady"
    public static let ready = "Ready"
}

extension ObjectMeta {
    /// The owner with `controller: true`, if any.
    public var controllerRef: OwnerReference? {
        self.ownerReferences.first { $0.controller == true }
    }

    public func isControlled(by uid: String) -> Bool {
        self.controllerRef?.uid == uid
    }
}

extension OwnerReference {
    /// A controller reference to `owner`, blocking its foreground deletion as upstream's do.
    public static func controller<T: KubeObject>(of owner: T) -> OwnerReference {
        OwnerReference(apiVersion: T.apiVersion, kind: T.kind, name: owner.metadata.name, uid: owner.metadata.uid,
                       controller: true, blockOwnerDeletion: true)
    }
}

extension Node {
    public func condition(_ type: String) -> NodeCondition? {
        self.status.conditions.first { $0.type == type }
    }

    /// Ready condition True.
    public var isReady: Bool { self.condition("Ready")?.status == "True" }

    public var internalIP: String? {
        self.status.addresses.first { $0.type == "InternalIP" }?.address
    }
}

extension IntOrString {
    /// Upstream's GetScaledValueFromIntOrPercent: an int as is, "25%" of `total`, rounded up or down.
    public func scaledValue(total: Int32, roundUp: Bool) -> Int32? {
        switch self {
        case .int(let v): return v
        case .string(let s):
            guard s.hasSuffix("%"), let percent = Int64(s.dropLast()) else { return Int32(s) }
            // Saturating: Go's int arithmetic would wrap where Swift's traps.
            let (product, overflow) = percent.multipliedReportingOverflow(by: Int64(total))
            if overflow { return percent < 0 ? Int32.min : Int32.max }
            let value = roundUp ? product / 100 + (product % 100 > 0 ? 1 : 0) : product / 100
            return Int32(clamping: value)
        }
    }
}
