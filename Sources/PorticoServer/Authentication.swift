import Foundation
import PorticoAPI
import PorticoStore

/// Bearer tokens, as kube-apiserver's static token file (`token,user,uid,"group1,group2"`):
/// the admin's (in the kubeconfig) and one per node agent. No token, or an unknown one, is a
/// 401; a known user outside its scope gets a 403.
public struct TokenAuthenticator: Sendable {
    public var tokens: [String: UserInfo]

    public static let fileName = "tokens.csv"

    public init(tokens: [String: UserInfo]) {
        self.tokens = tokens
    }

    /// Reads the token file, creating it with an admin token on first start.
    public static func loadOrCreate(directory: String) throws -> (TokenAuthenticator, adminToken: String) {
        let path = directory + "/" + fileName
        if !FileManager.default.fileExists(atPath: path) {
            let token = randomToken()
            let line = "\(token),\(UserInfo.admin.name),portico-admin,\"\(UserInfo.admin.groups.joined(separator: ","))\"\n"
            guard FileManager.default.createFile(atPath: path, contents: Data(line.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var tokens: [String: UserInfo] = [:]
        var adminToken = ""
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = self.csvFields(String(line))
            guard parts.count >= 2 else { continue }
            let groups = parts.count >= 4 ? parts[3].split(separator: ",").map(String.init) : []
            let user = UserInfo(name: parts[1], groups: groups)
            tokens[parts[0]] = user
            if user.isAdmin, adminToken.isEmpty { adminToken = parts[0] }
        }
        return (TokenAuthenticator(tokens: tokens), adminToken)
    }

    /// Adds a token for a node agent (`system:node:<name>`, group `system:nodes`).
    public static func addNodeToken(directory: String, node: String) throws -> String {
        let token = randomToken()
        let line = "\(token),system:node:\(node),node-\(node),\"system:nodes,system:authenticated\"\n"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/" + fileName))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
        return token
    }

    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        for c in line {
            if c == "\"" { quoted.toggle(); continue }
            if c == ",", !quoted {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }

    static func randomToken() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
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
    static func authorize(_ user: UserInfo, _ info: RequestInfo, query: [String: String], store: Store) async throws {
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
    static func holds(_ relation: NodeAuthorizer.Relation, node: String, store: Store) async throws -> Bool {
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
