import CPorticoSandbox
import Foundation
import Synchronization

/// How a process ended: its exit code, or 128 + the signal that ended it (as a shell and the
/// kubelet report it) with the signal.
public struct ProcessExit: Sendable, Equatable {
    public var exitCode: Int32
    public var signal: Int32

    public init(exitCode: Int32, signal: Int32 = 0) {
        self.exitCode = exitCode
        self.signal = signal
    }
}

/// A program to start, and where its standard input and output go.
public struct Program: Sendable {
    public enum Input: Sendable {
        case null
        /// A pipe whose write end `RunningProgram.input` gives.
        case pipe
        /// An open file or pipe end, given to the child (and closed here once it has it).
        case handle(FileHandle)
    }

    public enum Output: Sendable {
        case null
        /// Appended to the file (made if missing).
        case file(String)
        /// A pipe whose read end `RunningProgram.output` gives (standard error may share it).
        case pipe
        /// An open file or pipe end, given to the child (and closed here once it has it).
        case handle(FileHandle)
    }

    /// A path, or a name looked up on PATH (and the sbin directories).
    public var executable: String
    public var arguments: [String]
    /// nil: this process's environment.
    public var environment: [String: String]?
    public var input: Input
    public var output: Output
    /// nil: the same as standard output.
    public var errors: Output?

    public init(_ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil, input: Input = .null,
                output: Output = .null, errors: Output? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.input = input
        self.output = output
        self.errors = errors
    }
}

/// A started program: its pid, the pipe ends asked for, its end.
public final class RunningProgram: Sendable {
    public let pid: Int32
    /// The read end of its standard output, for `Output.pipe`.
    public let output: FileHandle?
    /// The write end of its standard input, for `Input.pipe`.
    public let input: FileHandle?
    let exits: AsyncStream<ProcessExit>
    let record: Shell.ExitRecord

    init(pid: Int32, output: FileHandle?, input: FileHandle?, exits: AsyncStream<ProcessExit>, record: Shell.ExitRecord) {
        self.pid = pid
        self.output = output
        self.input = input
        self.exits = exits
        self.record = record
    }

    /// False once it has ended (and been reaped).
    public var isRunning: Bool { self.record.ended.withLock { $0 == nil } }

    /// Waits for the program to end (at once if it has).
    public func wait() async -> ProcessExit {
        for await exit in self.exits { return exit }
        return ProcessExit(exitCode: 137, signal: SIGKILL)
    }

    /// Signals the program or, with `group`, its whole process group (a program started in a
    /// session of its own leads one), falling back to the program alone.
    public func signal(_ signal: Int32, group: Bool = false) {
        if group, kill(-self.pid, signal) == 0 { return }
        kill(self.pid, signal)
    }
}

/// The one way Portico runs programs: `start` (a program that runs on: containers, the lab's
/// processes, monitors) and `run` (a command whose output is wanted). A thin core over
/// Foundation's `Process`, written here rather than taken from swift-subprocess because the
/// lab starts processes that outlive the command that started them and the agent turns each
/// container's end into an event for its pod machine, while swift-subprocess ties a child to
/// the scope that awaits it. Pipes are made close-on-exec, so a child started at the same
/// moment never inherits another's write end (which would hide the end of its output).
public enum Shell {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Starts `program`; the handles it was given are closed here once the child has them.
    public static func start(_ program: Program) throws -> RunningProgram {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try self.locate(program.executable))
        process.arguments = program.arguments
        if let environment = program.environment { process.environment = environment }
        var childEnds: [FileHandle] = []
        let (input, inputEnd) = try self.input(program.input, &childEnds)
        process.standardInput = input
        let (output, outputEnd) = try self.output(program.output, &childEnds)
        process.standardOutput = output
        process.standardError = try program.errors.map { try self.output($0, &childEnds).0 } ?? output
        let (exits, continuation) = AsyncStream.makeStream(of: ProcessExit.self, bufferingPolicy: .bufferingNewest(1))
        let record = ExitRecord()
        process.terminationHandler = { process in
            let signalled = process.terminationReason == .uncaughtSignal
            let exit = signalled ? ProcessExit(exitCode: 128 + process.terminationStatus, signal: process.terminationStatus)
                                 : ProcessExit(exitCode: process.terminationStatus)
            record.ended.withLock { $0 = exit }
            continuation.yield(exit)
            continuation.finish()
        }
        // Each end once, even when one handle serves several streams (a terminal).
        var seen = Set<ObjectIdentifier>()
        childEnds = childEnds.filter { seen.insert(ObjectIdentifier($0)).inserted }
        defer { for end in childEnds { try? end.close() } }
        do {
            try process.run()
        } catch {
            try? inputEnd?.close()
            try? outputEnd?.close()
            throw error
        }
        return RunningProgram(pid: process.processIdentifier, output: outputEnd, input: inputEnd, exits: exits, record: record)
    }

    /// Where the termination handler leaves the exit for `RunningProgram.isRunning`.
    final class ExitRecord: Sendable {
        let ended = Mutex<ProcessExit?>(nil)
    }

    static func input(_ input: Program.Input, _ childEnds: inout [FileHandle]) throws -> (Any, FileHandle?) {
        switch input {
        case .null: return (FileHandle.nullDevice, nil)
        case .handle(let handle):
            childEnds.append(handle)
            return (handle, nil)
        case .pipe:
            let pipe = try self.pipe()
            childEnds.append(pipe.read)
            return (pipe.read, pipe.write)
        }
    }

    static func output(_ output: Program.Output, _ childEnds: inout [FileHandle]) throws -> (Any, FileHandle?) {
        switch output {
        case .null: return (FileHandle.nullDevice, nil)
        case .handle(let handle):
            childEnds.append(handle)
            return (handle, nil)
        case .file(let path):
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
            guard fd >= 0 else { throw Failure(description: "open \(path): \(String(cString: strerror(errno)))") }
            let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
            childEnds.append(handle)
            return (handle, nil)
        case .pipe:
            let pipe = try self.pipe()
            childEnds.append(pipe.write)
            return (pipe.write, pipe.read)
        }
    }

    /// Runs a command to its end and returns its exit status and what it wrote (standard
    /// output and error together); a non-zero status is an error naming the command unless
    /// `allowFailure`.
    @discardableResult
    public static func run(_ program: String, _ arguments: [String], input: String? = nil, environment: [String: String]? = nil,
                           allowFailure: Bool = false) async throws -> (status: Int32, output: String) {
        let running = try self.start(Program(program, arguments, environment: environment, input: input == nil ? .null : .pipe,
                                              output: .pipe))
        if let input, let writer = running.input {
            writer.write(Data(input.utf8))
            try? writer.close()
        }
        let (exit, text) = await self.finish(running)
        if exit.exitCode != 0, !allowFailure {
            throw Failure(description: "\(program) \(arguments.joined(separator: " ")): exit \(exit.exitCode): \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return (exit.exitCode, text)
    }

    /// Reads a started program's output to its end (on a thread of its own, so a long output
    /// cannot fill the pipe and stall it) and waits for its exit.
    public static func finish(_ running: RunningProgram) async -> (ProcessExit, String) {
        let data: Data = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: running.output?.readDataToEndOfFile() ?? Data()) }
        }
        return (await running.wait(), String(decoding: data, as: UTF8.self))
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
