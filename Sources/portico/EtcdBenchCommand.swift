import ArgumentParser
import PorticoAPI
import PorticoBench

/// `portico bench etcd` (see `EtcdBench`).
struct EtcdBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "etcd", abstract: "Creates and watch delivery through 1 and 3 servers on a three-member etcd, beside one server on SQLite, and each process's peak memory.")

    @Option(help: "Service creates per case.")
    var creates: Int = 2000

    @Option(help: "Requests in flight at once.")
    var concurrency: Int = 16

    func run() async throws {
        try BenchReport.prepare("etcd", needsRoot: nil)
        var bench = EtcdBench(porticoPath: Agent.executablePath)
        bench.creates = self.creates
        bench.concurrency = self.concurrency
        print("portico bench etcd: \(self.creates) Service creates per case, \(self.concurrency) in flight, over HTTPS on loopback; etcd is Debian's")
        let (rows, memory) = try await bench.run(progress: BenchReport.progress)
        print("")
        print(TableText.align(rows), terminator: "")
        print("")
        print(TableText.align(memory), terminator: "")
    }
}
