import Foundation
import PorticoAPI
import PorticoClient
import PorticoSystem

/// `portico status`: what is observed (the API's Nodes, pods per node, LoadBalancer Services,
/// which node announces each L2 address, which processes run) as plain values, then a pure
/// rendering of the table.
struct LabStatus {
    var nodes: [String: Node] = [:]
    var podsPerNode: [String: Int] = [:]
    var loadBalancerServices: [Service] = []
    var api = "unreachable"
    /// L2 mode: LoadBalancer address → the node that has it on its LAN interface.
    var announcedBy: [String: String] = [:]
    /// Role → running or not, for the processes the lab started.
    var running: [String: Bool] = [:]

    /// Asks the API (as the lab's admin), the nodes' interfaces and the process table.
    static func observe(_ plan: LabPlan, _ state: LabState) async -> LabStatus {
        var status = LabStatus()
        if let kubeconfig = try? Kubeconfig.load(path: plan.kubeconfigPath), let transport = try? HTTPTransport(kubeconfig) {
            let client = KubeClient(transport: transport, fieldManager: "portico-status")
            if let list = try? await client.list(Node.self) {
                status.api = "serving"
                for node in list.items { status.nodes[node.metadata.name] = node }
                for pod in (try? await client.list(Pod.self).items) ?? [] where !pod.spec.nodeName.isEmpty && !pod.isTerminal {
                    status.podsPerNode[pod.spec.nodeName, default: 0] += 1
                }
                status.loadBalancerServices = ((try? await client.list(Service.self).items) ?? []).filter { !$0.status.loadBalancer.ingress.isEmpty }
            }
            try? await transport.shutdown()
        }
        if plan.isL2 {
            for node in plan.nodes {
                for found in (try? await IPCommand(netns: node.netns).addresses(device: "eth0")) ?? [] where found.prefixLength == 32 {
                    status.announcedBy[found.address] = node.name
                }
            }
        }
        for process in state.processes { status.running[process.role] = process.isRunning }
        return status
    }

    /// The table, for people.
    func render(_ plan: LabPlan, _ state: LabState) -> String {
        let process = { (role: String) -> String in
            guard let p = state.processes.first(where: { $0.role == role }) else { return "not started" }
            return self.running[role] == true ? "running (pid \(p.pid))" : "stopped (pid \(p.pid) is gone)"
        }
        var rows = [["PLACE", "ADDRESS", "POD CIDR", "PROCESS", "STATUS", "PODS"]]
        if plan.servers.isEmpty {
            rows.append(["host", plan.config.hostAddress, "-", "portico server: " + process("server"), "API \(self.api)", "-"])
        } else {
            rows.append(["host", plan.config.hostAddress, "-", "HAProxy (API): " + process("api-lb"), "API \(self.api)", "-"])
            for server in plan.servers {
                rows.append([server.name, server.address, "-", "portico server: " + process(server.name), "-", "-"])
                rows.append([server.name, server.etcdClientURL, "-", "etcd: " + process("etcd-" + server.name), "-", "-"])
            }
        }
        if state.processes.contains(where: { $0.role == "dns-relay" }) {
            rows.append(["host", plan.config.hostAddress + ":53", "-", "DNS relay: " + process("dns-relay"), "-", "-"])
        }
        if state.processes.contains(where: { $0.role == "lb" }) {
            rows.append(["lb", plan.lbAddress, "-", "portico lb: " + process("lb"), "-", "-"])
        }
        for node in plan.nodes {
            let object = self.nodes[node.name]
            let ready = object.map { $0.isReady ? "Ready" : "NotReady" } ?? "not registered"
            rows.append([node.name, node.address, node.podCIDR, "portico agent: " + process(node.name), ready,
                         object == nil ? "-" : String(self.podsPerNode[node.name] ?? 0)])
        }
        if plan.isL2 { rows += self.announcements }
        return """
            Lab "\(plan.config.name)", up since \(ISO8601DateFormatter().string(from: state.startedAt)), files in \(plan.dataDirectory)
              export KUBECONFIG=\(plan.kubeconfigPath)

            \(TableText.align(rows))
            """
    }

    /// Who answers ARP for each LoadBalancer address (L2 mode).
    var announcements: [[String]] {
        self.loadBalancerServices.flatMap { service in
            service.status.loadBalancer.ingress.map { ingress in
                ["lb (l2)", ingress.ip, "-", "\(service.metadata.namespace)/\(service.metadata.name)",
                 self.announcedBy[ingress.ip].map { "announced by \($0)" } ?? "not announced", "-"]
            }
        }
    }
}

extension Lab {
    /// The status table, or with `json` the document `LabStatus.Document` (nil when no lab is up).
    public static func status(_ requested: LabPlan, json: Bool = false) async -> (text: String, up: Bool) {
        guard let state = LabState.load(requested.dataDirectory) else {
            return ("No lab \"\(requested.config.name)\" is up (nothing at \(requested.dataDirectory)). Start one with: portico up", false)
        }
        let plan = requested.asStarted(state)
        let status = await LabStatus.observe(plan, state)
        guard json else { return (status.render(plan, state), true) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(status.document(plan, state))) ?? Data()
        return (String(decoding: data, as: UTF8.self), true)
    }
}
