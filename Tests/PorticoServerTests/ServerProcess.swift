import Foundation
import PorticoAPI
import PorticoTestSupport

/// A real `portico server` process on a free loopback port with its own data directory, and
/// the real `kubectl` pointed at it through the kubeconfig the server writes. Everything is
/// stopped and removed when the value goes away, also when a test fails.
final class ServerProcess: @unchecked Sendable {
    let directory: String
    let port: Int
    var process: Process?
    let log: String
    /// Flags beyond the data directory, port and log level.
    let arguments: [String]

    static var binary: String { PorticoBinary.path }

    init(arguments: [String] = []) throws {
        self.arguments = arguments
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("portico-kubectl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: self.directory + "/home", withIntermediateDirectories: true)
        self.port = try Self.freePort()
        self.log = self.directory + "/server.log"
        try self.start()
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts the server and waits until it answers.
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["server", "--data-dir", self.directory + "/data", "--secure-port", String(self.port), "--log-level", "warning"]
            + self.arguments
        _ = FileManager.default.createFile(atPath: self.log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: self.log))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
        for _ in 0..<200 {
            if FileManager.default.fileExists(atPath: self.kubeconfig),
                (try? self.kubectl("get", "--raw", "/livez").status) == 0
            {
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw Failure(description: "portico server did not start: \((try? String(contentsOfFile: self.log, encoding: .utf8)) ?? "")")
    }

    var pid: Int32? { self.process?.processIdentifier }

    /// The server's resident memory (VmRSS), in KiB.
    var residentKiB: Int {
        guard let pid = self.pid, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }

    func stop(signal: Int32 = SIGTERM) {
        guard let process = self.process, process.isRunning else { return }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        self.process = nil
    }

    func restart() throws {
        self.stop()
        try self.start()
    }

    deinit {
        self.stop(signal: SIGKILL)
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    var kubeconfig: String { self.directory + "/data/admin.kubeconfig" }

    struct Failure: Error, CustomStringConvertible { var description: String }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs kubectl with only KUBECONFIG (and a private HOME for its cache) set.
    @discardableResult
    func kubectl(_ arguments: String..., input: String? = nil, environment: [String: String] = [:]) throws -> Output {
        try self.run("kubectl", Array(arguments), input: input, environment: environment)
    }

    func kubectl(arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> Output {
        try self.run("kubectl", arguments, input: input, environment: environment)
    }

    func run(_ program: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:],
             timeout: TimeInterval = 120) throws -> Output {
        var env = ["KUBECONFIG": self.kubeconfig, "HOME": self.directory + "/home"]
        for (k, v) in environment { env[k] = v }
        let result = try Command.run(program, arguments, environment: env, input: input, timeout: timeout)
        return Output(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = self.directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
