import PorticoAPI
@testable import PorticoControllers
import Testing

/// The EndpointSlice and Endpoints controllers' cores as upstream's reconciler tests check
/// them: packing, port mappings, conditions, hostnames, placeholders, labels and owners.
struct EndpointSliceReconcilerTests {
    static let now = MicroTime(microsecondsSinceEpoch: 1_700_000_000_000_000)

    static func service(_ ports: [ServicePort] = [ServicePort(name: "http", protocol: .tcp, port: 80, targetPort: .int(8080))],
                        clusterIP: String = "10.96.0.20") -> Service {
        var s = Service(metadata: ObjectMeta(name: "web", namespace: "default", labels: ["tier": "front"]))
        s.metadata.uid = "svc-uid"
        s.spec.selector = ["app": "web"]
        s.spec.ports = ports
        s.spec.clusterIP = clusterIP
        s.spec.ipFamilies = [.ipv4]
        return s
    }

    static func pod(_ n: Int, ready: Bool = true, node: String = "node-1", labels: [String: String] = ["app": "web"],
                    ports: [ContainerPort] = []) -> Pod {
        var p = Pod(metadata: ObjectMeta(name: "web-\(n)", namespace: "default", labels: labels))
        p.metadata.uid = "pod-\(n)"
        p.spec.nodeName = node
        p.spec.containers = [Container(name: "c", image: "x")]
        p.spec.containers[0].ports = ports
        p.status.phase = .running
        p.status.podIP = "10.244.\(n / 250).\(n % 250 + 2)"
        p.status.podIPs = [PodIP(ip: p.status.podIP)]
        p.status.conditions = [PodCondition(type: "Ready", status: ready ? "True" : "False")]
        return p
    }

    static let nodes = ["node-1": Node(metadata: ObjectMeta(name: "node-1", labels: ["topology.kubernetes.io/zone": "z1"])),
                        "node-2": Node(metadata: ObjectMeta(name: "node-2"))]

