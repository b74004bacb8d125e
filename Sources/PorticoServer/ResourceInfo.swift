import PorticoAPI

/// How a served resource appears in discovery and URLs: `services` in the core group, `v1`.
public struct ResourceInfo: Sendable, Hashable {
    public var group: String
    public var version: String
    /// The plural path segment: `services`.
    public var resource: String
    public var singular: String
    public var kind: String
    public var namespaced: Bool
    public var shortNames: [String]
    public var categories: [String]
    /// Subresources and the kind each one carries: `status` → `Service`, `scale` → `Scale`.
    public var subresources: [String: SubresourceInfo]

    public struct SubresourceInfo: Sendable, Hashable {
        public var kind: String
        public var group: String = ""
        public var version: String = ""
        public var verbs: [String]
    }

    public static let allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

    public var groupVersion: String { self.group.isEmpty ? self.version : "\(self.group)/\(self.version)" }
    /// The key resources are stored under: `services`, `deployments.apps`.
    public var storageResource: String { self.group.isEmpty ? self.resource : "\(self.resource).\(self.group)" }
    /// How errors name it: `services`, `deployments.apps`.
    public var qualifiedResource: String { self.storageResource }
}

/// The per-kind rules upstream keeps in each registry's strategy: defaults, what the server
/// owns on create and update, validation, and the fields a field selector may name.
public struct ResourceStrategy<Object: TablePrintable>: Sendable {
    public typealias Hook = @Sendable (inout Object) -> Void
    public typealias UpdateHook = @Sendable (inout Object, Object) -> Void

    public var info: ResourceInfo
    /// Static defaulting, as when a request body is decoded.
    public var defaults: Hook = { _ in }
    /// PrepareForCreate: e.g. clear status.
    public var prepareForCreate: Hook = { _ in }
    /// PrepareForUpdate: e.g. keep the stored status.
    public var prepareForUpdate: UpdateHook = { _, _ in }
    public var validateCreate: @Sendable (Object) -> [FieldError]
    public var validateUpdate: @Sendable (Object, Object) -> [FieldError]
    /// For `/status`: keep the stored spec.
    public var prepareForStatusUpdate: UpdateHook? = nil
    public var validateStatusUpdate: (@Sendable (Object, Object) -> [FieldError])? = nil
    /// `metadata.generation` starts at 1 and grows when this says the spec changed.
    public var specChanged: (@Sendable (Object, Object) -> Bool)? = nil
    /// Values of the fields a field selector may use, beyond metadata.name/namespace.
    public var selectableFields: @Sendable (Object) -> [String: String] = { _ in [:] }
    /// DELETE answers with the object rather than a Status (upstream ReturnDeletedObject).
    public var returnsDeletedObject = false
    /// PUT to a missing object creates it.
    public var allowCreateOnUpdate = false
    /// A PUT without resourceVersion overwrites whatever is stored.
    public var allowUnconditionalUpdate = true
    /// Objects whose create and update go through a registry with allocation (Services).
    public var registry: RegistryHooks<Object>? = nil
    /// The value a GET shows for a stored object (upstream's decorator, defaultOnRead).
    public var decorate: (@Sendable (Object) -> Object)? = nil
    /// Finalizers beyond metadata.finalizers that hold a deletion (a Namespace's spec.finalizers).
    public var extraFinalizers: @Sendable (Object) -> [String] = { _ in [] }
    /// What marking for deletion changes besides deletionTimestamp (a Namespace turns Terminating).
    public var markForDeletion: Hook? = nil
    /// Graceful deletion (upstream's CheckGracefulDelete): the seconds the object is given to
    /// end before it goes, nil to delete it now. Only pods wait (their node agent stops them).
    public var gracePeriod: @Sendable (Object, DeleteOptions) -> Int64? = { _, _ in nil }
    /// A field selector's field under its current name (upstream's field label conversion:
    /// a pod's `spec.host` is `spec.nodeName`).
    public var convertFieldLabel: @Sendable (String) -> String = { $0 }
    /// Subresources a kind answers itself rather than through the generic status and scale
    /// handlers (a pod's binding, log, exec, attach, portforward): the handler for this
    /// subresource and verb, nil when the generic ones answer. Internal because the handler
    /// works on the served resource, which other targets do not see.
    var subresourceHandler: @Sendable (String, RequestInfo.Verb?) -> SubresourceHandler<Object>? = { _, _ in nil }

    public init(info: ResourceInfo, validateCreate: @escaping @Sendable (Object) -> [FieldError],
                validateUpdate: @escaping @Sendable (Object, Object) -> [FieldError]) {
        self.info = info
        self.validateCreate = validateCreate
        self.validateUpdate = validateUpdate
    }
}

/// A kind's own handler for one of its subresources (see `ResourceStrategy.subresourceHandler`).
typealias SubresourceHandler<Object: TablePrintable> = @Sendable (TypedResource<Object>, APIRequest, RequestInfo) async throws -> APIResponse

/// What a registry with allocation (the Service registry) does in place of the generic
/// prepare-and-validate steps; the allocations it made are committed or reverted with the
/// store transaction.
public struct RegistryHooks<Object: Sendable>: Sendable {
    public var create: @Sendable (Object) async throws -> (Object, AllocationHandle)
    public var update: @Sendable (Object, Object) async throws -> (Object, AllocationHandle)
    public var updateStatus: @Sendable (Object, Object) throws(APIError) -> Object
    /// After the object is deleted: give back what it held.
    public var release: @Sendable (Object) async -> Void
}

/// Commit or revert of the allocations one write made. With allocations shared between
/// servers each is a write of the shared record; a failure there leaves the values taken
/// (a leak, not a duplicate), which is logged.
public struct AllocationHandle: Sendable {
    public var commit: @Sendable () async -> Void
    public var revert: @Sendable () async -> Void

    public static let none = AllocationHandle(commit: {}, revert: {})
}
