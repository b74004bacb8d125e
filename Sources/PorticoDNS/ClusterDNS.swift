import Logging
import NIOCore
import PorticoAPI
import PorticoClient
import PorticoDNSWire
import PorticoSystem
import ServiceLifecycle

/// `portico dns`, the cluster DNS add-on: informers on Services, EndpointSlices and
/// Namespaces feed `ClusterRecords`; the server answers from them on UDP and TCP and forwards
/// other names upstream. `/health` (:8080) answers while the process runs and `/ready`
/// (:8181) once the caches have listed, as CoreDNS's health and ready plugins, so the
/// Deployment's readiness probe keeps a starting replica out of the kube-dns Service.
public struct ClusterDNS: Sendable {
    public struct Options: Sendable {
        public var host = "0.0.0.0"
        public var port = 53
        public var zone = "cluster.local"
        public var ttl: UInt32 = 5
        public var upstreams: [SocketAddress] = []
        public var healthPort: Int? = 8080
        public var readyPort: Int? = 8181
        public init() {}
    }

    public let options: Options
    public let client: KubeClient
    public let records = ClusterRecords()
    let services: Informer<PorticoAPI.Service>
    let slices: Informer<EndpointSlice>
    let namespaces: Informer<Namespace>
    let logger: Logger

    public init(options: Options, client: KubeClient, logger: Logger = Logger(label: "portico-dns")) {
        self.options = options
        self.client = client
        self.logger = logger
        self.services = Informer(client: client, logger: logger)
        self.slices = Informer(client: client, logger: logger)
        self.namespaces = Informer(client: client, logger: logger)
        let records = self.records
        self.services.addHandler { records.apply($0.object, deleted: $0.isDeletion) }
        self.slices.addHandler { records.apply($0.object, deleted: $0.isDeletion) }
        self.namespaces.addHandler { records.apply($0.object, deleted: $0.isDeletion) }
    }

    /// The process's pieces, in the order of its ServiceGroup (which stops them in reverse):
    /// the watch caches, the marker that says they have listed, the health and ready ports,
    /// and the DNS server. `onBound` gets the DNS port (for port 0 in tests).
    public func pieces(onBound: @escaping @Sendable (Int) -> Void = { _ in }) throws -> [any ServiceLifecycle.Service] {
        let records = self.records
        let resolver = ClusterResolver(zone: try DNSName(self.options.zone), ttl: self.options.ttl)
        let server = DNSServer(responder: DNSResponder(resolver: resolver, records: records),
                               forwarder: Forwarder(upstreams: self.options.upstreams), logger: self.logger)
        var pieces: [any ServiceLifecycle.Service] = [self.services, self.slices, self.namespaces,
                                                       CachesSynced(informers: (self.services, self.slices, self.namespaces), records: records)]
        if let port = self.options.healthPort { pieces.append(HTTPPort(host: "0.0.0.0", port: port) { _ in .text("OK") }) }
        if let port = self.options.readyPort {
            pieces.append(HTTPPort(host: "0.0.0.0", port: port) { _ in
                records.read { $0.synced } ? .text("OK") : .error(503, "the caches have not synced")
            })
        }
        let (options, logger) = (self.options, self.logger)
        pieces.append(DNSService(server: server, host: options.host, port: options.port, logger: logger) { port in
            logger.info("portico dns: serving \(options.zone) on \(options.host):\(port) (UDP, TCP)",
                        metadata: ["upstreams": "\(options.upstreams.map(MiniHTTP.hostPort))"])
            onBound(port)
        })
        return pieces
    }
}

/// Marks the records synced once the three caches have listed: `/ready` answers 200 from then on.
struct CachesSynced: ServiceLifecycle.Service {
    let informers: (Informer<PorticoAPI.Service>, Informer<EndpointSlice>, Informer<Namespace>)
    let records: ClusterRecords

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.informers.0.waitForSync()
            await self.informers.1.waitForSync()
            await self.informers.2.waitForSync()
            // Stopped while waiting: the caches did not list.
            guard !Task.isCancelled else { return }
            self.records.markSynced()
            try? await gracefulShutdown()
        }
    }
}

extension InformerEvent {
    var isDeletion: Bool {
        if case .deleted = self { return true }
        return false
    }
}
