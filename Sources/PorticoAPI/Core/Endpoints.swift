/// core/v1 Endpoints: the legacy list of a Service's addresses, one object per Service.
public struct Endpoints: KubeObject {
    public static let apiVersion = "v1"
    public static let kind = "Endpoints"

    @OmitEmpty public var kind: String = ""
    @OmitEmpty public var apiVersion: String = ""
    public var metadata: ObjectMeta = ObjectMeta()
    @OmitEmpty public var subsets: [EndpointSubset] = []

    public init(metadata: ObjectMeta = ObjectMeta(), subsets: [EndpointSubset] = []) {
        self.kind = Self.kind
        self.apiVersion = Self.apiVersion
        self.metadata = metadata
        self.subsets = subsets
    }
}

public struct EndpointSubset: Codable, Sendable, Hashable {
    @OmitEmpty public var addresses: [EndpointAddress] = []
    @OmitEmpty public var notReadyAddresses: [EndpointAddress] = []
    @OmitEmpty public var ports: [EndpointsPort] = []

    public init(addresses: [EndpointAddress] = [], notReadyAddresses: [EndpointAddress] = [],
                ports: [EndpointsPort] = []) {
        self.addresses = addresses
        self.notReadyAddresses = notReadyAddresses
        self.ports = ports
    }
}

public struct EndpointAddress: Codable, Sendable, Hashable {
    public var ip: String
    @OmitEmpty public var hostname: String = ""
    public var nodeName: String? = nil
    public var targetRef: ObjectReference? = nil

    public init(ip: String, hostname: String = "", nodeName: String? = nil, targetRef: ObjectReference? = nil) {
        self.ip = ip
        self.hostname = hostname
        self.nodeName = nodeName
        self.targetRef = targetRef
    }
}

/// core/v1 EndpointPort (named `EndpointsPort` here to keep it apart from discovery/v1's).
public struct EndpointsPort: Codable, Sendable, Hashable {
    @OmitEmpty public var name: String = ""
    public var port: Int32
    @OmitEmpty public var `protocol`: PortProtocol = ""
    public var appProtocol: String? = nil

    public init(name: String = "", port: Int32, protocol: PortProtocol = "", appProtocol: String? = nil) {
        self.name = name
        self.port = port
        self.protocol = `protocol`
        self.appProtocol = appProtocol
    }
}
