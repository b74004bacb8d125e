import PorticoAPI
import PorticoClient

/// Deployments into ReplicaSets (upstream's deployment-controller): one ReplicaSet per pod
/// template, named `<deployment>-<pod-template-hash>`; rolling updates bounded by maxSurge and
/// maxUnavailable, or Recreate; proportional scaling mid-rollout; revision history; and the
/// status and conditions `kubectl rollout status` reads. The arithmetic is in
/// `DeploymentRollout`; this class reads the caches and writes the results.
final class DeploymentController: QueueController {
    let name = "deployment-controller"
    let context: ControllerContext
    /// Events carry the component upstream names (kubectl describe's "From").
    let events: EventRecorder
    let queue = WorkQueue<String>(baseDelay: .milliseconds(5), maxDelay: .seconds(1000))
    var workers: Int { 5 }

    init(context: ControllerContext) {
        self.context = context
        self.events = context.recorder("deployment-controller")
    }

    func register() {
        self.context.deployments.addHandler { [queue] event in queue.add(key(event.object)) }
        self.context.replicaSets.addHandler { [weak self] event in
            guard let self else { return }
            let rs = event.object
            if let ref = rs.metadata.controllerRef, ref.kind == "Deployment" {
                self.queue.add(rs.metadata.namespace + "/" + ref.name)
            } else {
                for d in self.context.deployments.items(inNamespace: rs.metadata.namespace) {
                    if let selector = try? Labels.Selector(d.spec.selector), selector.matches(rs.metadata.labels) { self.queue.add(key(d)) }
                }
            }
        }
        // Recreate waits for the old pods to be gone.
        self.context.pods.addHandler { [weak self] event in
            guard let self, case .deleted(let pod) = event, let ref = pod.metadata.controllerRef, ref.kind == "ReplicaSet",
                  let rs = self.context.replicaSets.get(namespace: pod.metadata.namespace, name: ref.name),
                  let owner = rs.metadata.controllerRef, owner.kind == "Deployment"
            else { return }
            self.queue.add(pod.metadata.namespace + "/" + owner.name)
        }
    }

    func sync(_ deploymentKey: String) async throws {
        let (namespace, name) = splitKey(deploymentKey)
        guard let d = self.context.deployments.get(namespace: namespace, name: name) else { return }
        let selector = try Labels.Selector(d.spec.selector)
        var owned: [ReplicaSet] = []
        for rs in self.context.replicaSets.items(inNamespace: namespace) {
            if let ref = rs.metadata.controllerRef {
                if ref.uid == d.metadata.uid, selector.matches(rs.metadata.labels) { owned.append(rs) }
                continue
            }
            if selector.matches(rs.metadata.labels), d.metadata.deletionTimestamp == nil, rs.metadata.deletionTimestamp == nil {
                if let adopted = try await self.adopt(rs, into: d) { owned.append(adopted) }
            }
        }
        let new = owned.filter { DeploymentRollout.equalIgnoringHash($0.spec.template ?? PodTemplateSpec(), d.spec.template) }
            .sorted(by: DeploymentRollout.olderFirst).first
        let old = owned.filter { $0.metadata.uid != new?.metadata.uid }
        if d.metadata.deletionTimestamp != nil {
            return try await self.syncStatus(d, all: owned, new: new)
        }
        let active = owned.filter { ($0.spec.replicas ?? 0) > 0 }
        if d.spec.paused || DeploymentRollout.isScalingEvent(d, active: active) {
            let sizes = DeploymentRollout.scale(d, all: owned, new: new)
            for rs in owned { if let size = sizes[rs.metadata.name] { try await self.scale(rs, to: size, for: d) } }
            if d.spec.paused || !sizes.isEmpty { return try await self.syncStatus(d, all: owned, new: new) }
        }
        if d.spec.strategy.type == "Recreate" {
            try await self.recreate(d, old: old, new: new)
        } else {
            try await self.rollingUpdate(d, old: old, new: new)
        }
    }

    // MARK: strategies

