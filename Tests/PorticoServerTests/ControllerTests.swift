import Foundation
import Logging
import PorticoAPI
import PorticoClient
import PorticoControllers
import PorticoServer
import Testing

/// The controllers against an in-process API server: nodes are objects, and the test plays
/// the kubelet by writing pod status, so what is checked is the controllers' own work.
@Suite(.serialized)
struct ControllerTests {
    /// A server with its own GC, the controller manager, and a client.
    final class Cluster: @unchecked Sendable {
        let server: TestServer
        let client: KubeClient
        let manager: Task<Void, any Error>
        var nextHost = 2

        init(grace: Duration = .seconds(50), period: Duration = .seconds(5), pools: [String] = []) async throws {
            self.server = try await TestServer()
            self.server.startControllers()
            self.client = KubeClient(transport: InProcessTransport(server: self.server.server), fieldManager: "controller-test")
            var configuration = ControllerManager.Configuration()
            configuration.nodeMonitorGracePeriod = grace
            configuration.nodeMonitorPeriod = period
            configuration.loadBalancerPools = try pools.map { try LoadBalancerIPAM.Pool($0) }
            var logger = Logger(label: "controller-test")
            logger.logLevel = .warning
            let manager = ControllerManager(client: self.client, configuration: configuration, logger: logger)
            self.manager = Task { try await manager.run() }
        }

        deinit { self.manager.cancel() }

        func addNodes(_ count: Int, labels: (Int) -> [String: String] = { _ in [:] }) async throws {
            for i in 1...count {
                var node = Node(metadata: ObjectMeta(name: "node-\(i)", labels: labels(i).merging(["kubernetes.io/hostname": "node-\(i)"]) { a, _ in a }))
                node.spec.podCIDR = "10.244.\(i).0/24"
                node = try await self.client.create(node)
                try await Task.sleep(for: .milliseconds(10))
                node = try await self.client.get(Node.self, name: node.metadata.name) ?? node
                node.status.addresses = [NodeAddress(type: "InternalIP", address: "10.10.10.\(i)")]
                node.status.capacity = ["pods": "110"]
                node.status.allocatable = ["pods": "110"]
                node.status.conditions = [NodeCondition(type: "Ready", status: "True", lastHeartbeatTime: .now(), lastTransitionTime: .now(),
                                                        reason: "KubeletReady", message: "kubelet is posting ready status")]
                _ = try await self.client.updateStatus(node)
            }
        }

        /// Plays the kubelet for every scheduled pod without an IP: Running, Ready, an address from its node's range.
        func runScheduledPods(ready: Bool = true) async throws {
            let (pods, _) = try await self.client.list(Pod.self, namespace: "default")
            for var pod in pods where !pod.spec.nodeName.isEmpty && pod.status.podIP.isEmpty && pod.metadata.deletionTimestamp == nil {
                let node = Int(pod.spec.nodeName.split(separator: "-").last ?? "1") ?? 1
                let host = self.nextHost
                self.nextHost += 1
                pod.status.phase = .running
                pod.status.podIP = "10.244.\(node).\(host)"
                pod.status.podIPs = [PodIP(ip: pod.status.podIP)]
                pod.status.conditions.removeAll { $0.type == "Ready" }
                pod.status.conditions.append(PodCondition(type: "Ready", status: ready ? "True" : "False", lastTransitionTime: .now()))
                _ = try await self.client.updateStatus(pod)
            }
        }

        func setReady(_ name: String, _ ready: Bool) async throws {
            guard var pod = try await self.client.get(Pod.self, namespace: "default", name: name) else { return }
            if let i = pod.status.conditions.firstIndex(where: { $0.type == "Ready" }) {
                pod.status.conditions[i].status = ready ? "True" : "False"
            }
            _ = try await self.client.updateStatus(pod)
        }

        func pods(_ selector: String = "app=web") async throws -> [Pod] {
            try await self.client.list(Pod.self, namespace: "default", labelSelector: selector).items
        }

        func slices(_ service: String) async throws -> [EndpointSlice] {
            try await self.client.list(EndpointSlice.self, namespace: "default", labelSelector: "kubernetes.io/service-name=\(service)").items
        }

