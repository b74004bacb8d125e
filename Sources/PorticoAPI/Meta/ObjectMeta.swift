/// metav1.ObjectMeta, in Go's field order.
public struct ObjectMeta: Codable, Sendable, Hashable {
    @OmitEmpty public var name: String = ""
    @OmitEmpty public var generateName: String = ""
    @OmitEmpty public var namespace: String = ""
    @OmitEmpty public var selfLink: String = ""
    @OmitEmpty public var uid: String = ""
    @OmitEmpty public var resourceVersion: String = ""
    @OmitEmpty public var generation: Int64 = 0
    @NullWhenZero public var creationTimestamp: Time? = nil
    public var deletionTimestamp: Time? = nil
    public var deletionGracePeriodSeconds: Int64? = nil
    @OmitEmpty public var labels: [String: String] = [:]
    @OmitEmpty public var annotations: [String: String] = [:]
    @OmitEmpty public var ownerReferences: [OwnerReference] = []
    @OmitEmpty public var finalizers: [String] = []
    @OmitEmpty public var managedFields: [ManagedFieldsEntry] = []

    public init(name: String = "", namespace: String = "", labels: [String: String] = [:],
                annotations: [String: String] = [:]) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
    }
}

/// metav1.OwnerReference: what garbage collection follows.
public struct OwnerReference: Codable, Sendable, Hashable {
    public var apiVersion: String = ""
    public var kind: String = ""
    public var name: String = ""
    public var uid: String = ""
    public var controller: Bool? = nil
    public var blockOwnerDeletion: Bool? = nil

    public init(apiVersion: String, kind: String, name: String, uid: String, controller: Bool? = nil,
                blockOwnerDeletion: Bool? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.uid = uid
        self.controller = controller
        self.blockOwnerDeletion = blockOwnerDeletion
    }
}

/// metav1.ManagedFieldsEntry; `fieldsV1` is kept exactly as given.
public struct ManagedFieldsEntry: Codable, Sendable, Hashable {
    @OmitEmpty public var manager: String = ""
    @OmitEmpty public var operation: String = ""
    @OmitEmpty public var apiVersion: String = ""
    public var time: Time? = nil
    @OmitEmpty public var fieldsType: String = ""
    public var fieldsV1: JSON? = nil
    @OmitEmpty public var subresource: String = ""

    public init(manager: String = "", operation: String = "", apiVersion: String = "", time: Time? = nil,
                fieldsType: String = "", fieldsV1: JSON? = nil, subresource: String = "") {
        self.manager = manager
        self.operation = operation
        self.apiVersion = apiVersion
        self.time = time
        self.fieldsType = fieldsType
        self.fieldsV1 = fieldsV1
        self.subresource = subresource
    }
}

/// metav1.ListMeta.
public struct ListMeta: Codable, Sendable, Hashable {
    @OmitEmpty public var selfLink: String = ""
    @OmitEmpty public var resourceVersion: String = ""
    @OmitEmpty public var `continue`: String = ""
    public var remainingItemCount: Int64? = nil

    public init(resourceVersion: String = "", continue: String = "", remainingItemCount: Int64? = nil) {
        self.resourceVersion = resourceVersion
        self.continue = `continue`
        self.remainingItemCount = remainingItemCount
    }
}

/// corev1.ObjectReference: what an Event or an endpoint points at.
public struct ObjectReference: Codable, Sendable, Hashable {
    @OmitEmpty public var kind: String = ""
    @OmitEmpty public var namespace: String = ""
    @OmitEmpty public var name: String = ""
    @OmitEmpty public var uid: String = ""
    @OmitEmpty public var apiVersion: String = ""
    @OmitEmpty public var resourceVersion: String = ""
    @OmitEmpty public var fieldPath: String = ""

    public init(kind: String = "", namespace: String = "", name: String = "", uid: String = "",
                apiVersion: String = "", resourceVersion: String = "", fieldPath: String = "") {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.apiVersion = apiVersion
        self.resourceVersion = resourceVersion
        self.fieldPath = fieldPath
    }
}

/// metav1.Condition, the shape newer APIs (Service status among them) use.
public struct Condition: Codable, Sendable, Hashable {
    public var type: String = ""
    public var status: String = ""
    @OmitEmpty public var observedGeneration: Int64 = 0
    @NullWhenZero public var lastTransitionTime: Time? = nil
    public var reason: String = ""
    public var message: String = ""

    public init(type: String, status: String, observedGeneration: Int64 = 0, lastTransitionTime: Time? = nil,
                reason: String, message: String) {
        self.type = type
        self.status = status
        self.observedGeneration = observedGeneration
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}
