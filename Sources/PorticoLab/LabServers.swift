import Foundation
import PorticoClient
import PorticoSystem

/// Several API servers (`servers: 3`), as kubeadm's stacked-etcd HA topology: in each place
/// `server-N` on the LAN an etcd member (Debian's `etcd-server`) and a `portico server` on it,
/// the members one cluster; in front of them, on the lab's API address (the host's LAN
/// address and 127.0.0.1, the port of the kubeconfig), HAProxy (Debian's `haproxy`, as the
/// kubeadm HA guide uses) forwarding to the servers whose `/readyz` answers.
extension Lab {
    func startServers(_ state: inout LabState) async throws -> ServerHandle {
        let plan = self.plan
        for server in plan.servers {
            try FileManager.default.createDirectory(atPath: plan.serverDirectory(server), withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        try self.makeTokens()
        for server in plan.servers { try await self.startEtcd(server, &state) }
        for server in plan.servers { try await self.waitForEtcd(server) }
        for (index, server) in plan.servers.enumerated() {
            if index > 0 { try self.shareClusterSecrets(with: server) }
            let log = plan.logsDirectory + "/\(server.name).log"
            let pid = try self.launch(netns: "/run/netns/\(server.netns)", log: log, self.serverArguments(server))
            state.processes.append(LabState.Process(role: server.name, pid: pid, log: log))
            try state.save()
            let handle = try await self.waitForServer(pid: pid, log: log, kubeconfig: plan.serverDirectory(server) + "/admin.kubeconfig",
                                                      who: "the API server of \(server.name)")
            try? await handle.transport.shutdown()
        }
        return try await self.startAPILoadBalancer(&state)
    }

    /// The first server's CA and tokens, copied to another before it starts (each makes its
    /// own serving certificate from that CA): one cluster, one trust, one set of tokens.
    func shareClusterSecrets(with server: LabPlan.ServerPlan) throws {
        try Self.copyClusterSecrets(from: self.plan.serverDirectory, to: self.plan.serverDirectory(server))
    }

    /// A server's CA and tokens, copied into another server's data directory (what it has already is kept).
    public static func copyClusterSecrets(from: String, to: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: to + "/pki", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for file in ["pki/ca.crt", "pki/ca.key", TokenFile.fileName] where !fm.fileExists(atPath: to + "/" + file) {
            try fm.copyItem(atPath: from + "/" + file, toPath: to + "/" + file)
        }
    }

    func serverArguments(_ server: LabPlan.ServerPlan) -> [String] {
        ["server", "--data-dir", self.plan.serverDirectory(server), "--bind-address", server.address, "--advertise-address", server.address,
         "--secure-port", String(self.config.apiPort), "--tls-san", "127.0.0.1", "--tls-san", self.config.hostAddress,
         "--etcd-servers", self.plan.servers.map(\.etcdClientURL).joined(separator: ","), "--leader-elect=true"] + self.clusterFlags
    }

    func startEtcd(_ server: LabPlan.ServerPlan, _ state: inout LabState) async throws {
        let log = self.plan.logsDirectory + "/etcd-\(server.name).log"
        let etcd = try Shell.locate("etcd")
        let pid = try self.launch(netns: "/run/netns/\(server.netns)", log: log, program: etcd, [
            "--name", server.name, "--data-dir", self.plan.serverDirectory(server) + "/etcd",
            "--listen-client-urls", server.etcdClientURL, "--advertise-client-urls", server.etcdClientURL,
            "--listen-peer-urls", server.etcdPeerURL, "--initial-advertise-peer-urls", server.etcdPeerURL,
            "--initial-cluster", self.plan.etcdInitialCluster, "--initial-cluster-state", "new",
            "--initial-cluster-token", "\(self.config.name)-etcd",
        ])
        state.processes.append(LabState.Process(role: "etcd-\(server.name)", pid: pid, log: log, program: "etcd"))
        try state.save()
    }

    /// Waits (30 s at most) until the member says it is healthy: the cluster has a leader.
    func waitForEtcd(_ server: LabPlan.ServerPlan) async throws {
        let log = self.plan.logsDirectory + "/etcd-\(server.name).log"
        let check = HTTPCheck(ip: server.address, port: 2379, path: "/health")
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if await check.probe(timeout: .seconds(1), userAgent: "portico-up") { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw LabError("the etcd member of \(server.name) was not healthy within 30 s; the end of \(log):\n\(Self.tail(log, lines: 6))")
    }

    /// HAProxy on the lab's API address, forwarding each connection to a server whose
    /// `/readyz` answers (checked every second; two failures take a server out and end its
    /// connections, so watches reconnect to another); the lab's kubeconfig names it.
    func startAPILoadBalancer(_ state: inout LabState) async throws -> ServerHandle {
        let plan = self.plan
        let file = plan.dataDirectory + "/haproxy.cfg"
        try HAProxyConfig.render(plan).write(toFile: file, atomically: true, encoding: .utf8)
        let log = plan.logsDirectory + "/api-lb.log"
        let pid = try self.launch(netns: nil, log: log, program: try Shell.locate("haproxy"), ["-f", file, "-db"])
        state.processes.append(LabState.Process(role: "api-lb", pid: pid, log: log, program: "haproxy"))
        try state.save()
        try self.writeAdminKubeconfig(plan.kubeconfigPath, server: "https://127.0.0.1:\(self.config.apiPort)", user: "portico-admin")
        return try await self.waitForServer(pid: pid, log: log, kubeconfig: plan.kubeconfigPath, who: "the API load balancer (HAProxy)",
                                            program: "haproxy")
    }
}

/// The API load balancer's configuration: plain TCP (TLS goes through to the servers, whose
/// certificates name the lab's API address), health by HTTPS `/readyz`.
enum HAProxyConfig {
    static func render(_ plan: LabPlan) -> String {
        let port = plan.config.apiPort
        let servers = plan.servers.map { "    server \($0.name) \($0.address):\(port) check check-ssl verify none\n" }.joined()
        return """
            # Made by portico up: the API servers of lab "\(plan.config.name)" behind one address.
            global
                maxconn 4096
            defaults
                mode tcp
                timeout connect 2s
                timeout client 1h
                timeout server 1h
                # A connection a dead server refuses is tried on another.
                retries 2
                option redispatch 1
            frontend api
                bind 127.0.0.1:\(port)
                bind \(plan.config.hostAddress):\(port)
                default_backend servers
            backend servers
                option httpchk
                http-check send meth GET uri /readyz
                http-check expect status 200
                default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions

            """ + servers
    }
}