        func readyAddresses(_ service: String) async throws -> Set<String> {
            Set(try await self.slices(service).flatMap(\.endpoints).filter { $0.conditions.ready == true }.flatMap(\.addresses))
        }

        func deployment(_ name: String = "web", replicas: Int32, image: String = "registry.k8s.io/e2e-test-images/agnhost:2.53") -> Deployment {
            var d = Deployment(metadata: ObjectMeta(name: name, namespace: "default", labels: ["app": name]))
            d.spec.replicas = replicas
            d.spec.selector = LabelSelector(matchLabels: ["app": name])
            d.spec.template.metadata.labels = ["app": name]
            var container = Container(name: "agnhost", image: image)
            container.args = ["netexec", "--http-port=8080"]
            container.ports = [ContainerPort(name: "http", containerPort: 8080)]
            d.spec.template.spec.containers = [container]
            return d
        }

        func service(_ name: String = "web", targetPort: IntOrString = .int(8080), publishNotReady: Bool = false) -> Service {
            var s = Service(metadata: ObjectMeta(name: name, namespace: "default"))
            s.spec.selector = ["app": "web"]
            s.spec.ports = [ServicePort(port: 80, targetPort: targetPort)]
            s.spec.publishNotReadyAddresses = publishNotReady
            return s
        }
    }

    /// Polls until `check` holds, failing with `what` after `seconds`.
    static func eventually(_ what: String, seconds: Double = 10, _ check: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await check() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting until \(what)")
        throw TestServer.Failure(description: "timed out waiting until \(what)")
    }

    @Test func deploymentPodsAreSpreadAndEndpointsFollowThem() async throws {
        let cluster = try await Cluster()
        try await cluster.addNodes(3)
        _ = try await cluster.client.create(cluster.deployment(replicas: 3))
        try await Self.eventually("3 pods are scheduled") {
            let pods = try await cluster.pods()
            return pods.count == 3 && pods.allSatisfy { !$0.spec.nodeName.isEmpty }
        }
        let nodes = Set(try await cluster.pods().map(\.spec.nodeName))
        #expect(nodes == ["node-1", "node-2", "node-3"])
        let pod = try #require(try await cluster.pods().first)
        #expect(pod.metadata.name.hasPrefix("web-"))
        #expect(pod.metadata.labels["pod-template-hash"] != nil)
        #expect(pod.condition("PodScheduled")?.status == "True")

        try await cluster.runScheduledPods()
        _ = try await cluster.client.create(cluster.service(targetPort: .string("http")))
        let ips = Set(try await cluster.pods().map(\.status.podIP))
        try await Self.eventually("the slice lists the 3 pod IPs") { try await cluster.readyAddresses("web") == ips }
        let slice = try #require(try await cluster.slices("web").first)
        #expect(slice.ports == [EndpointPort(name: "", protocol: .tcp, port: 8080)])
        #expect(slice.metadata.labels["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io")
        #expect(slice.metadata.ownerReferences.first?.kind == "Service")
        #expect(slice.metadata.name.hasPrefix("web-"))
        try await Self.eventually("the legacy Endpoints list them too") {
            let endpoints = try await cluster.client.get(Endpoints.self, namespace: "default", name: "web")
            return Set(endpoints?.subsets.flatMap(\.addresses).map(\.ip) ?? []) == ips
        }

        // Readiness: a pod failing it leaves ready endpoints, and stays as not ready.
        let first = try #require(try await cluster.pods().first)
        try await cluster.setReady(first.metadata.name, false)
        try await Self.eventually("the not-ready pod is not a ready endpoint") {
            try await cluster.readyAddresses("web") == ips.subtracting([first.status.podIP])
        }
        let endpoint = try #require(try await cluster.slices("web").flatMap(\.endpoints).first { $0.addresses == [first.status.podIP] })
        #expect(endpoint.conditions == EndpointConditions(ready: false, serving: false, terminating: false))
        try await cluster.setReady(first.metadata.name, true)

        // Scale to 5 and to 1.
        _ = try await cluster.client.patch(Deployment.self, namespace: "default", name: "web", ["spec": ["replicas": 5]])
        try await Self.eventually("5 pods exist") { try await cluster.pods().count == 5 }
        try await Self.eventually("5 pods are scheduled") { try await cluster.pods().allSatisfy { !$0.spec.nodeName.isEmpty } }
        try await cluster.runScheduledPods()
        try await Self.eventually("5 ready endpoints") { try await cluster.readyAddresses("web").count == 5 }
        _ = try await cluster.client.patch(Deployment.self, namespace: "default", name: "web", ["spec": ["replicas": 1]])
        // Pods being deleted wait for their (absent) kubelet; they are terminating endpoints.
        try await Self.eventually("1 ready endpoint") { try await cluster.readyAddresses("web").count == 1 }
        try await Self.eventually("the deployment reports 1 replica") {
            let d = try await cluster.client.get(Deployment.self, namespace: "default", name: "web")
            return d?.status.readyReplicas == 1 && d?.status.availableReplicas == 1
        }
    }

