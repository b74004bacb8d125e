/// coordination.k8s.io/v1 Lease: a node's heartbeat in kube-node-lease.
public struct Lease: KubeObject {
    public static let apiVersion = "coordination.k8s.io/v1"
    public static let kind = "Lease"

    @OmitEmpty public var kind: String = ""
    @OmitEmpty public var apiVersion: String = ""
    public var metadata: ObjectMeta = ObjectMeta()
    public var spec: LeaseSpec = LeaseSpec()

    public init(metadata: ObjectMeta = ObjectMeta(), spec: LeaseSpec = LeaseSpec()) {
        self.kind = Self.kind
        self.apiVersion = Self.apiVersion
        self.metadata = metadata
        self.spec = spec
    }
}

public struct LeaseSpec: Codable, Sendable, Hashable {
    public var holderIdentity: String? = nil
    public var leaseDurationSeconds: Int32? = nil
    public var acquireTime: MicroTime? = nil
    public var renewTime: MicroTime? = nil
    public var leaseTransitions: Int32? = nil
    public var strategy: String? = nil
    public var preferredHolder: String? = nil

    public init(holderIdentity: String? = nil, leaseDurationSeconds: Int32? = nil, acquireTime: MicroTime? = nil,
                renewTime: MicroTime? = nil) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
    }
}
