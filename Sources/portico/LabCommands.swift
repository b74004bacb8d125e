import ArgumentParser
import Foundation
import PorticoAPI
import PorticoBench
import PorticoLab

/// The options that pick a lab: its config file, or just its name.
struct LabOptions: ParsableArguments {
    @Option(help: "A lab config (YAML): name, nodes, servers, lan, hostAddress, podCIDR, serviceCIDR, nodePortRange, apiPort, nodeMonitorGracePeriod, dataDir.")
    var config: String?

    @Option(help: "The lab's name (default portico): it prefixes the lab's namespaces, links and data directory.")
    var name: String?

    func load(nodes: Int? = nil, servers: Int? = nil) throws -> LabPlan {
        var config = try self.config.map { try LabConfig.load(path: $0) } ?? LabConfig()
        if let name = self.name { config.name = name }
        if let nodes { config.nodes = nodes }
        if let servers { config.servers = servers }
        return try LabPlan(config)
    }
}

struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the lab: a LAN bridge, nodes as network namespaces, the API server and a node agent per node.",
        discussion: "Needs root. Returns when every node is Ready and prints the KUBECONFIG to use.")

    @OptionGroup var lab: LabOptions

    @Option(help: "How many nodes (default 3, or the config's).")
    var nodes: Int?

    @Option(help: "How many API servers (default 1, on SQLite, or the config's); more run each beside an etcd member in a place of its own, behind HAProxy on the lab's API address.")
    var servers: Int?

    func run() async throws {
        let plan: LabPlan
        do {
            plan = try self.lab.load(nodes: self.nodes, servers: self.servers)
        } catch let error as LabError {
            throw ValidationError(error.description)
        }
        do {
            try await Lab(plan: plan, porticoPath: Agent.executablePath).up(StepPrinter())
        } catch let error as LabError {
            FileHandle.standardError.write(Data("portico up: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct Down: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop the lab and remove every process, namespace, link, route and file it made.")

    @OptionGroup var lab: LabOptions

    func run() async throws {
        guard getuid() == 0 else {
            FileHandle.standardError.write(Data("portico down needs root: it removes network namespaces, links and routes.\n".utf8))
            throw ExitCode(1)
        }
        let plan = try self.lab.load()
        let printer = StepPrinter()
        printer.say("Removing lab \"\(plan.config.name)\" ...")
        try await Lab.remove(plan, printer: printer)
        printer.say("Lab \"\(plan.config.name)\" is gone (\(StepPrinter.format(printer.elapsed))).")
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the lab's nodes, addresses and processes.")

    @OptionGroup var lab: LabOptions

    @Option(name: [.customShort("o"), .long], help: "Output format: table (default) or json (every place and process, with roles and pids).")
    var output: String = "table"

    func validate() throws {
        guard ["table", "json"].contains(self.output) else { throw ValidationError("--output must be table or json, not \(self.output)") }
    }

    func run() async throws {
        let (text, up) = await Lab.status(try self.lab.load(), json: self.output == "json")
        print(text)
        if !up, self.output == "json" { throw ExitCode(1) }
    }
}

/// `portico bench lab`: up time, scale-out time and peak memory, beside references.
struct LabBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab", abstract: "Time to a Ready lab and to 50 ready endpoints, and peak memory (needs root; makes its own lab).")

    @Option(help: "Nodes of the benchmark's lab.")
    var nodes: Int = 3

    @Option(help: "Replicas to scale to.")
    var replicas: Int = 50

    func run() async throws {
        try BenchReport.prepare("lab", needsRoot: "it makes a lab of its own")
        var bench = LabBench(porticoPath: Agent.executablePath)
        bench.nodes = self.nodes
        bench.replicas = self.replicas
        print("portico bench lab: \(self.nodes) nodes, \(self.replicas) replicas; ratio = Portico time / reference time")
        let rows = try await bench.run(progress: BenchReport.progress)
        var table = [["WHAT", "PORTICO", "REFERENCE", "RATIO", "REFERENCE IS"]]
        for row in rows {
            let isMemory = row.what.hasPrefix("peak memory")
            table.append([row.what, isMemory ? String(format: "%.1f", row.portico) : String(format: "%.3fs", row.portico),
                          row.reference.map { String(format: "%.3fs", $0) } ?? "",
                          row.reference.map { String(format: "%.2f", row.portico / $0) } ?? "", row.referenceIs])
        }
        print("")
        print(TableText.align(table), terminator: "")
    }
}

/// `portico bench proxy`: programming the kernel (beside iptables-restore) and the data
/// plane in a lab (beside direct pod-to-pod traffic).
struct ProxyBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "The node proxy: programming 1,000 and 10,000 Services beside iptables-restore, and the data plane in a lab (needs root).")

    @Flag(help: "Only the control plane (no lab).")
    var controlPlaneOnly = false

    func run() async throws {
        try BenchReport.prepare("proxy", needsRoot: "it makes network namespaces of its own")
        var rows: [BenchRow] = try await ProxyControlPlaneBench().run(progress: BenchReport.progress).map { row in
            BenchRow(what: row.what, portico: String(format: "%.3fs", row.portico), reference: String(format: "%.3fs", row.reference),
                     ratio: String(format: "%.2f", row.portico / row.reference), referenceIs: row.referenceIs)
        }
        if !self.controlPlaneOnly {
            rows += try await ProxyDataPlaneBench(porticoPath: Agent.executablePath).run(progress: BenchReport.progress)
        }
        BenchReport.print("portico bench proxy: ratio = Portico / reference (times: lower is better; throughput: higher is better)", rows)
    }
}