    func rollingUpdate(_ d: Deployment, old: [ReplicaSet], new existingNew: ReplicaSet?) async throws {
        var createdNew = false
        var new: ReplicaSet
        if let existingNew {
            new = try await self.refreshRevision(existingNew, old: old, for: d)
        } else {
            let placeholder = ReplicaSet(spec: ReplicaSetSpec(replicas: 0))
            let replicas = DeploymentRollout.newReplicaSetReplicas(d, all: old + [placeholder], new: placeholder)
            new = try await self.createNewReplicaSet(d, old: old, replicas: replicas)
            createdNew = true
            return try await self.syncStatus(d, all: old + [new], new: new, createdNew: true)
        }
        let want = DeploymentRollout.newReplicaSetReplicas(d, all: old + [new], new: new)
        if want != (new.spec.replicas ?? 0) {
            new = try await self.scale(new, to: want, for: d)
            return try await self.syncStatus(d, all: old + [new], new: new, createdNew: createdNew)
        }
        let sizes = DeploymentRollout.scaleDownOld(d, old: old, new: new)
        var scaledOld = old
        for (i, rs) in old.enumerated() {
            if let size = sizes[rs.metadata.name] { scaledOld[i] = try await self.scale(rs, to: size, for: d) }
        }
        let status = DeploymentRollout.status(d, all: scaledOld + [new], new: new)
        if sizes.isEmpty, DeploymentRollout.isComplete(d, status) {
            try await self.cleanup(d, old: scaledOld)
        }
        try await self.syncStatus(d, all: scaledOld + [new], new: new)
    }

    func recreate(_ d: Deployment, old: [ReplicaSet], new existingNew: ReplicaSet?) async throws {
        let activeOld = old.filter { ($0.spec.replicas ?? 0) > 0 }
        if !activeOld.isEmpty {
            var all = old
            for (i, rs) in old.enumerated() where (rs.spec.replicas ?? 0) > 0 { all[i] = try await self.scale(rs, to: 0, for: d) }
            return try await self.syncStatus(d, all: all + (existingNew.map { [$0] } ?? []), new: existingNew)
        }
        let oldUIDs = Set(old.map(\.metadata.uid))
        let oldPodsLeft = self.context.pods.items(inNamespace: d.metadata.namespace).contains { pod in
            guard let ref = pod.metadata.controllerRef else { return false }
            return oldUIDs.contains(ref.uid) && !pod.isTerminal
        }
        if oldPodsLeft { return try await self.syncStatus(d, all: old + (existingNew.map { [$0] } ?? []), new: existingNew) }
        let replicas = d.spec.replicas ?? 1
        guard var new = existingNew else {
            let created = try await self.createNewReplicaSet(d, old: old, replicas: replicas)
            return try await self.syncStatus(d, all: old + [created], new: created, createdNew: true)
        }
        new = try await self.refreshRevision(new, old: old, for: d)
        if (new.spec.replicas ?? 0) != replicas { new = try await self.scale(new, to: replicas, for: d) }
        if DeploymentRollout.isComplete(d, DeploymentRollout.status(d, all: old + [new], new: new)) {
            try await self.cleanup(d, old: old)
        }
        try await self.syncStatus(d, all: old + [new], new: new)
    }

    // MARK: ReplicaSets

    func createNewReplicaSet(_ d: Deployment, old: [ReplicaSet], replicas: Int32) async throws -> ReplicaSet {
        let hash = DeploymentRollout.templateHash(d.spec.template, collisionCount: d.status.collisionCount)
        var template = d.spec.template
        template.metadata.labels[DeploymentRollout.hashLabel] = hash
        var selector = d.spec.selector ?? LabelSelector()
        selector.matchLabels[DeploymentRollout.hashLabel] = hash
        let revision = (old.map(DeploymentRollout.revision).max() ?? 0) + 1
        var meta = ObjectMeta(name: "\(d.metadata.name)-\(hash)", namespace: d.metadata.namespace, labels: template.metadata.labels)
        meta.ownerReferences = [OwnerReference.controller(of: d)]
        meta.annotations = self.annotations(for: d, revision: revision)
        var rs = ReplicaSet(metadata: meta, spec: ReplicaSetSpec(replicas: replicas, selector: selector, template: template))
        rs.spec.minReadySeconds = d.spec.minReadySeconds
        do {
            let created = try await self.context.client.create(rs)
            if replicas > 0 {
                await self.events.normal(d, reason: "ScalingReplicaSet",
                                                 "Scaled up replica set \(created.metadata.name) from 0 to \(replicas)")
            }
            try await self.setDeploymentRevision(d, revision)
            return created
        } catch let error as APIError where error.code == 409 && error.reason == .alreadyExists {
            // Ours already, with this template: use it. Otherwise a hash collision: count it and retry.
            if let existing = try await self.context.client.get(ReplicaSet.self, namespace: d.metadata.namespace, name: rs.metadata.name),
               existing.metadata.isControlled(by: d.metadata.uid),
               DeploymentRollout.equalIgnoringHash(existing.spec.template ?? PodTemplateSpec(), d.spec.template)
            {
                return existing
            }
            var bumped = d
            bumped.status.collisionCount = (d.status.collisionCount ?? 0) + 1
            _ = try await self.context.client.updateStatus(bumped)
            throw ControllerError("replica set \(rs.metadata.name) exists with another template; collisionCount is now \(bumped.status.collisionCount!)")
        }
    }

