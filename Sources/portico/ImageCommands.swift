import ArgumentParser
import CPorticoSandbox
import Foundation
import PorticoAPI
import PorticoImages

/// `portico agnhost <subcommand>`: the programs of the agnhost test image that Portico has
/// built in, run by the node agent for containers of registry.k8s.io/e2e-test-images/agnhost.
struct Agnhost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a built-in program of the agnhost test image (netexec, serve-hostname, pause).",
        shouldDisplay: false)

    @Argument(parsing: .captureForPassthrough, help: "The subcommand and its flags.")
    var arguments: [String] = []

    static let builtIn = ["netexec", "serve-hostname", "pause"]

    func run() async throws {
        // agnhost accepts klog's flags before the subcommand; they change nothing here.
        let arguments = self.arguments.drop { $0.hasPrefix("-") }
        guard let name = arguments.first else {
            print("agnhost: Portico builds in these agnhost subcommands: \(Self.builtIn.joined(separator: ", "))")
            return
        }
        let rest = Array(arguments.dropFirst())
        switch name {
        case "netexec": try await AgnhostNetexec.parse(rest).run()
        case "serve-hostname": try await AgnhostServeHostname.parse(rest).run()
        case "pause":
            await Pause.agnhost(terminationMessagePath: ProcessInfo.processInfo.environment["TERMINATION_MESSAGE_PATH"] ?? "/dev/termination-log")
        default:
            FileHandle.standardError.write(Data("""
                Error: agnhost subcommand \(GoQuoteLite.quote(name)) is not built into Portico; built in: \(Self.builtIn.joined(separator: ", "))

                """.utf8))
            throw ExitCode(1)
        }
    }
}

enum GoQuoteLite {
    static func quote(_ s: String) -> String { "\"\(s)\"" }
}

struct AgnhostNetexec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "netexec")

    @Option(name: .customLong("http-port")) var httpPort = 8080
    @Option(name: .customLong("udp-port")) var udpPort = 8081
    @Option(name: .customLong("sctp-port")) var sctpPort = -1
    @Option(name: .customLong("udp-listen-addresses")) var udpListenAddresses = ""
    @Option(name: .customLong("delay-shutdown")) var delayShutdown = 0
    @Option(name: .customLong("http-override")) var httpOverride = ""
    @Option(name: .customLong("tls-cert-file")) var tlsCertFile = ""
    @Option(name: .customLong("tls-private-key-file")) var tlsPrivateKeyFile = ""

    func run() async throws {
        if self.sctpPort != -1 {
            FileHandle.standardError.write(Data("Error: --sctp-port: SCTP is not built into Portico's netexec\n".utf8))
            throw ExitCode(1)
        }
        if !self.tlsCertFile.isEmpty {
            FileHandle.standardError.write(Data("Error: --tls-cert-file: TLS is not built into Portico's netexec\n".utf8))
            throw ExitCode(1)
        }
        var netexec = Netexec()
        netexec.httpPort = self.httpPort
        netexec.udpPort = self.udpPort
        netexec.udpListenAddresses = self.udpListenAddresses.split(separator: ",").map(String.init)
        netexec.delayShutdown = self.delayShutdown
        netexec.httpOverride = self.httpOverride
        try await netexec.run()
    }
}

struct AgnhostServeHostname: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve-hostname")

    @Option var port = 9376
    @Option(transform: parseBool) var http = true
    @Option(transform: parseBool) var tcp = false
    @Option(transform: parseBool) var udp = false
    @Option(transform: parseBool) var close = false

    func run() async throws {
        var server = ServeHostname()
        server.port = self.port
        server.http = self.http
        server.tcp = self.tcp
        server.udp = self.udp
        server.close = self.close
        try await server.run()
    }
}

/// Go's strconv.ParseBool, for flags written `--http=false`.
func parseBool(_ text: String) throws -> Bool {
    switch text {
    case "1", "t", "T", "TRUE", "true", "True": return true
    case "0", "f", "F", "FALSE", "false", "False": return false
    default: throw ValidationError("invalid boolean \(text)")
    }
}

/// `portico pause`: the registry.k8s.io/pause image's program.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Sleep until SIGTERM or SIGINT (the pause image).",
                                                    shouldDisplay: false)

    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []

    func run() async throws {
        if self.arguments.first?.lowercased() == "-v" {
            print("pause.c portico-\(PorticoVersion.portico)")
            return
        }
        await Pause.image()
    }
}

/// `portico sandbox ... -- program`: handled before Swift starts (see CPorticoSandbox); this
/// command only documents it and reports when that did not happen.
struct Sandbox: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a program inside a network namespace, with its own hostname and bind mounts (used by the node agent).",
        usage: "portico sandbox [--netns PATH] [--hostname NAME] [--bind SRC:DST]... [--setsid] [--chdir DIR] -- PROGRAM [ARG...]",
        shouldDisplay: false)

    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []

    func run() throws {
        _ = portico_sandbox_linked()
        throw ValidationError("`sandbox` must be the first argument: portico sandbox [options] -- program [args]")
    }
}
