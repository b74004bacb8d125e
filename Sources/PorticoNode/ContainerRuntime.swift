import Foundation
import PorticoSystem

/// The signals the lifecycle sends a container: TERM asks it to stop, KILL makes it.
enum ContainerSignal: Sendable, Equatable {
    case terminate
    case kill

    var number: Int32 {
        switch self {
        case .terminate: return SIGTERM
        case .kill: return SIGKILL
        }
    }
}

/// One run of a container as the worker handles it: its process, to signal and wait for.
protocol RunningContainer: Sendable {
    /// The process `kubectl exec` joins the namespaces of.
    var pid: Int32 { get }
    /// Signals the container's whole process group.
    func signal(_ signal: Int32)
    /// Waits for the run to end.
    func wait() async -> ProcessExit
}

extension ContainerProcess: RunningContainer {}

/// Everything one start of a container needs, resolved before the runtime sees it.
struct ContainerLaunch: Sendable, Equatable {
    /// The pod's network namespace, to join.
    var netnsPath: String
    /// The pod's hostname, in a UTS namespace of the container's own.
    var hostname: String
    /// The pod's hosts and resolver files, bind-mounted over /etc/hosts and /etc/resolv.conf.
    var hostsFile: String
    var resolvConf: String
    var workingDir: String
    /// The program and its arguments, with `$(VAR)` already expanded.
    var program: [String]
    var environment: [String: String]
    /// The container's directory of logs; its termination log is there too.
    var logDirectory: String
    /// This run's log file.
    var logPath: String

    /// Where a container may leave a message about its end (`TERMINATION_MESSAGE_PATH`).
    static func terminationLog(in logDirectory: String) -> String { "\(logDirectory)/termination-log" }
}

/// What runs containers for the worker: start a process in the pod's sandbox, then signal
/// it and wait for it through `RunningContainer`. A protocol so the worker can be driven
/// with a fake runtime, without namespaces or processes.
protocol ContainerRuntime: Sendable {
    func start(_ launch: ContainerLaunch) throws -> any RunningContainer
}

/// The real runtime: each container runs through `portico sandbox`, which joins the pod's
/// network namespace, gives the container the pod's hostname and files, and execs the
/// program in a session of its own, its output going straight to the run's log file.
struct SandboxRuntime: ContainerRuntime {
    /// The `portico` executable, which carries the sandbox launcher and the built-in images.
    let porticoPath: String

    func start(_ launch: ContainerLaunch) throws -> any RunningContainer {
        let arguments = ["sandbox", "--netns", launch.netnsPath, "--hostname", launch.hostname,
                         "--bind", "\(launch.hostsFile):/etc/hosts", "--bind", "\(launch.resolvConf):/etc/resolv.conf",
                         "--setsid", "--chdir", launch.workingDir, "--"] + launch.program
        try FileManager.default.createDirectory(atPath: launch.logDirectory, withIntermediateDirectories: true)
        // A message left by an earlier run must not be read as this run's.
        try? FileManager.default.removeItem(atPath: ContainerLaunch.terminationLog(in: launch.logDirectory))
        return try ContainerProcess.start(executable: self.porticoPath, arguments: arguments, environment: launch.environment,
                                          logPath: launch.logPath)
    }

    /// Runs a command in the pod's namespaces (exec probes), killing it at the timeout.
    static func exec(porticoPath: String, netns: String, hostname: String, command: [String], timeout: Duration) async -> (Int32, String) {
        let running: RunningProgram
        do {
            running = try Shell.start(Program(porticoPath, ["sandbox", "--netns", netns, "--hostname", hostname, "--setsid", "--"] + command,
                                              output: .pipe))
        } catch {
            return (126, "\(error)")
        }
        return await withTaskGroup(of: (Int32, String)?.self) { group in
            group.addTask {
                let (exit, output) = await Shell.finish(running)
                return (exit.exitCode, output)
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                if Task.isCancelled { return nil }
                running.signal(SIGKILL, group: true)
                return nil
            }
            var result: (Int32, String) = (1, "command timed out")
            for await outcome in group {
                if let outcome {
                    result = outcome
                    group.cancelAll()
                    break
                }
                result = (1, "command timed out")
            }
            return result
        }
    }
}
