import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import HTTPTypes
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import PorticoAPI
import PorticoClient
import PorticoRegistry
import PorticoEtcd
import PorticoStore
import ServiceLifecycle

/// `portico server`: kube-apiserver for Portico's resources, over HTTPS, backed by the store.
public struct APIServerConfiguration: Sendable {
    public var dataDirectory: String
    /// Addresses to listen on (each gets its own listener): 127.0.0.1 and the lab's host address.
    public var bindAddresses: [String] = ["127.0.0.1"]
    public var securePort: Int = 6443
    /// The address other components use to reach the server (the `kubernetes` Service's endpoint).
    public var advertiseAddress: String = "127.0.0.1"
    /// More names and addresses the serving certificate holds (`--tls-san`, as k3s calls it;
    /// kubeadm's `certSANs`): a load balancer's address in front of several servers.
    public var extraServerNames: [String] = []
    public var serviceNetwork: ServiceNetworkConfig = .lab
    /// Plain HTTP, only on 127.0.0.1 and only when asked for.
    public var insecurePort: Int? = nil
    public var historyLimit: Int = 10_000
    /// etcd members to keep objects in (kube-apiserver's `--etcd-servers`); nil: the embedded
    /// SQLite store in the data directory.
    public var etcd: EtcdClient.Configuration? = nil
    /// Where under etcd's keys the objects live (`--etcd-prefix`).
    public var etcdPrefix = "/registry"
    /// How often etcd's history is compacted (`--etcd-compaction-interval`); nil: never.
    public var etcdCompactionInterval: Duration? = .seconds(300)
    /// Request size limits and connection timeouts.
    public var limits = ConnectionLimits()

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    /// This server among several: `<hostname>_<advertise address>:<port>`, the same after a
    /// restart (its leader-election identity and its lease's holder).
    public var identity: String { "\(ProcessInfo.processInfo.hostName)_\(self.advertiseAddress):\(self.securePort)" }

    /// `/var/lib/portico` for root, else `~/.local/share/portico`.
    public static var defaultDataDirectory: String {
        if getuid() == 0 { return "/var/lib/portico" }
        return (ProcessInfo.processInfo.environment["HOME"] ?? "/tmp") + "/.local/share/portico"
    }
}

public final class APIServer: Sendable {
    public let configuration: APIServerConfiguration
    let store: any ObjectStore
    let context: ServerContext
    let handler: APIHandler
    let registry: ServiceRegistry
    let pki: ClusterPKI
    public let adminToken: String
    let logger: Logger

    public var kubeconfigPath: String { self.configuration.dataDirectory + "/admin.kubeconfig" }

    /// Opens the data directory (store, PKI, tokens), brings the allocators up to date (from
    /// the shared record on etcd, else from the stored Services) and makes sure the built-in
    /// namespaces and the `kubernetes` Service exist.
    public init(configuration: APIServerConfiguration, logger: Logger = Logger(label: "portico-server")) async throws {
        self.configuration = configuration
        self.logger = logger
        let dir = configuration.dataDirectory
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if let etcd = configuration.etcd {
            self.store = try await EtcdStore.open(client: try EtcdClient(etcd), prefix: configuration.etcdPrefix,
                                                  historyLimit: configuration.historyLimit, compactionInterval: configuration.etcdCompactionInterval,
                                                  unwatched: [StoredAllocationRecords.key.resource])
        } else {
            self.store = try Store(path: dir + "/portico.db", historyLimit: configuration.historyLimit)
        }
        self.pki = try ClusterPKI.loadOrCreate(
            directory: dir + "/pki",
            serverNames: ClusterPKI.serverNames(addresses: Array(Set(configuration.bindAddresses + configuration.extraServerNames + [configuration.advertiseAddress,
                                                                                                 configuration.serviceNetwork.kubernetesServiceIP.description]))
                .sorted()))
        let (authenticator, adminToken) = try TokenAuthenticator.loadOrCreate(directory: dir)
        self.adminToken = adminToken
        // Servers on one etcd allocate through a record in it; a server alone on its SQLite file allocates in memory.
        let records: (any AllocationRecordStore)? = configuration.etcd == nil ? nil : StoredAllocationRecords(store: self.store)
        let allocators = try ServiceAllocators(configuration.serviceNetwork, records: records)
        self.registry = ServiceRegistry(allocators: allocators)
        self.context = ServerContext(store: self.store, logger: logger)
        let resources = Catalog.resources(context: self.context, registry: self.registry)
        self.context.register(resources)
        self.handler = APIHandler(context: self.context, resources: resources, authenticator: authenticator,
                                  serverAddress: "\(configuration.advertiseAddress):\(configuration.securePort)")
        try await self.bootstrap()
        try self.writeKubeconfig()
    }

