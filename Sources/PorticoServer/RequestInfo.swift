import PorticoAPI

/// What a request is about, read from its method and path as kube-apiserver's
/// RequestInfoResolver reads it: `/api/v1/namespaces/default/services/web/status`.
public struct RequestInfo: Sendable, Hashable {
    public enum Verb: String, Sendable {
        case get, list, watch, create, update, patch, delete, deletecollection
    }

    /// A path that is not a resource: discovery, OpenAPI, health.
    public var isResourceRequest: Bool
    public var path: String
    public var verb: Verb?
    public var group: String = ""
    public var version: String = ""
    public var resource: String = ""
    public var namespace: String = ""
    public var name: String = ""
    public var subresource: String = ""

    /// Parses `method` and the path (without the query); `watch` is the `?watch=` parameter.
    public init(method: String, path: String, watchParameter: Bool) {
        self.path = path
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        self.isResourceRequest = false
        guard let prefix = parts.first, prefix == "api" || prefix == "apis" else { return }
        parts.removeFirst()
        if prefix == "api" {
            guard parts.count >= 2 else { return }  // /api, /api/v1: discovery
            self.version = parts.removeFirst()
        } else {
            guard parts.count >= 3 else { return }  // /apis, /apis/g, /apis/g/v: discovery
            self.group = parts.removeFirst()
            self.version = parts.removeFirst()
        }
        self.isResourceRequest = true
        var legacyWatch = false
        if parts.first == "watch" {
            legacyWatch = true
            parts.removeFirst()
        }
        if parts.first == "namespaces", parts.count > 1 {
            self.namespace = parts[1]
            if parts.count > 2, parts[2] != "status", parts[2] != "finalize" {
                parts.removeFirst(2)
            }
        }
        guard !parts.isEmpty else {
            self.isResourceRequest = false
            return
        }
        self.resource = parts[0]
        if parts.count > 1 { self.name = parts[1] }
        if parts.count > 2 { self.subresource = parts[2...].joined(separator: "/") }
        switch method {
        case "GET", "HEAD":
            if self.name.isEmpty {
                self.verb = (watchParameter || legacyWatch) ? .watch : .list
            } else {
                self.verb = legacyWatch || watchParameter ? .watch : .get
            }
        case "POST": self.verb = .create
        case "PUT": self.verb = .update
        case "PATCH": self.verb = .patch
        case "DELETE": self.verb = self.name.isEmpty ? .deletecollection : .delete
        default: self.verb = nil
        }
    }
}
