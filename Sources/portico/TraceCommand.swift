import ArgumentParser
import Foundation
import PorticoLab

/// `portico trace <service> --from <place>`: one request, hop by hop.
struct Trace: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow one real request to a Service hop by hop: the address used, the load balancer, the node's rules, the endpoint, the NAT.",
        discussion: """
            From the internet the request goes to the LB address; from the LAN (the host) to a node's IP and nodePort \
            (--node picks which); from a pod to the Service's DNS name (--dns-name changes it); from a node to the ClusterIP. \
            The kernel's own trace (nft monitor trace) shows the rules the packet matched and conntrack the NAT applied. \
            When the request does not arrive, the last lines say where and why. Exit code 0 when it arrived. Needs root.
            """)

    @OptionGroup var lab: LabOptions

    @Option(name: .shortAndLong, help: "The Service's namespace (and a pod/<name> client's, unless given as pod/<namespace>/<name>).")
    var namespace = "default"

    @Option(help: "Where the request starts: internet, lan, pod/<name>, pod/<namespace>/<name> or node/<name>.")
    var from: String

    @Option(help: "Which port of the Service, by name or number (default: its first).")
    var port: String?

    @Option(help: "From the LAN: the node whose IP:nodePort to use (default: the first).")
    var node: String?

    @Option(name: .customLong("dns-name"), help: "From a pod: the name to look the Service up by (default: <service> in its own namespace, else <service>.<namespace>).")
    var name: String?

    @Argument(help: "The Service's name (or svc/<name>).")
    var service: String

    func run() async throws {
        guard getuid() == 0 else {
            FileHandle.standardError.write(Data("portico trace needs root: it sends from and watches the lab's network namespaces.\n".utf8))
            throw ExitCode(1)
        }
        let serviceName = LabLookup.serviceName(self.service)
        let plan = try self.lab.load()
        let report: PorticoLab.Trace.Report
        do {
            let from = try LabPlace(parsing: self.from, namespace: self.namespace, plan: plan)
            if let node = self.node, !plan.nodes.contains(where: { $0.name == node }) {
                throw LabError("--node \(node): the lab's nodes are \(plan.nodes.map(\.name).joined(separator: ", "))")
            }
            let (client, transport) = try plan.connect()
            do {
                report = try await PorticoLab.Trace(plan: plan, porticoPath: Agent.executablePath)
                    .run(client: client, namespace: self.namespace, name: serviceName, port: self.port, from: from,
                         entryNode: self.node, dnsName: self.name)
                try? await transport.shutdown()
            } catch {
                try? await transport.shutdown()
                throw error
            }
        } catch let error as LabError {
            FileHandle.standardError.write(Data("portico trace: \(error)\n".utf8))
            throw ExitCode(1)
        }
        print(report.text, terminator: "")
        if !report.answered { throw ExitCode(1) }
    }
}
