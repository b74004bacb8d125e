/// core/v1 Pod, with the fields a process-based pod uses. Fields Portico carries but does not
/// interpret (volumes, affinity, security contexts...) are kept as given, as raw JSON, so a
/// real manifest round-trips and strict decoding does not refuse it.
public struct Pod: KubeObject {
    public static let apiVersion = "v1"
    public static let kind = "Pod"

    @OmitEmpty public var kind: String = ""
    @OmitEmpty public var apiVersion: String = ""
    public var metadata: ObjectMeta = ObjectMeta()
    public var spec: PodSpec = PodSpec()
    public var status: PodStatus = PodStatus()

    public init(metadata: ObjectMeta = ObjectMeta(), spec: PodSpec = PodSpec(), status: PodStatus = PodStatus()) {
        self.kind = Self.kind
        self.apiVersion = Self.apiVersion
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

public struct PodSpec: Codable, Sendable, Hashable {
    @OmitEmpty public var volumes: [JSON] = []
    @OmitEmpty public var initContainers: [Container] = []
    public var containers: [Container] = []
    @OmitEmpty public var ephemeralContainers: [JSON] = []
    @OmitEmpty public var restartPolicy: RestartPolicy = ""
    public var terminationGracePeriodSeconds: Int64? = nil
    public var activeDeadlineSeconds: Int64? = nil
    @OmitEmpty public var dnsPolicy: DNSPolicy = ""
    @OmitEmpty public var nodeSelector: [String: String] = [:]
    @OmitEmpty public var serviceAccountName: String = ""
    @OmitEmpty public var serviceAccount: String = ""
    public var automountServiceAccountToken: Bool? = nil
    @OmitEmpty public var nodeName: String = ""
    @OmitEmpty public var hostNetwork: Bool = false
    @OmitEmpty public var hostPID: Bool = false
    @OmitEmpty public var hostIPC: Bool = false
    public var shareProcessNamespace: Bool? = nil
    public var securityContext: JSON? = nil
    @OmitEmpty public var imagePullSecrets: [JSON] = []
    @OmitEmpty public var hostname: String = ""
    @OmitEmpty public var subdomain: String = ""
    public var affinity: JSON? = nil
    @OmitEmpty public var schedulerName: String = ""
    @OmitEmpty public var tolerations: [JSON] = []
    @OmitEmpty public var hostAliases: [JSON] = []
    @OmitEmpty public var priorityClassName: String = ""
    public var priority: Int32? = nil
    public var dnsConfig: PodDNSConfig? = nil
    @OmitEmpty public var readinessGates: [JSON] = []
    public var runtimeClassName: String? = nil
    public var enableServiceLinks: Bool? = nil
    public var preemptionPolicy: String? = nil
    @OmitEmpty public var overhead: [String: Quantity] = [:]
    @OmitEmpty public var topologySpreadConstraints: [JSON] = []
    public var setHostnameAsFQDN: Bool? = nil
    public var os: JSON? = nil
    public var hostUsers: Bool? = nil
    @OmitEmpty public var schedulingGates: [JSON] = []
    @OmitEmpty public var resourceClaims: [JSON] = []
    public var resources: JSON? = nil

    public init(containers: [Container] = [], restartPolicy: RestartPolicy = "", nodeName: String = "") {
        self.containers = containers
        self.restartPolicy = restartPolicy
        self.nodeName = nodeName
    }
}

public struct RestartPolicy: StringEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let always: RestartPolicy = "Always"
    public static let onFailure: RestartPolicy = "OnFailure"
    public static let never: RestartPolicy = "Never"
}

public struct DNSPolicy: StringEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let clusterFirst: DNSPolicy = "ClusterFirst"
    public static let clusterFirstWithHostNet: DNSPolicy = "ClusterFirstWithHostNet"
    public static let `default`: DNSPolicy = "Default"
    public static let none: DNSPolicy = "None"
}

