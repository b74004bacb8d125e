import PorticoAPI

/// The Deployment controller's pure arithmetic (upstream's deployment/util and rolling.go):
/// template hashes, revisions, surge and unavailability bounds, how far to scale the new and
/// old ReplicaSets, proportional scaling, and the status and conditions to report.
public enum DeploymentRollout {
    public static let revisionAnnotation = "deployment.kubernetes.io/revision"
    public static let desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
    public static let maxReplicasAnnotation = "deployment.kubernetes.io/max-replicas"
    public static let hashLabel = "pod-template-hash"

    /// Annotations a Deployment does not pass on to its ReplicaSets.
    static let notCopied: Set<String> = [
        "kubectl.kubernetes.io/last-applied-configuration", revisionAnnotation, "deployment.kubernetes.io/revision-history",
        desiredReplicasAnnotation, maxReplicasAnnotation, "deprecated.deployment.rollback.to",
    ]

    // MARK: hashes and revisions

    /// FNV-32a of the template's canonical JSON (and the collision count), written with
    /// upstream's SafeEncodeString alphabet. Upstream hashes Go's printed struct instead, so
    /// the values differ from a real cluster's; the form and the behaviour are the same.
    public static func templateHash(_ template: PodTemplateSpec, collisionCount: Int32?) -> String {
        var hash: UInt32 = 2_166_136_261
        var bytes = (try? template.toJSON().sortedKeys.serializedBytes()) ?? []
        if let collisionCount { bytes += Array(String(collisionCount).utf8) }
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String(String(hash).utf8.map { alphabet[Int($0) % alphabet.count] })
    }

    /// Templates equal apart from the pod-template-hash label (upstream's EqualIgnoreHash).
    public static func equalIgnoringHash(_ a: PodTemplateSpec, _ b: PodTemplateSpec) -> Bool {
        var a = a
        var b = b
        a.metadata.labels.removeValue(forKey: self.hashLabel)
        b.metadata.labels.removeValue(forKey: self.hashLabel)
        return a == b
    }

    public static func revision(_ rs: ReplicaSet) -> Int64 {
        Int64(rs.metadata.annotations[self.revisionAnnotation] ?? "") ?? 0
    }

    // MARK: bounds

    /// maxSurge rounded up and maxUnavailable rounded down, never both zero.
    public static func bounds(_ d: Deployment) -> (surge: Int32, unavailable: Int32) {
        let replicas = d.spec.replicas ?? 1
        guard d.spec.strategy.type != "Recreate", let rolling = d.spec.strategy.rollingUpdate else { return (0, 0) }
        let surge = max(0, rolling.maxSurge?.scaledValue(total: replicas, roundUp: true) ?? 0)
        var unavailable = max(0, rolling.maxUnavailable?.scaledValue(total: replicas, roundUp: false) ?? 0)
        if surge == 0, unavailable == 0 { unavailable = 1 }
        return (surge, min(unavailable, replicas))
    }

    /// How many replicas the new ReplicaSet should have now (upstream's NewRSNewReplicas).
    public static func newReplicaSetReplicas(_ d: Deployment, all: [ReplicaSet], new: ReplicaSet) -> Int32 {
        let replicas = d.spec.replicas ?? 1
        let current = new.spec.replicas ?? 0
        if d.spec.strategy.type == "Recreate" { return replicas }
        let (surge, _) = self.bounds(d)
        // In Int64: replica counts near Int32.max must not trap (Go's int32 would wrap).
        let total = all.reduce(Int64(0)) { $0 + Int64($1.spec.replicas ?? 0) }
        let maxTotal = Int64(replicas) + Int64(surge)
        if total >= maxTotal { return current }
        let up = min(maxTotal - total, Int64(replicas) - Int64(current))
        return Int32(clamping: Int64(current) + max(0, up))
    }

