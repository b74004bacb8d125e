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

public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound(ObjectKey)
    case alreadyExists(ObjectKey)
    /// The object's revision is not the one the write expected.
    case conflict(ObjectKey, expected: Int64, actual: Int64)
    /// The history asked for has been compacted away.
    case expired(requested: Int64, oldest: Int64)
    /// A watcher fell too far behind and was dropped; it must list again.
    case watcherTooSlow

    public var description: String {
        switch self {
        case .notFound(let key): return "\(key) not found"
        case .alreadyExists(let key): return "\(key) already exists"
        case .conflict(let key, let expected, let actual):
            return "\(key): the object has been modified (expected revision \(expected), found \(actual))"
        case .expired(let requested, let oldest): return "too old resource version: \(requested) (\(oldest))"
        case .watcherTooSlow: return "the watcher fell too far behind"
        }
    }
}

extension JSON {
    /// Sets `metadata.resourceVersion`, creating `metadata` if needed.
    func withResourceVersion(_ rv: Int64) -> JSON {
        guard case .object(var members) = self else { return self }
        var metadata = members["metadata"]?.objectValue ?? [:]
        metadata["resourceVersion"] = .string(String(rv))
        members["metadata"] = .object(metadata)
        return .object(members)
    }
}
