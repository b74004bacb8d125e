import GRDB
import PorticoAPI

/// What the store indexes of an object besides its key, so that garbage collection and
/// namespace deletion find what they need without reading every object: its uid, whether
/// it is marked for deletion, and the owners it names (kube-controller-manager's garbage
/// collector keeps the same graph in memory, fed by its informers).
struct ObjectIndex {
    struct OwnerReference {
        var uid: String
        var blockOwnerDeletion: Bool
    }

    var uid: String
    var terminating: Bool
    var owners: [OwnerReference]

    init(_ object: JSON) {
        let metadata = object["metadata"]
        self.uid = metadata?["uid"]?.stringValue ?? ""
        self.terminating = metadata?["deletionTimestamp"].map { !$0.isNull } ?? false
        self.owners = (metadata?["ownerReferences"]?.arrayValue ?? []).compactMap { reference in
            guard let uid = reference["uid"]?.stringValue, !uid.isEmpty else { return nil }
            return OwnerReference(uid: uid, blockOwnerDeletion: reference["blockOwnerDeletion"]?.boolValue ?? false)
        }
    }

    /// Sets the uid and mark in the object's row and replaces its owner rows.
    func write(_ key: ObjectKey, _ db: Database) throws {
        try db.execute(sql: "UPDATE objects SET uid = ?, terminating = ? WHERE resource = ? AND namespace = ? AND name = ?",
                       arguments: [self.uid, self.terminating, key.resource, key.namespace, key.name])
        try self.writeOwners(key, db)
    }

    /// Replaces the object's owner rows.
    func writeOwners(_ key: ObjectKey, _ db: Database) throws {
        try Self.remove(key, db)
        for owner in self.owners {
            try db.execute(
                sql: "INSERT OR REPLACE INTO owner_references (owner_uid, resource, namespace, name, block_owner_deletion) VALUES (?, ?, ?, ?, ?)",
                arguments: [owner.uid, key.resource, key.namespace, key.name, owner.blockOwnerDeletion])
        }
    }

    static func remove(_ key: ObjectKey, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM owner_references WHERE resource = ? AND namespace = ? AND name = ?",
                       arguments: [key.resource, key.namespace, key.name])
    }
}

/// An object that names an owner: where it is, and whether it holds a foreground deletion of that owner.
public struct Dependent: Sendable, Hashable {
    public var key: ObjectKey
    public var blockOwnerDeletion: Bool
}

extension Store {
    /// The objects whose ownerReferences name `uid`.
    public func dependents(ofUID uid: String) async throws -> [Dependent] {
        try await self.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM owner_references WHERE owner_uid = ? ORDER BY resource, namespace, name",
                             arguments: [uid]).map { row in
                Dependent(key: ObjectKey(resource: row["resource"], namespace: row["namespace"], name: row["name"]),
                          blockOwnerDeletion: row["block_owner_deletion"])
            }
        }
    }

    /// Which of `uids` belong to a stored object.
    public func existingUIDs(_ uids: [String]) async throws -> Set<String> {
        guard !uids.isEmpty else { return [] }
        return try await self.pool.read { db in
            var found: Set<String> = []
            for uid in uids where try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM objects WHERE uid = ?)", arguments: [uid]) == true {
                found.insert(uid)
            }
            return found
        }
    }

    /// Owners that dependents name but that are gone (a server that stopped before it
    /// collected them leaves these behind).
    public func missingOwnerUIDs() async throws -> [String] {
        try await self.pool.read { db in
            try String.fetchAll(db, sql: """
                SELECT DISTINCT owner_uid FROM owner_references
                WHERE owner_uid NOT IN (SELECT uid FROM objects WHERE uid != '') ORDER BY owner_uid
                """)
        }
    }

    /// The keys of every object in `namespace`, of any resource.
    public func keys(inNamespace namespace: String) async throws -> [ObjectKey] {
        try await self.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT resource, name FROM objects WHERE namespace = ? ORDER BY resource, name",
                             arguments: [namespace]).map { ObjectKey(resource: $0["resource"], namespace: namespace, name: $0["name"]) }
        }
    }

    /// The objects marked for deletion (a `deletionTimestamp`), for a server that starts to finish.
    public func terminatingObjects() async throws -> [StoredObject] {
        try await self.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM objects WHERE terminating = 1 ORDER BY resource, namespace, name")
                .map(Store.stored(from:))
        }
    }
}
