import Foundation
import PorticoSystem

/// How a container process ended, in Kubernetes' terms: a signal death reads as 128+signal.
public struct ProcessExit: Sendable, Equatable {
    public var exitCode: Int32
    public var signal: Int32

    public init(exitCode: Int32, signal: Int32 = 0) {
        self.exitCode = exitCode
        self.signal = signal
    }
}

/// A container's process, started through `portico sandbox` so it is in the pod's network
/// and UTS namespaces, in a session (and process group) of its own, with its output going
/// straight to its log file (so it keeps running, and logging, if the agent stops).
public final class ContainerProcess: Sendable {
    public let pid: Int32
    let exitStream: AsyncStream<ProcessExit>

    init(pid: Int32, exitStream: AsyncStream<ProcessExit>) {
        self.pid = pid
        self.exitStream = exitStream
    }

    public static func start(executable: String, arguments: [String], environment: [String: String],
                             logPath: String) throws -> ContainerProcess {
        let fd = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw Shell.Failure(description: "open \(logPath): \(String(cString: strerror(errno)))") }
        let log = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        let (stream, continuation) = AsyncStream.makeStream(of: ProcessExit.self, bufferingPolicy: .bufferingNewest(1))
        process.terminationHandler = { process in
            switch process.terminationReason {
            case .uncaughtSignal:
                continuation.yield(ProcessExit(exitCode: 128 + process.terminationStatus, signal: process.terminationStatus))
            default:
                continuation.yield(ProcessExit(exitCode: process.terminationStatus))
            }
            continuation.finish()
        }
        try process.run()
        try? log.close()
        return ContainerProcess(pid: process.processIdentifier, exitStream: stream)
    }

    /// Waits for the process to end.
    public func wait() async -> ProcessExit {
        for await exit in self.exitStream { return exit }
        return ProcessExit(exitCode: 137, signal: 9)
    }

    /// Signals the container's whole process group.
    public func signal(_ signal: Int32) {
        if kill(-self.pid, signal) != 0 { kill(self.pid, signal) }
    }
}
