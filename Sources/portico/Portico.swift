import ArgumentParser
import PorticoAPI

@main
struct Portico: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portico",
        abstract: "Kubernetes Service networking on one Linux machine.",
        discussion: """
            ClusterIP, NodePort and LoadBalancer Services with real packets, real addresses, \
            cluster DNS and a load balancer in front of the nodes.
            """,
        subcommands: [Up.self, Down.self, Status.self, Exec.self, Reach.self, Trace.self, Server.self, DNS.self, LB.self, Check.self, Bench.self, Version.self, Agent.self, Agnhost.self, Probe.self, PauseCommand.self, Sandbox.self, BenchHTTP.self]
    )
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print Portico's version and the Kubernetes API it follows.")

    func run() {
        print("portico \(PorticoVersion.portico) (Kubernetes API semantics of \(PorticoVersion.kubernetes))")
    }
}
