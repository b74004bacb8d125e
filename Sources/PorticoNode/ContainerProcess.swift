import Foundation
import PorticoSystem

/// A container's process, started through `portico sandbox` so it is in the pod's network
/// and UTS namespaces, in a session (and process group) of its own, with its output going
/// straight to its log file (so it keeps running, and logging, if the agent stops).
public final class ContainerProcess: Sendable {
    let running: RunningProgram

    public var pid: Int32 { self.running.pid }

    init(_ running: RunningProgram) {
        self.running = running
    }

    public static func start(executable: String, arguments: [String], environment: [String: String],
                             logPath: String) throws -> ContainerProcess {
        ContainerProcess(try Shell.start(Program(executable, arguments, environment: environment, output: .file(logPath))))
    }

    /// Waits for the process to end.
    public func wait() async -> ProcessExit {
        await self.running.wait()
    }

    /// Signals the container's whole process group.
    public func signal(_ signal: Int32) {
        self.running.signal(signal, group: true)
    }
}
