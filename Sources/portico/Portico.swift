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
        subcommands: [Up.self, Server.self, Check.self, Bench.self, Version.self, Agent.self, Agnhost.self, PauseCommand.self, Sandbox.self]
    )
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print Portico's version and the Kubernetes API it follows.")

    func run() {
        print("portico \(PorticoVersion.portico) (Kubernetes API semantics of \(PorticoVersion.kubernetes))")
    }
}

struct Up: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the lab: API server, nodes, pods, DNS and load balancer.")

    func run() throws {
        print("""
            portico up: the lab is not built yet.
            What exists today is the foundation: the Kubernetes object model and Service semantics
            (defaulting, validation, ClusterIP and NodePort allocation, `kubectl get` tables).
            Try it:  swift run portico check -f <service.yaml>
            The API server (issue #3) and the lab of nodes and pods (issue #4) come next.
            """)
        throw ExitCode(2)
    }
}
