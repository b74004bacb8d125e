import CPorticoSandbox
import Foundation
import PorticoAPI
import PorticoSystem
import Synchronization

/// Why the agent will not run an exec, in the kubelet's words.
struct ExecRefusal: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A command run for `kubectl exec` beside a container: in the namespaces of the container's
/// process (network, mount, UTS — its address, /etc/resolv.conf, hostname, joined by
/// `portico sandbox --join`), with the
/// container's environment and working directory. Its output arrives as
/// (stream, bytes) pairs, stream 1 for stdout and 2 for stderr; with a terminal there is one
/// stream (1), as with the kubelet.
final class ContainerExec: Sendable {
    let output: AsyncStream<(UInt8, [UInt8])>
    private let process: RunningProgram
    private let stdin: FileHandle?
    /// Writes to the command's input wait here, not on a thread of Swift's small shared pool:
    /// a command that does not read its input would otherwise block that thread for good.
    private let stdinQueue = DispatchQueue(label: "portico.exec.stdin")
    /// The terminal's master end, when there is one (resizes go to it).
    private let terminal: Int32?

    private init(process: RunningProgram, stdin: FileHandle?, terminal: Int32?, output: AsyncStream<(UInt8, [UInt8])>) {
        self.process = process
        self.stdin = stdin
        self.terminal = terminal
        self.output = output
    }

    static func start(porticoPath: String, pid: Int32, environment: [String: String], workingDir: String, command: [String],
                      stdin wantsStdin: Bool, tty: Bool) throws -> ContainerExec {
        guard let program = command.first, !program.isEmpty else { throw ExecRefusal("you must specify at least one command for the container") }
        // As a container runtime says when the program is missing (there is no image: the
        // pod sees the node's programs).
        let searchPath = environment["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        if !program.contains("/") {
            let found = searchPath.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(program)") }
            if !found { throw ExecRefusal("exec: \(GoQuote.quote(program)): executable file not found in $PATH") }
        } else if !FileManager.default.isExecutableFile(atPath: program) {
            throw ExecRefusal("exec: \(GoQuote.quote(program)): stat \(program): no such file or directory")
        }

        // `portico sandbox` joins the container process's namespaces and gives the command
        // default signal handling; with a terminal, a session of its own with the terminal
        // as its controlling one, so a shell has job control and ^C reaches the command.
        var environment = environment
        if environment["PATH"] == nil { environment["PATH"] = searchPath }
        let (output, continuation) = AsyncStream.makeStream(of: (UInt8, [UInt8]).self)
        var stdinHandle: FileHandle?
        var terminal: Int32?
        var readers: [(UInt8, Int32)] = []
        var launch: Program
        if tty {
            var master: Int32 = -1
            var slave: Int32 = -1
            guard portico_open_pty(&master, &slave) == 0 else { throw ExecRefusal("open a terminal: \(String(cString: strerror(errno)))") }
            let slaveHandle = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
            launch = Program(porticoPath, ["sandbox", "--join", String(pid), "--chdir", workingDir, "--setsid", "--ctty", "--"] + command,
                              input: .handle(slaveHandle), output: .handle(slaveHandle))
            environment["TERM"] = environment["TERM"] ?? "xterm"
            terminal = master
            stdinHandle = FileHandle(fileDescriptor: master, closeOnDealloc: false)
            readers = [(1, master)]
        } else {
            let out = try Shell.pipe()
            let err = try Shell.pipe()
            var input = Program.Input.null
            if wantsStdin {
                let pipe = try Shell.pipe()
                input = .handle(pipe.read)
                stdinHandle = pipe.write
            }
            launch = Program(porticoPath, ["sandbox", "--join", String(pid), "--chdir", workingDir, "--"] + command,
                              input: input, output: .handle(out.write), errors: .handle(err.write))
            readers = [(1, dup(out.read.fileDescriptor)), (2, dup(err.read.fileDescriptor))]
        }
        launch.environment = environment
        // The child's ends are closed by `Shell.start` once it has them, so the readers see the end.
        let process: RunningProgram
        do {
            process = try Shell.start(launch)
        } catch {
            for (_, fd) in readers { close(fd) }
            if let terminal { close(terminal) }
            throw error
        }
        // One thread per stream, reading until the end (a terminal's end is EIO once the
        // last process holding the slave is gone).
        let remaining = Mutex(readers.count)
        for (stream, fd) in readers {
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 32 * 1024)
                while true {
                    let count = read(fd, &buffer, buffer.count)
                    if count < 0, errno == EINTR { continue }
                    if count <= 0 { break }
                    continuation.yield((stream, Array(buffer[0..<count])))
                }
                if !tty { close(fd) }
                if remaining.withLock({ $0 -= 1; return $0 }) == 0 { continuation.finish() }
            }
        }
        return ContainerExec(process: process, stdin: stdinHandle, terminal: terminal, output: output)
    }

    func writeStdin(_ bytes: [UInt8]) {
        guard let stdin = self.stdin else { return }
        self.stdinQueue.async { try? stdin.write(contentsOf: bytes) }
    }

    /// The client closed its stdin (v5's close signal): the command sees the end of its input.
    /// With a terminal, end-of-input is the terminal's EOF character.
    func closeStdin() {
        if self.terminal != nil {
            self.writeStdin([4])
        } else if let stdin = self.stdin {
            self.stdinQueue.async { try? stdin.close() }
        }
    }

    func resize(width: Int, height: Int) {
        guard let terminal = self.terminal, width > 0, height > 0 else { return }
        _ = portico_set_window_size(terminal, UInt16(clamping: height), UInt16(clamping: width))
    }

    /// Ends the command and whatever it started (the client went away): its process group
    /// (the launcher makes the child lead one), and with a terminal the terminal's session.
    func kill() {
        guard self.process.isRunning else { return }
        let pid = self.process.pid
        if let terminal {
            let session = portico_terminal_session(terminal)
            if session > 0 { Foundation.kill(-session, SIGKILL) }
        }
        Foundation.kill(-pid, SIGKILL)
        Foundation.kill(pid, SIGKILL)
    }

    func wait() async -> ProcessExit {
        await self.process.wait()
    }

    deinit {
        if let terminal { close(terminal) }
    }
}