    /// Calls the API in-process (tests, and `portico` commands that run beside the server).
    public func handle(_ request: APIRequest) async -> APIResponse {
        var request = request
        if request.header("authorization") == nil { request.headers["authorization"] = "Bearer \(self.adminToken)" }
        return await self.handler.handle(request)
    }

    // MARK: start-up

    func bootstrap() async throws {
        let (stored, _) = try await self.store.list(resource: "services")
        let services = try stored.map { try KubeJSONDecoder().decode(PorticoAPI.Service.self, from: $0.object).value }
        let findings = try await self.registry.allocators.start(from: services)
        for finding in findings {
            self.logger.warning("allocation repair", metadata: ["finding": "\(finding)"])
            try? await self.recordEvent(namespace: finding.namespace, kind: "Service", name: finding.name, type: Event.warning,
                                        reason: finding.reason, message: finding.message)
        }
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            if try await self.store.get(ObjectKey(resource: "namespaces", name: name)) == nil {
                _ = try await self.systemRequest("POST", "/api/v1/namespaces", ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]])
            }
        }
        try await self.syncKubernetesService()
    }

    /// The `default/kubernetes` Service (first address of the service CIDR, port 443), kept as
    /// the server is configured, and its endpoints: every live server (`reconcileKubernetesEndpoints`).
    func syncKubernetesService() async throws {
        let ip = self.configuration.serviceNetwork.kubernetesServiceIP.description
        let port = Int64(self.configuration.securePort)
        let labels: JSON = ["component": "apiserver", "provider": "kubernetes"]
        let existing = try await self.store.get(ObjectKey(resource: "services", namespace: "default", name: "kubernetes"))
        let wantedPorts: JSON = [["name": "https", "port": 443, "protocol": "TCP", "targetPort": .integer(port)]]
        if existing == nil || existing!.object["spec"]?["ports"] != wantedPorts {
            if existing != nil {
                _ = try await self.systemRequest("DELETE", "/api/v1/namespaces/default/services/kubernetes", nil)
            }
            _ = try await self.systemRequest("POST", "/api/v1/namespaces/default/services", [
                "apiVersion": "v1", "kind": "Service", "metadata": ["name": "kubernetes", "namespace": "default", "labels": labels],
                "spec": ["type": "ClusterIP", "clusterIP": .string(ip), "ports": wantedPorts, "sessionAffinity": "None"],
            ])
        }
        try await self.reconcileKubernetesEndpoints()
    }

    /// A write the server makes itself; a failure is an error of the server.
    @discardableResult
    func systemRequest(_ method: String, _ path: String, _ body: JSON?) async throws -> JSON {
        let response = await self.handle(APIRequest(method: method, path: path, headers: ["user-agent": "portico-server"],
                                                    body: body?.serializedBytes() ?? []))
        guard response.status < 300 else {
            throw APIError.internalError("\(method) \(path): \(response.bodyJSON?["message"]?.stringValue ?? "status \(response.status)")")
        }
        return response.bodyJSON ?? .null
    }

    func recordEvent(namespace: String, kind: String, name: String, type: String, reason: String, message: String) async throws {
        let now = Time.now()
        var event = Event(metadata: ObjectMeta(name: "\(name).\(String(UInt64(now.secondsSinceEpoch) * 1000 + UInt64.random(in: 0..<1000), radix: 16))",
                                               namespace: namespace),
                          involvedObject: ObjectReference(kind: kind, namespace: namespace, name: name, apiVersion: "v1"),
                          reason: reason, message: message, type: type)
        event.source = EventSource(component: "portico-server")
        event.firstTimestamp = now
        event.lastTimestamp = now
        event.count = 1
        try await self.systemRequest("POST", "/api/v1/namespaces/\(namespace)/events", try event.toJSON())
    }

    func writeKubeconfig() throws {
        let server = "https://\(self.configuration.bindAddresses.first ?? "127.0.0.1"):\(self.configuration.securePort)"
        let text = Kubeconfig.render(server: server, caPEM: self.pki.caCertificatePEM, user: "portico-admin", token: self.adminToken)
        guard FileManager.default.createFile(atPath: self.kubeconfigPath, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: self.kubeconfigPath]) }
    }

    // MARK: serving

    /// The HTTPS listeners (and the opt-in plain one), the controllers, and the store's watches,
    /// run until a graceful shutdown.
    public func services() throws -> [any ServiceLifecycle.Service] {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(self.pki.serverCertificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(self.pki.serverKeyPEM.utf8), format: .pem)))
        // On shutdown, do not wait 5 s per connection for clients' close_notify.
        tls.shutdownTimeout = .milliseconds(500)
        let responder = HTTPAdapter(handler: self.handler, maxBodySize: self.configuration.limits.maxBodyBytes)
        var services: [any ServiceLifecycle.Service] = [ServerControllers(context: self.context)]
        let streams = PodStreams(context: self.context, authenticator: self.handler.authenticator, logger: self.logger)
        let tlsConfiguration = tls
        let limits = self.configuration.limits
        let http1 = HTTP1Channel.Configuration(
            httpDecoderConfiguration: .init(maxHeaderFieldSize: limits.maxHeaderBytes, maxHeaderListSize: limits.maxHeaderBytes,
                                            maxHeaderFieldCount: 10_000))
        for address in self.configuration.bindAddresses {
            services.append(Application(
                responder: responder,
                server: HTTPServerBuilder { responder in
                    PlainHTTPAnsweringChannel(base: try TLSChannel(GuardedHTTPChannel(
                        base: HTTP1WebSocketUpgradeChannel(
                            responder: responder, configuration: .init(http1: http1, ws: .init(maxFrameSize: 1 << 20))) { head, _, _ in
                                await streams.shouldUpgrade(head)
                            },
                        limits: limits, tls: true, keepsWebSocket: streams.keepsWebSocketUpgrade), tlsConfiguration: tlsConfiguration))
                },
                configuration: ApplicationConfiguration(address: .hostname(address, port: self.configuration.securePort),
                                                        serverName: nil),
                logger: self.logger))
        }
        if let port = self.configuration.insecurePort {
            services.append(Application(
                responder: responder,
                server: HTTPServerBuilder { responder in
                    GuardedHTTPChannel(base: HTTP1Channel(responder: responder, configuration: http1), limits: limits, tls: false)
                },
                configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port), serverName: nil),
                logger: self.logger))
        }
        services.append(MemoryTrimmer())
        services.append(StoreCloser(store: self.store, context: self.context))
        // Last, so it stops first: it takes this server out of the endpoints while requests are still answered.
        services.append(KubernetesEndpointsReconciler(server: self))
        return services
    }

    /// Namespace deletion and garbage collection, as a service of its own (tests run it alone).
    public var controllers: any ServiceLifecycle.Service { ServerControllers(context: self.context) }

    public func run() async throws {
        let group = ServiceGroup(configuration: .init(
            services: try self.services(), gracefulShutdownSignals: [.sigterm, .sigint], logger: self.logger))
        try await group.run()
    }
}

