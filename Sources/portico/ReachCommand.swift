import ArgumentParser
import Foundation
import PorticoLab
import PorticoSystem

/// `portico reach <service>`: who can reach the Service, measured with real requests.
struct Reach: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send real requests to a Service's ClusterIP, every NodeIP:nodePort and its LB address, from a pod, the LAN and the internet.",
        discussion: """
            Prints the seed's exposure matrix (✓ with the time to answer, ✗ with why not) and the exposure it \
            shows: ClusterIP < NodePort < LoadBalancer. With --expect the exit code says whether every cell is \
            what the Service's type promises (0) or not (1). Needs root.
            """)

    @OptionGroup var lab: LabOptions

    @Option(name: .shortAndLong, help: "The Service's namespace.")
    var namespace = "default"

    @Option(help: "Which port of the Service, by name or number (default: its first).")
    var port: String?

    @Option(name: .customLong("from-pod"), help: "The pod to send from (<name> or <namespace>/<name>; default: a running pod that is not the Service's endpoint).")
    var fromPod: String?

    @Option(help: "Seconds to wait for each answer.")
    var timeout: Double = 1

    @Flag(help: "Exit 1 when a cell differs from what the Service's type promises.")
    var expect = false

    @Argument(help: "The Service's name (or svc/<name>).")
    var service: String

    func run() async throws {
        guard getuid() == 0 else {
            FileHandle.standardError.write(Data("portico reach needs root: it sends from the lab's network namespaces.\n".utf8))
            throw ExitCode(1)
        }
        let name = LabLookup.serviceName(self.service)
        let plan = try self.lab.load()
        let result: PorticoLab.Reach.Result
        do {
            let (client, transport) = try plan.connect()
            do {
                result = try await PorticoLab.Reach(plan: plan, porticoPath: Agent.executablePath, timeout: self.timeout)
                    .run(client: client, namespace: self.namespace, name: name, port: self.port, fromPod: self.fromPod)
                try? await transport.shutdown()
            } catch {
                try? await transport.shutdown()
                throw error
            }
        } catch let error as LabError {
            FileHandle.standardError.write(Data("portico reach: \(error)\n".utf8))
            throw ExitCode(1)
        }
        print(PorticoLab.Reach.render(result), terminator: "")
        if self.expect, !result.mismatches.isEmpty { throw ExitCode(1) }
    }
}

/// `portico probe`: run by `reach` and `trace` inside a place of the lab; one line per target.
struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Try TCP connections / UDP requests to targets from here; print each target, the local port and the outcome (used by reach and trace).",
        shouldDisplay: false)

    @Option(help: "Seconds to wait for each answer.")
    var timeout: Double = 1

    @Argument(help: "Targets: tcp/<ip>:<port> or udp/<ip>:<port>.")
    var targets: [String]

    func run() throws {
        var parsed: [ConnectProbe.Target] = []
        for text in self.targets {
            guard let target = ConnectProbe.Target(text) else { throw ValidationError("\(text): a target is tcp/<ip>:<port> or udp/<ip>:<port>") }
            parsed.append(target)
        }
        for (target, result) in zip(parsed, ConnectProbe.run(parsed, timeout: self.timeout)) {
            print("\(target) \(result.localPort) \(result.outcome)")
        }
    }
}