    /// How many old replicas may go now: first unavailable ones, then available ones down to
    /// the minimum available (upstream's reconcileOldReplicaSets). Returns the new sizes.
    public static func scaleDownOld(_ d: Deployment, old: [ReplicaSet], new: ReplicaSet?) -> [String: Int32] {
        // In Int64 (as newReplicaSetReplicas): sums of replica counts may pass Int32.max.
        let replicas = Int64(d.spec.replicas ?? 1)
        let oldTotal = old.reduce(Int64(0)) { $0 + Int64($1.spec.replicas ?? 0) }
        guard oldTotal > 0 else { return [:] }
        let all = old + (new.map { [$0] } ?? [])
        let allTotal = all.reduce(Int64(0)) { $0 + Int64($1.spec.replicas ?? 0) }
        let (_, maxUnavailable) = self.bounds(d)
        let minAvailable = replicas - Int64(maxUnavailable)
        let newUnavailable = Int64(new?.spec.replicas ?? 0) - Int64(new?.status.availableReplicas ?? 0)
        let maxScaledDown = allTotal - minAvailable - newUnavailable
        guard maxScaledDown > 0 else { return [:] }
        var sizes: [String: Int64] = [:]
        for rs in old { sizes[rs.metadata.name] = Int64(rs.spec.replicas ?? 0) }
        // Unhealthy replicas first, oldest ReplicaSet first.
        var budget = maxScaledDown
        for rs in old.sorted(by: self.olderFirst) where budget > 0 {
            let size = sizes[rs.metadata.name]!
            let unhealthy = size - Int64(rs.status.availableReplicas)
            guard size > 0, unhealthy > 0 else { continue }
            let cut = min(budget, unhealthy)
            sizes[rs.metadata.name] = size - cut
            budget -= cut
        }
        // Then available ones, keeping the minimum available.
        let available = all.reduce(Int64(0)) { $0 + Int64($1.status.availableReplicas) }
        var removable = min(available - minAvailable, budget)
        for rs in old.sorted(by: self.olderFirst) where removable > 0 {
            let size = sizes[rs.metadata.name]!
            guard size > 0 else { continue }
            let cut = min(size, removable)
            sizes[rs.metadata.name] = size - cut
            removable -= cut
        }
        return sizes.mapValues { Int32(clamping: $0) }.filter { name, size in old.first { $0.metadata.name == name }?.spec.replicas != size }
    }

    static func olderFirst(_ a: ReplicaSet, _ b: ReplicaSet) -> Bool {
        let at = a.metadata.creationTimestamp ?? Time(secondsSinceEpoch: 0)
        let bt = b.metadata.creationTimestamp ?? Time(secondsSinceEpoch: 0)
        return at != bt ? at < bt : a.metadata.name < b.metadata.name
    }

    /// A scaling event: some active ReplicaSet was sized for a different replica count.
    public static func isScalingEvent(_ d: Deployment, active: [ReplicaSet]) -> Bool {
        let replicas = String(d.spec.replicas ?? 1)
        return active.contains { rs in
            guard let desired = rs.metadata.annotations[self.desiredReplicasAnnotation] else { return false }
            return desired != replicas
        }
    }

