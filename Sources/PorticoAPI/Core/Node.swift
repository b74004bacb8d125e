/// core/v1 Node: a machine (here, a network namespace) that runs pods and a node proxy.
public struct Node: KubeObject {
    public static let apiVersion = "v1"
    public static let kind = "Node"

    @OmitEmpty public var kind: String = ""
    @OmitEmpty public var apiVersion: String = ""
    public var metadata: ObjectMeta = ObjectMeta()
    public var spec: NodeSpec = NodeSpec()
    public var status: NodeStatus = NodeStatus()

    public init(metadata: ObjectMeta = ObjectMeta(), spec: NodeSpec = NodeSpec(), status: NodeStatus = NodeStatus()) {
        self.kind = Self.kind
        self.apiVersion = Self.apiVersion
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

public struct NodeSpec: Codable, Sendable, Hashable {
    @OmitEmpty public var podCIDR: String = ""
    @OmitEmpty public var podCIDRs: [String] = []
    @OmitEmpty public var providerID: String = ""
    @OmitEmpty public var unschedulable: Bool = false
    @OmitEmpty public var taints: [Taint] = []
    public var configSource: JSON? = nil
    @OmitEmpty public var externalID: String = ""

    public init(podCIDR: String = "", podCIDRs: [String] = [], unschedulable: Bool = false) {
        self.podCIDR = podCIDR
        self.podCIDRs = podCIDRs
        self.unschedulable = unschedulable
    }
}

public struct Taint: Codable, Sendable, Hashable {
    public var key: String
    @OmitEmpty public var value: String = ""
    public var effect: String
    public var timeAdded: Time? = nil

    public init(key: String, value: String = "", effect: String) {
        self.key = key
        self.value = value
        self.effect = effect
    }
}

public struct NodeStatus: Codable, Sendable, Hashable {
    @OmitEmpty public var capacity: [String: Quantity] = [:]
    @OmitEmpty public var allocatable: [String: Quantity] = [:]
    @OmitEmpty public var phase: String = ""
    @OmitEmpty public var conditions: [NodeCondition] = []
    @OmitEmpty public var addresses: [NodeAddress] = []
    public var daemonEndpoints: NodeDaemonEndpoints = NodeDaemonEndpoints()
    public var nodeInfo: NodeSystemInfo = NodeSystemInfo()
    @OmitEmpty public var images: [JSON] = []
    @OmitEmpty public var volumesInUse: [String] = []
    @OmitEmpty public var volumesAttached: [JSON] = []
    public var config: JSON? = nil
    @OmitEmpty public var runtimeHandlers: [JSON] = []
    public var features: JSON? = nil
    public var declaredFeatures: [String]? = nil

    public init(capacity: [String: Quantity] = [:], allocatable: [String: Quantity] = [:],
                conditions: [NodeCondition] = [], addresses: [NodeAddress] = [],
                nodeInfo: NodeSystemInfo = NodeSystemInfo()) {
        self.capacity = capacity
        self.allocatable = allocatable
        self.conditions = conditions
        self.addresses = addresses
        self.nodeInfo = nodeInfo
    }
}

public struct NodeCondition: Codable, Sendable, Hashable {
    public var type: String
    public var status: String
    @NullWhenZero public var lastHeartbeatTime: Time? = nil
    @NullWhenZero public var lastTransitionTime: Time? = nil
    @OmitEmpty public var reason: String = ""
    @OmitEmpty public var message: String = ""

    public init(type: String, status: String, lastHeartbeatTime: Time? = nil, lastTransitionTime: Time? = nil,
                reason: String = "", message: String = "") {
        self.type = type
        self.status = status
        self.lastHeartbeatTime = lastHeartbeatTime
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}

public struct NodeAddress: Codable, Sendable, Hashable {
    public var type: String
    public var address: String

    public init(type: String, address: String) {
        self.type = type
        self.address = address
    }

    public static let internalIP = "InternalIP"
    public static let externalIP = "ExternalIP"
    public static let hostname = "Hostname"
}

public struct NodeDaemonEndpoints: Codable, Sendable, Hashable {
    public var kubeletEndpoint: DaemonEndpoint = DaemonEndpoint()
    public init(kubeletEndpoint: DaemonEndpoint = DaemonEndpoint()) { self.kubeletEndpoint = kubeletEndpoint }
}

public struct DaemonEndpoint: Codable, Sendable, Hashable {
    public var Port: Int32 = 0
    public init(port: Int32 = 0) { self.Port = port }
}

public struct NodeSystemInfo: Codable, Sendable, Hashable {
    public var machineID: String = ""
    public var systemUUID: String = ""
    public var bootID: String = ""
    public var kernelVersion: String = ""
    public var osImage: String = ""
    public var containerRuntimeVersion: String = ""
    public var kubeletVersion: String = ""
    /// Deprecated upstream, but still always written.
    public var kubeProxyVersion: String = ""
    public var operatingSystem: String = ""
    public var architecture: String = ""
    public var swap: JSON? = nil

    public init(kernelVersion: String = "", osImage: String = "", containerRuntimeVersion: String = "",
                kubeletVersion: String = "", operatingSystem: String = "", architecture: String = "") {
        self.kernelVersion = kernelVersion
        self.osImage = osImage
        self.containerRuntimeVersion = containerRuntimeVersion
        self.kubeletVersion = kubeletVersion
        self.operatingSystem = operatingSystem
        self.architecture = architecture
    }
}
