import Foundation
import PorticoTestSupport
import Testing

/// `portico dns` and `portico lb` stop on SIGTERM as a ServiceGroup does: each piece shut down
/// in reverse order, the process gone with exit status 0 and its last words in the log. The
/// DNS relay on loopback; the load balancer, which may write nftables and addresses, in a
/// network namespace of the test's own (root, with the lab tests).
struct GracefulShutdownTests {
    /// Starts `portico <arguments>`, waits until its log says `ready`, sends SIGTERM, and
    /// returns the exit status and the whole log.
    static func stopWithSIGTERM(_ arguments: [String], netns: String? = nil, ready: String) async throws -> (Int32, String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("portico-sigterm-\(UUID().uuidString).log").path
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        // `ip netns exec` execs the program in place, so the signal reaches portico itself.
        process.executableURL = URL(fileURLWithPath: netns == nil ? PorticoBinary.path : "/usr/bin/env")
        process.arguments = netns.map { ["ip", "netns", "exec", $0, PorticoBinary.path] + arguments } ?? arguments
        process.standardOutput = output
        process.standardError = output
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        for _ in 0..<200 where !((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains(ready) {
            try await Task.sleep(for: .milliseconds(50))
        }
        // The group traps its signals as it starts its services: give it that moment.
        try await Task.sleep(for: .milliseconds(300))
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<100 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning, "still running 5 s after SIGTERM")
        if process.isRunning { return (-1, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "") }
        return (process.terminationStatus, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    @Test func theDNSRelayStops() async throws {
        let port = Int.random(in: 20000...32000)
        let (status, log) = try await Self.stopWithSIGTERM(
            ["dns", "--forward-only", "--address", "127.0.0.1", "--port", String(port), "--health-port", "0", "--ready-port", "0",
             "--upstream", "127.0.0.1:9"], ready: "relaying")
        #expect(status == 0, "\(log)")
        #expect(log.contains("stopped serving 127.0.0.1:\(port)"), "\(log)")
    }
}

/// The load balancer's SIGTERM test makes a network namespace, so it is part of `LabTests`:
/// serialized with the lab tests, which compare the machine's namespaces, links and routes
/// before and after.
extension LabTests {
    @Test func theLoadBalancerStopsAndWritesNothingUnsynced() async throws {
        let netns = "porticogs-\(UInt32.random(in: 0..<UInt32.max))"
        try Command.run("ip", ["netns", "add", netns])
        defer { _ = try? Command.run("ip", ["netns", "del", netns]) }
        // An API that refuses connections: the load balancer waits for its caches, and stops
        // while it waits.
        let kubeconfig = FileManager.default.temporaryDirectory.appendingPathComponent("portico-sigterm-\(UUID().uuidString).kubeconfig").path
        try """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            current-context: x
            """.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: kubeconfig) }
        let (status, log) = try await GracefulShutdownTests.stopWithSIGTERM(["lb", "--kubeconfig", kubeconfig, "--external-interface", "lo"],
                                                           netns: netns, ready: "serving LoadBalancer Services")
        // Stopped before its caches listed: it wrote nothing.
        #expect(try Command.run("ip", ["netns", "exec", netns, "nft", "list", "tables"]).stdout == "")
        #expect(status == 0, "\(log)")
        #expect(log.contains("lb: stopping; the rules and addresses stay in the kernel"), "\(log)")
    }
}
