/// apps/v1 Deployment: replicas of a pod template, rolled out through ReplicaSets.
public struct Deployment: KubeObject {
    public static let apiVersion = "apps/v1"
    public static let kind = "Deployment"

    @OmitEmpty public var kind: String = ""
    @OmitEmpty public var apiVersion: String = ""
    public var metadata: ObjectMeta = ObjectMeta()
    public var spec: DeploymentSpec = DeploymentSpec()
    public var status: DeploymentStatus = DeploymentStatus()

    public init(metadata: ObjectMeta = ObjectMeta(), spec: DeploymentSpec = DeploymentSpec(),
                status: DeploymentStatus = DeploymentStatus()) {
        self.kind = Self.kind
        self.apiVersion = Self.apiVersion
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

public struct DeploymentSpec: Codable, Sendable, Hashable {
    public var replicas: Int32? = nil
    public var selector: LabelSelector? = nil
    public var template: PodTemplateSpec = PodTemplateSpec()
    public var strategy: DeploymentStrategy = DeploymentStrategy()
    @OmitEmpty public var minReadySeconds: Int32 = 0
    public var revisionHistoryLimit: Int32? = nil
    @OmitEmpty public var paused: Bool = false
    public var progressDeadlineSeconds: Int32? = nil

    public init(replicas: Int32? = nil, selector: LabelSelector? = nil, template: PodTemplateSpec = PodTemplateSpec()) {
        self.replicas = replicas
        self.selector = selector
        self.template = template
    }
}

public struct DeploymentStrategy: Codable, Sendable, Hashable {
    @OmitEmpty public var type: String = ""
    public var rollingUpdate: RollingUpdateDeployment? = nil

    public init(type: String = "", rollingUpdate: RollingUpdateDeployment? = nil) {
        self.type = type
        self.rollingUpdate = rollingUpdate
    }
}

public struct RollingUpdateDeployment: Codable, Sendable, Hashable {
    public var maxUnavailable: IntOrString? = nil
    public var maxSurge: IntOrString? = nil

    public init(maxUnavailable: IntOrString? = nil, maxSurge: IntOrString? = nil) {
        self.maxUnavailable = maxUnavailable
        self.maxSurge = maxSurge
    }
}

public struct DeploymentStatus: Codable, Sendable, Hashable {
    @OmitEmpty public var observedGeneration: Int64 = 0
    @OmitEmpty public var replicas: Int32 = 0
    @OmitEmpty public var updatedReplicas: Int32 = 0
    @OmitEmpty public var readyReplicas: Int32 = 0
    @OmitEmpty public var availableReplicas: Int32 = 0
    @OmitEmpty public var unavailableReplicas: Int32 = 0
    public var terminatingReplicas: Int32? = nil
    @OmitEmpty public var conditions: [DeploymentCondition] = []
    public var collisionCount: Int32? = nil

    public init(replicas: Int32 = 0, updatedReplicas: Int32 = 0, readyReplicas: Int32 = 0, availableReplicas: Int32 = 0) {
        self.replicas = replicas
        self.updatedReplicas = updatedReplicas
        self.readyReplicas = readyReplicas
        self.availableReplicas = availableReplicas
    }
}

public struct DeploymentCondition: Codable, Sendable, Hashable {
    public var type: String
    public var status: String
    @NullWhenZero public var lastUpdateTime: Time? = nil
    @NullWhenZero public var lastTransitionTime: Time? = nil
    @OmitEmpty public var reason: String = ""
    @OmitEmpty public var message: String = ""

    public init(type: String, status: String, lastUpdateTime: Time? = nil, lastTransitionTime: Time? = nil,
                reason: String = "", message: String = "") {
        self.type = type
        self.status = status
        self.lastUpdateTime = lastUpdateTime
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}

/// apps/v1 ReplicaSet: keeps a number of identical pods running.
public struct ReplicaSet: KubeObject {
    public static let apiVersion = "apps/v1"
    public static let kind = "ReplicaSet"

    @OmitEmpty public var kind: String = ""
    @OmitEmpty public var apiVersion: String = ""
    public var metadata: ObjectMeta = ObjectMeta()
    public var spec: ReplicaSetSpec = ReplicaSetSpec()
    public var status: ReplicaSetStatus = ReplicaSetStatus()

    public init(metadata: ObjectMeta = ObjectMeta(), spec: ReplicaSetSpec = ReplicaSetSpec(),
                status: ReplicaSetStatus = ReplicaSetStatus()) {
        self.kind = Self.kind
        self.apiVersion = Self.apiVersion
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

public struct ReplicaSetSpec: Codable, Sendable, Hashable {
    public var replicas: Int32? = nil
    @OmitEmpty public var minReadySeconds: Int32 = 0
    public var selector: LabelSelector? = nil
    public var template: PodTemplateSpec? = nil

    public init(replicas: Int32? = nil, selector: LabelSelector? = nil, template: PodTemplateSpec? = nil) {
        self.replicas = replicas
        self.selector = selector
        self.template = template
    }
}

public struct ReplicaSetStatus: Codable, Sendable, Hashable {
    public var replicas: Int32 = 0
    @OmitEmpty public var fullyLabeledReplicas: Int32 = 0
    @OmitEmpty public var readyReplicas: Int32 = 0
    @OmitEmpty public var availableReplicas: Int32 = 0
    public var terminatingReplicas: Int32? = nil
    @OmitEmpty public var observedGeneration: Int64 = 0
    @OmitEmpty public var conditions: [ReplicaSetCondition] = []

    public init(replicas: Int32 = 0, readyReplicas: Int32 = 0, availableReplicas: Int32 = 0) {
        self.replicas = replicas
        self.readyReplicas = readyReplicas
        self.availableReplicas = availableReplicas
    }
}

public struct ReplicaSetCondition: Codable, Sendable, Hashable {
    public var type: String
    public var status: String
    @NullWhenZero public var lastTransitionTime: Time? = nil
    @OmitEmpty public var reason: String = ""
    @OmitEmpty public var message: String = ""
}
