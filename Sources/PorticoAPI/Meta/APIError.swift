/// A failed API request: the `Status` the server answers with, built the way upstream's
/// apimachinery api/errors builds it, so clients (kubectl among them) print the same text.
public struct APIError: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: Status

    public init(_ status: Status) { self.status = status }

    public var code: Int32 { self.status.code }
    public var reason: StatusReason { self.status.reason }
    public var message: String { self.status.message }
    public var description: String { self.status.message }

    /// 422 Invalid: `Service "web" is invalid: [e1, e2]`, one cause per error (not de-duplicated).
    public static func invalid(kind: String, group: String = "", name: String, errors: [FieldError]) -> APIError {
        let qualified = group.isEmpty ? kind : "\(kind).\(group)"
        let causes = errors.map { StatusCause(reason: $0.type.rawValue, message: $0.body, field: $0.field) }
        let message = "\(qualified) \(GoQuote.quote(name)) is invalid: \(errors.aggregateMessage)"
        return APIError(Status(message: message, reason: .invalid,
                               details: StatusDetails(name: name, group: group, kind: kind, causes: causes), code: 422))
    }

    /// 500 InternalError: `Internal error occurred: <message>`.
    public static func internalError(_ message: String) -> APIError {
        APIError(Status(message: "Internal error occurred: \(message)", reason: .internalError,
                        details: StatusDetails(causes: [StatusCause(message: message)]), code: 500))
    }

    /// A plain error that is not an API status becomes a 500 with no reason, as in upstream's ErrorToAPIStatus.
    public static func unknown(_ message: String) -> APIError {
        APIError(Status(message: message, code: 500))
    }

    public static func badRequest(_ message: String) -> APIError {
        APIError(Status(message: message, reason: .badRequest, code: 400))
    }

    /// 404: `services "web" not found`.
    public static func notFound(resource: String, group: String = "", name: String) -> APIError {
        let qualified = group.isEmpty ? resource : "\(resource).\(group)"
        return APIError(Status(message: "\(qualified) \(GoQuote.quote(name)) not found", reason: .notFound,
                               details: StatusDetails(name: name, group: group, kind: resource), code: 404))
    }

    /// 409: `services "web" already exists`.
    public static func alreadyExists(resource: String, group: String = "", name: String) -> APIError {
        let qualified = group.isEmpty ? resource : "\(resource).\(group)"
        return APIError(Status(message: "\(qualified) \(GoQuote.quote(name)) already exists", reason: .alreadyExists,
                               details: StatusDetails(name: name, group: group, kind: resource), code: 409))
    }

    /// 409 Conflict: `Operation cannot be fulfilled on services "web": <why>`.
    public static func conflict(resource: String, group: String = "", name: String, message: String) -> APIError {
        let qualified = group.isEmpty ? resource : "\(resource).\(group)"
        return APIError(Status(message: "Operation cannot be fulfilled on \(qualified) \(GoQuote.quote(name)): \(message)",
                               reason: .conflict, details: StatusDetails(name: name, group: group, kind: resource), code: 409))
    }
}
