import Logging
import PorticoClient
import ServiceLifecycle

/// The controllers a Portico cluster runs beside its API server, in the role of
/// kube-controller-manager and kube-scheduler: scheduler, ReplicaSet, Deployment,
/// EndpointSlice, Endpoints and node lifecycle. They share one set of informers, start
/// working once the caches have synced, and stop on graceful shutdown. They reach the API
/// only through a `KubeClient`, so they run the same against any API server.
public struct ControllerManager: ServiceLifecycle.Service {
    public struct Configuration: Sendable {
        /// How long a node may stay silent before it is marked NotReady (upstream's
        /// --node-monitor-grace-period, 40 s).
        public var nodeMonitorGracePeriod: Duration = .seconds(40)
        /// How often node heartbeats are checked (upstream's --node-monitor-period, 5 s).
        public var nodeMonitorPeriod: Duration = .seconds(5)
        public var maxEndpointsPerSlice = 100
        /// Addresses for LoadBalancer Services (`--load-balancer-ip-pool`); none: they stay `<pending>`.
        public var loadBalancerPools: [LoadBalancerIPAM.Pool] = []

        public init() {}
    }

    let context: ControllerContext
    let configuration: Configuration

    public init(client: KubeClient, configuration: Configuration = Configuration(), logger: Logger) {
        self.context = ControllerContext(client: client, logger: logger)
        self.configuration = configuration
    }

    public func run() async throws {
        let controllers: [any QueueController] = [
            Scheduler(context: self.context),
            ReplicaSetController(context: self.context),
            DeploymentController(context: self.context),
            EndpointSliceController(context: self.context, maxEndpointsPerSlice: self.configuration.maxEndpointsPerSlice),
            EndpointsController(context: self.context),
            LoadBalancerController(context: self.context, pools: self.configuration.loadBalancerPools),
        ]
        for controller in controllers { controller.register() }
        let nodeLifecycle = NodeLifecycleController(context: self.context, gracePeriod: self.configuration.nodeMonitorGracePeriod,
                                                    monitorPeriod: self.configuration.nodeMonitorPeriod)
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.context.runInformers() }
                group.addTask {
                    await self.context.waitForSync()
                    self.context.logger.info("controllers: caches synced, starting")
                    await withDiscardingTaskGroup { workers in
                        for controller in controllers { workers.addTask { await controller.runWorkers() } }
                        workers.addTask { await nodeLifecycle.run() }
                    }
                }
            }
        }
        for controller in controllers { controller.queue.shutDown() }
    }
}
