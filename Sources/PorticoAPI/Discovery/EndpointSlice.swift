/// discovery.k8s.io/v1 EndpointSlice: a Service's endpoints, what the node proxy and DNS read.
public struct EndpointSlice: KubeObject {
    public static let apiVersion = "discovery.k8s.io/v1"
    public static let kind = "EndpointSlice"

    @OmitEmpty public var kind: String = ""
    @OmitEmpty public var apiVersion: String = ""
    public var metadata: ObjectMeta = ObjectMeta()
    public var addressType: AddressType = ""
    @NullWhenZero public var endpoints: [Endpoint] = []
    @NullWhenZero public var ports: [EndpointPort] = []

    public init(metadata: ObjectMeta = ObjectMeta(), addressType: AddressType, endpoints: [Endpoint] = [],
                ports: [EndpointPort] = []) {
        self.kind = Self.kind
        self.apiVersion = Self.apiVersion
        self.metadata = metadata
        self.addressType = addressType
        self.endpoints = endpoints
        self.ports = ports
    }

    /// The label that ties a slice to its Service.
    public static let serviceNameLabel = "kubernetes.io/service-name"
    public static let managedByLabel = "endpointslice.kubernetes.io/managed-by"
}

public struct AddressType: StringEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let ipv4: AddressType = "IPv4"
    public static let ipv6: AddressType = "IPv6"
    public static let fqdn: AddressType = "FQDN"
}

public struct Endpoint: Codable, Sendable, Hashable {
    public var addresses: [String]
    public var conditions: EndpointConditions = EndpointConditions()
    public var hostname: String? = nil
    public var targetRef: ObjectReference? = nil
    @OmitEmpty public var deprecatedTopology: [String: String] = [:]
    public var nodeName: String? = nil
    public var zone: String? = nil
    public var hints: EndpointHints? = nil

    public init(addresses: [String], conditions: EndpointConditions = EndpointConditions(), hostname: String? = nil,
                targetRef: ObjectReference? = nil, nodeName: String? = nil, zone: String? = nil) {
        self.addresses = addresses
        self.conditions = conditions
        self.hostname = hostname
        self.targetRef = targetRef
        self.nodeName = nodeName
        self.zone = zone
    }
}

public struct EndpointConditions: Codable, Sendable, Hashable {
    public var ready: Bool? = nil
    public var serving: Bool? = nil
    public var terminating: Bool? = nil

    public init(ready: Bool? = nil, serving: Bool? = nil, terminating: Bool? = nil) {
        self.ready = ready
        self.serving = serving
        self.terminating = terminating
    }
}

public struct EndpointHints: Codable, Sendable, Hashable {
    @OmitEmpty public var forZones: [ForName] = []
    @OmitEmpty public var forNodes: [ForName] = []

    public struct ForName: Codable, Sendable, Hashable {
        public var name: String
        public init(name: String) { self.name = name }
    }
}

/// discovery/v1 EndpointPort: every field is a pointer, so an empty name is written as "".
public struct EndpointPort: Codable, Sendable, Hashable {
    public var name: String? = nil
    public var `protocol`: PortProtocol? = nil
    public var port: Int32? = nil
    public var appProtocol: String? = nil

    public init(name: String? = nil, protocol: PortProtocol? = nil, port: Int32? = nil, appProtocol: String? = nil) {
        self.name = name
        self.protocol = `protocol`
        self.port = port
        self.appProtocol = appProtocol
    }
}
