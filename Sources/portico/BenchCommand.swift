import ArgumentParser
import Foundation
import PorticoAPI
import PorticoBench

/// `portico bench`: rates measured beside a reference in the same run on the same machine,
/// reported (never asserted).
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks, each beside a reference measured in the same run (build with -c release).",
        subcommands: [APIBenchCommand.self, ServerBenchCommand.self, EtcdBenchCommand.self, LabBenchCommand.self, ProxyBenchCommand.self, DNSBenchCommand.self, LBBenchCommand.self,
                      HTTPStackBenchCommand.self, HTTPStackServeCommand.self], defaultSubcommand: APIBenchCommand.self)
}

/// `portico bench api` (see `APIBench`).
struct APIBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api", abstract: "Allocation and JSON rates against references in the same run.")

    @Option(help: "Rounds of each measurement; the best round is reported.")
    var rounds: Int = 5

    @Option(help: "Services decoded and encoded per JSON round.")
    var documents: Int = 20000

    func run() throws {
        try BenchReport.prepare("api", needsRoot: nil)
        var bench = APIBench()
        bench.rounds = self.rounds
        bench.documents = self.documents
        let rows = try bench.run(progress: BenchReport.progress)
        BenchReport.print("portico bench api: best of \(self.rounds) rounds; ratio = Portico rate / reference rate", rows)
    }
}

/// `portico bench http` (see `HTTPStackBench`).
struct HTTPStackBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http", abstract: "The health/metrics HTTP stack (MiniHTTP) against Hummingbird: memory per port, latency.")

    @Option(help: "Listening ports each stack opens.")
    var ports: Int = 200

    @Option(help: "Requests (each on a new connection) to one port.")
    var requests: Int = 2000

    func run() async throws {
        try BenchReport.prepare("http", needsRoot: nil)
        var bench = HTTPStackBench(porticoPath: Agent.executablePath)
        bench.ports = self.ports
        bench.requests = self.requests
        let rows = try await bench.run(progress: BenchReport.progress)
        BenchReport.print("portico bench http: one process per stack; ratio = MiniHTTP / Hummingbird (lower is better)", rows)
    }
}

/// `portico bench http-serve`: the serving side of `portico bench http`.
struct HTTPStackServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "http-serve", shouldDisplay: false)

    @Option var stack: String
    @Option var ports: Int

    func run() async throws {
        guard let stack = HTTPStackBench.Stack(rawValue: self.stack) else {
            throw ValidationError("--stack \(self.stack): use one of \(HTTPStackBench.Stack.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try await HTTPStackBench.serve(stack, ports: self.ports)
    }
}