public struct PodDNSConfig: Codable, Sendable, Hashable {
    @OmitEmpty public var nameservers: [String] = []
    @OmitEmpty public var searches: [String] = []
    @OmitEmpty public var options: [PodDNSConfigOption] = []

    public init(nameservers: [String] = [], searches: [String] = [], options: [PodDNSConfigOption] = []) {
        self.nameservers = nameservers
        self.searches = searches
        self.options = options
    }
}

public struct PodDNSConfigOption: Codable, Sendable, Hashable {
    @OmitEmpty public var name: String = ""
    public var value: String? = nil

    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }
}

public struct Container: Codable, Sendable, Hashable {
    public var name: String = ""
    @OmitEmpty public var image: String = ""
    @OmitEmpty public var command: [String] = []
    @OmitEmpty public var args: [String] = []
    @OmitEmpty public var workingDir: String = ""
    @OmitEmpty public var ports: [ContainerPort] = []
    @OmitEmpty public var envFrom: [JSON] = []
    @OmitEmpty public var env: [EnvVar] = []
    public var resources: JSON? = nil
    @OmitEmpty public var resizePolicy: [JSON] = []
    public var restartPolicy: String? = nil
    @OmitEmpty public var volumeMounts: [JSON] = []
    @OmitEmpty public var volumeDevices: [JSON] = []
    public var livenessProbe: Probe? = nil
    public var readinessProbe: Probe? = nil
    public var startupProbe: Probe? = nil
    public var lifecycle: JSON? = nil
    @OmitEmpty public var terminationMessagePath: String = ""
    @OmitEmpty public var terminationMessagePolicy: String = ""
    @OmitEmpty public var imagePullPolicy: String = ""
    public var securityContext: JSON? = nil
    @OmitEmpty public var stdin: Bool = false
    @OmitEmpty public var stdinOnce: Bool = false
    @OmitEmpty public var tty: Bool = false

    public init(name: String, image: String = "", command: [String] = [], args: [String] = [],
                ports: [ContainerPort] = [], env: [EnvVar] = []) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
        self.ports = ports
        self.env = env
    }
}

public struct ContainerPort: Codable, Sendable, Hashable {
    @OmitEmpty public var name: String = ""
    @OmitEmpty public var hostPort: Int32 = 0
    public var containerPort: Int32
    @OmitEmpty public var `protocol`: PortProtocol = ""
    @OmitEmpty public var hostIP: String = ""

    public init(name: String = "", containerPort: Int32, protocol: PortProtocol = "") {
        self.name = name
        self.containerPort = containerPort
        self.protocol = `protocol`
    }
}

public struct EnvVar: Codable, Sendable, Hashable {
    public var name: String
    @OmitEmpty public var value: String = ""
    public var valueFrom: EnvVarSource? = nil

    public init(name: String, value: String = "", valueFrom: EnvVarSource? = nil) {
        self.name = name
        self.value = value
        self.valueFrom = valueFrom
    }
}

public struct EnvVarSource: Codable, Sendable, Hashable {
    public var fieldRef: ObjectFieldSelector? = nil
    public var resourceFieldRef: JSON? = nil
    public var configMapKeyRef: KeySelector? = nil
    public var secretKeyRef: KeySelector? = nil
    public var fileKeyRef: JSON? = nil

    public init(fieldRef: ObjectFieldSelector? = nil, configMapKeyRef: KeySelector? = nil) {
        self.fieldRef = fieldRef
        self.configMapKeyRef = configMapKeyRef
    }
}

public struct ObjectFieldSelector: Codable, Sendable, Hashable {
    @OmitEmpty public var apiVersion: String = ""
    public var fieldPath: String

    public init(apiVersion: String = "", fieldPath: String) {
        self.apiVersion = apiVersion
        self.fieldPath = fieldPath
    }
}

