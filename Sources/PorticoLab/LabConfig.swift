import Foundation
import PorticoAPI
import Yams

/// A lab's shape: its name, how many nodes, and every address range, with the defaults of
/// the picture in DESIGN.md. Read from `--config lab.yaml` (any field may be left out).
public struct LabConfig: Sendable, Equatable, Codable {
    /// Prefix of everything the lab makes: network namespaces, links, the data directory.
    public var name = "portico"
    public var nodes = 3
    /// API servers: 1 runs one on the host with its store in SQLite; more run each beside an
    /// etcd member in a place of its own on the LAN (`server-1`...), behind a load balancer
    /// on the lab's API address (kubeadm's stacked-etcd HA topology).
    public var servers = 1
    /// The LAN the nodes and the host share.
    public var lan = "10.10.10.0/24"
    /// The host's address on the LAN (the API server listens there too).
    public var hostAddress = "10.10.10.254"
    /// Node N's pod CIDR: `{n}` is replaced by the node's number.
    public var podCIDR = "10.244.{n}.0/24"
    /// The range every node's pod CIDR is in: the node proxies masquerade traffic to
    /// ClusterIPs from outside it.
    public var clusterCIDR = "10.244.0.0/16"
    public var serviceCIDR = "10.96.0.0/12"
    public var nodePortRange = "30000-32767"
    public var apiPort = 6443
    /// How long an agent may be silent before its node is NotReady (upstream's default since 1.32).
    public var nodeMonitorGracePeriod = "50s"
    public var nodeMonitorPeriod = "5s"
    /// The agents' Lease duration; they renew it every quarter of it (the kubelet's 40 s).
    public var nodeLeaseDurationSeconds = 40
    /// Where the lab keeps its store, keys, logs and kubeconfig; default /var/lib/portico/labs/<name>.
    public var dataDir: String? = nil
    /// The cluster's DNS domain.
    public var clusterDomain = "cluster.local"
    /// Replicas of the DNS add-on (Deployment kube-system/portico-dns behind Service kube-dns).
    public var dnsReplicas = 2
    /// Where names outside the cluster are resolved, `ip[:port]`: absent, the host's own
    /// resolvers (its /etc/resolv.conf) through a relay on hostAddress:53; empty, nowhere
    /// (SERVFAIL).
    public var dnsUpstreams: [String]? = nil
    /// The "internet" beyond the load balancer: its clients keep their address.
    public var internetCIDR = "203.0.113.0/24"
    /// A client on the internet (namespace `<name>-internet`).
    public var internetClient = "203.0.113.200"
    /// The load balancer's leg on the LAN (namespace `<name>-lb`); default: the LAN's
    /// broadcast address minus 5 (10.10.10.250). Its internet leg is the internet's first address.
    public var lbAddress: String? = nil
    /// Addresses for LoadBalancer Services (`first-last` or a CIDR): inside internetCIDR in
    /// cloud mode; in l2 mode inside the LAN (default there: the LAN's .200-.219).
    public var lbPool: String? = nil
    /// `cloud`: `portico lb` in a DMZ in front of the nodes. `l2`: bare metal, a node owns
    /// each address on the LAN and answers ARP for it (MetalLB's layer 2 mode).
    public var lbMode = "cloud"

    public init() {}

