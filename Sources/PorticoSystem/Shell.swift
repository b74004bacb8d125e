import CPorticoSandbox
import Foundation

/// Runs a system program and collects its output.
public enum Shell {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    @discardableResult
    public static func run(_ program: String, _ arguments: [String], input: String? = nil,
                           allowFailure: Bool = false) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try self.locate(program))
        process.arguments = arguments
        let output = try self.pipe()
        process.standardOutput = output.write
        process.standardError = output.write
        let stdin = try self.pipe()
        process.standardInput = input != nil ? stdin.read : FileHandle.nullDevice
        try process.run()
        try output.write.close()
        try stdin.read.close()
        if let input { stdin.write.write(Data(input.utf8)) }
        try stdin.write.close()
        // Read to the end on a thread of its own, so a long output cannot fill the pipe and stall.
        let (status, data): (Int32, Data) = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let data = output.read.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, data))
            }
        }
        let text = String(decoding: data, as: UTF8.self)
        if status != 0, !allowFailure {
            throw Failure(description: "\(program) \(arguments.joined(separator: " ")): exit \(status): \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return (status, text)
    }

    /// A pipe whose ends are closed on exec: the program started with one end as its output
    /// gets it (as its fd 1 or 2), but no other program started at the same moment inherits
    /// it — an inherited write end would keep the reader from ever seeing the end.
    public static func pipe() throws -> (read: FileHandle, write: FileHandle) {
        var fds: [Int32] = [0, 0]
        guard portico_pipe_cloexec(&fds) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        return (FileHandle(fileDescriptor: fds[0], closeOnDealloc: true), FileHandle(fileDescriptor: fds[1], closeOnDealloc: true))
    }

    /// The program's path on PATH (and the sbin directories, which a root shell has).
    public static func locate(_ program: String) throws -> String {
        if program.hasPrefix("/") { return program }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw Failure(description: "\(program): not found on PATH")
    }
}
