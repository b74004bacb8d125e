import PorticoAPI

/// The decisions of an update that need no store, in the order upstream's generic store
/// (`Store.Update`) makes them: which resourceVersion the write is checked against, which
/// metadata the server keeps whatever the client sent, and whether anything changed at all.
/// `TypedResource.updateObject` reads the stored object, asks these, and writes.
enum UpdatePlan {
    /// What the client's resourceVersion makes of the write.
    enum ResourceVersionCheck: Equatable {
        /// It names the stored revision: write against it.
        case matches
        /// None given and the kind allows that: write over whatever is stored (the client's
        /// object takes the stored revision).
        case unconditional
        /// None given and the kind wants one (422).
        case missing
        /// It names another revision: someone wrote in between (409).
        case conflict
    }

    static func checkResourceVersion(_ requested: String, stored: Int64, allowUnconditionalUpdate: Bool) -> ResourceVersionCheck {
        if requested.isEmpty { return allowUnconditionalUpdate ? .unconditional : .missing }
        return requested == String(stored) ? .matches : .conflict
    }

    /// The object's place as the URL gives it when the body leaves it out; a cluster-scoped
    /// object never has a namespace.
    static func fillPlace(_ metadata: inout ObjectMeta, name: String, namespace: String, namespaced: Bool) {
        if metadata.name.isEmpty { metadata.name = name }
        if namespaced, metadata.namespace.isEmpty { metadata.namespace = namespace }
        if !namespaced { metadata.namespace = "" }
    }

    /// Metadata clients cannot change through an update: the uid (kept when the client sent
    /// none, so a different one fails validation), when it was created, its deletion mark,
    /// and the generation (which only the strategy advances, when the spec changes).
    static func keepServerOwned(_ metadata: inout ObjectMeta, stored old: ObjectMeta) {
        if metadata.uid.isEmpty { metadata.uid = old.uid }
        if old.creationTimestamp != nil { metadata.creationTimestamp = old.creationTimestamp }
        if old.deletionTimestamp != nil {
            metadata.deletionTimestamp = old.deletionTimestamp
            metadata.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds
        }
        metadata.generation = old.generation
    }

    /// Whether the object about to be written is the stored one (`candidate` carries the
    /// stored revision): then nothing is written and no revision is spent, as upstream. The
    /// times in managedFields do not count: recording the same manager again is no change.
    static func isNoOp(candidate: JSON, stored: JSON) -> Bool {
        ManagedFields.withoutTimes(candidate).sortedKeys == ManagedFields.withoutTimes(stored).sortedKeys
    }
}
