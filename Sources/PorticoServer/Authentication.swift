import Foundation
import PorticoAPI

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

/// Who may do what: the admin everything; a node agent reads everything and writes what a
/// kubelet and kube-proxy write (its Node, Leases, pod status, Events, EndpointSlices it
/// reports nothing else). Everyone else nothing.
enum Authorizer {
    static func allowed(_ user: UserInfo, _ info: RequestInfo) -> Bool {
        if user.isAdmin { return true }
        guard user.groups.contains("system:nodes") else { return false }
        switch info.verb {
        case .get, .list, .watch: return true
        default: break
        }
        switch (info.group, info.resource, info.subresource) {
        case ("", "nodes", _), ("", "events", ""), ("coordination.k8s.io", "leases", ""), ("", "pods", "status"): return true
        case ("", "pods", ""): return info.verb == .delete
        default: return false
        }
    }

    static func forbidden(_ user: UserInfo, _ info: RequestInfo) -> APIError {
        let resource = info.subresource.isEmpty ? info.resource : "\(info.resource)/\(info.subresource)"
        var message = "\(resource)"
        if !info.name.isEmpty { message += " \(GoQuote.quote(info.name))" }
        message += " is forbidden: User \(GoQuote.quote(user.name)) cannot \(info.verb?.rawValue ?? "access") resource \(GoQuote.quote(resource)) in API group \(GoQuote.quote(info.group))"
        message += info.namespace.isEmpty ? " at the cluster scope" : " in the namespace \(GoQuote.quote(info.namespace))"
        return APIError(Status(message: message, reason: .forbidden,
                               details: StatusDetails(name: info.name, group: info.group, kind: info.resource), code: 403))
    }
}
