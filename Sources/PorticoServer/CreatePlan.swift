import PorticoAPI

/// The decisions of a create that need no store, as upstream's generic store makes them
/// before the strategy's PrepareForCreate (`rest.BeforeCreate`): where the object goes and
/// which metadata the server sets whatever the client sent. `TypedResource.createObject`
/// asks these and writes.
enum CreatePlan {
    /// The namespace of a new object: the request's, which the body may repeat but not
    /// contradict; a cluster-scoped object has none, whatever the body says.
    static func namespace(_ given: String, requested: String, namespaced: Bool) throws(APIError) -> String {
        guard namespaced else { return "" }
        if given.isEmpty || given == requested { return requested }
        throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
    }

    /// Metadata the server owns on a new object: a fresh uid and creation time, no revision
    /// yet (the store gives it), no deletion mark, no selfLink; generation 1 for kinds that
    /// count spec changes.
    static func setServerOwned(_ metadata: inout ObjectMeta, uid: String, now: Time, countsGenerations: Bool) {
        metadata.uid = uid
        metadata.creationTimestamp = now
        metadata.resourceVersion = ""
        metadata.deletionTimestamp = nil
        metadata.deletionGracePeriodSeconds = nil
        metadata.selfLink = ""
        if countsGenerations { metadata.generation = 1 }
    }
}
