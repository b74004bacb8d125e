import Foundation
import PorticoAPI
import PorticoTestSupport
import Testing

/// A real lab, made by the real `portico up` under a unique name with its own data
/// directory and API port, driven with the real kubectl; `portico down` removes it at the
/// end, also when a test fails.
final class LabHarness: @unchecked Sendable {
    let name: String
    let directory: String
    let configPath: String
    let apiPort: Int

    /// `extra` is appended to the lab config (YAML).
    init(nodes: Int = 3, extra: String = "") throws {
        self.name = "porticot" + String(format: "%03x", Int.random(in: 0..<4096))
        self.directory = "/tmp/portico-lab-test-\(self.name)"
        self.apiPort = Int.random(in: 20000..<29999)
        try FileManager.default.createDirectory(atPath: self.directory + "/home", withIntermediateDirectories: true)
        self.configPath = self.directory + "/lab.yaml"
        try """
            name: \(self.name)
            nodes: \(nodes)
            apiPort: \(self.apiPort)
            dataDir: \(self.directory)/data
            \(extra.contains("dnsUpstreams:") ? "" : "dnsUpstreams: []  # tests send no name off this machine")
            \(extra.contains("dnsReplicas:") ? "" : "dnsReplicas: 0  # only the DNS tests run the add-on: others count pods per node")
            \(extra.contains("internetCIDR:") ? "" : Self.internet(withPool: !extra.contains("lbMode: l2")))
            \(extra.contains("servers:") ? "" : "servers: \(Self.servers)")
            \(extra)
            """.write(toFile: self.configPath, atomically: true, encoding: .utf8)
    }

    var kubeconfig: String { self.directory + "/data/kubeconfig" }

    /// API servers of every lab the tests make: 1 (on SQLite), or with `PORTICO_TEST_LAB_SERVERS=3`
    /// (scripts/test runs the lab tests once so) three on etcd behind HAProxy.
    static var servers: Int { Int(ProcessInfo.processInfo.environment["PORTICO_TEST_LAB_SERVERS"] ?? "") ?? 1 }

    /// An internet of the test's own (198.18.0.0/15, the benchmarking range), so a lab a
    /// person has up keeps its 203.0.113.0/24.
    static func internet(withPool: Bool) -> String {
        let n = Int.random(in: 0..<256)
        return "internetCIDR: 198.18.\(n).0/24\ninternetClient: 198.18.\(n).200" + (withPool ? "\nlbPool: 198.18.\(n).10-198.18.\(n).20" : "")
    }

    /// `--config` goes before a `--`, so `portico exec <place> -- <command>` keeps its command.
    func portico(_ arguments: String...) throws -> CommandOutput {
        try self.portico(arguments)
    }

    func portico(_ arguments: [String]) throws -> CommandOutput {
        var words = arguments
        words.insert(contentsOf: ["--config", self.configPath], at: words.firstIndex(of: "--") ?? words.endIndex)
        return try Command.run(PorticoBinary.path, words, timeout: 180)
    }

    func kubectl(_ arguments: String..., input: String? = nil) throws -> CommandOutput {
        try Command.run("kubectl", arguments, environment: ["KUBECONFIG": self.kubeconfig, "HOME": self.directory + "/home"], input: input)
    }

    /// kubectl's output parsed as JSON (for `-o json`).
    func kubectlJSON(_ arguments: String...) throws -> JSON {
        let output = try Command.run("kubectl", arguments + ["-o", "json"],
                                     environment: ["KUBECONFIG": self.kubeconfig, "HOME": self.directory + "/home"])
        guard output.status == 0 else { throw HarnessError("kubectl \(arguments.joined(separator: " ")): \(output.stderr)") }
        return try JSON.parse(bytes: Array(output.stdout.utf8))
    }

    /// The lab's process of `role` (server, node-1, ...), from its state file; with several
    /// servers, `server` is the first of them.
    func pid(of role: String) throws -> Int32 {
        let data = try Data(contentsOf: URL(fileURLWithPath: self.directory + "/data/lab.json"))
        let state = try JSON.parse(bytes: Array(data))
        let wanted = role == "server" && Self.servers > 1 ? "server-1" : role
        for process in state["processes"]?.arrayValue ?? [] where process["role"]?.stringValue == wanted {
            if let pid = process["pid"]?.intValue { return Int32(pid) }
        }
        throw HarnessError("no process \(role) in the lab's state")
    }

    /// Removes the lab whatever happened, and the test's files.
    func tearDown() {
        _ = try? self.portico("down")
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    /// The machine's namespaces, links and routes, to compare before `up` and after `down`.
    static func networkSnapshot() throws -> String {
        let netns = try Command.run("ip", ["netns", "list"]).stdout
        let links = try Command.run("ip", ["-o", "link"]).stdout
            .split(separator: "\n").map { line in
                // Link counters and the like change; names and flags are what the lab could leave behind.
                String(line.split(separator: ":").prefix(2).joined(separator: ":"))
            }.joined(separator: "\n")
        let routes = try Command.run("ip", ["route", "show", "table", "all"]).stdout
        return "netns:\n\(netns)\nlinks:\n\(links)\nroutes:\n\(routes)"
    }

    /// Polls until `check` holds.
    static func eventually(_ what: String, seconds: Double = 30, _ check: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? check()) == true { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        if try check() { return }
        throw HarnessError("timed out after \(Int(seconds)) s waiting until \(what)")
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension JSON {
    var intValue: Int? {
        if case .integer(let v) = self { return Int(v) }
        return nil
    }
}
