import PorticoAPI
import PorticoClient
import Synchronization

/// Where a pod may run and where it should (the default scheduler's filters and scoring,
/// limited to what Portico's nodes have): a node must be Ready and schedulable, carry no
/// taint the pod does not tolerate, match its nodeSelector and have room; among those the
/// one with the fewest pods wins (spreading by count), ties by name.
public enum SchedulingPolicy {
    public enum Outcome: Sendable, Equatable {
        case node(String)
        /// Upstream's FitError message: `0/3 nodes are available: ...`.
        case unschedulable(String)
    }

    public static func choose(_ pod: Pod, nodes: [Node], podsPerNode: [String: Int]) -> Outcome {
        var reasons: [String: Int] = [:]
        var fits: [Node] = []
        for node in nodes {
            if let reason = self.filter(pod, node, pods: podsPerNode[node.metadata.name] ?? 0) {
                reasons[reason, default: 0] += 1
            } else {
                fits.append(node)
            }
        }
        if let best = fits.min(by: { a, b in
            let (pa, pb) = (podsPerNode[a.metadata.name] ?? 0, podsPerNode[b.metadata.name] ?? 0)
            return pa != pb ? pa < pb : a.metadata.name < b.metadata.name
        }) {
            return .node(best.metadata.name)
        }
        let parts = reasons.map { "\($0.value) \($0.key)" }.sorted()
        var message = "0/\(nodes.count) nodes are available"
        message += parts.isEmpty ? "." : ": " + parts.joined(separator: ", ") + "."
        message += " preemption: 0/\(nodes.count) nodes are available: \(nodes.count) Preemption is not helpful for scheduling."
        return .unschedulable(message)
    }

    /// Why `node` cannot take `pod`, in the words of upstream's filter plugins; nil if it can.
    static func filter(_ pod: Pod, _ node: Node, pods: Int) -> String? {
        if node.spec.unschedulable, !self.tolerates(pod, Taint(key: "node.kubernetes.io/unschedulable", effect: "NoSchedule")) {
            return "node(s) were unschedulable"
        }
        for taint in node.spec.taints where taint.effect == "NoSchedule" || taint.effect == "NoExecute" {
            if !self.tolerates(pod, taint) { return "node(s) had untolerated taint {\(taint.key): \(taint.value)}" }
        }
        if !node.isReady {
            let taint = node.condition("Ready")?.status == "Unknown"
                ? Taint(key: "node.kubernetes.io/unreachable", effect: "NoSchedule") : Taint(key: "node.kubernetes.io/not-ready", effect: "NoSchedule")
            if !self.tolerates(pod, taint) { return "node(s) had untolerated taint {\(taint.key): }" }
        }
        if !pod.spec.nodeSelector.allSatisfy({ node.metadata.labels[$0.key] == $0.value }) {
            return "node(s) didn't match Pod's node affinity/selector"
        }
        let capacity = Int(node.status.allocatable["pods"]?.description ?? node.status.capacity["pods"]?.description ?? "110") ?? 110
        if pods >= capacity { return "Too many pods" }
        return nil
    }

    /// Upstream's ToleratesTaint: same key (or an empty key with Exists), same effect (or any),
    /// and Exists, or Equal with the same value.
    public static func tolerates(_ pod: Pod, _ taint: Taint) -> Bool {
        pod.spec.tolerations.contains { toleration in
            let key = toleration["key"]?.stringValue ?? ""
            let op = toleration["operator"]?.stringValue ?? "Equal"
            let value = toleration["value"]?.stringValue ?? ""
            let effect = toleration["effect"]?.stringValue ?? ""
            if !effect.isEmpty, effect != taint.effect { return false }
            if key.isEmpty { return op == "Exists" }
            guard key == taint.key else { return false }
            return op == "Exists" || value == taint.value
        }
    }
}

/// Binds pending pods to nodes through `pods/binding`, as kube-scheduler does, and says why
/// when it cannot (a FailedScheduling event and the PodScheduled condition). Pods it has
/// bound but the cache has not shown yet still count on their node.
final class Scheduler: QueueController {
    let name = "default-scheduler"
    let context: ControllerContext
    /// Events carry the component upstream names (kubectl describe's "From").
    let events: EventRecorder
    let queue = WorkQueue<String>(baseDelay: .milliseconds(100), maxDelay: .seconds(10))
    let assumed = Mutex<[String: String]>([:])
    var workers: Int { 1 }

    init(context: ControllerContext) {
        self.context = context
        self.events = context.recorder("default-scheduler")
    }

    func register() {
        self.context.pods.addHandler { [weak self] event in
            guard let self else { return }
            switch event {
            case .added(let pod), .updated(_, let pod):
                if Self.wantsScheduling(pod) { self.queue.add(key(pod)) } else { self.assumed.withLock { _ = $0.removeValue(forKey: key(pod)) } }
            case .deleted(let pod):
                self.assumed.withLock { _ = $0.removeValue(forKey: key(pod)) }
                // Room freed: pods waiting for it may fit now.
                if !pod.spec.nodeName.isEmpty { self.requeueUnscheduled() }
            }
        }
        self.context.nodes.addHandler { [weak self] _ in self?.requeueUnscheduled() }
    }

    static func wantsScheduling(_ pod: Pod) -> Bool {
        pod.spec.nodeName.isEmpty && pod.metadata.deletionTimestamp == nil && !pod.isTerminal
            && (pod.spec.schedulerName.isEmpty || pod.spec.schedulerName == "default-scheduler")
    }

    func requeueUnscheduled() {
        for pod in self.context.pods.items where Self.wantsScheduling(pod) { self.queue.add(key(pod)) }
    }

    func sync(_ podKey: String) async throws {
        let (namespace, name) = splitKey(podKey)
        guard let pod = self.context.pods.get(namespace: namespace, name: name), Self.wantsScheduling(pod),
              self.assumed.withLock({ $0[podKey] == nil })
        else { return }
        var counts: [String: Int] = [:]
        for other in self.context.pods.items where !other.spec.nodeName.isEmpty && !other.isTerminal {
            counts[other.spec.nodeName, default: 0] += 1
        }
        for (assumedKey, node) in self.assumed.withLock({ $0 }) where self.context.pods.get(key: assumedKey)?.spec.nodeName.isEmpty ?? false {
            counts[node, default: 0] += 1
        }
        switch SchedulingPolicy.choose(pod, nodes: self.context.nodes.items, podsPerNode: counts) {
        case .node(let node):
            self.assumed.withLock { $0[podKey] = node }
            do {
                try await self.context.client.bind(pod, to: node)
            } catch {
                self.assumed.withLock { _ = $0.removeValue(forKey: podKey) }
                throw error
            }
            await self.events.normal(pod, reason: "Scheduled", "Successfully assigned \(namespace)/\(name) to \(node)")
        case .unschedulable(let message):
            await self.events.warning(pod, reason: "FailedScheduling", message)
            if pod.condition(PodConditionType.podScheduled)?.message != message {
                var updated = pod
                updated.status.conditions.removeAll { $0.type == PodConditionType.podScheduled }
                updated.status.conditions.append(PodCondition(type: PodConditionType.podScheduled, status: "False",
                                                              lastTransitionTime: .now(), reason: "Unschedulable", message: message))
                _ = try? await self.context.client.updateStatus(updated)
            }
            // Node changes requeue it; until then look again now and then, as upstream's
            // unschedulable queue is flushed.
            self.queue.add(podKey, after: .seconds(30))
        }
    }
}
