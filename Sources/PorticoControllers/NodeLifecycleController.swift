import PorticoAPI
import PorticoClient
import Synchronization

/// Notices nodes whose agent has gone quiet (upstream's node-lifecycle-controller): a node's
/// heartbeat is its Lease in kube-node-lease (and its Ready condition). When none has been
/// seen for the grace period, the node's conditions become Unknown, it gets the
/// `node.kubernetes.io/unreachable` taints, and its pods are marked not Ready, so endpoint
/// controllers take them out of Services. A node that reports again loses the taints.
final class NodeLifecycleController: Sendable {
    let context: ControllerContext
    /// Events carry the component upstream names (kubectl describe's "From").
    let events: EventRecorder
    let gracePeriod: Duration
    let monitorPeriod: Duration

    struct Observed {
        var leaseRenew: MicroTime?
        var readyHeartbeat: Time?
        var probedAt: ContinuousClock.Instant
    }

    let observed = Mutex<[String: Observed]>([:])

    static let unreachable = "node.kubernetes.io/unreachable"
    static let notReady = "node.kubernetes.io/not-ready"

    init(context: ControllerContext, gracePeriod: Duration, monitorPeriod: Duration) {
        self.context = context
        self.events = context.recorder("node-controller")
        self.gracePeriod = gracePeriod
        self.monitorPeriod = monitorPeriod
    }

    func run() async {
        while !Task.isCancelled {
            for node in self.context.nodes.items {
                do {
                    try await self.monitor(node)
                } catch {
                    self.context.logger.debug("node-lifecycle: update failed", metadata: ["node": "\(node.metadata.name)", "error": "\(error)"])
                }
            }
            try? await Task.sleep(for: self.monitorPeriod)
        }
    }

    func monitor(_ node: Node) async throws {
        let name = node.metadata.name
        let lease = self.context.leases.get(namespace: "kube-node-lease", name: name)
        let ready = node.condition("Ready")
        let now = ContinuousClock.now
        let silentFor = self.observed.withLock { observed -> Duration in
            var entry = observed[name] ?? Observed(leaseRenew: lease?.spec.renewTime, readyHeartbeat: ready?.lastHeartbeatTime, probedAt: now)
            if entry.leaseRenew != lease?.spec.renewTime || entry.readyHeartbeat != ready?.lastHeartbeatTime {
                entry = Observed(leaseRenew: lease?.spec.renewTime, readyHeartbeat: ready?.lastHeartbeatTime, probedAt: now)
            }
            observed[name] = entry
            return now - entry.probedAt
        }
        var current = node
        if silentFor > self.gracePeriod, ready?.status != "Unknown" {
            current = try await self.markUnknown(node)
            await self.events.normal(node, reason: "NodeNotReady", "Node \(name) status is now: NodeNotReady")
        }
        try await self.syncTaints(current)
        if let status = current.condition("Ready")?.status, status != "True" {
            try await self.markPodsNotReady(on: name)
        }
    }

    /// Upstream's tryUpdateNodeHealth: every condition the kubelet owns becomes Unknown.
    func markUnknown(_ node: Node) async throws -> Node {
        var updated = node
        let now = Time.now()
        let owned = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"]
        for type in owned {
            if let i = updated.status.conditions.firstIndex(where: { $0.type == type }) {
                guard updated.status.conditions[i].status != "Unknown" else { continue }
                updated.status.conditions[i].status = "Unknown"
                updated.status.conditions[i].reason = "NodeStatusUnknown"
                updated.status.conditions[i].message = "Kubelet stopped posting node status."
                updated.status.conditions[i].lastTransitionTime = now
            } else {
                updated.status.conditions.append(NodeCondition(type: type, status: "Unknown", lastHeartbeatTime: node.metadata.creationTimestamp,
                                                               lastTransitionTime: now, reason: "NodeStatusNeverUpdated",
                                                               message: "Kubelet never posted node status."))
            }
        }
        return try await self.context.client.updateStatus(updated)
    }

    /// NoSchedule and NoExecute taints for an unreachable (Unknown) or not-ready (False) node, none for a Ready one.
    func syncTaints(_ node: Node) async throws {
        // A node that has not reported yet is left alone (upstream gives it a startup grace period).
        guard let status = node.condition("Ready")?.status else { return }
        var wanted: [String] = []
        if status == "Unknown" { wanted = [Self.unreachable] } else if status == "False" { wanted = [Self.notReady] }
        var taints = node.spec.taints.filter { taint in
            (taint.key != Self.unreachable && taint.key != Self.notReady) || wanted.contains(taint.key)
        }
        for key in wanted {
            for effect in ["NoSchedule", "NoExecute"] where !taints.contains(where: { $0.key == key && $0.effect == effect }) {
                var taint = Taint(key: key, effect: effect)
                if effect == "NoExecute" { taint.timeAdded = .now() }
                taints.append(taint)
            }
        }
        guard taints != node.spec.taints else { return }
        var updated = node
        updated.spec.taints = taints
        _ = try await self.context.client.update(updated)
    }

    /// Upstream's MarkPodsNotReady: each pod on the node gets Ready=False.
    func markPodsNotReady(on node: String) async throws {
        for pod in self.context.pods.items where pod.spec.nodeName == node && !pod.isTerminal {
            guard let i = pod.status.conditions.firstIndex(where: { $0.type == PodConditionType.ready }),
                  pod.status.conditions[i].status != "False"
            else { continue }
            var updated = pod
            updated.status.conditions[i].status = "False"
            updated.status.conditions[i].lastTransitionTime = .now()
            updated.status.conditions[i].reason = ""
            updated.status.conditions[i].message = ""
            _ = try await self.context.client.updateStatus(updated)
            await self.events.warning(pod, reason: "NodeNotReady", "Node is not ready")
        }
    }
}