    /// New sizes for a change of `spec.replicas` (upstream's scale): one active ReplicaSet takes
    /// it all; several share it in proportion to their size, the rest to the largest.
    public static func scale(_ d: Deployment, all: [ReplicaSet], new: ReplicaSet?) -> [String: Int32] {
        let replicas = d.spec.replicas ?? 1
        let active = all.filter { ($0.spec.replicas ?? 0) > 0 }
        if active.count <= 1 {
            guard let target = active.first ?? new else { return [:] }
            return (target.spec.replicas ?? 0) == replicas ? [:] : [target.metadata.name: replicas]
        }
        if let new, (new.spec.replicas ?? 0) == replicas, new.status.availableReplicas == replicas {
            var sizes: [String: Int32] = [:]
            for rs in active where rs.metadata.name != new.metadata.name { sizes[rs.metadata.name] = 0 }
            return sizes
        }
        let (surge, _) = self.bounds(d)
        let allowed = Int32(clamping: Int64(replicas) + Int64(surge))
        let current = self.sum(active.map { $0.spec.replicas ?? 0 })
        let toAdd = Int32(clamping: Int64(allowed) - Int64(current))
        guard toAdd != 0 else { return [:] }
        // Scaling up favours the largest (newest on a tie); scaling down the largest (oldest on a tie).
        let ordered = active.sorted { a, b in
            let (sa, sb) = (a.spec.replicas ?? 0, b.spec.replicas ?? 0)
            if sa != sb { return sa > sb }
            return toAdd > 0 ? !self.olderFirst(a, b) : self.olderFirst(a, b)
        }
        var sizes: [String: Int32] = [:]
        var added: Int32 = 0
        for rs in ordered {
            let size = rs.spec.replicas ?? 0
            let annotated = Int32(rs.metadata.annotations[self.maxReplicasAnnotation] ?? "") ?? current
            var proportion: Int32 = 0
            if annotated > 0 {
                let scaled = (Int64(size) * Int64(allowed) + Int64(annotated) - 1) / Int64(annotated)
                proportion = Int32(clamping: scaled - Int64(size))
            }
            let room = toAdd - added
            proportion = toAdd > 0 ? min(proportion, room) : max(proportion, room)
            sizes[rs.metadata.name] = Int32(clamping: Int64(size) + Int64(proportion))
            added = Int32(clamping: Int64(added) + Int64(proportion))
        }
        if added != toAdd, let first = ordered.first {
            sizes[first.metadata.name] = Int32(clamping: max(0, Int64(sizes[first.metadata.name]!) + Int64(toAdd) - Int64(added)))
        }
        return sizes.filter { name, size in all.first { $0.metadata.name == name }?.spec.replicas != size }
    }

    /// A sum of replica counts that saturates at Int32.max instead of trapping (Go's int32 wraps).
    static func sum(_ values: [Int32]) -> Int32 {
        Int32(clamping: values.reduce(Int64(0)) { $0 + Int64($1) })
    }

    // MARK: status

    public static func status(_ d: Deployment, all: [ReplicaSet], new: ReplicaSet?) -> DeploymentStatus {
        var status = d.status
        let available = self.sum(all.map(\.status.availableReplicas))
        let total = self.sum(all.map { $0.spec.replicas ?? 0 })
        status.observedGeneration = d.metadata.generation
        status.replicas = self.sum(all.map(\.status.replicas))
        status.updatedReplicas = new?.status.replicas ?? 0
        status.readyReplicas = self.sum(all.map(\.status.readyReplicas))
        status.availableReplicas = available
        status.unavailableReplicas = Int32(clamping: max(0, Int64(total) - Int64(available)))
        return status
    }

    /// Rolled out: every replica updated and available, and no old ones left.
    public static func isComplete(_ d: Deployment, _ status: DeploymentStatus) -> Bool {
        let replicas = d.spec.replicas ?? 1
        return status.updatedReplicas == replicas && status.replicas == replicas && status.availableReplicas == replicas
            && status.observedGeneration >= d.metadata.generation
    }

    /// Moved forward since the last status (upstream's DeploymentProgressing).
    public static func isProgressing(_ old: DeploymentStatus, _ new: DeploymentStatus) -> Bool {
        let oldOld = old.replicas - old.updatedReplicas
        let newOld = new.replicas - new.updatedReplicas
        return new.updatedReplicas > old.updatedReplicas || newOld < oldOld || new.readyReplicas > old.readyReplicas
            || new.availableReplicas > old.availableReplicas
    }

    /// Sets a condition, keeping its transition time when the status does not change.
    public static func setCondition(_ conditions: inout [DeploymentCondition], _ condition: DeploymentCondition) {
        if let i = conditions.firstIndex(where: { $0.type == condition.type }) {
            var updated = condition
            if conditions[i].status == condition.status { updated.lastTransitionTime = conditions[i].lastTransitionTime }
            if conditions[i].status == condition.status, conditions[i].reason == condition.reason {
                // Same state: nothing to write (lastUpdateTime moves only with a new reason).
                updated.lastUpdateTime = conditions[i].lastUpdateTime
            }
            conditions[i] = updated
        } else {
            conditions.append(condition)
        }
    }

    public static func condition(_ type: String, _ status: Bool, reason: String, message: String, now: Time) -> DeploymentCondition {
        DeploymentCondition(type: type, status: status ? "True" : "False", lastUpdateTime: now, lastTransitionTime: now,
                            reason: reason, message: message)
    }
}
