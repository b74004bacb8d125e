import PorticoAPI
import PorticoClient

/// The ReplicaSet controller's pure parts: which pods go first on scale-down, and the status
/// a ReplicaSet reports (upstream's replica_set.go and replica_set_utils.go).
public enum ReplicaSetPlan {
    /// Upstream's burstReplicas: at most this many creations or deletions per sync.
    public static let burstReplicas = 500

    /// The `count` pods to delete, least valuable first (upstream's ActivePods ordering):
    /// unscheduled before scheduled, pending before unknown before running, not ready before
    /// ready, ready for less time before longer, more restarts before fewer, newer before older.
    public static func podsToDelete(_ pods: [Pod], count: Int) -> [Pod] {
        Array(pods.sorted(by: self.deletesFirst).prefix(count))
    }

    static func deletesFirst(_ a: Pod, _ b: Pod) -> Bool {
        if a.spec.nodeName.isEmpty != b.spec.nodeName.isEmpty { return a.spec.nodeName.isEmpty }
        let rank: (PodPhase) -> Int = { $0 == .pending ? 0 : $0 == .unknown ? 1 : $0 == .running ? 2 : 3 }
        if rank(a.status.phase) != rank(b.status.phase) { return rank(a.status.phase) < rank(b.status.phase) }
        if a.isReady != b.isReady { return !a.isReady }
        if a.isReady, b.isReady {
            let at = a.condition(PodConditionType.ready)?.lastTransitionTime
            let bt = b.condition(PodConditionType.ready)?.lastTransitionTime
            if at != bt, let at, let bt { return at > bt }
        }
        let ar = a.status.containerStatuses.map(\.restartCount).max() ?? 0
        let br = b.status.containerStatuses.map(\.restartCount).max() ?? 0
        if ar != br { return ar > br }
        let ac = a.metadata.creationTimestamp ?? Time(secondsSinceEpoch: 0)
        let bc = b.metadata.creationTimestamp ?? Time(secondsSinceEpoch: 0)
        if ac != bc { return ac > bc }
        return a.metadata.name > b.metadata.name
    }

    public static func status(_ rs: ReplicaSet, activePods: [Pod], terminatingPods: Int, now: Time) -> ReplicaSetStatus {
        var status = rs.status
        let templateLabels = rs.spec.template?.metadata.labels ?? [:]
        status.replicas = Int32(activePods.count)
        status.fullyLabeledReplicas = Int32(activePods.filter { pod in templateLabels.allSatisfy { pod.metadata.labels[$0.key] == $0.value } }.count)
        status.readyReplicas = Int32(activePods.filter(\.isReady).count)
        status.availableReplicas = Int32(activePods.filter { $0.isAvailable(minReadySeconds: rs.spec.minReadySeconds, now: now) }.count)
        status.observedGeneration = rs.metadata.generation
        return status
    }

    /// A new pod of the ReplicaSet's template, named by the server from `<rs>-`.
    public static func pod(for rs: ReplicaSet) -> Pod {
        let template = rs.spec.template ?? PodTemplateSpec()
        var meta = ObjectMeta(namespace: rs.metadata.namespace, labels: template.metadata.labels,
                              annotations: template.metadata.annotations)
        meta.generateName = rs.metadata.name + "-"
        meta.finalizers = template.metadata.finalizers
        meta.ownerReferences = [OwnerReference.controller(of: rs)]
        return Pod(metadata: meta, spec: template.spec)
    }
}

/// Keeps each ReplicaSet's count of pods (upstream's replicaset-controller): adopts orphans
/// its selector matches, releases pods it no longer matches, creates in slow-start batches
/// and deletes the least valuable pods first, then reports status.
final class ReplicaSetController: QueueController {
    let name = "replicaset-controller"
    let context: ControllerContext
    /// Events carry the component upstream names (kubectl describe's "From").
    let events: EventRecorder
    let queue = WorkQueue<String>()
    let expectations = Expectations()
    var workers: Int { 5 }

    init(context: ControllerContext) {
        self.context = context
        self.events = context.recorder("replicaset-controller")
    }

    func register() {
        self.context.replicaSets.addHandler { [queue, expectations] event in
            if case .deleted(let rs) = event { expectations.forget(key(rs)) }
            queue.add(key(event.object))
        }
        self.context.pods.addHandler { [weak self] event in
            guard let self else { return }
            switch event {
            case .added(let pod):
                if let owner = self.owner(of: pod) {
                    self.expectations.observedAdd(owner)
                    self.queue.add(owner)
                } else {
                    self.enqueueMatching(pod)
                }
            case .updated(let old, let new):
                if new.metadata.deletionTimestamp != nil, old.metadata.deletionTimestamp == nil, let owner = self.owner(of: new) {
                    self.expectations.observedDelete(owner, podKey: key(new))
                }
                let oldOwner = self.owner(of: old)
                let newOwner = self.owner(of: new)
                if let oldOwner, oldOwner != newOwner { self.queue.add(oldOwner) }
                if let newOwner {
                    self.queue.add(newOwner)
                    // Availability comes minReadySeconds after readiness.
                    if !old.isReady, new.isReady, let rs = self.context.replicaSets.get(key: newOwner), rs.spec.minReadySeconds > 0 {
                        self.queue.add(newOwner, after: .seconds(Int64(rs.spec.minReadySeconds) + 1))
                    }
                } else if old.metadata.labels != new.metadata.labels {
                    self.enqueueMatching(new)
                }
            case .deleted(let pod):
                if let owner = self.owner(of: pod) {
                    self.expectations.observedDelete(owner, podKey: key(pod))
                    self.queue.add(owner)
                }
            }
        }
    }