    @Test func endpointsOfMatchingPodsWithConditionsAndOwner() throws {
        var terminating = Self.pod(3)
        terminating.metadata.deletionTimestamp = Self.now.time
        var finished = Self.pod(4)
        finished.status.phase = .succeeded
        let pods = [Self.pod(1), Self.pod(2, ready: false, node: "node-2"), terminating, finished, Self.pod(5, labels: ["app": "other"])]
        let changes = EndpointSliceReconciler().reconcile(service: Self.service(), pods: pods, nodes: Self.nodes, existing: [], now: Self.now)
        #expect(changes.update.isEmpty && changes.delete.isEmpty)
        let slice = try #require(changes.create.first)
        #expect(changes.create.count == 1)
        #expect(slice.metadata.generateName == "web-")
        #expect(slice.metadata.labels == ["tier": "front", "kubernetes.io/service-name": "web",
                                          "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"])
        #expect(slice.metadata.ownerReferences == [OwnerReference(apiVersion: "v1", kind: "Service", name: "web", uid: "svc-uid",
                                                                  controller: true, blockOwnerDeletion: true)])
        #expect(slice.ports == [EndpointPort(name: "http", protocol: .tcp, port: 8080)])
        let byName = Dictionary(uniqueKeysWithValues: slice.endpoints.map { ($0.targetRef!.name, $0) })
        #expect(Set(byName.keys) == ["web-1", "web-2", "web-3"])
        #expect(byName["web-1"]!.conditions == EndpointConditions(ready: true, serving: true, terminating: false))
        #expect(byName["web-1"]!.zone == "z1")
        #expect(byName["web-2"]!.conditions == EndpointConditions(ready: false, serving: false, terminating: false))
        #expect(byName["web-3"]!.conditions == EndpointConditions(ready: false, serving: true, terminating: true))
        #expect(byName["web-2"]!.nodeName == "node-2")
    }

    @Test func publishNotReadyAddressesMakesEveryEndpointReady() throws {
        var service = Self.service()
        service.spec.publishNotReadyAddresses = true
        let changes = EndpointSliceReconciler().reconcile(service: service, pods: [Self.pod(1, ready: false)], nodes: Self.nodes,
                                                          existing: [], now: Self.now)
        #expect(changes.create.first?.endpoints.first?.conditions == EndpointConditions(ready: true, serving: false, terminating: false))
    }

    @Test func namedTargetPortIsResolvedPerPodIntoSeparateSlices() throws {
        let service = Self.service([ServicePort(name: "http", protocol: .tcp, port: 80, targetPort: .string("web"))])
        let pods = [Self.pod(1, ports: [ContainerPort(name: "web", containerPort: 8080, protocol: .tcp)]),
                    Self.pod(2, ports: [ContainerPort(name: "web", containerPort: 9090, protocol: .tcp)]),
                    Self.pod(3, ports: [ContainerPort(name: "web", containerPort: 8080, protocol: .tcp)]),
                    Self.pod(4)]
        let changes = EndpointSliceReconciler().reconcile(service: service, pods: pods, nodes: Self.nodes, existing: [], now: Self.now)
        // One slice per port mapping; the pod without the port has an endpoint without ports.
        let mappings = Set(changes.create.map { $0.ports.map { $0.port ?? 0 } })
        #expect(mappings == [[8080], [9090], []])
        let on8080 = try #require(changes.create.first { $0.ports.first?.port == 8080 })
        #expect(on8080.endpoints.map { $0.targetRef!.name }.sorted() == ["web-1", "web-3"])
    }

    @Test func atMostAHundredPerSliceAndUpdatesTouchFewSlices() throws {
        let pods = (0..<250).map { Self.pod($0) }
        let reconciler = EndpointSliceReconciler()
        let first = reconciler.reconcile(service: Self.service(), pods: pods, nodes: Self.nodes, existing: [], now: Self.now)
        #expect(first.create.map(\.endpoints.count).sorted() == [50, 100, 100])
        // Stored: give them names and uids, as the server would.
        let stored = first.create.enumerated().map { i, slice -> EndpointSlice in
            var s = slice
            s.metadata.name = "web-\(i)"
            s.metadata.uid = "slice-\(i)"
            return s
        }
        // Unchanged pods: nothing to write.
        #expect(reconciler.reconcile(service: Self.service(), pods: pods, nodes: Self.nodes, existing: stored, now: Self.now).isEmpty)
        // One pod goes, one comes: only the slices they touch are written; nothing is created.
        var next = pods.filter { $0.metadata.name != "web-7" }
        next.append(Self.pod(300))
        let changes = reconciler.reconcile(service: Self.service(), pods: next, nodes: Self.nodes, existing: stored, now: Self.now)
        #expect(changes.create.isEmpty && changes.delete.isEmpty)
        #expect(changes.update.count == 1)
        #expect(changes.update.flatMap(\.endpoints).contains { $0.targetRef?.name == "web-300" })
    }

    @Test func noEndpointsLeavesOnePlaceholder() throws {
        let reconciler = EndpointSliceReconciler()
        let created = reconciler.reconcile(service: Self.service(), pods: [], nodes: Self.nodes, existing: [], now: Self.now)
        let placeholder = try #require(created.create.first)
        #expect(placeholder.endpoints.isEmpty && placeholder.ports.isEmpty)
        var stored = placeholder
        stored.metadata.name = "web-abc"
        stored.metadata.uid = "slice-1"
        #expect(reconciler.reconcile(service: Self.service(), pods: [], nodes: Self.nodes, existing: [stored], now: Self.now).isEmpty)
        // A slice with endpoints whose pods are gone becomes the placeholder.
        var full = reconciler.reconcile(service: Self.service(), pods: [Self.pod(1)], nodes: Self.nodes, existing: [], now: Self.now).create[0]
        full.metadata.name = "web-def"
        full.metadata.uid = "slice-2"
        let emptied = reconciler.reconcile(service: Self.service(), pods: [], nodes: Self.nodes, existing: [full], now: Self.now)
        #expect(emptied.update.count == 1 && emptied.update[0].endpoints.isEmpty && emptied.update[0].ports.isEmpty)
    }

    @Test func hostnameOnlyForThePodsSubdomainAndHeadlessLabel() throws {
        var named = Self.pod(1)
        named.spec.hostname = "db-0"
        named.spec.subdomain = "web"
        var elsewhere = Self.pod(2)
        elsewhere.spec.hostname = "db-1"
        elsewhere.spec.subdomain = "other"
        let service = Self.service(clusterIP: "None")
        let slice = try #require(EndpointSliceReconciler().reconcile(service: service, pods: [named, elsewhere], nodes: Self.nodes,
                                                                      existing: [], now: Self.now).create.first)
        #expect(slice.metadata.labels["service.kubernetes.io/headless"] == "")
        let hostnames = Dictionary(uniqueKeysWithValues: slice.endpoints.map { ($0.targetRef!.name, $0.hostname) })
        #expect(hostnames["web-1"] == "db-0")
        #expect(hostnames["web-2"] == .some(nil))
    }

    @Test func slicesOfOthersAndOfSelectorlessServicesGo() throws {
        var foreign = EndpointSlice(metadata: ObjectMeta(name: "web-x", namespace: "default"), addressType: .ipv4)
        foreign.metadata.ownerReferences = [OwnerReference(apiVersion: "v1", kind: "Service", name: "web", uid: "old-uid", controller: true)]
        let changes = EndpointSliceReconciler().reconcile(service: Self.service(), pods: [Self.pod(1)], nodes: Self.nodes,
                                                          existing: [foreign], now: Self.now)
        #expect(changes.delete.map(\.metadata.name) == ["web-x"])
        var selectorless = Self.service()
        selectorless.spec.selector = [:]
        #expect(!EndpointSliceReconciler.managesSlices(for: selectorless))
    }

    @Test func legacyEndpointsLeaveTerminatingPodsOutAndRepack() throws {
        var terminating = Self.pod(3)
        terminating.metadata.deletionTimestamp = Self.now.time
        let endpoints = try #require(EndpointsReconciler.desired(service: Self.service(), pods: [Self.pod(2), Self.pod(1, ready: false), terminating],
                                                                 existing: nil, now: Self.now))
        #expect(endpoints.metadata.name == "web")
        #expect(endpoints.subsets.count == 1)
        #expect(endpoints.subsets[0].addresses.map(\.ip) == ["10.244.0.4"])
        #expect(endpoints.subsets[0].notReadyAddresses.map(\.ip) == ["10.244.0.3"])
        #expect(endpoints.subsets[0].ports == [EndpointsPort(name: "http", port: 8080, protocol: .tcp)])
        // Unchanged: the same object back, so nothing is written.
        #expect(EndpointsReconciler.desired(service: Self.service(), pods: [Self.pod(2), Self.pod(1, ready: false)], existing: endpoints,
                                            now: MicroTime(microsecondsSinceEpoch: 1_000_000)) == endpoints)
    }
}