    enum CodingKeys: String, CodingKey {
        case name, nodes, servers, lan, hostAddress, podCIDR, clusterCIDR, serviceCIDR, nodePortRange, apiPort, nodeMonitorGracePeriod, nodeMonitorPeriod, nodeLeaseDurationSeconds, dataDir
        case clusterDomain, dnsReplicas, dnsUpstreams, internetCIDR, internetClient, lbAddress, lbPool, lbMode
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = LabConfig()
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? d.name
        self.nodes = try c.decodeIfPresent(Int.self, forKey: .nodes) ?? d.nodes
        self.servers = try c.decodeIfPresent(Int.self, forKey: .servers) ?? d.servers
        self.lan = try c.decodeIfPresent(String.self, forKey: .lan) ?? d.lan
        self.hostAddress = try c.decodeIfPresent(String.self, forKey: .hostAddress) ?? d.hostAddress
        self.podCIDR = try c.decodeIfPresent(String.self, forKey: .podCIDR) ?? d.podCIDR
        self.clusterCIDR = try c.decodeIfPresent(String.self, forKey: .clusterCIDR) ?? d.clusterCIDR
        self.serviceCIDR = try c.decodeIfPresent(String.self, forKey: .serviceCIDR) ?? d.serviceCIDR
        self.nodePortRange = try c.decodeIfPresent(String.self, forKey: .nodePortRange) ?? d.nodePortRange
        self.apiPort = try c.decodeIfPresent(Int.self, forKey: .apiPort) ?? d.apiPort
        self.nodeMonitorGracePeriod = try c.decodeIfPresent(String.self, forKey: .nodeMonitorGracePeriod) ?? d.nodeMonitorGracePeriod
        self.nodeMonitorPeriod = try c.decodeIfPresent(String.self, forKey: .nodeMonitorPeriod) ?? d.nodeMonitorPeriod
        self.nodeLeaseDurationSeconds = try c.decodeIfPresent(Int.self, forKey: .nodeLeaseDurationSeconds) ?? d.nodeLeaseDurationSeconds
        self.dataDir = try c.decodeIfPresent(String.self, forKey: .dataDir)
        self.clusterDomain = try c.decodeIfPresent(String.self, forKey: .clusterDomain) ?? d.clusterDomain
        self.dnsReplicas = try c.decodeIfPresent(Int.self, forKey: .dnsReplicas) ?? d.dnsReplicas
        self.dnsUpstreams = try c.decodeIfPresent([String].self, forKey: .dnsUpstreams)
        self.internetCIDR = try c.decodeIfPresent(String.self, forKey: .internetCIDR) ?? d.internetCIDR
        self.internetClient = try c.decodeIfPresent(String.self, forKey: .internetClient) ?? d.internetClient
        self.lbAddress = try c.decodeIfPresent(String.self, forKey: .lbAddress)
        self.lbPool = try c.decodeIfPresent(String.self, forKey: .lbPool)
        self.lbMode = try c.decodeIfPresent(String.self, forKey: .lbMode) ?? d.lbMode
    }

    public static func load(path: String) throws -> LabConfig {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        do {
            return try YAMLDecoder().decode(LabConfig.self, from: text.isEmpty ? "{}" : text)
        } catch let error as DecodingError {
            throw LabError("\(path): \(Self.describe(error))")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): expected \(type)"
        case .dataCorrupted(let context): return context.debugDescription
        case .keyNotFound(let key, _): return "\(key.stringValue) is required"
        @unknown default: return "\(error)"
        }
    }

    public var dataDirectory: String { self.dataDir ?? "/var/lib/portico/labs/\(self.name)" }
}

public struct LabError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Everything a lab consists of, computed from its config before anything is made: the
/// names and addresses `up` creates and `down` removes.
public struct LabPlan: Sendable, Equatable {
    /// A place of its own on the LAN for one API server and its etcd member (`--servers` > 1).
    public struct ServerPlan: Sendable, Equatable {
        public var name: String
        public var netns: String
        public var hostVeth: String
        public var address: String
        /// The member's name in the etcd cluster, and its URLs.
        public var etcdClientURL: String { "http://\(self.address):2379" }
        public var etcdPeerURL: String { "http://\(self.address):2380" }
    }

    public struct NodePlan: Sendable, Equatable {
        public var name: String
        public var netns: String
        /// The host end of the node's veth, on the bridge (the node end is `eth0`).
        public var hostVeth: String
        public var address: String
        public var podCIDR: String
    }

