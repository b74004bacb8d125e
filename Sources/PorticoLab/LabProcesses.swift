import Foundation
import PorticoAPI
import PorticoClient
import PorticoSystem

/// The lab's processes: the server, the agents, the load balancer and the DNS relay, each
/// `portico` started detached in its place with its log in the lab's logs directory, and
/// waited for until it says it is ready (its log's end is the error when it exits first).
extension Lab {
    struct ServerHandle {
        var client: KubeClient
        var transport: HTTPTransport
        var caPEM: String
    }

    func startServer(_ state: inout LabState) async throws -> ServerHandle {
        let plan = self.plan
        let config = self.config
        try FileManager.default.createDirectory(atPath: plan.serverDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try self.makeTokens()
        let log = plan.logsDirectory + "/server.log"
        let pid = try self.launch(netns: nil, log: log, [
            "server", "--data-dir", plan.serverDirectory, "--bind-address", "127.0.0.1", "--bind-address", config.hostAddress,
            "--advertise-address", config.hostAddress, "--secure-port", String(config.apiPort),
        ] + self.clusterFlags)
        state.processes.append(LabState.Process(role: "server", pid: pid, log: log))
        try state.save()
        let handle = try await self.waitForServer(pid: pid, log: log, kubeconfig: plan.serverDirectory + "/admin.kubeconfig")
        try FileManager.default.copyItem(atPath: plan.serverDirectory + "/admin.kubeconfig", toPath: plan.kubeconfigPath)
        return handle
    }

    /// What every API server of the lab is told alike: the cluster's ranges and timings.
    var clusterFlags: [String] {
        ["--service-cluster-ip-range", self.plan.serviceCIDR, "--service-node-port-range", self.config.nodePortRange,
         "--node-monitor-grace-period", self.config.nodeMonitorGracePeriod, "--node-monitor-period", self.config.nodeMonitorPeriod,
         "--load-balancer-ip-pool", self.plan.lbPool]
    }

    /// Waits (60 s at most) until the server that writes `kubeconfig` answers `/readyz` there.
    func waitForServer(pid: Int32, log: String, kubeconfig path: String, who: String = "the API server",
                       program: String = "portico") async throws -> ServerHandle {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            guard LabState.isRunning(pid, program: program) else { throw LabError("\(who) exited; the end of \(log):\n\(Self.tail(log, lines: 6))") }
            if FileManager.default.fileExists(atPath: path), let kubeconfig = try? Kubeconfig.load(path: path) {
                let transport = try HTTPTransport(kubeconfig)
                if let response = try? await transport.send(ClientRequest(method: "GET", path: "/readyz")), response.status == 200 {
                    return ServerHandle(client: KubeClient(transport: transport, fieldManager: "portico-up"), transport: transport,
                                        caPEM: kubeconfig.certificateAuthorityPEM ?? "")
                }
                try? await transport.shutdown()
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw LabError("\(who) did not become ready within 60 s; see \(log)")
    }

    func startAgents(_ state: inout LabState, caPEM: String) async throws {
        let plan = self.plan
        let tokens = try JSONDecoder().decode([String: String].self,
                                              from: Data(contentsOf: URL(fileURLWithPath: plan.serverDirectory + "/node-tokens.json")))
        for node in plan.nodes {
            let directory = plan.nodeDirectory(node)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let kubeconfig = Kubeconfig.render(server: "https://\(self.config.hostAddress):\(self.config.apiPort)", caPEM: caPEM,
                                                  user: "system:node:\(node.name)", token: tokens[node.name] ?? "")
            guard FileManager.default.createFile(atPath: directory + "/kubeconfig", contents: Data(kubeconfig.utf8),
                                                 attributes: [.posixPermissions: 0o600])
            else { throw LabError("could not write \(directory)/kubeconfig") }
            let log = plan.logsDirectory + "/\(node.name).log"
            let pid = try self.launch(netns: "/run/netns/\(node.netns)", log: log, [
                "agent", "--node-name", node.name, "--node-ip", node.address, "--pod-cidr", node.podCIDR,
                "--kubeconfig", directory + "/kubeconfig", "--data-dir", directory, "--netns-prefix", plan.netnsPrefix,
                "--node-lease-duration-seconds", String(self.config.nodeLeaseDurationSeconds),
                "--cluster-cidr", plan.clusterCIDR, "--service-cluster-ip-range", plan.serviceCIDR,
                "--cluster-dns", plan.dnsServiceIP, "--cluster-domain", self.config.clusterDomain,
                "--resolv-conf", plan.nodeResolvConfPath,
            ] + (plan.isL2 ? ["--announce-load-balancer-addresses"] : []))
            state.processes.append(LabState.Process(role: node.name, pid: pid, log: log))
            try state.save()
        }
    }

    func startLoadBalancer(_ state: inout LabState) async throws {
        let plan = self.plan
        let log = plan.logsDirectory + "/lb.log"
        // The load balancer is the cloud's, outside the nodes: it reads the API as the admin,
        // at the host's LAN address (the admin kubeconfig names 127.0.0.1).
        let directory = plan.dataDirectory + "/lb"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try self.writeAdminKubeconfig(directory + "/kubeconfig", server: "https://\(self.config.hostAddress):\(self.config.apiPort)", user: "portico-lb")
        let pid = try self.launch(netns: "/run/netns/\(plan.netnsPrefix)lb", log: log, [
            "lb", "--kubeconfig", directory + "/kubeconfig", "--external-interface", "eth1", "--internet-cidr", self.config.internetCIDR,
        ])
        state.processes.append(LabState.Process(role: "lb", pid: pid, log: log))
        try state.save()
        try await Self.waitForLog(pid: pid, log: log, saying: "lb: forwarding", who: "the load balancer", ready: "program its rules")
    }

    /// The admin's and each node's tokens, in the (first) server's directory.
    func makeTokens() throws {
        let plan = self.plan
        _ = try TokenFile.loadOrCreate(directory: plan.serverDirectory)
        var nodeTokens: [String: String] = [:]
        for node in plan.nodes { nodeTokens[node.name] = try TokenFile.addNodeToken(directory: plan.serverDirectory, node: node.name) }
        try JSONEncoder().encode(nodeTokens).write(to: URL(fileURLWithPath: plan.serverDirectory + "/node-tokens.json"))
    }

    /// A kubeconfig with the cluster's CA and the admin's token for `server`, readable by root alone.
    func writeAdminKubeconfig(_ path: String, server: String, user: String) throws {
        let adminToken = TokenFile.adminToken(try TokenFile.loadOrCreate(directory: self.plan.serverDirectory))
        let caPEM = try String(contentsOfFile: self.plan.serverDirectory + "/pki/ca.crt", encoding: .utf8)
        let kubeconfig = Kubeconfig.render(server: server, caPEM: caPEM, user: user, token: adminToken)
        guard FileManager.default.createFile(atPath: path, contents: Data(kubeconfig.utf8), attributes: [.posixPermissions: 0o600])
        else { throw LabError("could not write \(path)") }
    }

    var upstreamDescription: String {
        if let upstreams = self.config.dnsUpstreams { return upstreams.joined(separator: ", ") }
        return "the host's resolvers (/etc/resolv.conf)"
    }

    /// The link between pods and the host's resolvers, as Docker's embedded DNS is for kind:
    /// pods with dnsPolicy Default (the DNS add-on among them) use the relay on the host's
    /// LAN address, which asks the upstreams from the host. Without it, their queries would
    /// have to be routed off the machine from pod addresses.
    func startDNSRelay(_ state: inout LabState) async throws {
        let plan = self.plan
        let resolvConf = plan.hasDNSRelay ? "nameserver \(self.config.hostAddress)\n" : "# no resolver for names outside the cluster (dnsUpstreams: [])\n"
        try resolvConf.write(toFile: plan.nodeResolvConfPath, atomically: true, encoding: .utf8)
        guard plan.hasDNSRelay else { return }
        let log = plan.logsDirectory + "/dns-relay.log"
        let upstreams = (self.config.dnsUpstreams ?? []).flatMap { ["--upstream", $0] }
        let pid = try self.launch(netns: nil, log: log, ["dns", "--forward-only", "--address", self.config.hostAddress, "--port", "53",
                                                         "--health-port", "0", "--ready-port", "0"] + upstreams)
        state.processes.append(LabState.Process(role: "dns-relay", pid: pid, log: log))
        try state.save()
        try await Self.waitForLog(pid: pid, log: log, saying: "relaying", who: "the DNS relay", ready: "start")
    }

    func waitForNodes(_ client: KubeClient, state: LabState) async throws {
        let wanted = Set(self.plan.nodes.map(\.name))
        let deadline = ContinuousClock.now + .seconds(90)
        var ready: Set<String> = []
        while ContinuousClock.now < deadline {
            for process in state.processes where !process.isRunning {
                let who = ["server": "the API server", "dns-relay": "the DNS relay", "lb": "the load balancer", "api-lb": "the API load balancer"][process.role]
                    ?? (process.role.hasPrefix("etcd-") ? "the etcd member of \(process.role.dropFirst(5))"
                        : process.role.hasPrefix("server-") ? "the API server of \(process.role)" : "the agent of \(process.role)")
                throw LabError("\(who) exited; the end of \(process.log):\n\(Self.tail(process.log, lines: 6))")
            }
            if let nodes = try? await client.list(Node.self).items {
                ready = Set(nodes.filter(\.isReady).map(\.metadata.name)).intersection(wanted)
                if ready == wanted { return }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw LabError("nodes not Ready after 90 s: \(wanted.subtracting(ready).sorted().joined(separator: ", "))")
    }

    /// Starts `portico <arguments>` detached (its own session, so it outlives `up`), in a
    /// node's network namespace if given, its output appended to `log`.
    func launch(netns: String?, log: String, program: String? = nil, _ arguments: [String]) throws -> Int32 {
        let sandbox = ["sandbox"] + (netns.map { ["--netns", $0] } ?? []) + ["--setsid", "--", program ?? self.porticoPath]
        return try Shell.start(Program(self.porticoPath, sandbox + arguments, output: .file(log))).pid
    }

    /// Waits (10 s at most) until a process the lab started says it is ready in its log; its
    /// log's end is the error if it exits first.
    static func waitForLog(pid: Int32, log: String, saying marker: String, who: String, ready: String) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            guard LabState.isRunning(pid) else { throw LabError("\(who) exited; the end of \(log):\n\(Self.tail(log, lines: 6))") }
            if Self.tail(log, lines: 5).contains(marker) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw LabError("\(who) did not \(ready) within 10 s; see \(log)")
    }

    static func tail(_ path: String, lines: Int) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines + 1).joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
