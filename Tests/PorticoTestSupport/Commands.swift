import Foundation

/// The built `portico` executable the tests run, and a way to run any program and collect
/// what it printed, shared by the test targets that drive real processes.
public enum PorticoBinary {
    public static var path: String {
        if let given = ProcessInfo.processInfo.environment["PORTICO_BINARY"] { return given }
        // The test bundle sits beside the built products: .build/<config>/portico-packageTests.xctest
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundle.appendingPathComponent("portico"), bundle.deletingLastPathComponent().appendingPathComponent("portico")]
        where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate.path
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug/portico").path
    }
}

public struct CommandOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public var combined: String { self.stdout + self.stderr }
}

public enum Command {
    /// Runs `program` (looked up on PATH) with exactly `environment` (plus PATH), feeding it
    /// `input`, killing it after `timeout` seconds.
    @discardableResult
    public static func run(_ program: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil,
                           timeout: TimeInterval = 120) throws -> CommandOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"]
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let stdin = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        // Both pipes are drained at once, so neither can fill and stall the program.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            outData = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            group.wait()
        }
        process.waitUntilExit()
        return CommandOutput(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }
}
