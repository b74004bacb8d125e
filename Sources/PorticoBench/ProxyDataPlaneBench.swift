import Foundation
import PorticoAPI
import PorticoClient
import PorticoSystem
import PorticoLab

/// `portico bench proxy`, the data plane, in a lab of its own: TCP throughput (iperf3) and
/// request latency from a pod on one node to a pod on another, through the ClusterIP beside
/// straight to the pod's address; and the first-request latency through the ClusterIP with
/// 1,000 and 10,000 other Services programmed, beside the same with none.
public struct ProxyDataPlaneBench: Sendable {
    public var porticoPath: String
    public var requests = 1000
    public var fill = [1000, 10000]

    public init(porticoPath: String) {
        self.porticoPath = porticoPath
    }

    public typealias Row = BenchRow

    public func run(progress: @Sendable (String) -> Void) async throws -> [Row] {
        try await SystemPrograms.ensure(["iperf3": "iperf3"])
        progress("a 2-node lab for the data plane")
        return try await BenchLab.with(BenchLab.config(name: "porticobd", nodes: 2, base: 61, apiPort: 26444), porticoPath: self.porticoPath) {
            try await self.measure($0, plan: $1, progress: progress)
        }
    }

    func measure(_ client: KubeClient, plan: LabPlan, progress: @Sendable (String) -> Void) async throws -> [Row] {
        func pod(_ name: String, node: String, image: String, command: [String]) -> Pod {
            var pod = Pod(metadata: ObjectMeta(name: name, namespace: "default", labels: ["bench": name]))
            pod.spec.nodeName = node
            pod.spec.containers = [Container(name: "c", image: image, command: command)]
            return pod
        }
        _ = try await client.create(pod("web", node: "node-2", image: "registry.k8s.io/e2e-test-images/agnhost:2.53",
                                        command: ["/agnhost", "netexec", "--http-port=8080"]))
        _ = try await client.create(pod("iperf", node: "node-2", image: "iperf3", command: ["iperf3", "-s", "-p", "5201"]))
        _ = try await client.create(pod("client", node: "node-1", image: "registry.k8s.io/pause:3.10", command: []))
        for (name, port, target) in [("web", Int32(80), Int32(8080)), ("iperf", 5201, 5201)] {
            var service = Service(metadata: ObjectMeta(name: name, namespace: "default"))
            service.spec.selector = ["bench": name]
            service.spec.ports = [ServicePort(port: port, targetPort: .int(target))]
            _ = try await client.create(service)
        }
        // Everything running and programmed.
        var pods: [String: Pod] = [:]
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            pods = [:]
            for pod in try await client.list(Pod.self, namespace: "default").items where pod.isReady { pods[pod.metadata.name] = pod }
            if pods.count == 3 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard let clientPod = pods["client"], let web = pods["web"], let iperf = pods["iperf"] else {
            throw LabError("the benchmark's pods did not start: \(pods.keys.sorted())")
        }
        let netns = "\(plan.netnsPrefix)pod-" + String(clientPod.metadata.uid.replacingOccurrences(of: "-", with: "").prefix(12))
        let webIP = try await client.get(Service.self, namespace: "default", name: "web")?.spec.clusterIP ?? ""
        let iperfIP = try await client.get(Service.self, namespace: "default", name: "iperf")?.spec.clusterIP ?? ""
        try await self.waitUntilAnswers(netns: netns, url: "http://\(webIP):80/hostname")

        var rows: [Row] = []
        progress("iperf3: pod → pod and pod → ClusterIP → pod, 3 s each")
        let direct = try await self.iperf(netns: netns, target: iperf.status.podIP)
        let viaService = try await self.iperf(netns: netns, target: iperfIP)
        rows.append(Row(what: "TCP throughput, pod → ClusterIP → pod (other node)", portico: Self.rate(viaService), reference: Self.rate(direct),
                        ratio: String(format: "%.2f", viaService / direct), referenceIs: "pod → pod straight (iperf3)"))
        progress("\(self.requests) requests, each on a new connection, straight and through the ClusterIP")
        let straight = try await self.latency(netns: netns, url: "http://\(web.status.podIP):8080/hostname")
        let through = try await self.latency(netns: netns, url: "http://\(webIP):80/hostname")
        rows.append(Row(what: "request latency p50 (new connection each)", portico: Self.micros(through.p50), reference: Self.micros(straight.p50),
                        ratio: String(format: "%.2f", through.p50 / straight.p50), referenceIs: "pod → pod straight"))
        rows.append(Row(what: "request latency p99", portico: Self.micros(through.p99), reference: Self.micros(straight.p99),
                        ratio: String(format: "%.2f", through.p99 / straight.p99), referenceIs: "pod → pod straight"))

        // The same through the ClusterIP with many other Services in the rules.
        var made = 0
        for target in self.fill {
            progress("adding Services until \(target) others are programmed")
            try await self.addServices(client, from: made, to: target)
            made = target
            try await self.waitForProgrammed(nodeIP: plan.nodes[0].address, servicePorts: target + 3)
            let crowded = try await self.latency(netns: netns, url: "http://\(webIP):80/hostname")
            rows.append(Row(what: "first-request latency p50 with \(target) Services", portico: Self.micros(crowded.p50),
                            reference: Self.micros(through.p50), ratio: String(format: "%.2f", crowded.p50 / through.p50),
                            referenceIs: "the same with no other Service"))
        }
        return rows
    }