/// A key of a ConfigMap or Secret (`configMapKeyRef`, `secretKeyRef`).
public struct KeySelector: Codable, Sendable, Hashable {
    @OmitEmpty public var name: String = ""
    public var key: String
    public var optional: Bool? = nil

    public init(name: String, key: String, optional: Bool? = nil) {
        self.name = name
        self.key = key
        self.optional = optional
    }
}

public struct Probe: Codable, Sendable, Hashable {
    public var exec: ExecAction? = nil
    public var httpGet: HTTPGetAction? = nil
    public var tcpSocket: TCPSocketAction? = nil
    public var grpc: GRPCAction? = nil
    @OmitEmpty public var initialDelaySeconds: Int32 = 0
    @OmitEmpty public var timeoutSeconds: Int32 = 0
    @OmitEmpty public var periodSeconds: Int32 = 0
    @OmitEmpty public var successThreshold: Int32 = 0
    @OmitEmpty public var failureThreshold: Int32 = 0
    public var terminationGracePeriodSeconds: Int64? = nil

    public init(exec: ExecAction? = nil, httpGet: HTTPGetAction? = nil, tcpSocket: TCPSocketAction? = nil) {
        self.exec = exec
        self.httpGet = httpGet
        self.tcpSocket = tcpSocket
    }
}

public struct ExecAction: Codable, Sendable, Hashable {
    @OmitEmpty public var command: [String] = []
    public init(command: [String]) { self.command = command }
}

public struct HTTPGetAction: Codable, Sendable, Hashable {
    @OmitEmpty public var path: String = ""
    public var port: IntOrString
    @OmitEmpty public var host: String = ""
    @OmitEmpty public var scheme: String = ""
    @OmitEmpty public var httpHeaders: [HTTPHeader] = []

    public init(path: String = "", port: IntOrString, host: String = "", scheme: String = "") {
        self.path = path
        self.port = port
        self.host = host
        self.scheme = scheme
    }
}

public struct HTTPHeader: Codable, Sendable, Hashable {
    public var name: String
    public var value: String
}

public struct TCPSocketAction: Codable, Sendable, Hashable {
    public var port: IntOrString
    @OmitEmpty public var host: String = ""

    public init(port: IntOrString, host: String = "") {
        self.port = port
        self.host = host
    }
}

public struct GRPCAction: Codable, Sendable, Hashable {
    public var port: Int32
    public var service: String? = nil
}

public struct PodStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int64? = nil
    @OmitEmpty public var phase: PodPhase = ""
    @OmitEmpty public var conditions: [PodCondition] = []
    @OmitEmpty public var message: String = ""
    @OmitEmpty public var reason: String = ""
    @OmitEmpty public var nominatedNodeName: String = ""
    @OmitEmpty public var hostIP: String = ""
    @OmitEmpty public var hostIPs: [HostIP] = []
    @OmitEmpty public var podIP: String = ""
    @OmitEmpty public var podIPs: [PodIP] = []
    public var startTime: Time? = nil
    @OmitEmpty public var initContainerStatuses: [ContainerStatus] = []
    @OmitEmpty public var containerStatuses: [ContainerStatus] = []
    @OmitEmpty public var qosClass: String = ""
    @OmitEmpty public var ephemeralContainerStatuses: [ContainerStatus] = []
    @OmitEmpty public var resize: String = ""
    @OmitEmpty public var resourceClaimStatuses: [JSON] = []

    public init(phase: PodPhase = "", conditions: [PodCondition] = [], podIP: String = "") {
        self.phase = phase
        self.conditions = conditions
        self.podIP = podIP
    }
}

public struct PodPhase: StringEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let pending: PodPhase = "Pending"
    public static let running: PodPhase = "Running"
    public static let succeeded: PodPhase = "Succeeded"
    public static let failed: PodPhase = "Failed"
    public static let unknown: PodPhase = "Unknown"
}

