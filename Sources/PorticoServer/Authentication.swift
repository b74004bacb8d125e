import Foundation
import PorticoAPI
import PorticoClient
import PorticoStore

/// Bearer tokens, as kube-apiserver's static token file (`token,user,uid,"group1,group2"`):
/// the admin's (in the kubeconfig) and one per node agent. No token, or an unknown one, is a
/// 401; a known user outside its scope gets a 403.
public struct TokenAuthenticator: Sendable {
    public var tokens: [String: UserInfo]

    public init(tokens: [String: UserInfo]) {
        self.tokens = tokens
    }

    /// Reads the token file (`TokenFile`), creating it with an admin token on first start.
    public static func loadOrCreate(directory: String) throws -> (TokenAuthenticator, adminToken: String) {
        let entries = try TokenFile.loadOrCreate(directory: directory)
        var tokens: [String: UserInfo] = [:]
        for entry in entries { tokens[entry.token] = UserInfo(name: entry.user, groups: entry.groups) }
        return (TokenAuthenticator(tokens: tokens), TokenFile.adminToken(entries))
    }

    public func authenticate(_ authorization: String?) -> UserInfo? {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return nil }
        return self.tokens[String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)]
    }
}

/// Who may do what: the admin everything; a node identity what `NodeAuthorizer` allows
/// (its graph relations looked up in the store); everyone else nothing. A refusal is
/// upstream's 403: `<resource> "<name>" is forbidden: User "…" cannot <verb> resource …: <reason>`.
enum Authorizer {
    /// Whether `user` may make the request, deciding what needs no lookup (PodStreams'
    /// WebSocket check, which runs before any handler).
    static func allowed(_ user: UserInfo, _ info: RequestInfo) -> Bool {
        if user.isAdmin { return true }
        guard let node = NodeAuthorizer.nodeName(of: user) else { return false }
        return NodeAuthorizer.decide(node: node, info, fieldSelector: Fields.Selector(terms: [])) == .allow
    }

    /// Throws the 403 when `user` may not make the request.
    static func authorize(_ user: UserInfo, _ info: RequestInfo, query: [String: String], store: any ObjectStore) async throws {
        if user.isAdmin { return }
        guard let node = NodeAuthorizer.nodeName(of: user) else { throw self.forbidden(user, info, reason: "") }
        let fields = (try? Fields.parse(query["fieldSelector"] ?? "")) ?? Fields.Selector(terms: [])
        let named = info.name.isEmpty ? (fields.requiredValue("metadata.name") ?? "") : info.name
        switch NodeAuthorizer.decide(node: node, info, fieldSelector: fields) {
        case .allow:
            return
        case .deny(let reason):
            throw self.forbidden(user, info, name: named, reason: reason)
        case .allowIf(let relation):
            if try await self.holds(relation, node: node, store: store) { return }
            throw self.forbidden(user, info, name: named, reason: "no relationship found between node '\(node)' and this object")
        }
    }

    /// Looks a graph relation up in the store.
    static func holds(_ relation: NodeAuthorizer.Relation, node: String, store: any ObjectStore) async throws -> Bool {
        switch relation {
        case .podBound(let namespace, let name):
            let pod = try await store.get(ObjectKey(resource: "pods", namespace: namespace, name: name))
            return pod?.object["spec"]?["nodeName"]?.stringValue == node
        case .usedByBoundPod(let resource, let namespace, let name):
            for stored in try await store.list(resource: "pods", namespace: namespace).items
            where stored.object["spec"]?["nodeName"]?.stringValue == node {
                guard let pod = try? KubeJSONDecoder().decode(Pod.self, from: stored.object).value else { continue }
                if NodeAuthorizer.references(of: pod, resource: resource).contains(name) { return true }
            }
            return false
        }
    }

    static func forbidden(_ user: UserInfo, _ info: RequestInfo, name: String? = nil, reason: String = "") -> APIError {
        let resource = info.subresource.isEmpty ? info.resource : "\(info.resource)/\(info.subresource)"
        let qualified = info.group.isEmpty ? info.resource : "\(info.resource).\(info.group)"
        let name = name ?? info.name
        var message = qualified
        if !name.isEmpty { message += " \(GoQuote.quote(name))" }
        message += " is forbidden: User \(GoQuote.quote(user.name)) cannot \(info.verb?.rawValue ?? "access") resource \(GoQuote.quote(resource)) in API group \(GoQuote.quote(info.group))"
        message += info.namespace.isEmpty ? " at the cluster scope" : " in the namespace \(GoQuote.quote(info.namespace))"
        if !reason.isEmpty { message += ": " + reason }
        return APIError(Status(message: message, reason: .forbidden,
                               details: StatusDetails(name: name, group: info.group, kind: info.resource), code: 403))
    }
}
