import AsyncHTTPClient
import Foundation
import PorticoSystem
import PorticoAPI
import PorticoClient
import PorticoNode
import PorticoLab

/// `portico bench lab`: how long a lab takes to be Ready, how long 50 replicas take to be
/// 50 ready endpoints, and how much memory the server and agents peak at, each beside a
/// reference measured in the same run on the same machine:
/// - up: the bare kernel plumbing of the same lab (bridge, namespaces, veths, addresses),
///   made and removed with the same `ip` commands, without any Portico process;
/// - scale: the same number of netexec processes started directly on loopback and waited
///   for until each answers, without API, controllers, scheduling or sandboxes;
/// - a deleted pod leaving its EndpointSlice: one change delivered through a watch, the
///   floor under any controller's reaction.
public struct LabBench: Sendable {
    public var nodes = 3
    public var replicas = 50
    public var porticoPath: String

    public init(porticoPath: String) {
        self.porticoPath = porticoPath
    }

    public struct Row: Sendable {
        public var what: String
        public var portico: Double
        public var reference: Double?
        public var referenceIs: String
    }

    public func run(progress: @Sendable (String) -> Void) async throws -> [Row] {
        var config = LabConfig()
        config.name = "porticobn"
        config.nodes = self.nodes
        config.apiPort = 26443
        config.dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("portico-bench-\(UUID().uuidString)").path
        let plan = try LabPlan(config)
        let lab = Lab(plan: plan, porticoPath: self.porticoPath)
        var rows: [Row] = []

        progress("making and removing the bare plumbing of a \(self.nodes)-node lab")
        let plumbing = try await self.bestOf(3) { try await self.plumbing(plan) }

        progress("portico up with \(self.nodes) nodes")
        try? await Lab.remove(plan, printer: StepPrinter(quiet: true))
        let upStart = ContinuousClock.now
        try await lab.up(StepPrinter(quiet: true))
        let upTime = Self.seconds(ContinuousClock.now - upStart)
        rows.append(Row(what: "portico up → \(self.nodes) nodes Ready", portico: upTime, reference: plumbing,
                        referenceIs: "bridge, namespaces, veths and addresses alone (ip)"))
        let transport = try HTTPTransport(try Kubeconfig.load(path: plan.kubeconfigPath))
        do {
            let client = KubeClient(transport: transport, fieldManager: "portico-bench")
            progress("one replica of agnhost netexec behind a Service")
            try await self.deploy(client)
            progress("scaling to \(self.replicas) replicas")
            let scaleTime = try await self.scale(client)
            progress("starting \(self.replicas) netexec processes straight, for the reference")
            let direct = try await self.directProcesses()
            rows.append(Row(what: "kubectl scale --replicas=\(self.replicas) → \(self.replicas) ready endpoints", portico: scaleTime,
                            reference: direct, referenceIs: "\(self.replicas) netexec processes started directly on loopback, no API"))
            progress("deleting pods one by one, timing until their endpoints go")
            let leave = try await self.deletionToSlice(client, samples: 10)
            let watchFloor = try await self.watchDelivery(client, samples: 10)
            rows.append(Row(what: "pod deleted → its endpoint leaves the slice (median of 10)", portico: leave, reference: watchFloor,
                            referenceIs: "one ConfigMap change delivered through a watch"))
            let state = LabState.load(plan.dataDirectory)
            for process in state?.processes ?? [] {
                let peak = Self.peakMemoryKiB(process.pid)
                rows.append(Row(what: "peak memory, \(process.role == "server" ? "portico server" : "agent of \(process.role)") (MiB)",
                                portico: Double(peak) / 1024, reference: nil, referenceIs: "VmHWM of the process"))
            }
        } catch {
            try? await transport.shutdown()
            try? await Lab.remove(plan, printer: StepPrinter(quiet: true))
            throw error
        }
        try? await transport.shutdown()
        progress("portico down")
        try await Lab.remove(plan, printer: StepPrinter(quiet: true))
        return rows
    }

    func bestOf(_ rounds: Int, _ body: () async throws -> Double) async throws -> Double {
        var best = Double.infinity
        for _ in 0..<rounds { best = min(best, try await body()) }
        return best
    }