    public var config: LabConfig
    public var bridge: String
    public var prefixLength: Int
    public var nodes: [NodePlan]
    /// The API servers' places; empty with one server (it runs on the host, on SQLite).
    public var servers: [ServerPlan]
    /// Prefix of every network namespace of the lab (nodes and pods).
    public var netnsPrefix: String
    public var serviceCIDR: String
    public var clusterCIDR: String
    /// The kube-dns Service's ClusterIP: the service CIDR's tenth address (10.96.0.10).
    public var dnsServiceIP: String
    /// The load balancer's address on the LAN.
    public var lbAddress: String
    /// The LoadBalancer address pool in force.
    public var lbPool: String
    public var isL2: Bool { self.config.lbMode == "l2" }
    /// The load balancer's address on the internet: the internet's first address.
    public var lbInternetAddress: String
    public var internetPrefixLength: Int

    public var dataDirectory: String { self.config.dataDirectory }
    public var kubeconfigPath: String { self.dataDirectory + "/kubeconfig" }
    public var serverDirectory: String { self.dataDirectory + "/server" }
    public var logsDirectory: String { self.dataDirectory + "/logs" }
    public func nodeDirectory(_ node: NodePlan) -> String { self.dataDirectory + "/nodes/" + node.name }
    /// A server's data directory: the first one's is `serverDirectory` (the cluster's CA and
    /// tokens are made there and copied to the others).
    public func serverDirectory(_ server: ServerPlan) -> String {
        server == self.servers.first ? self.serverDirectory : self.dataDirectory + "/servers/" + server.name
    }
    /// The API servers' etcd cluster, as `--initial-cluster` names it.
    public var etcdInitialCluster: String { self.servers.map { "\($0.name)=\($0.etcdPeerURL)" }.joined(separator: ",") }

