import Foundation
import PorticoAPI
import PorticoImages
@testable import PorticoNode
import PorticoSystem
import Testing

/// The agent's pure parts: what runs for an image, the environment, the pod's files, the
/// status it reports, back-off and probe thresholds, and pod addresses.
struct NodeUnitTests {
    @Test func builtInImagesRunPorticosPrograms() {
        let agnhost = "registry.k8s.io/e2e-test-images/agnhost:2.53"
        #expect(ImageCatalog.launch(image: agnhost, command: ["/agnhost", "netexec", "--http-port=8080"], args: [])
            == .success(.portico(["agnhost", "netexec", "--http-port=8080"])))
        // args alone replace the image's CMD; nothing at all runs agnhost's default, pause.
        #expect(ImageCatalog.launch(image: agnhost, command: [], args: ["serve-hostname"]) == .success(.portico(["agnhost", "serve-hostname"])))
        #expect(ImageCatalog.launch(image: agnhost, command: [], args: []) == .success(.portico(["agnhost", "pause"])))
        #expect(ImageCatalog.launch(image: "registry.k8s.io/pause:3.10", command: [], args: []) == .success(.portico(["pause"])))
        #expect(ImageCatalog.launch(image: "k8s.gcr.io/pause@sha256:abc", command: [], args: []) == .success(.portico(["pause"])))
        // A command of another image is a program of the host; without one it cannot run.
        #expect(ImageCatalog.launch(image: "busybox", command: ["sh", "-c", "sleep 1"], args: []) == .success(.host(["sh", "-c", "sleep 1"])))
        guard case .failure(let error) = ImageCatalog.launch(image: "nginx:1.27", command: [], args: []) else {
            Issue.record("nginx without a command was runnable")
            return
        }
        #expect(error.description.hasPrefix("image nginx:1.27 is not built into Portico and the container gives no command"))
    }

    @Test func serviceEnvironmentAsTheKubelet() {
        var web = Service(metadata: ObjectMeta(name: "my-web", namespace: "default"))
        web.spec.clusterIP = "10.96.0.20"
        web.spec.ports = [ServicePort(name: "http", protocol: .tcp, port: 80), ServicePort(name: "dns", protocol: .udp, port: 53)]
        var kubernetes = Service(metadata: ObjectMeta(name: "kubernetes", namespace: "default"))
        kubernetes.spec.clusterIP = "10.96.0.1"
        kubernetes.spec.ports = [ServicePort(name: "https", protocol: .tcp, port: 443)]
        var headless = Service(metadata: ObjectMeta(name: "db", namespace: "default"))
        headless.spec.clusterIP = "None"
        var other = Service(metadata: ObjectMeta(name: "elsewhere", namespace: "kube-system"))
        other.spec.clusterIP = "10.96.0.30"
        let pod = Pod(metadata: ObjectMeta(name: "p", namespace: "default"))
        let env = Dictionary(ServiceEnvironment.variables(for: pod, services: [web, kubernetes, headless, other]), uniquingKeysWith: { a, _ in a })
        #expect(env["MY_WEB_SERVICE_HOST"] == "10.96.0.20")
        #expect(env["MY_WEB_SERVICE_PORT"] == "80")
        #expect(env["MY_WEB_SERVICE_PORT_HTTP"] == "80")
        #expect(env["MY_WEB_SERVICE_PORT_DNS"] == "53")
        #expect(env["MY_WEB_PORT"] == "tcp://10.96.0.20:80")
        #expect(env["MY_WEB_PORT_53_UDP"] == "udp://10.96.0.20:53")
        #expect(env["MY_WEB_PORT_53_UDP_PROTO"] == "udp")
        #expect(env["MY_WEB_PORT_53_UDP_PORT"] == "53")
        #expect(env["MY_WEB_PORT_53_UDP_ADDR"] == "10.96.0.20")
        #expect(env["KUBERNETES_SERVICE_PORT_HTTPS"] == "443")
        #expect(env["DB_SERVICE_HOST"] == nil)
        #expect(env["ELSEWHERE_SERVICE_HOST"] == nil)
        // enableServiceLinks: false keeps only the kubernetes Service.
        var unlinked = pod
        unlinked.spec.enableServiceLinks = false
        let only = ServiceEnvironment.variables(for: unlinked, services: [web, kubernetes]).map(\.0)
        #expect(only.allSatisfy { $0.hasPrefix("KUBERNETES_") })
        // $(VAR) expansion: defined names replaced, $$ escaped, unknown left as written.
        #expect(ServiceEnvironment.expand("$(A)-$(B)-$$(A)-$(", ["A": "1"]) == "1-$(B)-$(A)-$(")
    }

    @Test func podFilesFollowDNSPolicy() {
        var pod = Pod(metadata: ObjectMeta(name: "web-1", namespace: "shop"))
        pod.spec.hostname = "web-1"
        pod.spec.subdomain = "web"
        let hosts = PodFiles.hosts(pod, ip: "10.244.1.5", clusterDomain: "cluster.local")
        #expect(hosts.contains("10.244.1.5\tweb-1.web.shop.svc.cluster.local\tweb-1\n"))
        let host = PodFiles.Resolver.parse("nameserver 192.0.2.53\nsearch example.org\n")
        pod.spec.dnsPolicy = .clusterFirst
        let (clusterFirst, fellBack) = PodFiles.resolver(pod, clusterDNS: ["10.96.0.10"], clusterDomain: "cluster.local", host: host)
        #expect(!fellBack)
        #expect(clusterFirst.text == "search shop.svc.cluster.local svc.cluster.local cluster.local example.org\nnameserver 10.96.0.10\noptions ndots:5\n")
        let (fallback, didFall) = PodFiles.resolver(pod, clusterDNS: [], clusterDomain: "cluster.local", host: host)
        #expect(didFall)
        #expect(fallback == host)
        pod.spec.dnsPolicy = .none
        pod.spec.dnsConfig = PodDNSConfig(nameservers: ["1.1.1.1"], searches: ["a.b"], options: [PodDNSConfigOption(name: "ndots", value: "2")])
        #expect(PodFiles.resolver(pod, clusterDNS: ["10.96.0.10"], clusterDomain: "cluster.local", host: host).0.text
            == "search a.b\nnameserver 1.1.1.1\noptions ndots:2\n")
    }

    @Test func statusPhasesAndConditions() {
        var pod = Pod(metadata: ObjectMeta(name: "p", namespace: "default"))
        pod.spec.containers = [Container(name: "a", image: "x"), Container(name: "b", image: "x")]
        pod.spec.restartPolicy = .always
        var a = ContainerRecord(name: "a", image: "x")
        var b = ContainerRecord(name: "b", image: "x")
        let now = Time(secondsSinceEpoch: 1_000)
        var input = PodStatusBuilder.Input(pod: pod, sandboxReady: true, podIP: "10.244.1.2", hostIP: "10.10.10.1", containers: [a, b], now: now)
        var status = PodStatusBuilder.status(input)
        #expect(status.phase == .pending)
        #expect(status.podIP == "10.244.1.2")
        #expect(status.conditions.map(\.type) == ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"])
        #expect(status.condition("ContainersReady")?.message == "containers with unready status: [a b]")
        #expect(status.condition("Ready")?.reason == "ContainersNotReady")

        a.state = ContainerState(running: ContainerStateRunning(startedAt: now))
        a.ready = true
        b.state = ContainerState(running: ContainerStateRunning(startedAt: now))
        b.ready = true
        pod.status = status
        input = PodStatusBuilder.Input(pod: pod, sandboxReady: true, podIP: "10.244.1.2", hostIP: "10.10.10.1", containers: [a, b],
                                       now: Time(secondsSinceEpoch: 1_005))
        status = PodStatusBuilder.status(input)
        #expect(status.phase == .running)
        #expect(status.condition("Ready")?.status == "True")
        #expect(status.condition("Ready")?.lastTransitionTime == Time(secondsSinceEpoch: 1_005))
        #expect(status.condition("PodScheduled")?.lastTransitionTime == Time(secondsSinceEpoch: 1_000))

        // Never: all exited 0 is Succeeded, any failure Failed.
        pod.spec.restartPolicy = .never
        a.state = ContainerState(terminated: ContainerStateTerminated(exitCode: 0, reason: "Completed"))
        b.state = ContainerState(terminated: ContainerStateTerminated(exitCode: 0, reason: "Completed"))
        #expect(PodStatusBuilder.phase(.init(pod: pod, sandboxReady: true, podIP: nil, hostIP: "", containers: [a, b], now: now)) == .succeeded)
        b.state = ContainerState(terminated: ContainerStateTerminated(exitCode: 2, reason: "Error"))
        #expect(PodStatusBuilder.phase(.init(pod: pod, sandboxReady: true, podIP: nil, hostIP: "", containers: [a, b], now: now)) == .failed)
        pod.spec.restartPolicy = .onFailure
        #expect(PodStatusBuilder.phase(.init(pod: pod, sandboxReady: true, podIP: nil, hostIP: "", containers: [a, b], now: now)) == .running)
    }

    @Test func backOffAsTheKubelet() {
        var backOff = ContainerBackOff()
        // The first restart is immediate; then 10 s, 20 s, ... from the last finish, up to 5 min.
        #expect(backOff.decide(finishedAt: 0, now: 0) == .startNow)
        #expect(backOff.decide(finishedAt: 1, now: 1) == .wait(seconds: 10, backOff: 10))
        #expect(backOff.decide(finishedAt: 1, now: 11) == .startNow)
        #expect(backOff.decide(finishedAt: 12, now: 12) == .wait(seconds: 20, backOff: 20))
        var long = ContainerBackOff()
        for _ in 0..<20 { long.current = min(max(long.current * 2, 10), 300) }
        #expect(long.current == 300)
        #expect(long.decide(finishedAt: 100, now: 100) == .wait(seconds: 300, backOff: 300))
        // Ten minutes without a restart start over.
        long.lastUpdate = 0
        #expect(long.decide(finishedAt: 700, now: 700) == .startNow)
        #expect(long.current == 10)
        #expect(ContainerBackOff.text(80) == "1m20s")
        #expect(ContainerBackOff.text(300) == "5m0s")
    }

    @Test func probeThresholds() {
        var probe = Probe()
        probe.failureThreshold = 3
        probe.successThreshold = 1
        var readiness = ProbeTracker(probe, kind: .readiness)
        #expect(!readiness.result)
        let flips = [true, false, false, false].map { readiness.record($0) }
        #expect(flips == [true, false, false, true])
        #expect(!readiness.result)
        let liveness = ProbeTracker(probe, kind: .liveness)
        #expect(liveness.result)
    }

    @Test func podAddressesAreKeptPerPod() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ipam-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ipam = try PodIPAM(directory: directory, podCIDR: "10.244.7.0/29")
        #expect(ipam.gateway.description == "10.244.7.1")
        let first = try ipam.allocate(uid: "a")
        #expect(first == "10.244.7.2")
        #expect(try ipam.allocate(uid: "a") == first)
        let addresses = try ["b", "c", "d", "e"].map { try ipam.allocate(uid: $0) }
        #expect(addresses == ["10.244.7.3", "10.244.7.4", "10.244.7.5", "10.244.7.6"])
        #expect(throws: Shell.Failure.self) { try ipam.allocate(uid: "f") }
        ipam.release(uid: "c")
        #expect(try ipam.allocate(uid: "f") == "10.244.7.4")
        // Another agent run on the same directory sees the same holders.
        #expect(try PodIPAM(directory: directory, podCIDR: "10.244.7.0/29").address(of: "a") == first)
    }
}