    @Test func rollingUpdateMakesANewReplicaSetAndRetiresTheOld() async throws {
        let cluster = try await Cluster()
        try await cluster.addNodes(2)
        _ = try await cluster.client.create(cluster.deployment(replicas: 4))
        try await Self.eventually("4 pods scheduled") {
            let pods = try await cluster.pods()
            return pods.count == 4 && pods.allSatisfy { !$0.spec.nodeName.isEmpty }
        }
        try await cluster.runScheduledPods()
        try await Self.eventually("rolled out") {
            let d = try await cluster.client.get(Deployment.self, namespace: "default", name: "web")
            return d?.status.availableReplicas == 4 && d?.status.conditions.first { $0.type == "Progressing" }?.reason == "NewReplicaSetAvailable"
        }
        let before = try await cluster.client.list(ReplicaSet.self, namespace: "default").items
        #expect(before.count == 1)
        #expect(before.first?.metadata.annotations["deployment.kubernetes.io/revision"] == "1")

        // `kubectl rollout restart`: a new template annotation.
        _ = try await cluster.client.patch(Deployment.self, namespace: "default", name: "web",
                                           ["spec": ["template": ["metadata": ["annotations": ["kubectl.kubernetes.io/restartedAt": "2026-11-25T12:00:00Z"]]]]],
                                           type: .strategic)
        // Play the kubelet until the rollout is done: new pods become ready; deleted ones go.
        try await Self.eventually("the rollout completes", seconds: 20) {
            try await cluster.runScheduledPods()
            for pod in try await cluster.pods() where pod.metadata.deletionTimestamp != nil {
                try await cluster.client.delete(Pod.self, namespace: "default", name: pod.metadata.name, options: DeleteOptions(gracePeriodSeconds: 0))
            }
            let d = try await cluster.client.get(Deployment.self, namespace: "default", name: "web")
            return d?.status.observedGeneration == d?.metadata.generation
                && d?.status.updatedReplicas == 4 && d?.status.replicas == 4 && d?.status.availableReplicas == 4
                && d?.status.conditions.first { $0.type == "Progressing" }?.reason == "NewReplicaSetAvailable"
        }
        let after = try await cluster.client.list(ReplicaSet.self, namespace: "default").items
        #expect(after.count == 2)
        let new = try #require(after.first { $0.metadata.annotations["deployment.kubernetes.io/revision"] == "2" })
        let old = try #require(after.first { $0.metadata.annotations["deployment.kubernetes.io/revision"] == "1" })
        #expect(new.spec.replicas == 4)
        #expect(old.spec.replicas == 0)
        let d = try #require(try await cluster.client.get(Deployment.self, namespace: "default", name: "web"))
        #expect(d.metadata.annotations["deployment.kubernetes.io/revision"] == "2")
        let events = try await cluster.client.list(Event.self, namespace: "default", fieldSelector: "involvedObject.name=web").items
        #expect(events.contains { $0.reason == "ScalingReplicaSet" && $0.message == "Scaled up replica set \(new.metadata.name) from 0 to 1" })

        // Deleting the deployment takes its replica sets and pods with it.
        try await cluster.client.delete(Deployment.self, namespace: "default", name: "web")
        try await Self.eventually("the replica sets are gone") { try await cluster.client.list(ReplicaSet.self, namespace: "default").items.isEmpty }
        try await Self.eventually("the pods are being deleted") { try await cluster.pods().allSatisfy { $0.metadata.deletionTimestamp != nil } }
    }