/// Ends the open watches when the server shuts down, and refuses requests from then on, so
/// the listeners can drain even while clients (node agents) would reconnect.
struct StoreCloser: ServiceLifecycle.Service {
    let store: any ObjectStore
    let context: ServerContext

    func run() async throws {
        try? await gracefulShutdown()
        self.context.shuttingDown.store(true, ordering: .relaxed)
        self.store.closeWatches()
    }
}

/// Hummingbird's request and response, turned into Portico's and back.
struct HTTPAdapter: HTTPResponder {
    typealias Context = BasicRequestContext
    let handler: APIHandler
    let maxBodySize: Int

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + "," + field.value } ?? field.value
        }
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            query[URLDecoding.decode(String(key))] = URLDecoding.decode(String(value))
        }
        let body: [UInt8]
        do {
            var buffer = try await request.body.collect(upTo: self.maxBodySize)
            body = buffer.readBytes(length: buffer.readableBytes) ?? []
            MemoryReturn.note(bytes: body.count)
        } catch {
            MemoryReturn.note(bytes: self.maxBodySize)
            // Upstream's words; the connection closes rather than read the rest of the body.
            let status = Status(message: "Request entity too large: limit is \(self.maxBodySize)", reason: .requestEntityTooLarge, code: 413)
            return Self.response(.json(413, (try? status.toJSON()) ?? [:], headers: [("Connection", "close")]))
        }
        let apiRequest = APIRequest(method: request.method.rawValue, path: URLDecoding.decode(request.uri.path), query: query,
                                    headers: headers, body: body)
        return Self.response(await self.handler.handle(apiRequest))
    }

    static func response(_ response: APIResponse) -> Response {
        if case .bytes(let bytes) = response.body { MemoryReturn.note(bytes: bytes.count) }
        var fields = HTTPFields()
        for (name, value) in response.headers {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        switch response.body {
        case .bytes(let bytes):
            return Response(status: .init(code: response.status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        case .stream(let produce):
            return Response(status: .init(code: response.status), headers: fields, body: ResponseBody { writer in
                let (chunks, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingOldest(10_000))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        defer { continuation.finish() }
                        try await produce { bytes in
                            if case .dropped = continuation.yield(bytes) { throw CancellationError() }
                        }
                    }
                    for await chunk in chunks {
                        try await writer.write(ByteBuffer(bytes: chunk))
                    }
                    group.cancelAll()
                }
                try await writer.finish(nil)
            })
        }
    }
}
