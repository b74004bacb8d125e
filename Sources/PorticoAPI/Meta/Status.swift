/// metav1.Status: how the API server reports a failure (and some successes).
public struct Status: Codable, Sendable, Hashable, Error {
    public var kind: String = "Status"
    public var apiVersion: String = "v1"
    public var metadata: ListMeta = ListMeta()
    @OmitEmpty public var status: String = ""
    @OmitEmpty public var message: String = ""
    @OmitEmpty public var reason: StatusReason = ""
    public var details: StatusDetails? = nil
    @OmitEmpty public var code: Int32 = 0

    public init(status: String = Status.failure, message: String = "", reason: StatusReason = "",
                details: StatusDetails? = nil, code: Int32 = 0) {
        self.status = status
        self.message = message
        self.reason = reason
        self.details = details
        self.code = code
    }

    public static let success = "Success"
    public static let failure = "Failure"
}

/// metav1.StatusReason: the machine-readable why of a failure.
public struct StatusReason: StringEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let unauthorized: StatusReason = "Unauthorized"
    public static let forbidden: StatusReason = "Forbidden"
    public static let notFound: StatusReason = "NotFound"
    public static let alreadyExists: StatusReason = "AlreadyExists"
    public static let conflict: StatusReason = "Conflict"
    public static let gone: StatusReason = "Gone"
    public static let invalid: StatusReason = "Invalid"
    public static let serverTimeout: StatusReason = "ServerTimeout"
    public static let timeout: StatusReason = "Timeout"
    public static let tooManyRequests: StatusReason = "TooManyRequests"
    public static let badRequest: StatusReason = "BadRequest"
    public static let methodNotAllowed: StatusReason = "MethodNotAllowed"
    public static let notAcceptable: StatusReason = "NotAcceptable"
    public static let requestEntityTooLarge: StatusReason = "RequestEntityTooLarge"
    public static let unsupportedMediaType: StatusReason = "UnsupportedMediaType"
    public static let internalError: StatusReason = "InternalError"
    public static let expired: StatusReason = "Expired"
    public static let serviceUnavailable: StatusReason = "ServiceUnavailable"
}

public struct StatusDetails: Codable, Sendable, Hashable {
    @OmitEmpty public var name: String = ""
    @OmitEmpty public var group: String = ""
    @OmitEmpty public var kind: String = ""
    @OmitEmpty public var uid: String = ""
    @OmitEmpty public var causes: [StatusCause] = []
    @OmitEmpty public var retryAfterSeconds: Int32 = 0

    public init(name: String = "", group: String = "", kind: String = "", uid: String = "",
                causes: [StatusCause] = [], retryAfterSeconds: Int32 = 0) {
        self.name = name
        self.group = group
        self.kind = kind
        self.uid = uid
        self.causes = causes
        self.retryAfterSeconds = retryAfterSeconds
    }
}

public struct StatusCause: Codable, Sendable, Hashable {
    @OmitEmpty public var reason: String = ""
    @OmitEmpty public var message: String = ""
    @OmitEmpty public var field: String = ""

    public init(reason: String = "", message: String = "", field: String = "") {
        self.reason = reason
        self.message = message
        self.field = field
    }
}