    /// Checks every field, naming it and saying what is wrong.
    public init(_ config: LabConfig) throws {
        self.config = config
        var problems: [String] = []
        let name = config.name
        if name.isEmpty || name.count > 11 || !name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") })
            || name.hasPrefix("-")
        {
            problems.append("name: \(GoQuote.quote(name)) must be 1-11 lower-case letters, digits or '-' (it prefixes interface names, which Linux limits to 15 characters)")
        }
        if !(1...50).contains(config.nodes) { problems.append("nodes: \(config.nodes) must be between 1 and 50") }
        if !(1...5).contains(config.servers) { problems.append("servers: \(config.servers) must be between 1 and 5") }
        let lan = IPNetwork(config.lan)
        if lan == nil || lan?.address.family != .ipv4 || (lan?.prefixLength ?? 0) > 29 {
            problems.append("lan: \(GoQuote.quote(config.lan)) must be an IPv4 network of /29 or larger")
        }
        let host = IPAddress(config.hostAddress)
        if let lan, let host, !lan.contains(host) { problems.append("hostAddress: \(config.hostAddress) is not inside lan \(config.lan)") }
        if host == nil { problems.append("hostAddress: \(GoQuote.quote(config.hostAddress)) is not an IPv4 address") }
        if !config.podCIDR.contains("{n}") { problems.append("podCIDR: \(GoQuote.quote(config.podCIDR)) must contain {n}, the node's number") }
        let cluster = IPNetwork(config.clusterCIDR)
        if cluster == nil || cluster?.address.family != .ipv4 { problems.append("clusterCIDR: \(GoQuote.quote(config.clusterCIDR)) is not an IPv4 CIDR") }
        let service = IPNetwork(config.serviceCIDR)
        if service == nil { problems.append("serviceCIDR: \(GoQuote.quote(config.serviceCIDR)) is not a CIDR") }
        if let service, service.address.family != .ipv4 || service.prefixLength > 28 {
            problems.append("serviceCIDR: \(config.serviceCIDR) must be an IPv4 network of /28 or larger (the DNS Service takes its tenth address)")
        }
        if !(0...10).contains(config.dnsReplicas) { problems.append("dnsReplicas: \(config.dnsReplicas) must be between 0 and 10") }
        if (try? DNSNameCheck.validate(config.clusterDomain)) == nil {
            problems.append("clusterDomain: \(GoQuote.quote(config.clusterDomain)) must be a DNS name such as cluster.local")
        }
        let internet = IPNetwork(config.internetCIDR)
        if internet == nil || internet?.address.family != .ipv4 || (internet?.prefixLength ?? 0) > 29 {
            problems.append("internetCIDR: \(GoQuote.quote(config.internetCIDR)) must be an IPv4 network of /29 or larger")
        }
        if !["cloud", "l2"].contains(config.lbMode) { problems.append("lbMode: \(GoQuote.quote(config.lbMode)) must be cloud or l2") }
        var lbPool = config.lbPool ?? "203.0.113.10-203.0.113.99"
        if config.lbMode == "l2", config.lbPool == nil, let lan = IPNetwork(config.lan), lan.address.family == .ipv4, lan.prefixLength <= 24 {
            let broadcast = lan.address.ipv4Value | (UInt32.max >> UInt32(lan.prefixLength))
            lbPool = "\(IPAddress(ipv4: broadcast - 55))-\(IPAddress(ipv4: broadcast - 36))"
        }
        if let pool = try? AddressPool(lbPool) {
            if config.lbMode == "l2" {
                if let lan = IPNetwork(config.lan), !lan.contains(pool.first) || !lan.contains(pool.last) {
                    problems.append("lbPool: \(lbPool) must be inside lan \(config.lan) in l2 mode")
                }
            } else if let internet {
                if !internet.contains(pool.first) || !internet.contains(pool.last) {
                    problems.append("lbPool: \(lbPool) must be inside internetCIDR \(config.internetCIDR)")
                }
                if let client = IPAddress(config.internetClient), pool.contains(client) {
                    problems.append("lbPool: \(lbPool) must not contain the internetClient \(config.internetClient)")
                }
                if pool.first.ipv4Value == internet.address.ipv4Value + 1 {
                    problems.append("lbPool: \(lbPool) must leave internetCIDR's first address to the load balancer")
                }
            }
        } else {
            problems.append("lbPool: \(GoQuote.quote(lbPool)) must be first-last IPv4 addresses or a CIDR")
        }
        if let internet, !(IPAddress(config.internetClient).map(internet.contains) ?? false) {
            problems.append("internetClient: \(config.internetClient) must be an address inside internetCIDR \(config.internetCIDR)")
        }
        var lbAddress = ""
        if let lan = IPNetwork(config.lan), lan.address.family == .ipv4, lan.prefixLength <= 29 {
            let broadcast = lan.address.ipv4Value | (UInt32.max >> UInt32(lan.prefixLength))
            lbAddress = config.lbAddress ?? IPAddress(ipv4: broadcast - 5).description
            if !(IPAddress(lbAddress).map(lan.contains) ?? false) || lbAddress == config.hostAddress {
                problems.append("lbAddress: \(lbAddress) must be an address of lan \(config.lan) other than the host's")
            }
        }
        for upstream in config.dnsUpstreams ?? [] where IPAddress(upstream.split(separator: ":").first.map(String.init) ?? "") == nil {
            problems.append("dnsUpstreams: \(GoQuote.quote(upstream)) must be an IPv4 address with an optional :port")
        }
        if !(1...65535).contains(config.apiPort) { problems.append("apiPort: \(config.apiPort) is not a port") }
        for (field, value) in [("nodeMonitorGracePeriod", config.nodeMonitorGracePeriod), ("nodeMonitorPeriod", config.nodeMonitorPeriod)] {
            if ((try? GoDuration.parse(value)) ?? 0) <= 0 { problems.append("\(field): \(GoQuote.quote(value)) must be a positive duration such as 50s") }
        }
        if config.nodeLeaseDurationSeconds < 1 {
            problems.append("nodeLeaseDurationSeconds: \(config.nodeLeaseDurationSeconds) must be at least 1")
        } else if let grace = try? GoDuration.parse(config.nodeMonitorGracePeriod), grace <= Double(config.nodeLeaseDurationSeconds) / 4 {
            problems.append("nodeMonitorGracePeriod: \(config.nodeMonitorGracePeriod) must be longer than the agents' lease renewal, every nodeLeaseDurationSeconds/4 = \(Double(config.nodeLeaseDurationSeconds) / 4) s")
        }
        var nodes: [NodePlan] = []
        var servers: [ServerPlan] = []
        if let lan, let host, problems.isEmpty {
            let base = lan.address.ipv4Value
            for n in 1...config.nodes {
                let address = IPAddress(ipv4: base + UInt32(n))
                if address == host || !lan.contains(address) || address.description == lbAddress {
                    problems.append("lan: \(config.lan) has no room for node-\(n) beside the host at \(config.hostAddress)")
                    break
                }
                let cidr = config.podCIDR.replacingOccurrences(of: "{n}", with: String(n))
                guard let pods = IPNetwork(cidr), pods.address.family == .ipv4, pods.prefixLength <= 28 else {
                    problems.append("podCIDR: node-\(n)'s \(GoQuote.quote(cidr)) is not an IPv4 network of /28 or larger")
                    break
                }
                if let cluster, !cluster.contains(pods.address) {
                    problems.append("podCIDR: node-\(n)'s \(pods) is not inside clusterCIDR \(config.clusterCIDR)")
                    break
                }
                nodes.append(NodePlan(name: "node-\(n)", netns: "\(name)-node-\(n)", hostVeth: "\(name)-n\(n)", address: address.description,
                                      podCIDR: pods.description))
            }
            // Servers from the LAN's broadcast address minus 19 (10.10.10.236...), below the load balancer's.
            let broadcast = base | (UInt32.max >> UInt32(lan.prefixLength))
            for n in 1...config.servers where config.servers > 1 {
                let address = IPAddress(ipv4: broadcast - 20 + UInt32(n))
                if address == host || !lan.contains(address) || address.description == lbAddress
                    || nodes.contains(where: { $0.address == address.description }) {
                    problems.append("lan: \(config.lan) has no room for server-\(n) at \(address) beside the nodes, the host and the load balancer")
                    break
                }
                servers.append(ServerPlan(name: "server-\(n)", netns: "\(name)-server-\(n)", hostVeth: "\(name)-s\(n)", address: address.description))
            }
            // No range may overlap another.
            var ranges: [(String, IPNetwork)] = [("lan", lan)] + (cluster.map { [("clusterCIDR", $0)] }
                ?? nodes.map { ("podCIDR of \($0.name)", IPNetwork($0.podCIDR)!) })
            if let internet { ranges.append(("internetCIDR", internet)) }
            if let service { ranges.append(("serviceCIDR", service)) }
            for i in ranges.indices {
                for j in ranges.indices where j > i && (ranges[i].1.contains(ranges[j].1.address) || ranges[j].1.contains(ranges[i].1.address)) {
                    problems.append("\(ranges[i].0) \(ranges[i].1) overlaps \(ranges[j].0) \(ranges[j].1)")
                }
            }
        }
        if !problems.isEmpty { throw LabError("the lab config is invalid:\n  " + problems.joined(separator: "\n  ")) }
        self.bridge = "\(name)-br"
        self.prefixLength = lan!.prefixLength
        self.nodes = nodes
        self.servers = servers
        self.netnsPrefix = "\(name)-"
        self.serviceCIDR = service!.description
        self.clusterCIDR = cluster!.description
        self.dnsServiceIP = IPAddress(ipv4: service!.address.ipv4Value + 10).description
        self.lbAddress = lbAddress
        self.lbPool = lbPool
        let internetNetwork = IPNetwork(config.internetCIDR)!
        self.lbInternetAddress = IPAddress(ipv4: internetNetwork.address.ipv4Value + 1).description
        self.internetPrefixLength = internetNetwork.prefixLength
    }

    /// The resolver configuration pods with dnsPolicy Default get: the lab's relay to the
    /// host's resolvers (nothing when `dnsUpstreams` is empty).
    public var nodeResolvConfPath: String { self.dataDirectory + "/resolv.conf" }
    public var hasDNSRelay: Bool { self.config.dnsUpstreams?.isEmpty != true }
}

/// The cluster domain's shape: dot-separated DNS-1123 labels.
enum DNSNameCheck {
    struct Invalid: Error {}

    static func validate(_ name: String) throws {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty, name.count <= 253, labels.allSatisfy({ label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
        }) else { throw Invalid() }
    }
}

