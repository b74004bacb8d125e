import ArgumentParser
import Foundation
import PorticoAPI
import PorticoBench

/// `portico bench`: rates measured beside a reference in the same run on the same machine,
/// reported (never asserted).
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks, each beside a reference measured in the same run (build with -c release).",
        subcommands: [APIBenchCommand.self, ServerBenchCommand.self, LabBenchCommand.self, ProxyBenchCommand.self, DNSBenchCommand.self, LBBenchCommand.self], defaultSubcommand: APIBenchCommand.self)
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
