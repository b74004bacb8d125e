import GRDB
import PorticoAPI

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

    /// Opens (or creates) the store at `path`, a SQLite file.
    public init(path: String, historyLimit: Int = 10_000) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        configuration.label = "portico-store"
        self.pool = try DatabasePool(path: path, configuration: configuration)
        self.path = path
        self.historyLimit = historyLimit
        self.hub = WatchHub(capacity: historyLimit)
        try Self.migrate(self.pool)
        try self.loadHistory()
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
        try migrator.migrate(pool)
    }

    func loadHistory() throws {
        let (events, rv, compacted) = try self.pool.read { db -> ([StoreEvent], Int64, Int64) in
            let rv = try Int64.fetchOne(db, sql: "SELECT value FROM counters WHERE name = 'rv'") ?? 0
            let compacted = try Int64.fetchOne(db, sql: "SELECT value FROM counters WHERE name = 'compacted'") ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM (SELECT * FROM events ORDER BY rv DESC LIMIT ?) ORDER BY rv", arguments: [self.historyLimit])
            return (try rows.map(Self.event(from:)), rv, compacted)
        }
        self.hub.load(events, currentRV: rv, compactedThrough: max(compacted, (events.first?.resourceVersion ?? rv + 1) - 1))
    }

    static func event(from row: Row) throws -> StoreEvent {
        let previous: String? = row["previous"]
        return StoreEvent(
            kind: StoreEvent.Kind(rawValue: row["kind"]) ?? .modified,
            key: ObjectKey(resource: row["resource"], namespace: row["namespace"], name: row["name"]),
            resourceVersion: row["rv"],
            object: try JSON.parse(row["data"] as String),
            previous: try previous.map { try JSON.parse($0) })
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

    /// Every object of `resource` (in `namespace`, or all namespaces when nil), sorted by
    /// namespace and name, with the revision the list is consistent at.
    public func list(resource: String, namespace: String? = nil) async throws -> (items: [StoredObject], resourceVersion: Int64) {
        try await self.pool.read { db in
            let rv = try Int64.fetchOne(db, sql: "SELECT value FROM counters WHERE name = 'rv'") ?? 0
            let rows: [Row]
            if let namespace {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM objects WHERE resource = ? AND namespace = ? ORDER BY namespace, name",
                                        arguments: [resource, namespace])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM objects WHERE resource = ? ORDER BY namespace, name", arguments: [resource])
            }
            return (try rows.map(Self.stored(from:)), rv)
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
                    // Compact the log now and then, keeping `limit` events.
                    if last.resourceVersion % 256 == 0 {
                        let through = last.resourceVersion - Int64(limit)
                        if through > 0 {
                            try db.execute(sql: "DELETE FROM events WHERE rv <= ?", arguments: [through])
                            try db.execute(sql: "UPDATE counters SET value = MAX(value, ?) WHERE name = 'compacted'", arguments: [through])
                        }
                    }
                }
                return .commit
            }
            // Published while this writer still holds the database, so events leave in revision order.
            self.hub.publish(transaction?.events ?? [])
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
    public func watch(resource: String?, namespace: String? = nil, after: Int64) throws(StoreError)
        -> AsyncThrowingStream<StoreEvent, any Error>
    {
        try self.hub.watch(WatchHub.Filter(resource: resource, namespace: namespace), after: after)
    }

    /// The kept changes after `after` (used to serve a list as of an older revision).
    public func events(after: Int64) throws(StoreError) -> [StoreEvent] {
        try self.hub.events(after: after)
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
        if kind == .deleted {
            try self.db.execute(sql: "DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?",
                                arguments: [key.resource, key.namespace, key.name])
        } else {
            try self.db.execute(
                sql: "INSERT OR REPLACE INTO objects (resource, namespace, name, rv, data) VALUES (?, ?, ?, ?, ?)",
                arguments: [key.resource, key.namespace, key.name, rv, text])
        }
        try self.db.execute(
            sql: "INSERT INTO events (rv, kind, resource, namespace, name, data, previous) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [rv, kind.rawValue, key.resource, key.namespace, key.name, text, previous?.serialized()])
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
