import Foundation
import PorticoTestSupport
import Testing

/// The README's walkthrough, read out of README.md and run command by command on a fresh lab
/// (root): each output must be the README's, with what is chosen at random compared by shape.
/// The lab has the default addresses (the README shows them) under a name of its own, so it
/// cannot run beside a default lab a person has up: `portico up` then says the addresses are
/// taken.
extension LabTests {
    @Test func readmeWalkthroughRuns() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let readme = try String(contentsOfFile: root + "/README.md", encoding: .utf8)
        let steps = Walkthrough.parse(readme)
        #expect(steps.count >= 20, "the walkthrough in README.md has \(steps.count) commands")
        #expect(steps.contains { $0.command.hasPrefix("portico reach") } && steps.contains { $0.command.hasPrefix("portico trace") })

        let lab = try LabHarness(extra: """
            lan: 10.10.10.0/24
            hostAddress: 10.10.10.254
            internetCIDR: 203.0.113.0/24
            internetClient: 203.0.113.200
            dnsReplicas: 2
            """)
        defer { lab.tearDown() }
        let up = try lab.portico("up")
        #expect(up.status == 0, "portico up failed:\n\(up.combined)")
        guard up.status == 0 else { return }

        for step in steps {
            guard let command = Walkthrough.rewrite(step.command, portico: PorticoBinary.path, config: lab.configPath) else { continue }
            var actual = ""
            var problems: [String] = []
            // Reading commands get a few more tries: a Service's endpoints and rules follow its
            // pods within moments, as on any cluster; commands that change things run once.
            let tries = Walkthrough.changesThings(step.command) ? 1 : 10
            for attempt in 1...tries {
                let output = try Command.run("bash", ["-c", "cd '\(root)'; \(command)"], environment: [
                    "KUBECONFIG": lab.kubeconfig, "HOME": lab.directory + "/home",
                    "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin",
                ], timeout: 120)
                actual = (output.stdout + output.stderr)
                    .replacingOccurrences(of: lab.directory + "/data", with: "/var/lib/portico/labs/portico")
                    .replacingOccurrences(of: lab.name, with: "portico")
                problems = Walkthrough.compare(expected: step.output, actual: actual, random: step.random)
                if problems.isEmpty { break }
                if attempt < tries { Thread.sleep(forTimeInterval: 1) }
            }
            #expect(problems.isEmpty, "README walkthrough: $ \(step.command)\n\(problems.joined(separator: "\n"))\n--- it printed:\n\(actual)")
        }
    }
}

/// Reads the walkthrough's commands and outputs out of README.md and compares outputs.
enum Walkthrough {
    struct Step {
        var command: String
        var output: [String]
        /// The block says its path is chosen at random: only the lines that do not depend on
        /// the choice are compared.
        var random: Bool
    }

    /// The `$ ` lines of the console blocks in "## Walkthrough…", each with the lines after it.
    static func parse(_ readme: String) -> [Step] {
        var steps: [Step] = []
        var inSection = false
        var inBlock = false
        var random = false
        for line in readme.components(separatedBy: "\n") {
            if line.hasPrefix("## ") { inSection = line.hasPrefix("## Walkthrough") }
            guard inSection else { continue }
            if line.hasPrefix("<!-- walkthrough:"), line.contains("at random") { random = true }
            if line.hasPrefix("```") {
                if inBlock { random = false }
                inBlock = !inBlock && line.hasPrefix("```console")
                continue
            }
            guard inBlock else { continue }
            if line.hasPrefix("$ ") {
                steps.append(Step(command: String(line.dropFirst(2)), output: [], random: random))
            } else if !steps.isEmpty {
                steps[steps.count - 1].output.append(line)
            }
        }
        return steps
    }

    /// The command as the test runs it: the lab's own config for `portico`, the environment's
    /// KUBECONFIG instead of the README's (nil: nothing to run).
    static func rewrite(_ command: String, portico: String, config: String) -> String? {
        if command.hasPrefix("export KUBECONFIG=") || command.hasPrefix("alias portico=") { return nil }
        var words = command
        for prefix in ["swift run portico ", "portico "] where words.hasPrefix(prefix) {
            let rest = words.dropFirst(prefix.count)
            let sub = rest.prefix { $0 != " " }
            words = "\(portico) \(sub) --config \(config)" + rest.dropFirst(sub.count)
        }
        return words
    }

    static func changesThings(_ command: String) -> Bool {
        ["kubectl create", "kubectl apply", "kubectl run", "kubectl delete", "kubectl patch", "kubectl expose", "port-forward"]
            .contains { command.contains($0) }
    }

    /// Differences, in words; empty when the outputs match. Lines are compared as sets of
    /// normalized lines (tables may list rows in another order); for a random path, every
    /// line of the README that survives the stronger normalization must be printed.
    static func compare(expected: [String], actual: String, random: Bool) -> [String] {
        let want = expected.map { normalize($0, random: random) }.filter { !$0.isEmpty }
        let got = actual.components(separatedBy: "\n").map { normalize($0, random: random) }.filter { !$0.isEmpty }
        if random {
            let have = Set(got)
            return want.filter { !have.contains($0) }.map { "missing: \($0)" }
        }
        var left = got
        var problems: [String] = []
        for line in want {
            if let index = left.firstIndex(of: line) { left.remove(at: index) } else { problems.append("missing: \(line)") }
        }
        problems += left.map { "not in the README: \($0)" }
        return problems
    }

    /// What varies from run to run, replaced by its kind.
    static func normalize(_ line: String, random: Bool) -> String {
        var text = line
        let rules: [(String, String)] = [
            (#"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"#, "<time>"),
            (#"\b\d+(\.\d+)?\s?(ms|µs|s|m|h)\b"#, "<duration>"),
            (#"\b([a-z0-9-]+)-[a-z0-9]{8,10}-[a-z0-9]{5}\b"#, "$1-<pod>"),
            (#"\b10\.(9[6-9]|10[0-9]|11[01])\.(?!0\.1\b)(?!0\.10\b)\d+\.\d+\b"#, "<cluster-ip>"),
            (#"\b10\.244\.\d+\.\d+\b"#, "<pod-ip>"),
            (#"\b3[0-2]\d{3}\b"#, "<node-port>"),
            (#":(3[3-9]\d{3}|[4-5]\d{4}|60\d{3})\b"#, ":<client-port>"),
            (#"(service|external|firewall)-[A-Z0-9]{8}-"#, "$1-<hash>-"),
            (#"\(pid \d+\)"#, "(pid <pid>)"),
            (#"\s+"#, " "),
        ]
        for (pattern, replacement) in rules {
            text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        if random {
            // Which node and which endpoint the request went to.
            text = text.replacingOccurrences(of: #"\bnode-\d+\b"#, with: "node-<n>", options: .regularExpression)
            text = text.replacingOccurrences(of: #"\b10\.10\.10\.[1-9]\b"#, with: "<node-ip>", options: .regularExpression)
            text = text.replacingOccurrences(of: #"numgen random mod \d+ \d+ "#, with: "", options: .regularExpression)
        }
        return text.trimmingCharacters(in: .whitespaces)
    }
}
