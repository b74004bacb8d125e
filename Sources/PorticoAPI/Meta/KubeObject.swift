/// A Kubernetes object type Portico serves: its group/version/kind and its metadata.
public protocol KubeObject: Codable, Sendable, Hashable {
    /// `v1`, `apps/v1`, `discovery.k8s.io/v1`.
    static var apiVersion: String { get }
    static var kind: String { get }
    var kind: String { get set }
    var apiVersion: String { get set }
    var metadata: ObjectMeta { get set }
}

extension KubeObject {
    /// The group part of `apiVersion` ("" for the core group).
    public static var group: String {
        guard let slash = Self.apiVersion.firstIndex(of: "/") else { return "" }
        return String(Self.apiVersion[..<slash])
    }

    public static var version: String {
        guard let slash = Self.apiVersion.firstIndex(of: "/") else { return Self.apiVersion }
        return String(Self.apiVersion[Self.apiVersion.index(after: slash)...])
    }

    /// Sets `kind` and `apiVersion` to this type's, as the server does before it writes an object.
    public mutating func setTypeMeta() {
        self.kind = Self.kind
        self.apiVersion = Self.apiVersion
    }
}

/// A list of objects of one kind, `ServiceList` and so on.
public struct KubeList<Item: KubeObject>: Codable, Sendable, Hashable {
    public var kind: String
    public var apiVersion: String
    public var metadata: ListMeta
    public var items: [Item]

    public init(metadata: ListMeta = ListMeta(), items: [Item]) {
        self.kind = Item.kind + "List"
        self.apiVersion = Item.apiVersion
        self.metadata = metadata
        self.items = items
    }
}
