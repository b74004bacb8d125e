import Foundation
import PorticoAPI
import Yams

/// The parts of a kubeconfig a client needs: the current context's server, CA and token.
public struct Kubeconfig: Sendable, Hashable {
    public var server: String
    public var certificateAuthorityPEM: String?
    public var token: String?
    public var insecureSkipTLSVerify = false

    public init(server: String, certificateAuthorityPEM: String?, token: String?) {
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.token = token
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// A kubeconfig of one cluster, context and user, with the CA inline and a bearer token:
    /// what the server writes for the admin and the lab for each agent and the load balancer.
    public static func render(server: String, caPEM: String, user: String, token: String) -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - cluster:
            certificate-authority-data: \(Data(caPEM.utf8).base64EncodedString())
            server: \(server)
          name: portico
        contexts:
        - context:
            cluster: portico
            user: \(user)
          name: portico
        current-context: portico
        preferences: {}
        users:
        - name: \(user)
          user:
            token: \(token)

        """
    }

    /// Reads a kubeconfig file (the current context, or the first one).
    public static func load(path: String) throws -> Kubeconfig {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let root = try Yams.load(yaml: text) as? [String: Any] else {
            throw Failure(description: "\(path): not a kubeconfig")
        }
        let contexts = (root["contexts"] as? [[String: Any]]) ?? []
        let current = root["current-context"] as? String
        let context = contexts.first { ($0["name"] as? String) == current } ?? contexts.first
        let contextBody = context?["context"] as? [String: Any]
        let clusterName = contextBody?["cluster"] as? String
        let userName = contextBody?["user"] as? String
        let clusters = (root["clusters"] as? [[String: Any]]) ?? []
        guard let cluster = (clusters.first { ($0["name"] as? String) == clusterName } ?? clusters.first)?["cluster"] as? [String: Any],
            let server = cluster["server"] as? String
        else { throw Failure(description: "\(path): no cluster with a server") }
        var config = Kubeconfig(server: server, certificateAuthorityPEM: nil, token: nil)
        if let data = cluster["certificate-authority-data"] as? String, let decoded = Data(base64Encoded: data) {
            config.certificateAuthorityPEM = String(decoding: decoded, as: UTF8.self)
        } else if let file = cluster["certificate-authority"] as? String {
            config.certificateAuthorityPEM = try String(contentsOfFile: file, encoding: .utf8)
        }
        config.insecureSkipTLSVerify = cluster["insecure-skip-tls-verify"] as? Bool ?? false
        let users = (root["users"] as? [[String: Any]]) ?? []
        if let user = (users.first { ($0["name"] as? String) == userName } ?? users.first)?["user"] as? [String: Any] {
            if let token = user["token"] as? String {
                config.token = token
            } else if let file = user["tokenFile"] as? String {
                config.token = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        return config
    }
}
