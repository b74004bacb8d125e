/// `GET /api`: the legacy core group's versions.
public struct APIVersions: Codable, Sendable, Hashable {
    public var kind: String = "APIVersions"
    public var versions: [String]
    public var serverAddressByClientCIDRs: [ServerAddressByClientCIDR]

    public init(versions: [String], serverAddressByClientCIDRs: [ServerAddressByClientCIDR]) {
        self.versions = versions
        self.serverAddressByClientCIDRs = serverAddressByClientCIDRs
    }
}

public struct ServerAddressByClientCIDR: Codable, Sendable, Hashable {
    public var clientCIDR: String
    public var serverAddress: String

    public init(clientCIDR: String, serverAddress: String) {
        self.clientCIDR = clientCIDR
        self.serverAddress = serverAddress
    }
}

/// `GET /apis`: every named group.
public struct APIGroupList: Codable, Sendable, Hashable {
    public var kind: String = "APIGroupList"
    public var apiVersion: String = "v1"
    public var groups: [APIGroup]

    public init(groups: [APIGroup]) { self.groups = groups }
}

public struct APIGroup: Codable, Sendable, Hashable {
    @OmitEmpty public var kind: String = ""
    @OmitEmpty public var apiVersion: String = ""
    public var name: String
    public var versions: [GroupVersionForDiscovery]
    public var preferredVersion: GroupVersionForDiscovery?
    @OmitEmpty public var serverAddressByClientCIDRs: [ServerAddressByClientCIDR] = []

    public init(name: String, versions: [GroupVersionForDiscovery], preferredVersion: GroupVersionForDiscovery?) {
        self.name = name
        self.versions = versions
        self.preferredVersion = preferredVersion
    }
}

public struct GroupVersionForDiscovery: Codable, Sendable, Hashable {
    public var groupVersion: String
    public var version: String

    public init(groupVersion: String, version: String) {
        self.groupVersion = groupVersion
        self.version = version
    }
}

/// `GET /api/v1`, `GET /apis/<group>/<version>`: the resources a group version serves.
public struct APIResourceList: Codable, Sendable, Hashable {
    public var kind: String = "APIResourceList"
    public var apiVersion: String = "v1"
    public var groupVersion: String
    public var resources: [APIResource]

    public init(groupVersion: String, resources: [APIResource]) {
        self.groupVersion = groupVersion
        self.resources = resources
    }
}

public struct APIResource: Codable, Sendable, Hashable {
    public var name: String
    public var singularName: String
    public var namespaced: Bool
    @OmitEmpty public var group: String = ""
    @OmitEmpty public var version: String = ""
    public var kind: String
    public var verbs: [String]
    @OmitEmpty public var shortNames: [String] = []
    @OmitEmpty public var categories: [String] = []
    @OmitEmpty public var storageVersionHash: String = ""

    public init(name: String, singularName: String, namespaced: Bool, kind: String, verbs: [String],
                shortNames: [String] = [], categories: [String] = [], storageVersionHash: String = "") {
        self.name = name
        self.singularName = singularName
        self.namespaced = namespaced
        self.kind = kind
        self.verbs = verbs
        self.shortNames = shortNames
        self.categories = categories
        self.storageVersionHash = storageVersionHash
    }
}

/// metav1.DeleteOptions.
public struct DeleteOptions: Codable, Sendable, Hashable {
    @OmitEmpty public var kind: String = ""
    @OmitEmpty public var apiVersion: String = ""
    public var gracePeriodSeconds: Int64? = nil
    public var preconditions: Preconditions? = nil
    public var orphanDependents: Bool? = nil
    public var propagationPolicy: DeletionPropagation? = nil
    @OmitEmpty public var dryRun: [String] = []
    public var ignoreStoreReadErrorWithClusterBreakingPotential: Bool? = nil

    public init(gracePeriodSeconds: Int64? = nil, preconditions: Preconditions? = nil,
                propagationPolicy: DeletionPropagation? = nil, dryRun: [String] = []) {
        self.gracePeriodSeconds = gracePeriodSeconds
        self.preconditions = preconditions
        self.propagationPolicy = propagationPolicy
        self.dryRun = dryRun
    }

    public struct Preconditions: Codable, Sendable, Hashable {
        public var uid: String? = nil
        public var resourceVersion: String? = nil

        public init(uid: String? = nil, resourceVersion: String? = nil) {
            self.uid = uid
            self.resourceVersion = resourceVersion
        }
    }
}

public struct DeletionPropagation: StringEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let orphan: DeletionPropagation = "Orphan"
    public static let background: DeletionPropagation = "Background"
    public static let foreground: DeletionPropagation = "Foreground"
}