    func owner(of pod: Pod) -> String? {
        guard let ref = pod.metadata.controllerRef, ref.kind == "ReplicaSet" else { return nil }
        return pod.metadata.namespace + "/" + ref.name
    }

    func enqueueMatching(_ pod: Pod) {
        for rs in self.context.replicaSets.items(inNamespace: pod.metadata.namespace) {
            if let selector = try? Labels.Selector(rs.spec.selector), selector.matches(pod.metadata.labels) {
                self.queue.add(key(rs))
            }
        }
    }

    func sync(_ rsKey: String) async throws {
        let (namespace, name) = splitKey(rsKey)
        guard let rs = self.context.replicaSets.get(namespace: namespace, name: name) else {
            self.expectations.forget(rsKey)
            return
        }
        let selector = try Labels.Selector(rs.spec.selector)
        let needsSync = self.expectations.satisfied(rsKey)
        var owned: [Pod] = []
        var terminating = 0
        for pod in self.context.pods.items(inNamespace: namespace) {
            if let ref = pod.metadata.controllerRef {
                guard ref.uid == rs.metadata.uid else { continue }
                if selector.matches(pod.metadata.labels) {
                    owned.append(pod)
                } else if rs.metadata.deletionTimestamp == nil {
                    try await self.release(pod, from: rs)
                }
                continue
            }
            if selector.matches(pod.metadata.labels), rs.metadata.deletionTimestamp == nil, pod.metadata.deletionTimestamp == nil,
               !pod.isTerminal
            {
                if let adopted = try await self.adopt(pod, into: rs) { owned.append(adopted) }
            }
        }
        let active = owned.filter(\.isActive)
        terminating = owned.filter { $0.metadata.deletionTimestamp != nil && !$0.isTerminal }.count
        if needsSync, rs.metadata.deletionTimestamp == nil {
            try await self.manageReplicas(rs, key: rsKey, active: active)
        }
        let status = ReplicaSetPlan.status(rs, activePods: active, terminatingPods: terminating, now: .now())
        if status != rs.status {
            var updated = rs
            updated.status = status
            _ = try await self.context.client.updateStatus(updated)
        }
    }

    func manageReplicas(_ rs: ReplicaSet, key rsKey: String, active: [Pod]) async throws {
        let wanted = Int(rs.spec.replicas ?? 1)
        let diff = active.count - wanted
        if diff < 0 {
            let count = min(-diff, ReplicaSetPlan.burstReplicas)
            self.expectations.expect(rsKey, adds: count, deletes: [])
            // Slow start: 1, 2, 4, ... so a template that cannot be created fails once, not 500 times.
            var batch = 1
            var remaining = count
            var firstError: (any Error)? = nil
            while remaining > 0 {
                let size = min(batch, remaining)
                let failures = await withTaskGroup(of: (any Error)?.self) { group -> [any Error] in
                    for _ in 0..<size {
                        group.addTask {
                            do {
                                let pod = try await self.context.client.create(ReplicaSetPlan.pod(for: rs))
                                await self.events.normal(rs, reason: "SuccessfulCreate", "Created pod: \(pod.metadata.name)")
                                return nil
                            } catch {
                                await self.events.warning(rs, reason: "FailedCreate", "Error creating: \(error)")
                                return error
                            }
                        }
                    }
                    var errors: [any Error] = []
                    for await error in group { if let error { errors.append(error) } }
                    return errors
                }
                remaining -= size
                if !failures.isEmpty {
                    self.expectations.lowerAdds(rsKey, by: failures.count + remaining)
                    firstError = failures[0]
                    break
                }
                batch *= 2
            }
            if let firstError { throw firstError }
        } else if diff > 0 {
            let victims = ReplicaSetPlan.podsToDelete(active, count: min(diff, ReplicaSetPlan.burstReplicas))
            self.expectations.expect(rsKey, adds: 0, deletes: Set(victims.map { key($0) }))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for pod in victims {
                    group.addTask {
                        try await self.context.client.delete(Pod.self, namespace: pod.metadata.namespace, name: pod.metadata.name)
                        await self.events.normal(rs, reason: "SuccessfulDelete", "Deleted pod: \(pod.metadata.name)")
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    func adopt(_ pod: Pod, into rs: ReplicaSet) async throws -> Pod? {
        let refs = pod.metadata.ownerReferences + [OwnerReference.controller(of: rs)]
        let patch: JSON = ["metadata": ["ownerReferences": try refs.toJSON(), "resourceVersion": .string(pod.metadata.resourceVersion)]]
        do {
            return try await self.context.client.patch(Pod.self, namespace: pod.metadata.namespace, name: pod.metadata.name, patch)
        } catch let error as APIError where error.code == 404 || error.code == 409 {
            return nil
        }
    }

    func release(_ pod: Pod, from rs: ReplicaSet) async throws {
        let refs = pod.metadata.ownerReferences.filter { $0.uid != rs.metadata.uid }
        let patch: JSON = ["metadata": ["ownerReferences": refs.isEmpty ? .null : try refs.toJSON(),
                                        "resourceVersion": .string(pod.metadata.resourceVersion)]]
        do {
            _ = try await self.context.client.patch(Pod.self, namespace: pod.metadata.namespace, name: pod.metadata.name, patch)
        } catch let error as APIError where error.code == 404 || error.code == 409 {
            return
        }
    }
}