    /// Selectorless Services with hand-made EndpointSlices of 10 (unreachable) endpoints.
    func addServices(_ client: KubeClient, from: Int, to: Int) async throws {
        if from == 0 { _ = try? await client.create(Namespace(metadata: ObjectMeta(name: "fill"))) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = from
            func add(_ i: Int) {
                group.addTask {
                    var service = Service(metadata: ObjectMeta(name: "f\(i)", namespace: "fill"))
                    service.spec.ports = [ServicePort(name: "http", protocol: .tcp, port: 80, targetPort: .int(8080))]
                    _ = try await client.create(service)
                    var slice = EndpointSlice(metadata: ObjectMeta(name: "f\(i)-bench", namespace: "fill",
                                                                   labels: [EndpointSlice.serviceNameLabel: "f\(i)",
                                                                            EndpointSlice.managedByLabel: "portico-bench"]),
                                              addressType: .ipv4)
                    slice.ports = [EndpointPort(name: "http", protocol: .tcp, port: 8080)]
                    slice.endpoints = (0..<10).map { e in
                        Endpoint(addresses: [IPAddress(ipv4: IPAddress("10.200.0.0")!.ipv4Value + UInt32(i * 10 + e)).description],
                                 conditions: EndpointConditions(ready: true, serving: true, terminating: false))
                    }
                    _ = try await client.create(slice)
                }
            }
            for _ in 0..<min(16, to - from) {
                add(next)
                next += 1
            }
            while try await group.next() != nil {
                if next < to {
                    add(next)
                    next += 1
                }
            }
        }
    }

    func waitForProgrammed(nodeIP: String, servicePorts: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(600)
        while ContinuousClock.now < deadline {
            let metrics = try await Shell.run("curl", ["-s", "http://\(nodeIP):10249/metrics"], allowFailure: true).output
            for line in metrics.split(separator: "\n") where line.hasPrefix("portico_proxy_service_ports ") {
                if let value = Double(line.split(separator: " ").last ?? ""), Int(value) >= servicePorts { return }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw LabError("the node proxy did not program \(servicePorts) service ports in time")
    }

    func waitUntilAnswers(netns: String, url: String) async throws {
        for _ in 0..<100 {
            let out = try await Shell.run("ip", ["netns", "exec", netns, "curl", "-s", "--max-time", "1", url], allowFailure: true)
            if out.status == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw LabError("\(url) does not answer from the client pod")
    }

    func iperf(netns: String, target: String) async throws -> Double {
        let out = try await Shell.run("ip", ["netns", "exec", netns, "iperf3", "-c", target, "-p", "5201", "-t", "3", "-J"])
        let json = try JSON.parse(bytes: Array(out.output.utf8))
        guard let bits = json["end"]?["sum_received"]?["bits_per_second"] else { throw LabError("iperf3 printed no result") }
        switch bits {
        case .integer(let v): return Double(v)
        case .double(let v): return v
        default: throw LabError("iperf3 printed no result")
        }
    }

    struct Latency {
        var p50: Double
        var p99: Double
    }

    func latency(netns: String, url: String) async throws -> Latency {
        let out = try await Shell.run("ip", ["netns", "exec", netns, self.porticoPath, "bench-http", "--url", url,
                                              "--requests", String(self.requests)])
        let json = try JSON.parse(bytes: Array(out.output.split(separator: "\n").last.map { Array($0.utf8) } ?? []))
        func number(_ key: String) -> Double {
            switch json[key] {
            case .integer(let v): return Double(v)
            case .double(let v): return v
            default: return .nan
            }
        }
        return Latency(p50: number("p50_us"), p99: number("p99_us"))
    }

    static func rate(_ bits: Double) -> String { String(format: "%.2f Gbit/s", bits / 1e9) }
    static func micros(_ us: Double) -> String { String(format: "%.0f µs", us) }
}