    func annotations(for d: Deployment, revision: Int64) -> [String: String] {
        var annotations = d.metadata.annotations.filter { !DeploymentRollout.notCopied.contains($0.key) }
        annotations[DeploymentRollout.revisionAnnotation] = String(revision)
        annotations[DeploymentRollout.desiredReplicasAnnotation] = String(d.spec.replicas ?? 1)
        annotations[DeploymentRollout.maxReplicasAnnotation] = String(Int64(d.spec.replicas ?? 1) + Int64(DeploymentRollout.bounds(d).surge))
        return annotations
    }

    /// A template that comes back (a rollback) takes the next revision.
    func refreshRevision(_ rs: ReplicaSet, old: [ReplicaSet], for d: Deployment) async throws -> ReplicaSet {
        let maxOld = old.map(DeploymentRollout.revision).max() ?? 0
        var revision = DeploymentRollout.revision(rs)
        if revision <= maxOld { revision = maxOld + 1 }
        try await self.setDeploymentRevision(d, revision)
        guard rs.metadata.annotations[DeploymentRollout.revisionAnnotation] != String(revision) else { return rs }
        var updated = rs
        updated.metadata.annotations[DeploymentRollout.revisionAnnotation] = String(revision)
        return try await self.context.client.update(updated)
    }

    func setDeploymentRevision(_ d: Deployment, _ revision: Int64) async throws {
        guard d.metadata.annotations[DeploymentRollout.revisionAnnotation] != String(revision) else { return }
        let patch: JSON = ["metadata": ["annotations": [.init(DeploymentRollout.revisionAnnotation): .string(String(revision))],
                                        "resourceVersion": .string(d.metadata.resourceVersion)]]
        _ = try await self.context.client.patch(Deployment.self, namespace: d.metadata.namespace, name: d.metadata.name, patch)
    }

    @discardableResult
    func scale(_ rs: ReplicaSet, to size: Int32, for d: Deployment) async throws -> ReplicaSet {
        let from = rs.spec.replicas ?? 0
        var updated = rs
        updated.spec.replicas = size
        updated.metadata.annotations[DeploymentRollout.desiredReplicasAnnotation] = String(d.spec.replicas ?? 1)
        updated.metadata.annotations[DeploymentRollout.maxReplicasAnnotation] = String(Int64(d.spec.replicas ?? 1) + Int64(DeploymentRollout.bounds(d).surge))
        if updated == rs { return rs }
        let written = try await self.context.client.update(updated)
        if from != size {
            await self.events.normal(d, reason: "ScalingReplicaSet",
                                             "Scaled \(size > from ? "up" : "down") replica set \(rs.metadata.name) from \(from) to \(size)")
        }
        return written
    }

    func cleanup(_ d: Deployment, old: [ReplicaSet]) async throws {
        let limit = Int(d.spec.revisionHistoryLimit ?? 10)
        let candidates = old.filter { ($0.spec.replicas ?? 0) == 0 && $0.status.replicas == 0 && $0.metadata.deletionTimestamp == nil }
            .sorted { DeploymentRollout.revision($0) < DeploymentRollout.revision($1) }
        guard candidates.count > limit else { return }
        for rs in candidates.prefix(candidates.count - limit) {
            try await self.context.client.delete(ReplicaSet.self, namespace: rs.metadata.namespace, name: rs.metadata.name)
        }
    }

