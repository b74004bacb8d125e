import Foundation
import PorticoClient
import PorticoLab

/// A lab a benchmark makes for itself: named `name`, its own ranges from `10.<base>.`,
/// `10.<base+1>.` and `10.<base+2>.` (LAN, pods, services), no DNS add-on and no name
/// forwarded off the machine, files in a temporary directory; removed afterwards whatever
/// happens.
enum BenchLab {
    static func config(name: String, nodes: Int, base: Int, apiPort: Int) -> LabConfig {
        var config = LabConfig()
        config.name = name
        config.nodes = nodes
        config.lan = "10.\(base).1.0/24"
        config.hostAddress = "10.\(base).1.254"
        config.podCIDR = "10.\(base + 1).{n}.0/24"
        config.clusterCIDR = "10.\(base + 1).0.0/16"
        config.serviceCIDR = "10.\(base + 2).0.0/16"
        config.dnsReplicas = 0
        config.dnsUpstreams = []
        config.apiPort = apiPort
        config.dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("portico-bench-\(UUID().uuidString)").path
        return config
    }

    /// Brings the lab up, runs `body` with an admin client, and removes the lab.
    static func with<R>(_ config: LabConfig, porticoPath: String, _ body: (KubeClient, LabPlan) async throws -> R) async throws -> R {
        let plan = try LabPlan(config)
        try? await Lab.remove(plan, printer: StepPrinter(quiet: true))
        try await Lab(plan: plan, porticoPath: porticoPath).up(StepPrinter(quiet: true))
        let transport: HTTPTransport
        do {
            transport = try HTTPTransport(try Kubeconfig.load(path: plan.kubeconfigPath))
        } catch {
            try? await Lab.remove(plan, printer: StepPrinter(quiet: true))
            throw error
        }
        do {
            let result = try await body(KubeClient(transport: transport, fieldManager: "portico-bench"), plan)
            try? await transport.shutdown()
            try await Lab.remove(plan, printer: StepPrinter(quiet: true))
            return result
        } catch {
            try? await transport.shutdown()
            try? await Lab.remove(plan, printer: StepPrinter(quiet: true))
            throw error
        }
    }
}
