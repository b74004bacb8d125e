import Logging
import PorticoAPI
import PorticoClient

/// What every controller shares: one client, one event recorder, and one informer per kind,
/// so the server's controllers keep a single cache of each kind between them.
public final class ControllerContext: Sendable {
    public let client: KubeClient
    public let logger: Logger
    public let pods: Informer<Pod>
    public let services: Informer<Service>
    public let nodes: Informer<Node>
    public let endpointSlices: Informer<EndpointSlice>
    public let endpoints: Informer<Endpoints>
    public let replicaSets: Informer<ReplicaSet>
    public let deployments: Informer<Deployment>
    public let leases: Informer<Lease>

    public init(client: KubeClient, logger: Logger) {
        self.client = client
        self.logger = logger
        self.pods = Informer(client: client, logger: logger)
        self.services = Informer(client: client, logger: logger)
        self.nodes = Informer(client: client, logger: logger)
        self.endpointSlices = Informer(client: client, labelSelector: "\(EndpointSlice.managedByLabel)=\(EndpointSliceReconciler.managedBy)",
                                       logger: logger)
        self.endpoints = Informer(client: client, logger: logger)
        self.replicaSets = Informer(client: client, logger: logger)
        self.deployments = Informer(client: client, logger: logger)
        self.leases = Informer(client: client, namespace: "kube-node-lease", logger: logger)
    }

    /// An event recorder that signs as `component`.
    func recorder(_ component: String) -> EventRecorder {
        EventRecorder(client: self.client, component: component, logger: self.logger)
    }

    /// Runs every informer until cancelled.
    func runInformers() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.pods.run() }
            group.addTask { await self.services.run() }
            group.addTask { await self.nodes.run() }
            group.addTask { await self.endpointSlices.run() }
            group.addTask { await self.endpoints.run() }
            group.addTask { await self.replicaSets.run() }
            group.addTask { await self.deployments.run() }
            group.addTask { await self.leases.run() }
        }
    }

    func waitForSync() async {
        await self.pods.waitForSync()
        await self.services.waitForSync()
        await self.nodes.waitForSync()
        await self.endpointSlices.waitForSync()
        await self.endpoints.waitForSync()
        await self.replicaSets.waitForSync()
        await self.deployments.waitForSync()
        await self.leases.waitForSync()
    }
}

/// A controller as client-go writes them: event handlers put keys on a queue, workers take
/// them and make the world match, a failed key comes back with back-off.
protocol QueueController: Sendable {
    var name: String { get }
    var queue: WorkQueue<String> { get }
    var workers: Int { get }
    var context: ControllerContext { get }
    /// Registers the informer handlers that enqueue keys.
    func register()
    func sync(_ key: String) async throws
}

extension QueueController {
    var workers: Int { 2 }

    func runWorkers() async {
        await withDiscardingTaskGroup { group in
            for _ in 0..<self.workers {
                group.addTask {
                    while let key = await self.queue.get() {
                        do {
                            try await self.sync(key)
                            self.queue.forget(key)
                        } catch {
                            let failures = self.queue.failures(key)
                            if failures < 15 {
                                self.context.logger.debug("\(self.name): sync failed, retrying",
                                                          metadata: ["key": "\(key)", "error": "\(error)"])
                                self.queue.addRateLimited(key)
                            } else {
                                self.context.logger.warning("\(self.name): giving up on key after 15 retries",
                                                            metadata: ["key": "\(key)", "error": "\(error)"])
                                self.queue.forget(key)
                            }
                        }
                        self.queue.done(key)
                    }
                }
            }
        }
    }
}

func splitKey(_ key: String) -> (namespace: String, name: String) {
    guard let slash = key.firstIndex(of: "/") else { return ("", key) }
    return (String(key[..<slash]), String(key[key.index(after: slash)...]))
}

func key<T: KubeObject>(_ object: T) -> String {
    object.metadata.namespace.isEmpty ? object.metadata.name : "\(object.metadata.namespace)/\(object.metadata.name)"
}
