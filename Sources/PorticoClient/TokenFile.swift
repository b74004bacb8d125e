import Foundation

/// kube-apiserver's static token file (`token,user,uid,"group1,group2"`, `tokens.csv` in the
/// server's data directory): the admin's token and one per node agent. Here rather than in
/// the server because two sides write it: the server creates it with the admin's token on
/// first start, and the lab mints the node agents' tokens before it starts the server
/// (the lab does not import the server).
public enum TokenFile {
    public static let fileName = "tokens.csv"
    /// The group the server lets do anything (upstream's `system:masters`).
    public static let mastersGroup = "system:masters"
    /// The admin identity, as the server authorizes it.
    public static let adminName = "portico-admin"
    public static let adminGroups = [mastersGroup, "system:authenticated"]

    /// One line of the file.
    public struct Entry: Sendable, Hashable {
        public var token: String
        public var user: String
        public var groups: [String]

        public var isAdmin: Bool { self.groups.contains(TokenFile.mastersGroup) }
    }

    /// The file's entries, creating it with an admin token when it does not exist.
    public static func loadOrCreate(directory: String) throws -> [Entry] {
        let path = directory + "/" + fileName
        if !FileManager.default.fileExists(atPath: path) {
            let line = "\(randomToken()),\(adminName),portico-admin,\"\(adminGroups.joined(separator: ","))\"\n"
            guard FileManager.default.createFile(atPath: path, contents: Data(line.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
        }
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let parts = csvFields(String(line))
            guard parts.count >= 2 else { return nil }
            return Entry(token: parts[0], user: parts[1], groups: parts.count >= 4 ? parts[3].split(separator: ",").map(String.init) : [])
        }
    }

    /// The first admin token of `entries` ("" when there is none).
    public static func adminToken(_ entries: [Entry]) -> String {
        entries.first(where: \.isAdmin)?.token ?? ""
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
}
