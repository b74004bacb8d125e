import Foundation
import PorticoSystem

/// `portico down`.
extension Lab {
    /// Stops every process of the lab and removes every namespace, link, route and file it
    /// made. Whatever is already gone is skipped, so a second `down` does nothing.
    public static func remove(_ requested: LabPlan, printer: StepPrinter) async throws {
        let state = LabState.load(requested.dataDirectory)
        // The lab as it was started (its config may differ from the one given to `down`,
        // e.g. a benchmark's own service CIDR): that is what there is to remove.
        let plan = requested.asStarted(state)
        // Evidence that this lab is (or was) here; without it, shared-looking things such as
        // the service CIDR's route are left alone: they may belong to another lab.
        let ours = state != nil || FileManager.default.fileExists(atPath: "/sys/class/net/\(plan.bridge)")
        try await printer.step("Stopping the lab's processes") {
            for process in (state?.processes ?? []).reversed() where process.isRunning {
                kill(process.pid, SIGTERM)
            }
            let deadline = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < deadline, (state?.processes ?? []).contains(where: \.isRunning) {
                try await Task.sleep(for: .milliseconds(50))
            }
            for process in state?.processes ?? [] where process.isRunning { kill(process.pid, SIGKILL) }
            // Whatever still runs inside the lab's namespaces: agents, pods.
            for netns in self.namespaces(of: plan) {
                await NetnsProcesses.stop(in: "/run/netns/\(netns)", grace: .seconds(2))
            }
        }
        try await printer.step("Removing the network namespaces, links and routes") {
            // Routes through the lab's bridge go with it; only this lab's are looked at.
            let routes = (try? await IPCommand().routes()) ?? []
            for node in plan.nodes where routes.contains(where: {
                $0.destination == node.podCIDR && $0.proto == "static" && $0.gateway == node.address && $0.device == plan.bridge
            }) {
                _ = try await Shell.run("ip", ["route", "del", node.podCIDR, "via", node.address, "dev", plan.bridge], allowFailure: true)
            }
            for netns in self.namespaces(of: plan) {
                _ = try await Shell.run("ip", ["netns", "del", netns], allowFailure: true)
            }
            if FileManager.default.fileExists(atPath: "/sys/class/net/\(plan.bridge)") {
                try await Shell.run("ip", ["link", "del", plan.bridge])
            }
            for node in plan.nodes where FileManager.default.fileExists(atPath: "/sys/class/net/\(node.hostVeth)") {
                _ = try await Shell.run("ip", ["link", "del", node.hostVeth], allowFailure: true)
            }
            if ours, routes.contains(where: { $0.type == "unreachable" && $0.destination == plan.serviceCIDR }) {
                try await Shell.run("ip", ["route", "del", "unreachable", plan.serviceCIDR])
            }
        }
        try await printer.step("Removing the lab's files (\(plan.dataDirectory))") {
            if FileManager.default.fileExists(atPath: plan.dataDirectory) {
                try FileManager.default.removeItem(atPath: plan.dataDirectory)
            }
        }
    }

    static func namespaces(of plan: LabPlan) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []).filter { $0.hasPrefix(plan.netnsPrefix) }.sorted()
    }
}
