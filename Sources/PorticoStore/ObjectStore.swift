import PorticoAPI

/// Where the API server keeps objects, as kube-apiserver's `storage.Interface`: single-key
/// writes checked against the revision read (create only if absent, update and delete only at
/// `expectedResourceVersion`), one revision counter for the whole store, lists consistent at a
/// revision, and watches from a revision that fail with `StoreError.expired` once that history
/// is gone. Garbage collection and namespace deletion ask it what names an owner and what a
/// namespace holds. The embedded implementation is `Store` (SQLite); every server-side caller
/// holds an `any ObjectStore`, so another backend changes nothing above it.
public protocol ObjectStore: Sendable {
    /// The revision of the newest write this store has seen.
    var currentResourceVersion: Int64 { get }

    func get(_ key: ObjectKey) async throws -> StoredObject?
    /// Every object of `resource` (in `namespace`, or all namespaces when nil) as stored text,
    /// sorted by namespace and name, with the revision the list is consistent at.
    func listText(resource: String, namespace: String?) async throws -> (items: [StoredText], resourceVersion: Int64)

    /// Stores a new object; `StoreError.alreadyExists` when the key is taken.
    func create(_ key: ObjectKey, _ object: JSON) async throws -> StoredObject
    /// Replaces the object; with `expectedResourceVersion`, only if it is still at that
    /// revision (`StoreError.conflict` otherwise).
    func update(_ key: ObjectKey, expectedResourceVersion: Int64?, _ object: JSON) async throws -> StoredObject
    /// Removes the object (the last state, at the deletion's revision); with
    /// `expectedResourceVersion`, only if it is still at that revision.
    func delete(_ key: ObjectKey, expectedResourceVersion: Int64?) async throws -> StoredObject

    /// The changes after revision `after` to `resource` (all when nil) in `namespace` (all
    /// when nil), then every new one. Throws `expired` when that history is no longer kept.
    func watch(resource: String?, namespace: String?, after: Int64) async throws(StoreError) -> AsyncThrowingStream<StoreEvent, any Error>
    /// The kept changes after `after` to `resource` (in `namespace`, or all when nil): a list
    /// as of an older revision is the current one with these undone.
    func events(after: Int64, resource: String, namespace: String?) async throws(StoreError) -> [StoreEvent]
    /// Ends all watches (at shutdown).
    func closeWatches()

    /// The objects whose ownerReferences name `uid`.
    func dependents(ofUID uid: String) async throws -> [Dependent]
    /// Which of `uids` belong to a stored object.
    func existingUIDs(_ uids: [String]) async throws -> Set<String>
    /// Owners that dependents name but that are gone.
    func missingOwnerUIDs() async throws -> [String]
    /// The keys of every object in `namespace`, of any resource.
    func keys(inNamespace namespace: String) async throws -> [ObjectKey]
    /// The objects marked for deletion (a `deletionTimestamp`).
    func terminatingObjects() async throws -> [StoredObject]
}

extension ObjectStore {
    /// `listText` with each object parsed.
    public func list(resource: String, namespace: String? = nil) async throws -> (items: [StoredObject], resourceVersion: Int64) {
        let (rows, rv) = try await self.listText(resource: resource, namespace: namespace)
        return (try rows.map { StoredObject(key: $0.key, resourceVersion: $0.resourceVersion, object: try JSON.parse($0.text)) }, rv)
    }
}

extension Store: ObjectStore {}