    @Test func schedulerHonoursNodeNameAndNodeSelector() async throws {
        let cluster = try await Cluster()
        try await cluster.addNodes(3) { $0 == 2 ? ["disk": "ssd"] : [:] }
        var pinned = Pod(metadata: ObjectMeta(name: "pinned", namespace: "default"))
        pinned.spec.containers = [Container(name: "c", image: "registry.k8s.io/pause:3.10")]
        pinned.spec.nodeName = "node-3"
        _ = try await cluster.client.create(pinned)
        var selected = Pod(metadata: ObjectMeta(name: "selected", namespace: "default"))
        selected.spec.containers = [Container(name: "c", image: "registry.k8s.io/pause:3.10")]
        selected.spec.nodeSelector = ["disk": "ssd"]
        _ = try await cluster.client.create(selected)
        var nowhere = Pod(metadata: ObjectMeta(name: "nowhere", namespace: "default"))
        nowhere.spec.containers = [Container(name: "c", image: "registry.k8s.io/pause:3.10")]
        nowhere.spec.nodeSelector = ["disk": "nvme"]
        _ = try await cluster.client.create(nowhere)
        try await Self.eventually("selected is on node-2") {
            try await cluster.client.get(Pod.self, namespace: "default", name: "selected")?.spec.nodeName == "node-2"
        }
        #expect(try await cluster.client.get(Pod.self, namespace: "default", name: "pinned")?.spec.nodeName == "node-3")
        try await Self.eventually("nowhere says why it waits") {
            let pod = try await cluster.client.get(Pod.self, namespace: "default", name: "nowhere")
            return pod?.condition("PodScheduled")?.reason == "Unschedulable"
        }
        let pod = try #require(try await cluster.client.get(Pod.self, namespace: "default", name: "nowhere"))
        #expect(pod.spec.nodeName.isEmpty)
        #expect(pod.condition("PodScheduled")?.message
            == "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")

        // A second binding is refused, as upstream.
        let bound = try #require(try await cluster.client.get(Pod.self, namespace: "default", name: "pinned"))
        await #expect(throws: APIError.self) { try await cluster.client.bind(bound, to: "node-1") }
        // The node of a pod cannot be changed by an update.
        var moved = bound
        moved.spec.nodeName = "node-1"
        do {
            _ = try await cluster.client.update(moved)
            Issue.record("moving a pod by update was accepted")
        } catch let error as APIError {
            #expect(error.code == 422)
            #expect(error.message.hasPrefix("Pod \"pinned\" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`"))
        }
    }

    @Test func silentNodeBecomesNotReadyAndItsEndpointsNotReady() async throws {
        let cluster = try await Cluster(grace: .seconds(1), period: .milliseconds(100))
        try await cluster.addNodes(2)
        _ = try await cluster.client.create(cluster.deployment(replicas: 2))
        try await Self.eventually("2 pods scheduled") {
            let pods = try await cluster.pods()
            return pods.count == 2 && pods.allSatisfy { !$0.spec.nodeName.isEmpty }
        }
        try await cluster.runScheduledPods()
        _ = try await cluster.client.create(cluster.service())
        try await Self.eventually("2 ready endpoints") { try await cluster.readyAddresses("web").count == 2 }
        // Nobody renews the nodes' leases: after the grace period both go Unknown.
        try await Self.eventually("node-1 is NotReady and tainted", seconds: 10) {
            let node = try await cluster.client.get(Node.self, name: "node-1")
            return node?.condition("Ready")?.status == "Unknown" && node?.spec.taints.isEmpty == false
        }
        let node = try #require(try await cluster.client.get(Node.self, name: "node-1"))
        #expect(node.condition("Ready")?.reason == "NodeStatusUnknown")
        #expect(node.condition("Ready")?.message == "Kubelet stopped posting node status.")
        #expect(node.spec.taints.contains { $0.key == "node.kubernetes.io/unreachable" && $0.effect == "NoExecute" })
        try await Self.eventually("no endpoint is ready") { try await cluster.readyAddresses("web").isEmpty }
        let endpoints = try await cluster.slices("web").flatMap(\.endpoints)
        #expect(endpoints.count == 2)
    }
}
