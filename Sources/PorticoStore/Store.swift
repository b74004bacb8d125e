import GRDB
import PorticoAPI

#if canImport(Glibc)
import Glibc
#endif

/// Portico's object store: SQLite in WAL mode (through GRDB), one revision counter shared by
/// every object (Kubernetes' resourceVersion), and an event log that feeds watches and
/// survives restarts. Every write commits with `synchronous=FULL` before it is acknowledged,
/// so an acknowledged write survives a crash of the process or the machine.
public final class Store: Sendable {
    let pool: DatabasePool
    let hub: WatchHub
    /// Events kept for watches and consistent pagination.
    public let historyLimit: Int
    public let path: String

    /// Opens (or creates) the store at `path`, a SQLite file. The file and its journal are
    /// readable by the owner only (0600), whatever the directory's mode: they hold every
    /// Secret and token of the cluster.
    public init(path: String, historyLimit: Int = 10_000) throws {
        try Self.restrictFileModes(path)
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // 1 MiB of page cache a connection (SQLite's default is 2 MiB): the file is in the
            // system's page cache anyway, and the pool has up to six connections.
            try db.execute(sql: "PRAGMA cache_size = -1024")
        }
        configuration.label = "portico-store"
        self.pool = try DatabasePool(path: path, configuration: configuration)
        self.path = path
        self.historyLimit = historyLimit
        let pool = self.pool
        self.hub = WatchHub(capacity: historyLimit) { entries throws(StoreError) in
            do {
                return try await Self.eventTexts(entries.map(\.resourceVersion), pool)
            } catch {
                throw .unusable(path: path, reason: "reading the event log: \(error)")
            }
        }
        try Self.migrate(self.pool)
        try self.loadHistory()
    }

    /// Creates the database file 0600 before SQLite does (SQLite gives its WAL and shared-memory
    /// files the database's mode), and takes group and other access from files made before.
    static func restrictFileModes(_ path: String) throws {
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.unusable(path: path, reason: String(cString: strerror(errno))) }
        close(fd)
        for file in [path, path + "-wal", path + "-shm"] where access(file, F_OK) == 0 {
            guard chmod(file, 0o600) == 0 else { throw StoreError.unusable(path: file, reason: String(cString: strerror(errno))) }
        }
    }

    static func migrate(_ pool: DatabasePool) throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE objects (
                    resource TEXT NOT NULL,
                    namespace TEXT NOT NULL,
                    name TEXT NOT NULL,
                    rv INTEGER NOT NULL,
                    data TEXT NOT NULL,
                    PRIMARY KEY (resource, namespace, name)
                ) WITHOUT ROWID;
                CREATE TABLE events (
                    rv INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL,
                    resource TEXT NOT NULL,
                    namespace TEXT NOT NULL,
                    name TEXT NOT NULL,
                    data TEXT NOT NULL,
                    previous TEXT
                );
                CREATE TABLE counters (
                    name TEXT PRIMARY KEY,
                    value INTEGER NOT NULL
                );
                INSERT INTO counters (name, value) VALUES ('rv', 0), ('compacted', 0);
                """)
        }
        // Indexes for garbage collection and namespace deletion: who owns what, by the
        // owner's uid; objects by uid and by namespace; objects marked for deletion.
        migrator.registerMigration("v2-indexes") { db in
            try db.execute(sql: """
                ALTER TABLE objects ADD COLUMN uid TEXT NOT NULL DEFAULT '';
                ALTER TABLE objects ADD COLUMN terminating INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX objects_by_uid ON objects (uid);
                CREATE INDEX objects_by_namespace ON objects (namespace, resource, name);
                CREATE INDEX objects_terminating ON objects (terminating) WHERE terminating = 1;
                CREATE TABLE owner_references (
                    owner_uid TEXT NOT NULL,
                    resource TEXT NOT NULL,
                    namespace TEXT NOT NULL,
                    name TEXT NOT NULL,
                    block_owner_deletion INTEGER NOT NULL,
                    PRIMARY KEY (owner_uid, resource, namespace, name)
                ) WITHOUT ROWID;
                CREATE INDEX owner_references_by_dependent ON owner_references (resource, namespace, name);
                """)
            for row in try Row.fetchAll(db, sql: "SELECT * FROM objects") {
                let stored = try Self.stored(from: row)
                try ObjectIndex(stored.object).write(stored.key, db)
            }
        }
        try migrator.migrate(pool)
    }

    func loadHistory() throws {
        let (events, rv, compacted) = try self.pool.read { db -> ([HistoryEntry], Int64, Int64) in
            let rv = try Int64.fetchOne(db, sql: "SELECT value FROM counters WHERE name = 'rv'") ?? 0
            let compacted = try Int64.fetchOne(db, sql: "SELECT value FROM counters WHERE name = 'compacted'") ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM (SELECT rv, kind, resource, namespace, name FROM events ORDER BY rv DESC LIMIT ?) ORDER BY rv",
                arguments: [self.historyLimit])
            return (rows.map(Self.historyEntry(from:)), rv, compacted)
        }
        self.hub.load(events, currentRV: rv, compactedThrough: max(compacted, (events.first?.resourceVersion ?? rv + 1) - 1))
    }

    static func historyEntry(from row: Row) -> HistoryEntry {
        HistoryEntry(
            kind: StoreEvent.Kind(rawValue: row["kind"]) ?? .modified,
            key: ObjectKey(resource: row["resource"], namespace: row["namespace"], name: row["name"]),
            resourceVersion: row["rv"])
    }

    /// The logged objects of the changes at `revisions`, read in one query (the revisions as
    /// one JSON array, so a watch of one kind reads its own rows, not every row in between).
    static func eventTexts(_ revisions: [Int64], _ pool: DatabasePool) async throws -> [Int64: (object: String, previous: String?)] {
        guard !revisions.isEmpty else { return [:] }
        let wanted = "[" + revisions.map(String.init).joined(separator: ",") + "]"
        return try await pool.read { db in
            var texts: [Int64: (object: String, previous: String?)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT rv, data, previous FROM events WHERE rv IN (SELECT value FROM json_each(?))",
                                        arguments: [wanted]) {
                texts[row["rv"]] = (row["data"], row["previous"])
            }
            return texts
        }
    }

    static func stored(from row: Row) throws -> StoredObject {
        StoredObject(
            key: ObjectKey(resource: row["resource"], namespace: row["namespace"], name: row["name"]),
            resourceVersion: row["rv"], object: try JSON.parse(row["data"] as String))
    }

    /// The revision of the newest write.
    public var currentResourceVersion: Int64 { self.hub.currentRV }

    /// The oldest revision a watch or a continued list can start after.
    public var oldestResourceVersion: Int64 { self.hub.oldestKeptRV }

    // MARK: reads

    public func get(_ key: ObjectKey) async throws -> StoredObject? {
        try await self.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM objects WHERE resource = ? AND namespace = ? AND name = ?",
                             arguments: [key.resource, key.namespace, key.name]).map(Self.stored(from:))
        }
    }

    /// `list` without parsing: a list that looks at one object at a time holds one parsed
    /// tree at a time (a tree takes some twenty times its text).
    public func listText(resource: String, namespace: String? = nil) async throws -> (items: [StoredText], resourceVersion: Int64) {
        try await self.pool.read { db in
            let rv = try Int64.fetchOne(db, sql: "SELECT value FROM counters WHERE name = 'rv'") ?? 0
            let rows: [Row]
            if let namespace {
                rows = try Row.fetchAll(db, sql: "SELECT resource, namespace, name, rv, data FROM objects WHERE resource = ? AND namespace = ? ORDER BY namespace, name",
                                        arguments: [resource, namespace])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT resource, namespace, name, rv, data FROM objects WHERE resource = ? ORDER BY namespace, name",
                                        arguments: [resource])
            }
            return (rows.map { row in
                StoredText(key: ObjectKey(resource: row["resource"], namespace: row["namespace"], name: row["name"]),
                           resourceVersion: row["rv"], text: row["data"])
            }, rv)
        }
    }

    /// Counts per resource, for diagnostics.
    public func count(resource: String) async throws -> Int {
        try await self.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM objects WHERE resource = ?", arguments: [resource]) ?? 0
        }
    }

    // MARK: writes

    /// Runs `body` in one write transaction. Its writes get consecutive revisions; they
    /// become visible, and are published to watchers, only when the transaction commits.
    /// If `body` throws, nothing is written.
    public func transact<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction) throws -> T) async throws -> T {
        let limit = self.historyLimit
        return try await self.pool.writeWithoutTransaction { db in
            var transaction: StoreTransaction? = nil
            var result: T? = nil
            try db.inTransaction(.immediate) {
                let txn = try StoreTransaction(db: db)
                transaction = txn
                result = try body(txn)
                let transaction = txn
                if let last = transaction.events.last {
                    try db.execute(sql: "UPDATE counters SET value = ? WHERE name = 'rv'", arguments: [last.resourceVersion])
                    // Compact the log now and then, keeping `limit` events and a margin: the
                    // history in memory (which trails this commit) reads its objects from here.
                    if last.resourceVersion % 256 == 0 {
                        let through = last.resourceVersion - Int64(limit) - 1024
                        if through > 0 {
                            try db.execute(sql: "DELETE FROM events WHERE rv <= ?", arguments: [through])
                            try db.execute(sql: "UPDATE counters SET value = MAX(value, ?) WHERE name = 'compacted'", arguments: [through])
                        }
                    }
                }
                return .commit
            }
            // Published while this writer still holds the database, so events leave in revision order.
            if let transaction { self.hub.publish(transaction.events) }
            return result!
        }
    }

    public func create(_ key: ObjectKey, _ object: JSON) async throws -> StoredObject {
        try await self.transact { try $0.create(key, object) }
    }

    /// Replaces the object; with `expectedResourceVersion`, only if it is still at that revision.
    public func update(_ key: ObjectKey, expectedResourceVersion: Int64? = nil, _ object: JSON) async throws -> StoredObject {
        try await self.transact { try $0.update(key, expectedResourceVersion: expectedResourceVersion, object) }
    }

    public func delete(_ key: ObjectKey, expectedResourceVersion: Int64? = nil) async throws -> StoredObject {
        try await self.transact { try $0.delete(key, expectedResourceVersion: expectedResourceVersion) }
    }

    // MARK: watch

    /// The changes after revision `after` to `resource` (all when nil) in `namespace` (all
    /// when nil), then every new one. Throws `expired` when that history is no longer kept.
    public func watch(resource: String?, namespace: String? = nil, after: Int64) async throws(StoreError)
        -> AsyncThrowingStream<StoreEvent, any Error>
    {
        try await self.hub.watch(WatchHub.Filter(resource: resource, namespace: namespace), after: after)
    }

    /// The kept changes after `after` (used to serve a list as of an older revision).
    public func events(after: Int64) async throws(StoreError) -> [StoreEvent] {
        try await self.hub.events(after: after)
    }

    /// The kept changes after `after` to `resource` (in `namespace`, or all when nil).
    public func events(after: Int64, resource: String, namespace: String? = nil) async throws(StoreError) -> [StoreEvent] {
        try await self.hub.events(after: after, matching: WatchHub.Filter(resource: resource, namespace: namespace))
    }

    public var watcherCount: Int { self.hub.watcherCount }

    /// Ends all watches (at shutdown).
    public func closeWatches() { self.hub.finishAll() }
}

/// The writes of one transaction. Only valid inside `Store.transact`.
public final class StoreTransaction: @unchecked Sendable {
    // Used only on the writer's thread, inside the transaction closure.
    let db: Database
    var events: [StoreEvent] = []
    var nextRV: Int64

    init(db: Database) throws {
        self.db = db
        self.nextRV = try Int64.fetchOne(db, sql: "SELECT value FROM counters WHERE name = 'rv'") ?? 0
    }

    public func get(_ key: ObjectKey) throws -> StoredObject? {
        try Row.fetchOne(self.db, sql: "SELECT * FROM objects WHERE resource = ? AND namespace = ? AND name = ?",
                         arguments: [key.resource, key.namespace, key.name]).map(Store.stored(from:))
    }

    public func list(resource: String, namespace: String? = nil) throws -> [StoredObject] {
        let rows: [Row]
        if let namespace {
            rows = try Row.fetchAll(self.db, sql: "SELECT * FROM objects WHERE resource = ? AND namespace = ? ORDER BY namespace, name",
                                    arguments: [resource, namespace])
        } else {
            rows = try Row.fetchAll(self.db, sql: "SELECT * FROM objects WHERE resource = ? ORDER BY namespace, name", arguments: [resource])
        }
        return try rows.map(Store.stored(from:))
    }

    /// Every object in `namespace`, whatever its resource (for namespace deletion).
    public func list(namespace: String) throws -> [StoredObject] {
        try Row.fetchAll(self.db, sql: "SELECT * FROM objects WHERE namespace = ? ORDER BY resource, name", arguments: [namespace])
            .map(Store.stored(from:))
    }

    func record(_ kind: StoreEvent.Kind, _ key: ObjectKey, _ object: JSON, previous: JSON?) throws -> StoredObject {
        self.nextRV += 1
        let rv = self.nextRV
        let stored = object.withResourceVersion(rv)
        let text = stored.serialized()
        let previousText = previous?.serialized()
        if kind == .deleted {
            try self.db.execute(sql: "DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?",
                                arguments: [key.resource, key.namespace, key.name])
            try ObjectIndex.remove(key, self.db)
        } else {
            let index = ObjectIndex(stored)
            try self.db.execute(
                sql: "INSERT OR REPLACE INTO objects (resource, namespace, name, rv, data, uid, terminating) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [key.resource, key.namespace, key.name, rv, text, index.uid, index.terminating])
            try index.writeOwners(key, self.db)
        }
        try self.db.execute(
            sql: "INSERT INTO events (rv, kind, resource, namespace, name, data, previous) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [rv, kind.rawValue, key.resource, key.namespace, key.name, text, previousText])
        self.events.append(StoreEvent(kind: kind, key: key, resourceVersion: rv, object: stored, previous: previous))
        return StoredObject(key: key, resourceVersion: rv, object: stored)
    }

    @discardableResult
    public func create(_ key: ObjectKey, _ object: JSON) throws -> StoredObject {
        if try self.get(key) != nil { throw StoreError.alreadyExists(key) }
        return try self.record(.added, key, object, previous: nil)
    }

    @discardableResult
    public func update(_ key: ObjectKey, expectedResourceVersion: Int64? = nil, _ object: JSON) throws -> StoredObject {
        guard let current = try self.get(key) else { throw StoreError.notFound(key) }
        if let expected = expectedResourceVersion, expected != current.resourceVersion {
            throw StoreError.conflict(key, expected: expected, actual: current.resourceVersion)
        }
        return try self.record(.modified, key, object, previous: current.object)
    }

    @discardableResult
    public func delete(_ key: ObjectKey, expectedResourceVersion: Int64? = nil) throws -> StoredObject {
        guard let current = try self.get(key) else { throw StoreError.notFound(key) }
        if let expected = expectedResourceVersion, expected != current.resourceVersion {
            throw StoreError.conflict(key, expected: expected, actual: current.resourceVersion)
        }
        return try self.record(.deleted, key, current.object, previous: current.object)
    }
}