struct DeploymentRolloutTests {
    static func deployment(replicas: Int32, surge: IntOrString = "25%", unavailable: IntOrString = "25%") -> Deployment {
        var d = Deployment(metadata: ObjectMeta(name: "web", namespace: "default"))
        d.spec.replicas = replicas
        d.spec.strategy = DeploymentStrategy(type: "RollingUpdate", rollingUpdate: RollingUpdateDeployment(maxUnavailable: unavailable, maxSurge: surge))
        return d
    }

    static func rs(_ name: String, spec: Int32, available: Int32, created: Int64) -> ReplicaSet {
        var rs = ReplicaSet(metadata: ObjectMeta(name: name, namespace: "default"), spec: ReplicaSetSpec(replicas: spec))
        rs.metadata.creationTimestamp = Time(secondsSinceEpoch: created)
        rs.status.replicas = spec
        rs.status.availableReplicas = available
        return rs
    }

    @Test func boundsRoundSurgeUpAndUnavailableDown() {
        #expect(DeploymentRollout.bounds(Self.deployment(replicas: 10)) == (3, 2))
        #expect(DeploymentRollout.bounds(Self.deployment(replicas: 3)) == (1, 0))
        #expect(DeploymentRollout.bounds(Self.deployment(replicas: 4, surge: 0, unavailable: 0)) == (0, 1))
    }

    @Test func rollingUpdateStepsWithinSurgeAndUnavailability() {
        let d = Self.deployment(replicas: 4)  // surge 1, unavailable 1
        let old = Self.rs("web-old", spec: 4, available: 4, created: 1)
        var new = Self.rs("web-new", spec: 0, available: 0, created: 2)
        // Up by the surge: 5 pods at most.
        #expect(DeploymentRollout.newReplicaSetReplicas(d, all: [old, new], new: new) == 1)
        new = Self.rs("web-new", spec: 1, available: 0, created: 2)
        // The new pod is not available yet: the old may lose one (4 - 1 unavailable = 3 must stay).
        #expect(DeploymentRollout.scaleDownOld(d, old: [old], new: new) == ["web-old": 3])
        // Nothing more until something becomes available.
        let old3 = Self.rs("web-old", spec: 3, available: 3, created: 1)
        #expect(DeploymentRollout.newReplicaSetReplicas(d, all: [old3, new], new: new) == 2)
        #expect(DeploymentRollout.scaleDownOld(d, old: [old3], new: Self.rs("web-new", spec: 2, available: 0, created: 2)).isEmpty)
    }

