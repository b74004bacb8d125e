/// core/v1 Service: a stable virtual address (and name) in front of a set of pods.
public struct Service: KubeObject {
    public static let apiVersion = "v1"
    public static let kind = "Service"

    @OmitEmpty public var kind: String = ""
    @OmitEmpty public var apiVersion: String = ""
    public var metadata: ObjectMeta = ObjectMeta()
    public var spec: ServiceSpec = ServiceSpec()
    public var status: ServiceStatus = ServiceStatus()

    public init(metadata: ObjectMeta = ObjectMeta(), spec: ServiceSpec = ServiceSpec(),
                status: ServiceStatus = ServiceStatus()) {
        self.kind = Self.kind
        self.apiVersion = Self.apiVersion
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

public struct ServiceSpec: Codable, Sendable, Hashable {
    @OmitEmpty public var ports: [ServicePort] = []
    @OmitEmpty public var selector: [String: String] = [:]
    @OmitEmpty public var clusterIP: String = ""
    @OmitEmpty public var clusterIPs: [String] = []
    @OmitEmpty public var type: ServiceType = ""
    @OmitEmpty public var externalIPs: [String] = []
    @OmitEmpty public var sessionAffinity: ServiceAffinity = ""
    @OmitEmpty public var loadBalancerIP: String = ""
    @OmitEmpty public var loadBalancerSourceRanges: [String] = []
    @OmitEmpty public var externalName: String = ""
    @OmitEmpty public var externalTrafficPolicy: TrafficPolicy = ""
    @OmitEmpty public var healthCheckNodePort: Int32 = 0
    @OmitEmpty public var publishNotReadyAddresses: Bool = false
    public var sessionAffinityConfig: SessionAffinityConfig? = nil
    @OmitEmpty public var ipFamilies: [IPFamily] = []
    public var ipFamilyPolicy: IPFamilyPolicy? = nil
    public var allocateLoadBalancerNodePorts: Bool? = nil
    public var loadBalancerClass: String? = nil
    public var internalTrafficPolicy: TrafficPolicy? = nil
    public var trafficDistribution: String? = nil

    public init(ports: [ServicePort] = [], selector: [String: String] = [:], clusterIP: String = "",
                clusterIPs: [String] = [], type: ServiceType = "") {
        self.ports = ports
        self.selector = selector
        self.clusterIP = clusterIP
        self.clusterIPs = clusterIPs
        self.type = type
    }
}

public struct ServicePort: Codable, Sendable, Hashable {
    @OmitEmpty public var name: String = ""
    @OmitEmpty public var `protocol`: PortProtocol = ""
    public var appProtocol: String? = nil
    public var port: Int32 = 0
    public var targetPort: IntOrString = .int(0)
    @OmitEmpty public var nodePort: Int32 = 0

    public init(name: String = "", protocol: PortProtocol = "", appProtocol: String? = nil, port: Int32,
                targetPort: IntOrString = .int(0), nodePort: Int32 = 0) {
        self.name = name
        self.protocol = `protocol`
        self.appProtocol = appProtocol
        self.port = port
        self.targetPort = targetPort
        self.nodePort = nodePort
    }
}

public struct ServiceType: StringEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let clusterIP: ServiceType = "ClusterIP"
    public static let nodePort: ServiceType = "NodePort"
    public static let loadBalancer: ServiceType = "LoadBalancer"
    public static let externalName: ServiceType = "ExternalName"
}

public struct PortProtocol: StringEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let tcp: PortProtocol = "TCP"
    public static let udp: PortProtocol = "UDP"
    public static let sctp: PortProtocol = "SCTP"
}

public struct ServiceAffinity: StringEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let none: ServiceAffinity = "None"
    public static let clientIP: ServiceAffinity = "ClientIP"
}

/// Used by both externalTrafficPolicy and internalTrafficPolicy.
public struct TrafficPolicy: StringEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let cluster: TrafficPolicy = "Cluster"
    public static let local: TrafficPolicy = "Local"
}

public struct IPFamily: StringEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let ipv4: IPFamily = "IPv4"
    public static let ipv6: IPFamily = "IPv6"
}

public struct IPFamilyPolicy: StringEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let singleStack: IPFamilyPolicy = "SingleStack"
    public static let preferDualStack: IPFamilyPolicy = "PreferDualStack"
    public static let requireDualStack: IPFamilyPolicy = "RequireDualStack"
}

public struct SessionAffinityConfig: Codable, Sendable, Hashable {
    public var clientIP: ClientIPConfig? = nil

    public init(clientIP: ClientIPConfig? = nil) { self.clientIP = clientIP }
}

public struct ClientIPConfig: Codable, Sendable, Hashable {
    public var timeoutSeconds: Int32? = nil

    public init(timeoutSeconds: Int32? = nil) { self.timeoutSeconds = timeoutSeconds }
}

public struct ServiceStatus: Codable, Sendable, Hashable {
    public var loadBalancer: LoadBalancerStatus = LoadBalancerStatus()
    @OmitEmpty public var conditions: [Condition] = []

    public init(loadBalancer: LoadBalancerStatus = LoadBalancerStatus(), conditions: [Condition] = []) {
        self.loadBalancer = loadBalancer
        self.conditions = conditions
    }
}

public struct LoadBalancerStatus: Codable, Sendable, Hashable {
    @OmitEmpty public var ingress: [LoadBalancerIngress] = []

    public init(ingress: [LoadBalancerIngress] = []) { self.ingress = ingress }
}

public struct LoadBalancerIngress: Codable, Sendable, Hashable {
    @OmitEmpty public var ip: String = ""
    @OmitEmpty public var hostname: String = ""
    public var ipMode: LoadBalancerIPMode? = nil
    @OmitEmpty public var ports: [PortStatus] = []

    public init(ip: String = "", hostname: String = "", ipMode: LoadBalancerIPMode? = nil, ports: [PortStatus] = []) {
        self.ip = ip
        self.hostname = hostname
        self.ipMode = ipMode
        self.ports = ports
    }
}

public struct LoadBalancerIPMode: StringEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Traffic arrives with the LB IP as destination; the node proxy handles the IP.
    public static let vip: LoadBalancerIPMode = "VIP"
    /// The load balancer rewrites the destination; the node proxy must not capture the IP.
    public static let proxy: LoadBalancerIPMode = "Proxy"
}

public struct PortStatus: Codable, Sendable, Hashable {
    public var port: Int32
    public var `protocol`: PortProtocol
    public var error: String? = nil

    public init(port: Int32, protocol: PortProtocol, error: String? = nil) {
        self.port = port
        self.protocol = `protocol`
        self.error = error
    }
}
