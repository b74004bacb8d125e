import Foundation
import Logging
import PorticoAPI
import PorticoClient

/// How an agent was started: which node it is, where its pods' addresses come from, where it
/// keeps its files, and where the programs it launches are.
public struct AgentConfiguration: Sendable {
    public var nodeName: String
    public var nodeIP: String
    public var podCIDR: String
    public var dataDirectory: String
    /// Prefix of the network namespaces of this agent's pods (the lab's name, so `portico down`
    /// finds them).
    public var netnsPrefix = "portico-"
    public var bridge = "cbr0"
    public var kubeletPort = 10250
    /// The `portico` executable: the launcher and the built-in images.
    public var porticoPath: String
    /// Where the pods' resolver points (ClusterFirst); empty falls back to the host's resolv.conf.
    public var clusterDNS: [String] = []
    public var clusterDomain = "cluster.local"
    /// The node's resolver configuration, for pods with dnsPolicy Default (kubelet's `--resolv-conf`).
    public var resolvConf = "/etc/resolv.conf"
    /// The agent's own kubeconfig: handed (as `KUBECONFIG`) to the built-in programs that
    /// read the API, the DNS add-on. Portico has no service accounts yet.
    public var kubeconfigPath: String? = nil
    public var nodeLabels: [String: String] = [:]
    public var leaseDurationSeconds: Int32 = 40
    public var nodeStatusUpdateFrequency: Duration = .seconds(10)
    public var nodeStatusReportFrequency: Duration = .seconds(300)
    /// Bare-metal L2 mode: this node may own LoadBalancer addresses of its LAN (MetalLB's speaker).
    public var announceLoadBalancerAddresses = false
    /// The node proxy (kube-proxy's part of the agent).
    public var proxy = ProxySettings()

    public struct ProxySettings: Sendable {
        public var enabled = true
        /// The pods' range, for deciding what to masquerade (`--cluster-cidr`).
        public var clusterCIDRs: [String] = []
        /// The Service ranges: traffic to an unallocated address there is dropped.
        public var serviceCIDRs: [String] = []
        /// `--nodeport-addresses`: CIDRs, or `primary` (the default: the node IP).
        public var nodePortAddresses: [String] = []
        public var masqueradeAll = false
        public var minSyncPeriod: Duration = .milliseconds(100)
        public var healthzPort = 10256
        public var metricsPort = 10249

        public init() {}
    }

    public init(nodeName: String, nodeIP: String, podCIDR: String, dataDirectory: String, porticoPath: String) {
        self.nodeName = nodeName
        self.nodeIP = nodeIP
        self.podCIDR = podCIDR
        self.dataDirectory = dataDirectory
        self.porticoPath = porticoPath
    }

    var podsDirectory: String { self.dataDirectory + "/pods" }
    var sandboxesDirectory: String { self.dataDirectory + "/sandboxes" }

    func podDirectory(_ pod: Pod) -> String {
        "\(self.podsDirectory)/\(pod.metadata.namespace)_\(pod.metadata.name)_\(pod.metadata.uid)"
    }
}

/// What the agent's parts share.
final class AgentContext: Sendable {
    let configuration: AgentConfiguration
    let client: KubeClient
    let events: EventRecorder
    let network: any NodeNetwork
    let ipam: PodIPAM
    let services: Informer<PorticoAPI.Service>
    let logger: Logger

    init(configuration: AgentConfiguration, client: KubeClient, network: any NodeNetwork, ipam: PodIPAM, services: Informer<PorticoAPI.Service>,
         logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.events = EventRecorder(client: client, component: "kubelet", host: configuration.nodeName, logger: logger)
        self.network = network
        self.ipam = ipam
        self.services = services
        self.logger = logger
    }
}
