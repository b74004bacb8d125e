import ArgumentParser
import Foundation
import PorticoLab

/// The options that pick a lab: its config file, or just its name.
struct LabOptions: ParsableArguments {
    @Option(help: "A lab config (YAML): name, nodes, lan, hostAddress, podCIDR, serviceCIDR, nodePortRange, apiPort, nodeMonitorGracePeriod, dataDir.")
    var config: String?

    @Option(help: "The lab's name (default portico): it prefixes the lab's namespaces, links and data directory.")
    var name: String?

    func load(nodes: Int? = nil) throws -> LabPlan {
        var config = try self.config.map { try LabConfig.load(path: $0) } ?? LabConfig()
        if let name = self.name { config.name = name }
        if let nodes { config.nodes = nodes }
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

    func run() async throws {
        let plan: LabPlan
        do {
            plan = try self.lab.load(nodes: self.nodes)
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

    func run() async throws {
        print(await Lab.status(try self.lab.load()))
    }
}
