import PorticoAPI

/// What `ObjectIndex` keeps in SQLite's tables, in memory, for a store without secondary
/// indexes (etcd): every object's uid, whether it is marked for deletion, and the owners it
/// names, as kube-controller-manager's garbage collector keeps its graph from informers.
/// Fed in revision order by the store's one watch (a write returns only once the watch has
/// brought it, so the graph is never behind what a caller has written).
struct OwnerGraph: Sendable {
    struct Entry: Sendable {
        var uid: String
        var terminating: Bool
        var owners: [(uid: String, blockOwnerDeletion: Bool)]
    }

    var entries: [ObjectKey: Entry] = [:]

    /// The object at `key` is now `object` (nil: deleted).
    mutating func apply(_ key: ObjectKey, _ object: JSON?) {
        guard let object else {
            self.entries[key] = nil
            return
        }
        let index = ObjectIndex(object)
        self.entries[key] = Entry(uid: index.uid, terminating: index.terminating, owners: index.owners.map { ($0.uid, $0.blockOwnerDeletion) })
    }

    func dependents(ofUID uid: String) -> [Dependent] {
        self.entries.compactMap { key, entry in
            entry.owners.first { $0.uid == uid }.map { Dependent(key: key, blockOwnerDeletion: $0.blockOwnerDeletion) }
        }.sorted { $0.key < $1.key }
    }

    func existingUIDs(_ uids: [String]) -> Set<String> {
        let wanted = Set(uids)
        return Set(self.entries.values.map(\.uid).filter { wanted.contains($0) })
    }

    func missingOwnerUIDs() -> [String] {
        let present = Set(self.entries.values.map(\.uid))
        return Set(self.entries.values.flatMap { $0.owners.map(\.uid) }).subtracting(present).sorted()
    }

    func keys(inNamespace namespace: String) -> [ObjectKey] {
        self.entries.keys.filter { $0.namespace == namespace }.sorted()
    }

    func terminatingKeys() -> [ObjectKey] {
        self.entries.filter { $0.value.terminating }.map(\.key).sorted()
    }
}