    func plumbing(_ plan: LabPlan) async throws -> Double {
        let bridge = "porticobr-br"
        let start = ContinuousClock.now
        try await Shell.run("ip", ["link", "add", bridge, "type", "bridge"])
        try await Shell.run("ip", ["addr", "add", "10.10.10.254/24", "dev", bridge])
        try await Shell.run("ip", ["link", "set", bridge, "up"])
        for (i, node) in plan.nodes.enumerated() {
            let netns = "porticobr-node-\(i + 1)"
            let veth = "porticobr-n\(i + 1)"
            try await Shell.run("ip", ["netns", "add", netns])
            try await Shell.run("ip", ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns])
            try await Shell.run("ip", ["link", "set", veth, "master", bridge, "up"])
            try await Shell.run("ip", ["-n", netns, "-batch", "-"], input: "link set lo up\naddr add \(node.address)/24 dev eth0\nlink set eth0 up\n")
        }
        let elapsed = Self.seconds(ContinuousClock.now - start)
        for i in plan.nodes.indices { _ = try await Shell.run("ip", ["netns", "del", "porticobr-node-\(i + 1)"], allowFailure: true) }
        _ = try await Shell.run("ip", ["link", "del", bridge], allowFailure: true)
        return elapsed
    }

    func deploy(_ client: KubeClient) async throws {
        var d = Deployment(metadata: ObjectMeta(name: "bench", namespace: "default", labels: ["app": "bench"]))
        d.spec.replicas = 1
        d.spec.selector = LabelSelector(matchLabels: ["app": "bench"])
        d.spec.template.metadata.labels = ["app": "bench"]
        d.spec.template.spec.containers = [Container(name: "netexec", image: "registry.k8s.io/e2e-test-images/agnhost:2.53",
                                                     command: ["/agnhost", "netexec", "--http-port=8080"])]
        _ = try await client.create(d)
        var service = Service(metadata: ObjectMeta(name: "bench", namespace: "default"))
        service.spec.selector = ["app": "bench"]
        service.spec.ports = [ServicePort(port: 80, targetPort: .int(8080))]
        _ = try await client.create(service)
        try await self.waitForReadyEndpoints(client, count: 1, timeout: .seconds(60))
    }

    func scale(_ client: KubeClient) async throws -> Double {
        let start = ContinuousClock.now
        _ = try await client.patch(Deployment.self, namespace: "default", name: "bench", ["spec": ["replicas": .integer(Int64(self.replicas))]])
        try await self.waitForReadyEndpoints(client, count: self.replicas, timeout: .seconds(300))
        return Self.seconds(ContinuousClock.now - start)
    }

    func waitForReadyEndpoints(_ client: KubeClient, count: Int, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let slices = try await client.list(EndpointSlice.self, namespace: "default", labelSelector: "kubernetes.io/service-name=bench").items
            if slices.flatMap(\.endpoints).filter({ $0.conditions.ready == true }).count >= count { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw LabError("fewer than \(count) ready endpoints after \(timeout)")
    }

    /// The reference for scaling: the same programs started directly on loopback and waited
    /// for until each answers /healthz, with no API, controller, scheduler or sandbox between.
    func directProcesses() async throws -> Double {
        let start = ContinuousClock.now
        var processes: [ContainerProcess] = []
        defer { for process in processes { process.signal(SIGKILL) } }
        for i in 0..<self.replicas {
            processes.append(try ContainerProcess.start(
                executable: self.porticoPath,
                arguments: ["agnhost", "netexec", "--http-port=\(21000 + i)", "--udp-port=\(22000 + i)"],
                environment: [:], logPath: "/dev/null"))
        }
        for i in 0..<self.replicas {
            let deadline = ContinuousClock.now + .seconds(60)
            while true {
                if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(21000 + i)/healthz"),
                                                                       timeout: .seconds(1)),
                   response.status.code == 200
                {
                    break
                }
                if ContinuousClock.now > deadline { throw LabError("netexec on 127.0.0.1:\(21000 + i) did not answer") }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        return Self.seconds(ContinuousClock.now - start)
    }

    /// Median time from a pod's deletion to its endpoint leaving the Service's slices.
    func deletionToSlice(_ client: KubeClient, samples: Int) async throws -> Double {
        var times: [Double] = []
        let pods = try await client.list(Pod.self, namespace: "default", labelSelector: "app=bench").items
        for pod in pods.prefix(samples) {
            let start = ContinuousClock.now
            try await client.delete(Pod.self, namespace: "default", name: pod.metadata.name)
            while true {
                let slices = try await client.list(EndpointSlice.self, namespace: "default", labelSelector: "kubernetes.io/service-name=bench").items
                // By name: a replacement on the same node may get the same address.
                if !slices.flatMap(\.endpoints).contains(where: { $0.targetRef?.uid == pod.metadata.uid }) { break }
                try await Task.sleep(for: .milliseconds(2))
                if ContinuousClock.now - start > .seconds(60) { throw LabError("pod \(pod.metadata.name) never left the slice") }
            }
            times.append(Self.seconds(ContinuousClock.now - start))
        }
        return times.sorted()[times.count / 2]
    }

    /// Median time for one write to arrive through a watch opened before it.
    func watchDelivery(_ client: KubeClient, samples: Int) async throws -> Double {
        var map = ConfigMap(metadata: ObjectMeta(name: "bench-floor", namespace: "default"))
        map = try await client.create(map)
        var times: [Double] = []
        for i in 0..<samples {
            let stream = try await client.watch(ConfigMap.self, namespace: "default", resourceVersion: map.metadata.resourceVersion,
                                                fieldSelector: "metadata.name=bench-floor")
            let start = ContinuousClock.now
            map.data["sample"] = String(i)
            map = try await client.update(map)
            for try await event in stream {
                if case .modified = event { break }
            }
            times.append(Self.seconds(ContinuousClock.now - start))
        }
        return times.sorted()[times.count / 2]
    }

    static func peakMemoryKiB(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