public struct PodCondition: Codable, Sendable, Hashable {
    public var type: String
    public var observedGeneration: Int64? = nil
    public var status: String
    @NullWhenZero public var lastProbeTime: Time? = nil
    @NullWhenZero public var lastTransitionTime: Time? = nil
    @OmitEmpty public var reason: String = ""
    @OmitEmpty public var message: String = ""

    public init(type: String, status: String, lastProbeTime: Time? = nil, lastTransitionTime: Time? = nil,
                reason: String = "", message: String = "") {
        self.type = type
        self.status = status
        self.lastProbeTime = lastProbeTime
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}

public struct HostIP: Codable, Sendable, Hashable {
    public var ip: String
    public init(ip: String) { self.ip = ip }
}

public struct PodIP: Codable, Sendable, Hashable {
    public var ip: String
    public init(ip: String) { self.ip = ip }
}

public struct ContainerStatus: Codable, Sendable, Hashable {
    public var name: String
    public var state: ContainerState = ContainerState()
    public var lastState: ContainerState = ContainerState()
    public var ready: Bool = false
    public var restartCount: Int32 = 0
    public var image: String = ""
    public var imageID: String = ""
    @OmitEmpty public var containerID: String = ""
    public var started: Bool? = nil
    @OmitEmpty public var allocatedResources: [String: Quantity] = [:]
    public var resources: JSON? = nil
    @OmitEmpty public var volumeMounts: [JSON] = []
    public var user: JSON? = nil
    @OmitEmpty public var allocatedResourcesStatus: [JSON] = []
    public var stopSignal: String? = nil

    public init(name: String, state: ContainerState = ContainerState(), ready: Bool = false,
                restartCount: Int32 = 0, image: String = "") {
        self.name = name
        self.state = state
        self.ready = ready
        self.restartCount = restartCount
        self.image = image
    }
}

public struct ContainerState: Codable, Sendable, Hashable {
    public var waiting: ContainerStateWaiting? = nil
    public var running: ContainerStateRunning? = nil
    public var terminated: ContainerStateTerminated? = nil

    public init(waiting: ContainerStateWaiting? = nil, running: ContainerStateRunning? = nil,
                terminated: ContainerStateTerminated? = nil) {
        self.waiting = waiting
        self.running = running
        self.terminated = terminated
    }
}

public struct ContainerStateWaiting: Codable, Sendable, Hashable {
    @OmitEmpty public var reason: String = ""
    @OmitEmpty public var message: String = ""

    public init(reason: String = "", message: String = "") {
        self.reason = reason
        self.message = message
    }
}

public struct ContainerStateRunning: Codable, Sendable, Hashable {
    @NullWhenZero public var startedAt: Time? = nil
    public init(startedAt: Time? = nil) { self.startedAt = startedAt }
}

public struct ContainerStateTerminated: Codable, Sendable, Hashable {
    public var exitCode: Int32
    @OmitEmpty public var signal: Int32 = 0
    @OmitEmpty public var reason: String = ""
    @OmitEmpty public var message: String = ""
    @NullWhenZero public var startedAt: Time? = nil
    @NullWhenZero public var finishedAt: Time? = nil
    @OmitEmpty public var containerID: String = ""

    public init(exitCode: Int32, signal: Int32 = 0, reason: String = "", message: String = "",
                startedAt: Time? = nil, finishedAt: Time? = nil) {
        self.exitCode = exitCode
        self.signal = signal
        self.reason = reason
        self.message = message
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// core/v1 PodTemplateSpec, as embedded in Deployments and ReplicaSets.
public struct PodTemplateSpec: Codable, Sendable, Hashable {
    public var metadata: ObjectMeta = ObjectMeta()
    public var spec: PodSpec = PodSpec()

    public init(metadata: ObjectMeta = ObjectMeta(), spec: PodSpec = PodSpec()) {
        self.metadata = metadata
        self.spec = spec
    }
}