struct DNSBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns",
        abstract: "Cluster DNS: dnsperf against Portico DNS with 10,000 Services beside NSD serving the same names; memory per 10,000 Services.")

    @Option(help: "Seconds of dnsperf per server.")
    var seconds = 10

    func run() async throws {
        try BenchReport.prepare("dns", needsRoot: nil)
        var bench = DNSBench()
        bench.seconds = self.seconds
        let rows = try await bench.run(progress: BenchReport.progress)
        BenchReport.print("portico bench dns: ratio = Portico / reference (rates: higher is better; latency and memory: lower is better)", rows)
    }
}

struct LBBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lb",
        abstract: "The load balancer: throughput and latency internet → LB → node → pod beside internet → LB → pod, and failover time (needs root).")

    func run() async throws {
        try BenchReport.prepare("lb", needsRoot: "it makes a lab of its own")
        let rows = try await LoadBalancerBench(porticoPath: Agent.executablePath).run(progress: BenchReport.progress)
        BenchReport.print("portico bench lb: ratio = Portico / reference (throughput: higher is better; latency: lower is better)", rows)
    }
}

/// What every `portico bench` subcommand does around its measurements.
enum BenchReport {
    static let progress: @Sendable (String) -> Void = { FileHandle.standardError.write(Data("  \($0)\n".utf8)) }

    /// Warns about debug builds; refuses without root when the benchmark needs it (saying why).
    static func prepare(_ name: String, needsRoot why: String?) throws {
        #if DEBUG
        Swift.print("note: this is a debug build; run `swift run -c release portico bench \(name)` for meaningful numbers\n")
        #endif
        if let why, getuid() != 0 {
            FileHandle.standardError.write(Data("portico bench \(name) needs root: \(why).\n".utf8))
            throw ExitCode(1)
        }
    }

    static func print(_ title: String, _ rows: [BenchRow]) {
        var table = [["WHAT", "PORTICO", "REFERENCE", "RATIO", "REFERENCE IS"]]
        for row in rows { table.append([row.what, row.portico, row.reference, row.ratio, row.referenceIs]) }
        Swift.print(title)
        Swift.print("")
        Swift.print(TableText.align(table), terminator: "")
    }
}
