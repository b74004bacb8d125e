import Logging
import NIOCore
import PorticoAPI
import PorticoClient
import PorticoDNSWire
import PorticoSystem

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
    let logger: Logger

    public init(options: Options, client: KubeClient, logger: Logger = Logger(label: "portico-dns")) {
        self.options = options
        self.client = client
        self.logger = logger
    }

    /// Serves until cancelled. `onBound` gets the port (for port 0 in tests).
    public func run(onBound: @Sendable (Int) -> Void = { _ in }) async throws {
        let services = Informer<Service>(client: self.client, logger: self.logger)
        let slices = Informer<EndpointSlice>(client: self.client, logger: self.logger)
        let namespaces = Informer<Namespace>(client: self.client, logger: self.logger)
        let records = self.records
        services.addHandler { records.apply($0.object, deleted: $0.isDeletion) }
        slices.addHandler { records.apply($0.object, deleted: $0.isDeletion) }
        namespaces.addHandler { records.apply($0.object, deleted: $0.isDeletion) }
        let resolver = ClusterResolver(zone: try DNSName(self.options.zone), ttl: self.options.ttl)
        let server = DNSServer(responder: DNSResponder(resolver: resolver, records: records),
                               forwarder: Forwarder(upstreams: self.options.upstreams), logger: self.logger)
        let bound = try await server.bind(host: self.options.host, port: self.options.port)
        self.logger.info("portico dns: serving \(self.options.zone) on \(self.options.host):\(bound.port) (UDP, TCP)",
                         metadata: ["upstreams": "\(self.options.upstreams.map(MiniHTTP.hostPort))"])
        onBound(bound.port)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await services.run() }
                group.addTask { await slices.run() }
                group.addTask { await namespaces.run() }
                group.addTask {
                    await services.waitForSync()
                    await slices.waitForSync()
                    await namespaces.waitForSync()
                    records.markSynced()
                }
                if let port = self.options.healthPort {
                    group.addTask { try await Self.serveHTTP(port: port) { _ in .text("OK") } }
                }
                if let port = self.options.readyPort {
                    group.addTask {
                        try await Self.serveHTTP(port: port) { _ in
                            records.read { $0.synced } ? .text("OK") : .error(503, "the caches have not synced")
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            await bound.close()
            throw error
        }
        await bound.close()
    }

    static func serveHTTP(port: Int, _ handler: @escaping @Sendable (MiniHTTP.Request) async -> MiniHTTP.Response) async throws {
        let server = try await MiniHTTP.bind(host: "0.0.0.0", port: port)
        try await MiniHTTP.serveAll(server, handler: handler)
    }
}

extension InformerEvent {
    var isDeletion: Bool {
        if case .deleted = self { return true }
        return false
    }
}
