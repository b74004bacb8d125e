import ArgumentParser
import Foundation
import Logging
import PorticoClient
import PorticoLB
import ServiceLifecycle

/// `portico lb`: the L4 load balancer in front of the nodes. The lab runs it in its `lb`
/// namespace, between the LAN and the internet.
struct LB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lb",
        abstract: "Forward LoadBalancer Services' addresses to the healthy nodes' node ports, in the kernel (nftables).")

    @Option(help: "The kubeconfig to read Services, Nodes and EndpointSlices with (default: $KUBECONFIG).")
    var kubeconfig: String?

    @Option(help: "The interface facing the clients; LoadBalancer addresses are put on it.")
    var externalInterface = "eth1"

    @Option(help: "The clients' network: their address is kept (the nodes route replies back through the load balancer).")
    var internetCIDR = "203.0.113.0/24"

    @Option(help: "Seconds between health checks of each backend.")
    var healthCheckInterval = 2

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        guard let path = self.kubeconfig ?? ProcessInfo.processInfo.environment["KUBECONFIG"] else {
            throw ValidationError("--kubeconfig is required (or KUBECONFIG in the environment)")
        }
        var options = LoadBalancer.Options()
        options.externalInterface = self.externalInterface
        options.internetCIDR = self.internetCIDR
        options.interval = .seconds(self.healthCheckInterval)
        var logger = Logger(label: "portico-lb")
        logger.logLevel = .info
        let transport = try HTTPTransport(try Kubeconfig.load(path: path))
        let client = KubeClient(transport: transport, fieldManager: "portico-lb")
        let lb = LoadBalancer(options: options, client: client, logger: logger)
        // In order: the watch caches start with it and stop after it; SIGTERM and SIGINT stop
        // the group gracefully.
        let group = ServiceGroup(configuration: .init(services: lb.informers + [lb], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
        try await transport.shutdown()
        logger.info("portico lb: stopped")
    }
}