    /// Counts near Int32.max saturate instead of trapping (the API accepts any int32 replicas;
    /// schemathesis scaled a Deployment to 2147483647 and the controller crashed the server).
    @Test func replicaCountsNearTheLimitDoNotTrap() {
        let d = Self.deployment(replicas: Int32.max, surge: "1000%")
        let old = Self.rs("web-old", spec: Int32.max, available: Int32.max, created: 1)
        let new = Self.rs("web-new", spec: Int32.max - 1, available: 0, created: 2)
        #expect(DeploymentRollout.bounds(d).surge == Int32.max)
        #expect(DeploymentRollout.newReplicaSetReplicas(d, all: [old, new], new: new) == Int32.max)
        #expect(DeploymentRollout.scaleDownOld(d, old: [old], new: new).values.allSatisfy { $0 >= 0 && $0 < Int32.max })
        #expect(DeploymentRollout.status(d, all: [old, new], new: new).replicas == Int32.max)
        _ = DeploymentRollout.scale(d, all: [old, new], new: new)
        #expect(IntOrString.string("99999999999999%").scaledValue(total: Int32.max, roundUp: true) == Int32.max)
    }

    @Test func proportionalScalingDuringARollout() {
        var d = Self.deployment(replicas: 20)  // surge 5
        var old = Self.rs("web-old", spec: 8, available: 8, created: 1)
        old.metadata.annotations[DeploymentRollout.maxReplicasAnnotation] = "15"
        var new = Self.rs("web-new", spec: 7, available: 3, created: 2)
        new.metadata.annotations[DeploymentRollout.maxReplicasAnnotation] = "15"
        d.spec.replicas = 20
        let sizes = DeploymentRollout.scale(d, all: [old, new], new: new)
        // 15 → 25 allowed: each grows in proportion (8 → 14, 7 → 12 rounded up), then capped to the 10 added.
        #expect((sizes["web-old"] ?? 8) + (sizes["web-new"] ?? 7) == 25)
        #expect((sizes["web-old"] ?? 8) > 8 && (sizes["web-new"] ?? 7) > 7)
    }

    @Test func templateHashIgnoresItsOwnLabelAndUsesTheSafeAlphabet() {
        var template = PodTemplateSpec()
        template.metadata.labels = ["app": "web"]
        template.spec.containers = [Container(name: "c", image: "x")]
        let hash = DeploymentRollout.templateHash(template, collisionCount: nil)
        #expect(!hash.isEmpty && hash.allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
        #expect(DeploymentRollout.templateHash(template, collisionCount: 1) != hash)
        var labelled = template
        labelled.metadata.labels[DeploymentRollout.hashLabel] = hash
        #expect(DeploymentRollout.equalIgnoringHash(labelled, template))
    }
}

struct SchedulingPolicyTests {
    static func node(_ name: String, ready: Bool = true, labels: [String: String] = [:], taints: [Taint] = []) -> Node {
        var n = Node(metadata: ObjectMeta(name: name, labels: labels))
        n.spec.taints = taints
        n.status.conditions = [NodeCondition(type: "Ready", status: ready ? "True" : "Unknown")]
        return n
    }

    @Test func spreadsByCountAndExplainsFailures() {
        let pod = Pod(metadata: ObjectMeta(name: "p", namespace: "default"))
        let nodes = [Self.node("node-1"), Self.node("node-2"), Self.node("node-3")]
        #expect(SchedulingPolicy.choose(pod, nodes: nodes, podsPerNode: ["node-1": 2, "node-2": 1, "node-3": 1]) == .node("node-2"))
        var picky = pod
        picky.spec.nodeSelector = ["disk": "ssd"]
        let down = [Self.node("node-1", ready: false), Self.node("node-2", labels: ["disk": "hdd"]),
                    Self.node("node-3", taints: [Taint(key: "dedicated", value: "db", effect: "NoSchedule")])]
        #expect(SchedulingPolicy.choose(picky, nodes: down, podsPerNode: [:]) == .unschedulable(
            "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: db}, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."))
        var tolerant = pod
        tolerant.spec.tolerations = [["key": "dedicated", "operator": "Exists"]]
        #expect(SchedulingPolicy.choose(tolerant, nodes: [down[2]], podsPerNode: [:]) == .node("node-3"))
    }
}
