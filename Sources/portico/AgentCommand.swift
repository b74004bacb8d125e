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

    @Flag(help: "Bare-metal L2 mode: own LoadBalancer addresses of the node's LAN when elected, answering ARP for them.")
    var announceLoadBalancerAddresses = false

    @Option(help: "The resolver configuration pods with dnsPolicy Default get (kubelet's --resolv-conf).")
    var resolvConf: String = "/etc/resolv.conf"

    @Option(help: "The duration of the node's Lease; it is renewed every quarter of it.")
    var nodeLeaseDurationSeconds: Int32 = 40

    @Option(name: .customLong("cluster-cidr"), help: "The pods' range, comma-separated: traffic from elsewhere to a ClusterIP is masqueraded.")
    var clusterCIDR: String = ""

    @Option(name: .customLong("service-cluster-ip-range"), help: "The Service ranges, comma-separated: unallocated addresses there are dropped.")
    var serviceClusterIPRange: String = ""

    @Option(name: .customLong("nodeport-addresses"), help: "Where NodePorts answer: CIDRs, or primary (the node IP), comma-separated.")
    var nodePortAddresses: String = "primary"

    @Flag(help: "Masquerade all traffic to ClusterIPs.")
    var masqueradeAll = false

    @Option(help: "The least time between two syncs of the proxy's rules (Go duration).")
    var minSyncPeriod: String = "100ms"

    @Flag(inversion: .prefixedNo, help: "Run the node proxy (nftables rules for Services).")
    var proxy = true

    @Option(help: "Labels for the Node, key=value,key=value.")
    var nodeLabels: String = ""

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        if self.nodeLeaseDurationSeconds < 1 { throw ValidationError("--node-lease-duration-seconds must be at least 1") }
        for cidr in (self.clusterCIDR + "," + self.serviceClusterIPRange).split(separator: ",") where IPNetwork(String(cidr)) == nil {
            throw ValidationError("\(cidr) is not a CIDR")
        }
        for value in self.nodePortAddresses.split(separator: ",") where value != "primary" && IPNetwork(String(value)) == nil {
            throw ValidationError("--nodeport-addresses: \(value) is neither a CIDR nor primary")
        }
        if (try? GoDuration.parse(self.minSyncPeriod)) == nil { throw ValidationError("--min-sync-period \(self.minSyncPeriod) is not a duration") }
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
        configuration.resolvConf = self.resolvConf
        configuration.announceLoadBalancerAddresses = self.announceLoadBalancerAddresses
        configuration.kubeconfigPath = self.kubeconfig
        configuration.leaseDurationSeconds = self.nodeLeaseDurationSeconds
        configuration.proxy.enabled = self.proxy
        configuration.proxy.clusterCIDRs = self.clusterCIDR.split(separator: ",").map(String.init)
        configuration.proxy.serviceCIDRs = self.serviceClusterIPRange.split(separator: ",").map(String.init)
        configuration.proxy.nodePortAddresses = self.nodePortAddresses.split(separator: ",").map(String.init)
        configuration.proxy.masqueradeAll = self.masqueradeAll
        configuration.proxy.minSyncPeriod = try GoDuration.duration(self.minSyncPeriod)
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
