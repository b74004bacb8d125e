import ArgumentParser
import Foundation
import Logging
import PorticoAPI
import PorticoClient
import PorticoEtcd
import PorticoControllers
import PorticoRegistry
import PorticoServer
import ServiceLifecycle

/// `portico server`: the Kubernetes API server of a Portico cluster.
struct Server: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the Kubernetes API server (HTTPS, kubectl-compatible) backed by the embedded store or etcd.")

    @Option(help: "Where the store, the cluster CA, tokens and the admin kubeconfig live.")
    var dataDir: String = APIServerConfiguration.defaultDataDirectory

    @Option(name: .customLong("bind-address"), help: "An address to listen on (repeat for several).")
    var bindAddresses: [String] = ["127.0.0.1"]

    @Option(help: "The HTTPS port.")
    var securePort: Int = 6443

    @Option(name: .customLong("tls-san"), help: "Another name or address for the serving certificate (repeat for several): a load balancer in front of several servers.")
    var tlsSANs: [String] = []

    @Option(help: "The address the cluster reaches the server at (the kubernetes Service's endpoint).")
    var advertiseAddress: String?

    @Option(name: .customLong("service-cluster-ip-range"), help: "One or two service CIDRs (one per IP family), comma-separated.")
    var serviceClusterIPRange: String = "10.96.0.0/12"

    @Option(name: .customLong("service-node-port-range"), help: "The node port range.")
    var serviceNodePortRange: String = "30000-32767"

    @Option(help: "Also serve plain HTTP on 127.0.0.1 at this port (off unless given).")
    var insecurePort: Int?

    @Option(help: "How long a node may go without a heartbeat before it is marked NotReady (Go duration).")
    var nodeMonitorGracePeriod: String = "50s"

    @Option(help: "How often node heartbeats are checked (Go duration).")
    var nodeMonitorPeriod: String = "5s"

    @Option(name: .customLong("load-balancer-ip-pool"),
            help: "Addresses for LoadBalancer Services: first-last or a CIDR (repeatable). Without one they stay <pending>.")
    var loadBalancerIPPools: [String] = []

    @Option(help: "How long a client may take to complete its TLS handshake (Go duration; kube-apiserver's is 32s).")
    var tlsHandshakeTimeout: String = "32s"

    @Option(help: "How long a connection may wait for its next request before it is closed (Go duration; kube-apiserver's is 90s).")
    var idleTimeout: String = "90s"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(name: .customLong("leader-elect"),
            help: "Run the controllers only while this server holds the Lease kube-system/kube-controller-manager (true or false).")
    var leaderElect: Bool = true

    @Option(name: .customLong("leader-elect-lease-duration"), help: "How long a leader's Lease holds without a renewal (Go duration).")
    var leaderElectLeaseDuration: String = "15s"

    @Option(name: .customLong("leader-elect-renew-deadline"), help: "How long a leader keeps trying to renew before it stops leading (Go duration).")
    var leaderElectRenewDeadline: String = "10s"

    @Option(name: .customLong("leader-elect-retry-period"), help: "How often candidates try, and leaders renew (Go duration).")
    var leaderElectRetryPeriod: String = "2s"

    /// The leader election's three durations, checked as kube-controller-manager checks them.
    func leaderElectionTiming() throws -> LeaderElection.Timing {
        let (lease, renew, retry) = (try GoDuration.duration(self.leaderElectLeaseDuration), try GoDuration.duration(self.leaderElectRenewDeadline),
                                     try GoDuration.duration(self.leaderElectRetryPeriod))
        guard retry > .zero else { throw ValidationError("--leader-elect-retry-period must be greater than zero") }
        guard lease > renew else { throw ValidationError("--leader-elect-lease-duration (\(self.leaderElectLeaseDuration)) must be greater than --leader-elect-renew-deadline (\(self.leaderElectRenewDeadline))") }
        guard renew > retry * 1.2 else { throw ValidationError("--leader-elect-renew-deadline (\(self.leaderElectRenewDeadline)) must be greater than 1.2 × --leader-elect-retry-period (\(self.leaderElectRetryPeriod))") }
        return LeaderElection.Timing(leaseDuration: lease, renewDeadline: renew, retryPeriod: retry)
    }

    @Option(name: .customLong("etcd-servers"),
            help: "etcd members to store objects in, comma-separated (https://10.0.0.1:2379,...); without it, SQLite in --data-dir.")
    var etcdServers: String?

    @Option(name: .customLong("etcd-cafile"), help: "The CA that signed the etcd members' certificates.")
    var etcdCAFile: String?

    @Option(name: .customLong("etcd-certfile"), help: "The client certificate to present to etcd.")
    var etcdCertFile: String?

    @Option(name: .customLong("etcd-keyfile"), help: "The client certificate's key.")
    var etcdKeyFile: String?

    @Option(name: .customLong("etcd-prefix"), help: "The prefix of every key the server keeps in etcd.")
    var etcdPrefix: String = "/registry"

    @Option(name: .customLong("etcd-compaction-interval"), help: "How often etcd's history is compacted (Go duration; 0 never).")
    var etcdCompactionInterval: String = "5m"

    /// `--etcd-servers` and its files as a client configuration; nil without it.
    func etcdConfiguration() throws -> EtcdClient.Configuration? {
        guard let servers = self.etcdServers else {
            if self.etcdCAFile != nil || self.etcdCertFile != nil || self.etcdKeyFile != nil {
                throw ValidationError("--etcd-cafile, --etcd-certfile and --etcd-keyfile need --etcd-servers")
            }
            return nil
        }
        let endpoints = servers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for endpoint in endpoints where !(endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://")) || URL(string: endpoint)?.host == nil {
            throw ValidationError("--etcd-servers: \(GoQuote.quote(endpoint)) is not a URL; give each member as https://host:2379 (or http://)")
        }
        guard !endpoints.isEmpty else { throw ValidationError("--etcd-servers is empty; give each member as https://host:2379") }
        guard (self.etcdCertFile == nil) == (self.etcdKeyFile == nil) else {
            throw ValidationError("--etcd-certfile and --etcd-keyfile go together")
        }
        for file in [self.etcdCAFile, self.etcdCertFile, self.etcdKeyFile].compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationError("cannot read \(file)")
        }
        return EtcdClient.Configuration(endpoints: endpoints.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 },
                                        caFile: self.etcdCAFile, certFile: self.etcdCertFile, keyFile: self.etcdKeyFile)
    }

    func validate() throws {
        do {
            guard try GoDuration.parse(self.etcdCompactionInterval) >= 0 else {
                throw ValidationError("--etcd-compaction-interval must not be negative, got \(self.etcdCompactionInterval)")
            }
        } catch let error as GoDuration.ParseError {
            throw ValidationError("--etcd-compaction-interval: \(error)")
        }
        for (flag, value) in [("--node-monitor-grace-period", self.nodeMonitorGracePeriod), ("--node-monitor-period", self.nodeMonitorPeriod),
                              ("--tls-handshake-timeout", self.tlsHandshakeTimeout), ("--idle-timeout", self.idleTimeout)] {
            do {
                guard try GoDuration.parse(value) > 0 else { throw ValidationError("\(flag) must be greater than zero, got \(value)") }
            } catch let error as GoDuration.ParseError {
                throw ValidationError("\(flag): \(error)")
            }
        }
        for pool in self.loadBalancerIPPools {
            do { _ = try LoadBalancerIPAM.Pool(pool) } catch { throw ValidationError("--load-balancer-ip-pool: \(error)") }
        }
        for address in self.bindAddresses where IPAddress(address) == nil {
            throw ValidationError("--bind-address \(GoQuote.quote(address)) is not an IP address")
        }
        _ = try self.etcdConfiguration()
        do {
            _ = try self.leaderElectionTiming()
        } catch let error as GoDuration.ParseError {
            throw ValidationError("--leader-elect-*: \(error)")
        }
    }

    func run() async throws {
        MemoryReturn.limitArenas(to: 2)
        var logger = Logger(label: "portico-server")
        logger.logLevel = Logger.Level(rawValue: self.logLevel) ?? .info
        var configuration = APIServerConfiguration(dataDirectory: self.dataDir)
        configuration.bindAddresses = self.bindAddresses
        configuration.securePort = self.securePort
        configuration.advertiseAddress = self.advertiseAddress ?? self.bindAddresses[0]
        configuration.extraServerNames = self.tlsSANs
        configuration.insecurePort = self.insecurePort
        configuration.etcd = try self.etcdConfiguration()
        configuration.etcdPrefix = self.etcdPrefix
        let compaction = try GoDuration.duration(self.etcdCompactionInterval)
        configuration.etcdCompactionInterval = compaction > .zero ? compaction : nil
        configuration.limits.tlsHandshakeTimeout = try GoDuration.duration(self.tlsHandshakeTimeout)
        configuration.limits.idleTimeout = try GoDuration.duration(self.idleTimeout)
        do {
            configuration.serviceNetwork = try ServiceNetworkConfig(serviceCIDRs: self.serviceClusterIPRange,
                                                                    nodePortRange: self.serviceNodePortRange)
        } catch {
            throw ValidationError("\(error)")
        }
        let server = try await APIServer(configuration: configuration, logger: logger)
        // Written unbuffered, so they reach a log file before the server runs.
        FileHandle.standardOutput.write(Data("""
            portico server: serving https://\(self.bindAddresses.joined(separator: ",")):\(self.securePort)
            export KUBECONFIG=\(server.kubeconfigPath)

            """.utf8))
        var controllerConfiguration = ControllerManager.Configuration()
        controllerConfiguration.nodeMonitorGracePeriod = try GoDuration.duration(self.nodeMonitorGracePeriod)
        controllerConfiguration.nodeMonitorPeriod = try GoDuration.duration(self.nodeMonitorPeriod)
        controllerConfiguration.loadBalancerPools = try self.loadBalancerIPPools.map { try LoadBalancerIPAM.Pool($0) }
        let client = KubeClient(transport: InProcessTransport(server: server), fieldManager: "portico-controllers")
        let (managerConfiguration, managerLogger) = (controllerConfiguration, logger)
        let makeControllers: @Sendable () -> any ServiceLifecycle.Service = {
            ControllerManager(client: client, configuration: managerConfiguration, logger: managerLogger)
        }
        // One identity per server, the same after a restart (upstream adds a random suffix per
        // process): a server that comes back renews its own Lease instead of waiting it out.
        let controllers: any ServiceLifecycle.Service = self.leaderElect
            ? LeaderElected(client: client, name: "kube-controller-manager", identity: configuration.identity, timing: try self.leaderElectionTiming(),
                            logger: logger, make: makeControllers)
            : makeControllers()
        // A ServiceGroup stops its services in reverse order: the controllers, listed last,
        // stop first, while the API they call is still there.
        let group = ServiceGroup(configuration: .init(services: try server.services() + [controllers],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
