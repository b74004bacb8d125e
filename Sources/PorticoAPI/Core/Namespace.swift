/// core/v1 Namespace.
public struct Namespace: KubeObject {
    public static let apiVersion = "v1"
    public static let kind = "Namespace"

    @OmitEmpty public var kind: String = ""
    @OmitEmpty public var apiVersion: String = ""
    public var metadata: ObjectMeta = ObjectMeta()
    public var spec: NamespaceSpec = NamespaceSpec()
    public var status: NamespaceStatus = NamespaceStatus()

    public init(metadata: ObjectMeta = ObjectMeta(), spec: NamespaceSpec = NamespaceSpec(),
                status: NamespaceStatus = NamespaceStatus()) {
        self.kind = Self.kind
        self.apiVersion = Self.apiVersion
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

public struct NamespaceSpec: Codable, Sendable, Hashable {
    @OmitEmpty public var finalizers: [String] = []
    public init(finalizers: [String] = []) { self.finalizers = finalizers }
}

public struct NamespaceStatus: Codable, Sendable, Hashable {
    @OmitEmpty public var phase: String = ""
    @OmitEmpty public var conditions: [NamespaceCondition] = []
    public init(phase: String = "", conditions: [NamespaceCondition] = []) {
        self.phase = phase
        self.conditions = conditions
    }
}

public struct NamespaceCondition: Codable, Sendable, Hashable {
    public var type: String
    public var status: String
    @NullWhenZero public var lastTransitionTime: Time? = nil
    @OmitEmpty public var reason: String = ""
    @OmitEmpty public var message: String = ""
}

/// core/v1 ConfigMap.
public struct ConfigMap: KubeObject {
    public static let apiVersion = "v1"
    public static let kind = "ConfigMap"

    @OmitEmpty public var kind: String = ""
    @OmitEmpty public var apiVersion: String = ""
    public var metadata: ObjectMeta = ObjectMeta()
    public var immutable: Bool? = nil
    @OmitEmpty public var data: [String: String] = [:]
    /// Values are base64 text, as on the wire.
    @OmitEmpty public var binaryData: [String: String] = [:]

    public init(metadata: ObjectMeta = ObjectMeta(), data: [String: String] = [:]) {
        self.kind = Self.kind
        self.apiVersion = Self.apiVersion
        self.metadata = metadata
        self.data = data
    }
}
