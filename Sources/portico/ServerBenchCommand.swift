import ArgumentParser
import PorticoAPI
import PorticoBench

/// `portico bench server` (see `ServerBench`).
struct ServerBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server", abstract: "API server throughput and latency beside raw store writes, in one run.")

    @Option(help: "How many Services.")
    var services: Int = 10_000

    @Option(help: "Requests in flight at once.")
    var concurrency: Int = 16

    func run() async throws {
        try BenchReport.prepare("server", needsRoot: nil)
        var bench = ServerBench()
        bench.services = self.services
        bench.concurrency = self.concurrency
        print("portico bench server: \(self.services) Services, \(self.concurrency) in flight, server called in-process")
        let rows = try await bench.run(progress: BenchReport.progress)
        print("")
        print(TableText.align(rows), terminator: "")
    }
}
