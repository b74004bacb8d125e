import Foundation
import Synchronization

/// A single etcd member of the test's own (Debian's `etcd-server`), on 127.0.0.1 with ports
/// of its own and a data directory under /tmp, stopped and removed with `stop()`. Tests of
/// the etcd store run against it: the real thing, not a fake.
public final class EtcdMember: @unchecked Sendable {
    public let clientURL: String
    public let directory: String
    let process: Process

    /// Starts the member and waits until it answers `/health`; a clear error when etcd is
    /// not installed or does not come up (its log says why).
    public init() throws {
        guard let etcd = ["/usr/bin/etcd", "/usr/local/bin/etcd"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw EtcdMemberError("etcd is not installed: the etcd store's tests need Debian's etcd-server (apt-get install -y etcd-server; scripts/test installs it)")
        }
        var template = Array("/tmp/portico-etcd-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw EtcdMemberError("cannot make a temporary directory") }
        self.directory = String(cString: made)
        // Below the kernel's ephemeral range (32768-60999), so no outgoing connection holds them.
        let client = Int.random(in: 20000..<26000)
        let peer = client + 6000
        self.clientURL = "http://127.0.0.1:\(client)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: etcd)
        process.arguments = ["--name", "test", "--data-dir", self.directory + "/data",
                             "--listen-client-urls", self.clientURL, "--advertise-client-urls", self.clientURL,
                             "--listen-peer-urls", "http://127.0.0.1:\(peer)", "--initial-advertise-peer-urls", "http://127.0.0.1:\(peer)",
                             "--initial-cluster", "test=http://127.0.0.1:\(peer)", "--logger", "zap", "--log-outputs", self.directory + "/etcd.log"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        Self.stopAtExit(process.processIdentifier, directory: self.directory)
        try self.waitHealthy()
    }

    /// A member shared by a test run outlives every test: it is stopped when the run's
    /// process exits (and removed), so no etcd stays behind.
    static func stopAtExit(_ pid: Int32, directory: String) {
        running.withLock { running in
            if running.isEmpty {
                atexit {
                    for (pid, directory) in EtcdMember.running.withLock({ $0 }) {
                        kill(pid, SIGTERM)
                        var status: Int32 = 0
                        waitpid(pid, &status, 0)
                        try? FileManager.default.removeItem(atPath: directory)
                    }
                }
            }
            running[pid] = directory
        }
    }

    static let running = Mutex<[Int32: String]>([:])

    /// Waits for `/health` to say true; a loaded machine (the whole test run at once) may
    /// take its member many seconds to elect itself.
    func waitHealthy() throws {
        let deadline = Date().addingTimeInterval(60)
        var last = ""
        while Date() < deadline {
            guard self.process.isRunning else { break }
            if let health = try? Command.run("curl", ["-s", "--max-time", "2", self.clientURL + "/health"], timeout: 5) {
                if health.stdout.contains("\"true\"") { return }
                last = "curl exit \(health.status): \(health.combined)"
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let log = (try? String(contentsOfFile: self.directory + "/etcd.log", encoding: .utf8)) ?? ""
        let running = self.process.isRunning ? "running" : "exited with \(self.process.terminationStatus)"
        self.stop()
        throw EtcdMemberError("etcd did not become healthy on \(self.clientURL) (\(running); last answer: \(last)); its log ends:\n\(log.suffix(2000))")
    }

    /// Runs `etcdctl` against this member.
    @discardableResult
    public func etcdctl(_ arguments: [String]) throws -> CommandOutput {
        try Command.run("etcdctl", ["--endpoints", self.clientURL] + arguments, environment: ["ETCDCTL_API": "3"])
    }

    public func stop() {
        if self.process.isRunning {
            self.process.terminate()
            self.process.waitUntilExit()
        }
        Self.running.withLock { $0[self.process.processIdentifier] = nil }
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    deinit { self.stop() }
}

public struct EtcdMemberError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