    func adopt(_ rs: ReplicaSet, into d: Deployment) async throws -> ReplicaSet? {
        let refs = rs.metadata.ownerReferences + [OwnerReference.controller(of: d)]
        let patch: JSON = ["metadata": ["ownerReferences": try refs.toJSON(), "resourceVersion": .string(rs.metadata.resourceVersion)]]
        do {
            return try await self.context.client.patch(ReplicaSet.self, namespace: rs.metadata.namespace, name: rs.metadata.name, patch)
        } catch let error as APIError where error.code == 404 || error.code == 409 {
            return nil
        }
    }

    // MARK: status

    func syncStatus(_ d: Deployment, all: [ReplicaSet], new: ReplicaSet?, createdNew: Bool = false) async throws {
        let now = Time.now()
        var status = DeploymentRollout.status(d, all: all, new: new)
        var conditions = d.status.conditions
        let replicas = d.spec.replicas ?? 1
        let (_, maxUnavailable) = DeploymentRollout.bounds(d)
        if status.availableReplicas >= replicas - maxUnavailable {
            DeploymentRollout.setCondition(&conditions, DeploymentRollout.condition(
                "Available", true, reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability.", now: now))
        } else {
            DeploymentRollout.setCondition(&conditions, DeploymentRollout.condition(
                "Available", false, reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability.", now: now))
        }
        var requeueAfter: Int64? = nil
        if let deadline = d.spec.progressDeadlineSeconds, let new {
            let rsName = "ReplicaSet \"\(new.metadata.name)\""
            let progressing = conditions.first { $0.type == "Progressing" }
            if createdNew {
                DeploymentRollout.setCondition(&conditions, DeploymentRollout.condition(
                    "Progressing", true, reason: "NewReplicaSetCreated", message: "Created new replica set \"\(new.metadata.name)\"", now: now))
            } else if DeploymentRollout.isComplete(d, status) {
                DeploymentRollout.setCondition(&conditions, DeploymentRollout.condition(
                    "Progressing", true, reason: "NewReplicaSetAvailable", message: "\(rsName) has successfully progressed.", now: now))
            } else if DeploymentRollout.isProgressing(d.status, status) {
                var condition = DeploymentRollout.condition("Progressing", true, reason: "ReplicaSetUpdated",
                                                            message: "\(rsName) is progressing.", now: now)
                if progressing?.status == "True" { condition.lastTransitionTime = progressing?.lastTransitionTime }
                if let i = conditions.firstIndex(where: { $0.type == "Progressing" }) { conditions[i] = condition } else { conditions.append(condition) }
            } else if progressing == nil {
                DeploymentRollout.setCondition(&conditions, DeploymentRollout.condition(
                    "Progressing", true, reason: "FoundNewReplicaSet", message: "Found new replica set \"\(new.metadata.name)\"", now: now))
            } else if progressing?.reason != "ProgressDeadlineExceeded", progressing?.reason != "NewReplicaSetAvailable",
                      let since = progressing?.lastUpdateTime
            {
                let left = since.secondsSinceEpoch + Int64(deadline) - now.secondsSinceEpoch
                if left <= 0 {
                    DeploymentRollout.setCondition(&conditions, DeploymentRollout.condition(
                        "Progressing", false, reason: "ProgressDeadlineExceeded", message: "\(rsName) has timed out progressing.", now: now))
                } else {
                    requeueAfter = left + 1
                }
            }
            if !DeploymentRollout.isComplete(d, status), requeueAfter == nil,
               conditions.first(where: { $0.type == "Progressing" })?.reason != "ProgressDeadlineExceeded"
            {
                requeueAfter = Int64(deadline) + 1
            }
        }
        // Sorted as upstream writes them: Available first, then Progressing.
        status.conditions = conditions.sorted { ($0.type == "Available" ? 0 : 1) < ($1.type == "Available" ? 0 : 1) }
        if d.spec.minReadySeconds > 0, status.readyReplicas > status.availableReplicas {
            requeueAfter = min(requeueAfter ?? Int64.max, Int64(d.spec.minReadySeconds) + 1)
        }
        if let requeueAfter { self.queue.add(key(d), after: .seconds(requeueAfter)) }
        guard status != d.status else { return }
        var updated = d
        updated.status = status
        _ = try await self.context.client.updateStatus(updated)
    }
}
