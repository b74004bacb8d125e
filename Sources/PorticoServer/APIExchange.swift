import PorticoAPI
import PorticoClient
import PorticoStore

/// A request as the API handlers see it, apart from any HTTP library, so they can be tested
/// by calling them directly.
public struct APIRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [String: String]
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: [UInt8]
    public var user: UserInfo

    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:],
                body: [UInt8] = [], user: UserInfo = .admin) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.user = user
    }

    /// Parses `path?a=b&c=d`.
    public init(method: String, target: String, headers: [String: String] = [:], body: [UInt8] = [], user: UserInfo = .admin) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = URLDecoding.decode(String(kv[0]))
                query[key] = kv.count == 2 ? URLDecoding.decode(String(kv[1])) : ""
            }
        }
        self.init(method: method, path: URLDecoding.decode(String(parts[0])), query: query, headers: headers, body: body, user: user)
    }

    public func header(_ name: String) -> String? { self.headers[name.lowercased()] }
}

/// Who is asking, after authentication.
public struct UserInfo: Sendable, Hashable {
    public var name: String
    public var groups: [String]

    public init(name: String, groups: [String]) {
        self.name = name
        self.groups = groups
    }

    public static let admin = UserInfo(name: TokenFile.adminName, groups: TokenFile.adminGroups)
    /// A request without credentials, let through only to the public paths.
    public static let anonymous = UserInfo(name: "system:anonymous", groups: ["system:unauthenticated"])
    public var isAdmin: Bool { self.groups.contains(TokenFile.mastersGroup) }
}

public struct APIResponse: Sendable {
    public enum Body: Sendable {
        case bytes([UInt8])
        /// A watch: the closure writes newline-terminated JSON events, each flushed as it is
        /// written, until it returns; a write fails once the client has gone.
        case stream(@Sendable (_ write: @Sendable ([UInt8]) async throws -> Void) async throws -> Void)
    }

    public var status: Int
    public var headers: [(String, String)]
    public var body: Body

    public init(status: Int, headers: [(String, String)] = [], body: Body) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func json(_ status: Int, _ json: JSON, headers: [(String, String)] = []) -> APIResponse {
        var bytes = json.serializedBytes()
        bytes.append(0x0A)
        return APIResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: .bytes(bytes))
    }

    public static func error(_ error: APIError) -> APIResponse {
        var status = error.status
        if status.code == 0 { status.code = 500 }
        let retry = status.details?.retryAfterSeconds ?? 0
        return .json(Int(status.code), (try? status.toJSON()) ?? [:], headers: retry > 0 ? [("Retry-After", String(retry))] : [])
    }

    public var bodyBytes: [UInt8] {
        if case .bytes(let b) = self.body { return b }
        return []
    }

    public var bodyJSON: JSON? { try? JSON.parse(bytes: self.bodyBytes) }
}

enum URLDecoding {
    /// Percent-decoding; `+` is a space in a query.
    static func decode(_ s: String) -> String {
        guard s.contains("%") || s.contains("+") else { return s }
        var bytes: [UInt8] = []
        var iterator = Array(s.utf8).makeIterator()
        while let b = iterator.next() {
            if b == UInt8(ascii: "%"), let h = iterator.next(), let l = iterator.next(),
                let v = UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16)
            {
                bytes.append(v)
            } else if b == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension APIError {
    static func forbidden(_ message: String, resource: String = "", name: String = "") -> APIError {
        APIError(Status(message: message, reason: .forbidden, details: StatusDetails(name: name, kind: resource), code: 403))
    }

    static func methodNotAllowed(_ message: String) -> APIError {
        APIError(Status(message: message, reason: .methodNotAllowed, code: 405))
    }

    static func unsupportedMediaType(_ message: String) -> APIError {
        APIError(Status(message: message, reason: .unsupportedMediaType, code: 415))
    }

    static func notAcceptable(_ message: String) -> APIError {
        APIError(Status(message: message, reason: .notAcceptable, code: 406))
    }

    static func gone(_ message: String) -> APIError {
        APIError(Status(message: message, reason: .expired, code: 410))
    }

    static func unauthorized() -> APIError {
        APIError(Status(message: "Unauthorized", reason: .unauthorized, code: 401))
    }

    /// A store failure in the words of upstream's storage errors.
    static func from(_ error: StoreError, info: ResourceInfo, name: String) -> APIError {
        switch error {
        case .notFound: return .notFound(resource: info.resource, group: info.group, name: name)
        case .alreadyExists: return .alreadyExists(resource: info.resource, group: info.group, name: name)
        case .conflict:
            return .conflict(resource: info.resource, group: info.group, name: name,
                             message: "the object has been modified; please apply your changes to the latest version and try again")
        case .expired(let requested, let oldest): return .gone("too old resource version: \(requested) (\(oldest))")
        case .watcherTooSlow: return .internalError("the watch fell too far behind; list again")
        case .corrupt, .unusable, .unavailable: return .internalError(error.description)
        }
    }
}
