import PorticoAPI

/// Where an object lives: its resource (`services`, `deployments.apps`), namespace ("" for
/// cluster-scoped kinds) and name.
public struct ObjectKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var resource: String
    public var namespace: String
    public var name: String

    public init(resource: String, namespace: String = "", name: String) {
        self.resource = resource
        self.namespace = namespace
        self.name = name
    }

    public static func < (a: ObjectKey, b: ObjectKey) -> Bool {
        (a.resource, a.namespace, a.name) < (b.resource, b.namespace, b.name)
    }

    public var description: String {
        self.namespace.isEmpty ? "\(self.resource)/\(self.name)" : "\(self.resource)/\(self.namespace)/\(self.name)"
    }
}

/// An object as its stored JSON text: a list that looks at one object at a time holds one
/// parsed tree at a time (a tree takes some twenty times its text).
public struct StoredText: Sendable {
    public var key: ObjectKey
    public var resourceVersion: Int64
    public var text: String

    public init(key: ObjectKey, resourceVersion: Int64, text: String) {
        self.key = key
        self.resourceVersion = resourceVersion
        self.text = text
    }
}

/// An object as stored: its JSON (with `metadata.resourceVersion` set) and the revision of its last write.
public struct StoredObject: Sendable, Hashable {
    public var key: ObjectKey
    public var resourceVersion: Int64
    public var object: JSON

    public init(key: ObjectKey, resourceVersion: Int64, object: JSON) {
        self.key = key
        self.resourceVersion = resourceVersion
        self.object = object
    }
}

/// One change, in the order of the one revision counter all objects share.
public struct StoreEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
    }

    public var kind: Kind
    public var key: ObjectKey
    public var resourceVersion: Int64
    /// The object after the change; for a deletion, the object as it was, at the deletion's revision.
    public var object: JSON
    /// The object before the change (nil for an addition): lets a list be served as of an older revision.
    public var previous: JSON?
}

/// A change as the history keeps it in memory: which object, which revision, what kind. The
/// objects' text stays in the store's event log and is read back only when a watch starts in
/// the past or a list is served as of an older revision (in memory, 10,000 changes of
/// Services held some 15 MB of text).
struct HistoryEntry: Sendable {
    var kind: StoreEvent.Kind
    var key: ObjectKey
    var resourceVersion: Int64

    init(kind: StoreEvent.Kind, key: ObjectKey, resourceVersion: Int64) {
        self.kind = kind
        self.key = key
        self.resourceVersion = resourceVersion
    }

    init(_ event: StoreEvent) {
        self.init(kind: event.kind, key: event.key, resourceVersion: event.resourceVersion)
    }

    /// The event, with its objects parsed from the log's text; nil if the text is not JSON.
    func event(object: String, previous: String?) -> StoreEvent? {
        guard let parsedObject = try? JSON.parse(object) else { return nil }
        var parsedPrevious: JSON? = nil
        if let previous {
            guard let parsed = try? JSON.parse(previous) else { return nil }
            parsedPrevious = parsed
        }
        return StoreEvent(kind: self.kind, key: self.key, resourceVersion: self.resourceVersion, object: parsedObject, previous: parsedPrevious)
    }
}

/// The text of logged changes, by revision (what `HistoryEntry` leaves out); the entries say
/// which keys, so a store can read only those keys' history. Asynchronous:
/// a read that waited for a connection on a thread of the shared pool could wait for tasks
/// that need that very thread to give their connections back.
typealias EventTexts = @Sendable (_ entries: [HistoryEntry]) async throws(StoreError) -> [Int64: (object: String, previous: String?)]

public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound(ObjectKey)
    case alreadyExists(ObjectKey)
    /// The object's revision is not the one the write expected.
    case conflict(ObjectKey, expected: Int64, actual: Int64)
    /// The history asked for has been compacted away.
    case expired(requested: Int64, oldest: Int64)
    /// A watcher fell too far behind and was dropped; it must list again.
    case watcherTooSlow
    /// A stored text that is not JSON: the database was changed behind the store's back.
    case corrupt(ObjectKey, revision: Int64)
    /// The database file cannot be made or restricted.
    case unusable(path: String, reason: String)
    /// The store's backend (etcd) could not be asked.
    case unavailable(String)

    public var description: String {
        switch self {
        case .notFound(let key): return "\(key) not found"
        case .alreadyExists(let key): return "\(key) already exists"
        case .conflict(let key, let expected, let actual):
            return "\(key): the object has been modified (expected revision \(expected), found \(actual))"
        case .expired(let requested, let oldest): return "too old resource version: \(requested) (\(oldest))"
        case .watcherTooSlow: return "the watcher fell too far behind"
        case .corrupt(let key, let revision): return "the stored data of \(key) at revision \(revision) is not JSON"
        case .unusable(let path, let reason): return "cannot use the store file \(path): \(reason)"
        case .unavailable(let reason): return "the store is unavailable: \(reason)"
        }
    }
}

extension JSON {
    /// Sets `metadata.resourceVersion`, creating `metadata` if needed.
    /// The object as etcd keeps it: its revision is the key's, not part of the value.
    func withoutResourceVersion() -> JSON {
        guard case .object(var members) = self, var metadata = members["metadata"]?.objectValue else { return self }
        metadata["resourceVersion"] = nil
        members["metadata"] = .object(metadata)
        return .object(members)
    }

    func withResourceVersion(_ rv: Int64) -> JSON {
        guard case .object(var members) = self else { return self }
        var metadata = members["metadata"]?.objectValue ?? [:]
        metadata["resourceVersion"] = .string(String(rv))
        members["metadata"] = .object(metadata)
        return .object(members)
    }
}