/// The agent's node networking against the in-memory kernel: the bridge, each pod's sandbox
/// (made, replaced, cleaned up when a step fails, removed), host-gw routes that follow the
/// other nodes, and the Service ranges routed out of the node's interface.
struct NodeNetworkTests {
    static let gateway = IPAddress("10.244.1.1")!
    static let sandbox = PodSandbox(podUID: "uid-1", namespace: "default", name: "web-1", netns: "portico-pod-1",
                                    hostVeth: "veth-pod-1", ip: "10.244.1.5")

    @Test func theBridgeIsMadeOnceWithItsGatewayAndForwarding() async throws {
        let kernel = NetworkKernelFake(links: ["eth0"])
        let network = BridgeNetwork(kernel: kernel)
        try await network.ensureBridge(name: "portico0", gateway: Self.gateway, prefixLength: 24)
        #expect(kernel.current.changes == ["link add portico0 type bridge", "addr add 10.244.1.1/24 dev portico0", "link set portico0 up",
                                           "sysctl net.ipv4.ip_forward=1", "sysctl net.bridge.bridge-nf-call-iptables=1"])
        // An agent that starts again finds the bridge as it left it and adds nothing.
        try await network.ensureBridge(name: "portico0", gateway: Self.gateway, prefixLength: 24)
        #expect(kernel.current.changes.dropFirst(5) == ["link set portico0 up", "sysctl net.ipv4.ip_forward=1",
                                                        "sysctl net.bridge.bridge-nf-call-iptables=1"])
        #expect(try await kernel.addresses(device: "portico0") == [InterfaceAddress(interface: "portico0", address: "10.244.1.1", prefixLength: 24)])
    }

    @Test func aSandboxIsAPortOfTheBridgeWithTheGatewayInside() async throws {
        let kernel = NetworkKernelFake(links: ["eth0"])
        let network = BridgeNetwork(kernel: kernel)
        try await network.ensureBridge(name: "portico0", gateway: Self.gateway, prefixLength: 24)
        try await network.createSandbox(Self.sandbox, bridge: "portico0", gateway: Self.gateway, prefixLength: 24)
        let node = kernel.current
        #expect(node.masters["veth-pod-1"] == "portico0" && node.up.contains("veth-pod-1") && node.hairpins == ["veth-pod-1"])
        #expect(kernel.namespaceNames == ["portico-pod-1"])
        let pod = try #require(kernel.namespace("portico-pod-1") as? NetworkKernelFake).current
        #expect(pod.links == ["lo", "eth0"] && pod.up == ["lo", "eth0"])
        #expect(pod.addresses == [InterfaceAddress(interface: "eth0", address: "10.244.1.5", prefixLength: 24)])
        #expect(pod.routes.map(\.description) == ["default via 10.244.1.1 dev eth0"])
        #expect(pod.changes == ["link set lo up", "addr add 10.244.1.5/24 dev eth0", "link set eth0 up", "route replace default via 10.244.1.1 dev eth0"])
    }

    @Test func aLeftOverSandboxIsReplacedAndAFailedOneLeavesNothing() async throws {
        let kernel = NetworkKernelFake(links: ["eth0"])
        let network = BridgeNetwork(kernel: kernel)
        try await network.ensureBridge(name: "portico0", gateway: Self.gateway, prefixLength: 24)
        try await network.createSandbox(Self.sandbox, bridge: "portico0", gateway: Self.gateway, prefixLength: 24)
        // The agent restarted and makes the pod's sandbox again: the old one goes first.
        try await network.createSandbox(Self.sandbox, bridge: "portico0", gateway: Self.gateway, prefixLength: 24)
        #expect(kernel.current.changes.suffix(6) == ["link del veth-pod-1", "netns del portico-pod-1", "netns add portico-pod-1",
                                                     "link add veth-pod-1 type veth peer name eth0 netns portico-pod-1",
                                                     "link set veth-pod-1 master portico0 up", "link set veth-pod-1 type bridge_slave hairpin on"])
        #expect(kernel.namespaceNames == ["portico-pod-1"] && kernel.current.links == ["eth0", "portico0", "veth-pod-1"])
        // A bridge that is not there: the kernel refuses the port, and nothing of the pod stays.
        let other = PodSandbox(podUID: "uid-2", namespace: "default", name: "web-2", netns: "portico-pod-2", hostVeth: "veth-pod-2", ip: "10.244.1.6")
        await #expect(throws: Shell.Failure.self) {
            try await network.createSandbox(other, bridge: "portico9", gateway: Self.gateway, prefixLength: 24)
        }
        #expect(kernel.namespaceNames == ["portico-pod-1"] && !kernel.current.links.contains("veth-pod-2"))
        try await network.deleteSandbox(Self.sandbox)
        try await network.deleteSandbox(Self.sandbox)
        #expect(kernel.namespaceNames.isEmpty && kernel.current.links == ["eth0", "portico0"] && kernel.current.masters.isEmpty)
    }

    @Test func hostGatewayRoutesFollowTheOtherNodes() async throws {
        let kernel = NetworkKernelFake(links: ["eth0"], routes: [
            Route(destination: "10.244.2.0/24", gateway: "10.10.10.2", proto: "static"),
            Route(destination: "10.244.3.0/24", gateway: "10.10.10.9", proto: "static"),
            Route(destination: "10.244.4.0/24", gateway: "10.10.10.4", proto: "static"),
            Route(destination: "10.10.10.0/24", device: "eth0", proto: "kernel"),
        ])
        let network = BridgeNetwork(kernel: kernel)
        try await network.syncRoutes(["10.244.2.0/24": "10.10.10.2", "10.244.3.0/24": "10.10.10.3", "10.244.5.0/24": "10.10.10.5"])
        #expect(kernel.current.changes == ["route replace 10.244.3.0/24 via 10.10.10.3 proto static",
                                           "route replace 10.244.5.0/24 via 10.10.10.5 proto static",
                                           "route del 10.244.4.0/24 proto static"])
        #expect(Set(try await kernel.routes().map(\.description)) == [
            "10.244.2.0/24 via 10.10.10.2 proto static", "10.244.3.0/24 via 10.10.10.3 proto static",
            "10.244.5.0/24 via 10.10.10.5 proto static", "10.10.10.0/24 dev eth0 proto kernel"])
    }

    @Test func serviceRangesGoOutOfTheNodesInterface() async throws {
        let kernel = NetworkKernelFake(addresses: [InterfaceAddress(interface: "eth0", address: "10.10.10.1", prefixLength: 24)])
        try await BridgeNetwork(kernel: kernel).routeServiceCIDRs(["10.96.0.0/16"], nodeIP: "10.10.10.1")
        #expect(try await kernel.routes() == [Route(destination: "10.96.0.0/16", device: "eth0", scope: "link")])
        await #expect(throws: Shell.Failure.self) { try await BridgeNetwork(kernel: kernel).routeServiceCIDRs(["10.96.0.0/16"], nodeIP: "10.10.10.7") }
    }
}
