import ArgumentParser
import Foundation
import Logging
import PorticoAPI
import PorticoClient
import PorticoNode
import ServiceLifecycle

/// `portico agent`: a node's kubelet, run inside the node's network namespace.
struct Agent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a node agent (the kubelet of a Portico node) inside the node's network namespace.")

    @Option(help: "The Node's name.")
    var nodeName: String

    @Option(name: .customLong("node-ip"), help: "The node's address (its InternalIP; the agent serves logs there).")
    var nodeIP: String

    @Option(name: .customLong("pod-cidr"), help: "The node's pod CIDR (pods get addresses from it; the first is the bridge's).")
    var podCIDR: String

    @Option(help: "The kubeconfig to reach the API server with.")
    var kubeconfig: String

    @Option(help: "Where the agent keeps pod logs, addresses and sandboxes.")
    var dataDir: String

    @Option(help: "Prefix for the network namespaces of this node's pods.")
    var netnsPrefix: String = "portico-"

    @Option(help: "The port the agent serves container logs on.")
    var kubeletPort: Int = 10250

    @Option(name: .customLong("cluster-dns"), help: "The cluster DNS Service's address, for pods with dnsPolicy ClusterFirst (repeatable).")
    var clusterDNS: [String] = []

    @Option(help: "The cluster's DNS domain.")
    var clusterDomain: String = "cluster.local"

    @Option(help: "The duration of the node's Lease; it is renewed every quarter of it.")
    var nodeLeaseDurationSeconds: Int32 = 40

    @Option(help: "Labels for the Node, key=value,key=value.")
    var nodeLabels: String = ""

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        if self.nodeLeaseDurationSeconds < 1 { throw ValidationError("--node-lease-duration-seconds must be at least 1") }
        guard let ip = IPAddress(self.nodeIP), ip.family == .ipv4 else { throw ValidationError("--node-ip \(self.nodeIP) is not an IPv4 address") }
        guard let network = IPNetwork(self.podCIDR), network.address.family == .ipv4, network.prefixLength <= 30 else {
            throw ValidationError("--pod-cidr \(self.podCIDR) is not an IPv4 network of at least 4 addresses")
        }
    }

    func run() async throws {
        if NodeAgent.inHostNetworkNamespace { throw NodeAgent.RefusedOnHost() }
        var logger = Logger(label: "portico-agent")
        logger.logLevel = Logger.Level(rawValue: self.logLevel) ?? .info
        logger[metadataKey: "node"] = "\(self.nodeName)"
        var configuration = AgentConfiguration(nodeName: self.nodeName, nodeIP: self.nodeIP, podCIDR: self.podCIDR,
                                               dataDirectory: self.dataDir, porticoPath: Self.executablePath)
        configuration.netnsPrefix = self.netnsPrefix
        configuration.kubeletPort = self.kubeletPort
        configuration.clusterDNS = self.clusterDNS
        configuration.clusterDomain = self.clusterDomain
        configuration.leaseDurationSeconds = self.nodeLeaseDurationSeconds
        for pair in self.nodeLabels.split(separator: ",") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            configuration.nodeLabels[String(kv[0])] = kv.count == 2 ? String(kv[1]) : ""
        }
        let transport = try HTTPTransport(try Kubeconfig.load(path: self.kubeconfig))
        let client = KubeClient(transport: transport, fieldManager: "portico-agent")
        let agent = NodeAgent(configuration: configuration, client: client, logger: logger)
        FileHandle.standardOutput.write(Data("portico agent: node \(self.nodeName) at \(self.nodeIP), pods from \(self.podCIDR)\n".utf8))
        let group = ServiceGroup(configuration: .init(services: [agent], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.debug("agent stopped; closing the API connections")
        try await transport.shutdown()
        logger.debug("API connections closed")
    }

    /// This executable, for the launcher and the built-in images.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
