import PorticoAPI

/// What one DELETE does to one stored object, decided from the request's options and the
/// object as stored, in the order upstream's generic store decides it (`Store.Delete`:
/// preconditions, then graceful deletion, then finalizers). Pure, so every case is tested
/// without a store; `TypedResource.deleteObject` reads the object, asks, and writes.
enum DeletePlan {
    enum Outcome: Equatable {
        /// Remove the object now.
        case deleteNow
        /// Keep the object, marked for deletion, with these finalizers (its own and those the
        /// propagation policy adds) and, for a graceful deletion, its grace period: the
        /// finalizers' owners (and the node agent, for a pod) finish the deletion.
        case mark(finalizers: [String], gracePeriodSeconds: Int64?)
        /// `dryRun=All`: nothing is written; `gone` says whether the object would have been
        /// removed at once.
        case dryRun(gone: Bool)
    }

    /// The conflict message when the options' preconditions do not hold for the stored
    /// object (the uid is checked first, as upstream), nil when they hold.
    static func preconditionFailure(_ options: DeleteOptions, uid: String, resourceVersion: Int64) -> String? {
        if let wanted = options.preconditions?.uid, wanted != uid {
            return "Precondition failed: UID in precondition: \(wanted), UID in object meta: \(uid)"
        }
        if let wanted = options.preconditions?.resourceVersion, wanted != String(resourceVersion) {
            return "Precondition failed: ResourceVersion in precondition: \(wanted), ResourceVersion in object meta: \(resourceVersion)"
        }
        return nil
    }

    /// The object's finalizers with the one the propagation policy asks for: `orphan`
    /// (Orphan, or the older `orphanDependents=true`) makes garbage collection free the
    /// dependents before the owner goes, `foregroundDeletion` makes the owner wait for them.
    /// Background adds none: the owner goes and its dependents follow.
    static func finalizers(_ existing: [String], options: DeleteOptions) -> [String] {
        var finalizers = existing
        let orphan = options.propagationPolicy == .orphan || options.orphanDependents == true
        if orphan, !finalizers.contains("orphan") { finalizers.append("orphan") }
        if options.propagationPolicy == .foreground, !finalizers.contains("foregroundDeletion") {
            finalizers.append("foregroundDeletion")
        }
        return finalizers
    }

    /// `finalizers` are the object's own; `extraFinalizers` those the kind keeps elsewhere (a
    /// Namespace's spec.finalizers), which hold a deletion too; `gracePeriod` the kind's
    /// graceful-deletion answer (nil: no wait).
    static func decide(_ options: DeleteOptions, finalizers existing: [String], extraFinalizers: [String],
                       gracePeriod: Int64?) -> Outcome {
        let finalizers = Self.finalizers(existing, options: options)
        // A dry run reports only what the metadata finalizers and the grace period decide.
        if options.dryRun.contains("All") { return .dryRun(gone: finalizers.isEmpty && gracePeriod == nil) }
        let held = !finalizers.isEmpty || !extraFinalizers.isEmpty
        if !held && gracePeriod == nil { return .deleteNow }
        return .mark(finalizers: finalizers, gracePeriodSeconds: gracePeriod)
    }

    /// Marks metadata for deletion. The first mark sets deletionTimestamp to when the grace
    /// period ends (`now` when there is none); a later one keeps it, so deleting again neither
    /// postpones nor hastens the end, and only the finalizers change.
    static func mark(_ metadata: inout ObjectMeta, finalizers: [String], gracePeriodSeconds: Int64?, now: Time) {
        if metadata.deletionTimestamp == nil {
            metadata.deletionTimestamp = Time(secondsSinceEpoch: now.secondsSinceEpoch + (gracePeriodSeconds ?? 0))
            metadata.deletionGracePeriodSeconds = gracePeriodSeconds ?? 0
        }
        metadata.finalizers = finalizers
    }

    /// Whether an object marked for deletion has nothing left holding it, so the write that
    /// took its last finalizer off removes it instead (upstream's finalizer-driven delete).
    static func finishesDeletion(_ metadata: ObjectMeta, extraFinalizers: [String]) -> Bool {
        metadata.deletionTimestamp != nil && metadata.finalizers.isEmpty && extraFinalizers.isEmpty
    }
}
