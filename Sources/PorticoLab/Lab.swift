import Foundation
import PorticoSystem
import PorticoAPI
import PorticoClient
import PorticoImages

/// `portico up`, `down` and `status`: the lab of DESIGN.md on this machine. The host joins
/// the lab's LAN through the lab's own bridge; each node is a network namespace with a veth
/// on that bridge; the API server runs on the host (127.0.0.1 and the host's LAN address)
/// and one agent runs inside each node's namespace. The host gets routes for the lab's
/// ranges only: each node's pod CIDR via the node, and `unreachable` for the service CIDR.
public struct Lab: Sendable {
    public let plan: LabPlan
    /// The `portico` executable the lab's processes run.
    public let porticoPath: String

    public init(plan: LabPlan, porticoPath: String) {
        self.plan = plan
        self.porticoPath = porticoPath
    }

    var config: LabConfig { self.plan.config }

    // MARK: up

    public func up(_ printer: StepPrinter) async throws {
        printer.say("Creating lab \"\(self.config.name)\" with \(self.config.nodes) node\(self.config.nodes == 1 ? "" : "s") ...")
        try await printer.step("Checking the machine (root, iproute2, nftables, network namespaces)") { try await self.preflight() }
        if self.hasLeftovers {
            try await printer.step("Clearing the lab \"\(self.config.name)\" left by an earlier run") {
                try await Lab.remove(self.plan, printer: StepPrinter(quiet: true))
            }
        }
        try await printer.step("Checking that the lab's addresses are free") { try await self.checkAddressesFree() }
        do {
            try await self.build(printer)
        } catch {
            printer.say("")
            printer.say("portico up failed: \(error)")
            let logs = (try? FileManager.default.contentsOfDirectory(atPath: self.plan.logsDirectory)) ?? []
            for log in logs.sorted() {
                let tail = Self.tail(self.plan.logsDirectory + "/" + log, lines: 8)
                if !tail.isEmpty { printer.say("--- \(self.plan.logsDirectory)/\(log) (last lines)\n\(tail)") }
            }
            printer.say("Removing what was made ...")
            try? await Lab.remove(self.plan, printer: StepPrinter(quiet: true))
            throw error
        }
        printer.say("""

            Lab "\(self.config.name)" is up in \(StepPrinter.format(printer.elapsed)).

              export KUBECONFIG=\(self.plan.kubeconfigPath)
              kubectl get nodes -o wide

            \(self.places)
            Stop it with: portico down\(self.config.name == "portico" ? "" : " --name \(self.config.name)")
            """)
    }

    /// Where everything is, for people.
    public var places: String {
        var rows = [["PLACE", "ADDRESS", "PODS", "WHAT RUNS THERE"]]
        rows.append(["host", self.config.hostAddress, "-", "portico server (https://\(self.config.hostAddress):\(self.config.apiPort)), kubectl"])
        for node in self.plan.nodes {
            rows.append([node.name, node.address, node.podCIDR, "portico agent (netns \(node.netns))"])
        }
        rows.append(["services", self.plan.serviceCIDR, "-", "ClusterIPs (unreachable from the host, as in a cluster)"])
        if self.plan.isL2 {
            rows.append(["lb (l2)", self.plan.lbPool, "-", "LoadBalancer addresses on the LAN, each announced by one node (ARP)"])
        } else {
            rows.append(["lb", "\(self.plan.lbAddress), \(self.plan.lbInternetAddress)", "-",
                         "portico lb (netns \(self.plan.netnsPrefix)lb): LoadBalancer addresses \(self.plan.lbPool)"])
            rows.append(["internet", self.config.internetClient, "-", "a client on the internet \(self.config.internetCIDR) (netns \(self.plan.netnsPrefix)internet)"])
        }
        if self.config.dnsReplicas > 0 {
            rows.append(["dns", self.plan.dnsServiceIP, "-", "Service kube-system/kube-dns: cluster DNS for \(self.config.clusterDomain), from pods"])
        }
        return TableText.align(rows)
    }

    func build(_ printer: StepPrinter) async throws {
        let plan = self.plan
        try FileManager.default.createDirectory(atPath: plan.logsDirectory, withIntermediateDirectories: true)
        var state = LabState(config: self.config)
        try state.save()

        try await printer.step("Building the LAN \(self.config.lan) on bridge \(plan.bridge) (host \(self.config.hostAddress))") {
            try await Shell.run("ip", ["link", "add", plan.bridge, "type", "bridge"])
            try await Shell.run("ip", ["addr", "add", "\(self.config.hostAddress)/\(plan.prefixLength)", "dev", plan.bridge])
            try await Shell.run("ip", ["link", "set", plan.bridge, "up"])
        }
        try await printer.step("Starting \(plan.nodes.count) node\(plan.nodes.count == 1 ? "" : "s") as network namespaces (\(self.nodeRange))") {
            for node in plan.nodes {
                try await Shell.run("ip", ["netns", "add", node.netns])
                try await Shell.run("ip", ["link", "add", node.hostVeth, "type", "veth", "peer", "name", "eth0", "netns", node.netns])
                try await Shell.run("ip", ["link", "set", node.hostVeth, "master", plan.bridge, "up"])
                try await Shell.run("ip", ["-n", node.netns, "-batch", "-"], input: """
                    link set lo up
                    addr add \(node.address)/\(plan.prefixLength) dev eth0
                    link set eth0 up

                    """)
            }
        }
        try await printer.step("Routing the pod CIDRs via their nodes; the service CIDR \(plan.serviceCIDR) is unreachable from the host") {
            for node in plan.nodes {
                try await Shell.run("ip", ["route", "replace", node.podCIDR, "via", node.address, "dev", plan.bridge, "proto", "static"])
            }
            try await Shell.run("ip", ["route", "add", "unreachable", plan.serviceCIDR])
        }
        if !plan.isL2 {
            try await printer.step("Building the load balancer's place \(plan.netnsPrefix)lb (\(self.plan.lbAddress) on the LAN, \(plan.lbInternetAddress) on the internet \(self.config.internetCIDR)) and an internet client at \(self.config.internetClient)") {
                try await self.buildLoadBalancerPlace()
            }
        }
        let server = try await printer.step("Starting the API server on https://\(self.config.hostAddress):\(self.config.apiPort)") {
            try await self.startServer(&state)
        }
        do {
            try await printer.step(plan.hasDNSRelay
                ? "Relaying DNS for names outside the cluster on \(self.config.hostAddress):53 to \(self.upstreamDescription)"
                : "Pods get no resolver for names outside the cluster (dnsUpstreams is empty)") {
                try await self.startDNSRelay(&state)
            }
            try await printer.step("Starting a node agent in each node") {
                try await self.startAgents(&state, caPEM: server.caPEM)
            }
            try await printer.step("Waiting for \(plan.nodes.count) node\(plan.nodes.count == 1 ? "" : "s") to be Ready") {
                try await self.waitForNodes(server.client, state: state)
            }
            if !plan.isL2 {
                try await printer.step("Starting the load balancer (portico lb in \(plan.netnsPrefix)lb) for LoadBalancer Services, addresses \(self.plan.lbPool)") {
                    try await self.startLoadBalancer(&state)
                }
            }
            if self.config.dnsReplicas > 0 {
                try await printer.step("Starting cluster DNS: \(self.config.dnsReplicas) pods of \(ImageCatalog.dnsImage) behind Service kube-system/kube-dns (\(plan.dnsServiceIP))") {
                    try await ClusterDNSAddon(plan: plan).install(server.client)
                }
            }
        } catch {
            try? await server.transport.shutdown()
            throw error
        }
        try await server.transport.shutdown()
    }

    var nodeRange: String {
        self.plan.nodes.count == 1 ? self.plan.nodes[0].address : "\(self.plan.nodes[0].address)-\(self.plan.nodes.last!.address)"
    }

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
        _ = try TokenFile.loadOrCreate(directory: plan.serverDirectory)
        var nodeTokens: [String: String] = [:]
        for node in plan.nodes { nodeTokens[node.name] = try TokenFile.addNodeToken(directory: plan.serverDirectory, node: node.name) }
        try JSONEncoder().encode(nodeTokens).write(to: URL(fileURLWithPath: plan.serverDirectory + "/node-tokens.json"))
        let log = plan.logsDirectory + "/server.log"
        let pid = try self.launch(netns: nil, log: log, [
            "server", "--data-dir", plan.serverDirectory, "--bind-address", "127.0.0.1", "--bind-address", config.hostAddress,
            "--advertise-address", config.hostAddress, "--secure-port", String(config.apiPort),
            "--service-cluster-ip-range", plan.serviceCIDR, "--service-node-port-range", config.nodePortRange,
            "--node-monitor-grace-period", config.nodeMonitorGracePeriod, "--node-monitor-period", config.nodeMonitorPeriod,
            "--load-balancer-ip-pool", plan.lbPool,
        ])
        state.processes.append(LabState.Process(role: "server", pid: pid, log: log))
        try state.save()

        let adminKubeconfig = plan.serverDirectory + "/admin.kubeconfig"
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            guard LabState.isRunning(pid) else { throw LabError("the API server exited; the end of \(log):\n\(Self.tail(log, lines: 6))") }
            if FileManager.default.fileExists(atPath: adminKubeconfig), let kubeconfig = try? Kubeconfig.load(path: adminKubeconfig) {
                let transport = try HTTPTransport(kubeconfig)
                if let response = try? await transport.send(ClientRequest(method: "GET", path: "/readyz")), response.status == 200 {
                    try FileManager.default.copyItem(atPath: adminKubeconfig, toPath: plan.kubeconfigPath)
                    let ca = try String(contentsOfFile: plan.serverDirectory + "/pki/ca.crt", encoding: .utf8)
                    return ServerHandle(client: KubeClient(transport: transport, fieldManager: "portico-up"), transport: transport, caPEM: ca)
                }
                try? await transport.shutdown()
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw LabError("the API server did not become ready within 60 s; see \(log)")
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

    /// The cloud around the cluster: a load balancer namespace with one leg on the LAN and one
    /// on the "internet", an internet client behind it, and the routes that make replies go
    /// back through the load balancer (nodes) and let the host reach the LB addresses.
    func buildLoadBalancerPlace() async throws {
        let plan = self.plan
        let lb = plan.netnsPrefix + "lb"
        let internet = plan.netnsPrefix + "internet"
        try await Shell.run("ip", ["netns", "add", lb])
        try await Shell.run("ip", ["netns", "add", internet])
        let lanVeth = "\(plan.netnsPrefix)lbl"
        let internetVeth = "\(plan.netnsPrefix)lbi"
        try await Shell.run("ip", ["link", "add", lanVeth, "type", "veth", "peer", "name", "eth0", "netns", lb])
        try await Shell.run("ip", ["link", "set", lanVeth, "master", plan.bridge, "up"])
        try await Shell.run("ip", ["link", "add", internetVeth, "netns", lb, "type", "veth", "peer", "name", "eth0", "netns", internet])
        try await Shell.run("ip", ["-n", lb, "-batch", "-"], input: """
            link set lo up
            addr add \(self.plan.lbAddress)/\(plan.prefixLength) dev eth0
            link set eth0 up
            link set \(internetVeth) name eth1
            addr add \(plan.lbInternetAddress)/\(plan.internetPrefixLength) dev eth1
            link set eth1 up

            """ + plan.nodes.map { "route add \($0.podCIDR) via \($0.address)\n" }.joined())
        try await Shell.run("ip", ["netns", "exec", lb, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"])
        try await Shell.run("ip", ["-n", internet, "-batch", "-"], input: """
            link set lo up
            addr add \(self.config.internetClient)/\(plan.internetPrefixLength) dev eth0
            link set eth0 up
            route add default via \(plan.lbInternetAddress)

            """)
        for node in plan.nodes {
            try await Shell.run("ip", ["-n", node.netns, "route", "add", self.config.internetCIDR, "via", self.plan.lbAddress])
        }
        try await Shell.run("ip", ["route", "replace", self.config.internetCIDR, "via", self.plan.lbAddress, "dev", plan.bridge, "proto", "static"])
    }

    func startLoadBalancer(_ state: inout LabState) async throws {
        let plan = self.plan
        let log = plan.logsDirectory + "/lb.log"
        // The load balancer is the cloud's, outside the nodes: it reads the API as the admin,
        // at the host's LAN address (the admin kubeconfig names 127.0.0.1).
        let directory = plan.dataDirectory + "/lb"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let adminToken = TokenFile.adminToken(try TokenFile.loadOrCreate(directory: plan.serverDirectory))
        let caPEM = try String(contentsOfFile: plan.serverDirectory + "/pki/ca.crt", encoding: .utf8)
        let kubeconfig = Kubeconfig.render(server: "https://\(self.config.hostAddress):\(self.config.apiPort)", caPEM: caPEM,
                                              user: "portico-lb", token: adminToken)
        guard FileManager.default.createFile(atPath: directory + "/kubeconfig", contents: Data(kubeconfig.utf8), attributes: [.posixPermissions: 0o600])
        else { throw LabError("could not write \(directory)/kubeconfig") }
        let pid = try self.launch(netns: "/run/netns/\(plan.netnsPrefix)lb", log: log, [
            "lb", "--kubeconfig", directory + "/kubeconfig", "--external-interface", "eth1", "--internet-cidr", self.config.internetCIDR,
        ])
        state.processes.append(LabState.Process(role: "lb", pid: pid, log: log))
        try state.save()
        try await Self.waitForLog(pid: pid, log: log, saying: "lb: forwarding", who: "the load balancer", ready: "program its rules")
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
            for process in state.processes where !LabState.isRunning(process.pid) {
                let who = ["server": "the API server", "dns-relay": "the DNS relay", "lb": "the load balancer"][process.role]
                    ?? "the agent of \(process.role)"
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
    func launch(netns: String?, log: String, _ arguments: [String]) throws -> Int32 {
        let fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw LabError("cannot open \(log): \(String(cString: strerror(errno)))") }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: self.porticoPath)
        process.arguments = ["sandbox"] + (netns.map { ["--netns", $0] } ?? []) + ["--setsid", "--", self.porticoPath] + arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? handle.close()
        return process.processIdentifier
    }

    // MARK: checks

    func preflight() async throws {
        guard getuid() == 0 else {
            throw LabError("""
                portico up needs root: it creates network namespaces, veth links, a bridge and routes.
                Run it as root, for example: sudo swift run portico up
                """)
        }
        guard FileManager.default.fileExists(atPath: "/proc/self/ns/net") else {
            throw LabError("this kernel has no network namespaces (/proc/self/ns/net is missing); Portico's lab needs CONFIG_NET_NS")
        }
        try await SystemPrograms.ensure(["ip": "iproute2", "nft": "nftables", "conntrack": "conntrack"]
            .merging(self.plan.isL2 ? ["arping": "iputils-arping"] : [:]) { a, _ in a })
        let probe = "\(self.plan.netnsPrefix)probe"
        let made = try await Shell.run("ip", ["netns", "add", probe], allowFailure: true)
        guard made.status == 0 else {
            throw LabError("cannot create a network namespace (ip netns add: \(made.output.trimmingCharacters(in: .whitespacesAndNewlines))); in a container, run with --privileged")
        }
        _ = try await Shell.run("ip", ["netns", "del", probe], allowFailure: true)
    }

    /// Anything of this lab still on the machine.
    var hasLeftovers: Bool {
        if FileManager.default.fileExists(atPath: LabState.path(self.plan.dataDirectory)) { return true }
        if FileManager.default.fileExists(atPath: "/sys/class/net/\(self.plan.bridge)") { return true }
        let namespaces = (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []
        return namespaces.contains { $0.hasPrefix(self.plan.netnsPrefix) }
    }

    /// The lab's ranges must not be routed already (by another lab, or a real network).
    func checkAddressesFree() async throws {
        let routes = try await Shell.run("ip", ["-4", "route", "show", "table", "all"]).output
        var ranges: [(String, IPNetwork)] = [("lan", IPNetwork(self.config.lan)!), ("serviceCIDR", IPNetwork(self.plan.serviceCIDR)!)]
        if !self.plan.isL2 { ranges.append(("internetCIDR", IPNetwork(self.config.internetCIDR)!)) }
        ranges += self.plan.nodes.map { ("podCIDR of \($0.name)", IPNetwork($0.podCIDR)!) }
        for line in routes.split(separator: "\n") {
            var words = line.split(separator: " ").map(String.init)
            if ["unreachable", "blackhole", "prohibit", "local", "broadcast", "unicast"].contains(words.first ?? "") {
                if words.first == "local" || words.first == "broadcast" { continue }
                words.removeFirst()
            }
            guard let destination = words.first, destination != "default", let network = IPNetwork(destination.contains("/") ? destination : destination + "/32")
            else { continue }
            if line.contains("table local") { continue }
            for (field, range) in ranges where network.prefixLength > 0 && (range.contains(network.address) || network.contains(range.address)) {
                throw LabError("""
                    \(field) \(range) is already routed on this machine (\(line.trimmingCharacters(in: .whitespaces))).
                    Another lab may be up (portico status, portico down --name <name>), or choose other ranges with --config lab.yaml.
                    """)
            }
        }
        let listening = try await Shell.run("ss", ["-Hltn", "sport", "= :\(self.config.apiPort)"], allowFailure: true)
        if listening.status == 0, !listening.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw LabError("port \(self.config.apiPort) is already in use; choose another apiPort with --config lab.yaml")
        }
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

    // MARK: down

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
            for process in (state?.processes ?? []).reversed() where LabState.isRunning(process.pid) {
                kill(process.pid, SIGTERM)
            }
            let deadline = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < deadline, (state?.processes ?? []).contains(where: { LabState.isRunning($0.pid) }) {
                try await Task.sleep(for: .milliseconds(50))
            }
            for process in state?.processes ?? [] where LabState.isRunning(process.pid) { kill(process.pid, SIGKILL) }
            // Whatever still runs inside the lab's namespaces: agents, pods.
            for netns in self.namespaces(of: plan) {
                await NetnsProcesses.stop(in: "/run/netns/\(netns)", grace: .seconds(2))
            }
        }
        try await printer.step("Removing the network namespaces, links and routes") {
            // Routes through the lab's bridge go with it; only this lab's are looked at.
            for node in plan.nodes {
                let route = try await Shell.run("ip", ["-4", "route", "show", node.podCIDR, "proto", "static"], allowFailure: true)
                let words = route.output.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
                if words.count >= 5, words[1] == "via", words[2] == node.address, words[3] == "dev", words[4] == plan.bridge {
                    _ = try await Shell.run("ip", ["route", "del", node.podCIDR, "via", node.address, "dev", plan.bridge], allowFailure: true)
                }
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
            let unreachable = try await Shell.run("ip", ["-4", "route", "show", "type", "unreachable"], allowFailure: true)
            if ours, unreachable.output.split(separator: "\n").contains(where: { $0.hasPrefix("unreachable \(plan.serviceCIDR)") }) {
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

    // MARK: status

    public static func status(_ requested: LabPlan) async -> String {
        guard let state = LabState.load(requested.dataDirectory) else {
            return "No lab \"\(requested.config.name)\" is up (nothing at \(requested.dataDirectory)). Start one with: portico up"
        }
        let plan = requested.asStarted(state)
        let lab = Lab(plan: plan, porticoPath: "")
        var nodes: [String: Node] = [:]
        var podsPerNode: [String: Int] = [:]
        var lbServices: [Service] = []
        var apiState = "unreachable"
        if let kubeconfig = try? Kubeconfig.load(path: plan.kubeconfigPath), let transport = try? HTTPTransport(kubeconfig) {
            let client = KubeClient(transport: transport, fieldManager: "portico-status")
            if let list = try? await client.list(Node.self) {
                apiState = "serving"
                for node in list.items { nodes[node.metadata.name] = node }
                for pod in (try? await client.list(Pod.self).items) ?? [] where !pod.spec.nodeName.isEmpty && !pod.isTerminal {
                    podsPerNode[pod.spec.nodeName, default: 0] += 1
                }
                lbServices = ((try? await client.list(Service.self).items) ?? []).filter { !$0.status.loadBalancer.ingress.isEmpty }
            }
            try? await transport.shutdown()
        }
        let process = { (role: String) -> String in
            guard let p = state.processes.first(where: { $0.role == role }) else { return "not started" }
            return LabState.isRunning(p.pid) ? "running (pid \(p.pid))" : "stopped (pid \(p.pid) is gone)"
        }
        var rows = [["PLACE", "ADDRESS", "POD CIDR", "PROCESS", "STATUS", "PODS"]]
        rows.append(["host", plan.config.hostAddress, "-", "portico server: " + process("server"), "API \(apiState)", "-"])
        if state.processes.contains(where: { $0.role == "dns-relay" }) {
            rows.append(["host", plan.config.hostAddress + ":53", "-", "DNS relay: " + process("dns-relay"), "-", "-"])
        }
        if state.processes.contains(where: { $0.role == "lb" }) {
            rows.append(["lb", plan.lbAddress, "-", "portico lb: " + process("lb"), "-", "-"])
        }
        for node in plan.nodes {
            let object = nodes[node.name]
            let ready = object.map { $0.isReady ? "Ready" : "NotReady" } ?? "not registered"
            rows.append([node.name, node.address, node.podCIDR, "portico agent: " + process(node.name), ready,
                         object == nil ? "-" : String(podsPerNode[node.name] ?? 0)])
        }
        _ = lab
        if plan.isL2 {
            // Who answers ARP for each LoadBalancer address: the node that has it on its LAN interface.
            var owners: [String: String] = [:]
            for node in plan.nodes {
                for found in (try? await Shell.ipv4Addresses(netns: node.netns, device: "eth0")) ?? [] where found.prefixLength == 32 {
                    owners[found.address] = node.name
                }
            }
            for service in lbServices {
                for ingress in service.status.loadBalancer.ingress {
                    rows.append(["lb (l2)", ingress.ip, "-", "\(service.metadata.namespace)/\(service.metadata.name)",
                                 owners[ingress.ip].map { "announced by \($0)" } ?? "not announced", "-"])
                }
            }
        }
        return """
            Lab "\(plan.config.name)", up since \(ISO8601DateFormatter().string(from: state.startedAt)), files in \(plan.dataDirectory)
              export KUBECONFIG=\(plan.kubeconfigPath)

            \(TableText.align(rows))
            """
    }
}

/// System programs Portico needs: missing ones are installed with apt as root on Debian,
/// saying so; otherwise the error names the package.
public enum SystemPrograms {
    public static func ensure(_ programs: [String: String]) async throws {
        let missing = programs.filter { (try? Shell.locate($0.key)) == nil }
        guard !missing.isEmpty else { return }
        let packages = Array(Set(missing.values)).sorted()
        let names = missing.keys.sorted().joined(separator: ", ")
        guard getuid() == 0, (try? Shell.locate("apt-get")) != nil else {
            throw LabError("\(names) not found; install \(packages.joined(separator: " ")) (on Debian: apt-get install -y \(packages.joined(separator: " ")))")
        }
        FileHandle.standardOutput.write(Data("   \(names) not found: running apt-get install -y \(packages.joined(separator: " "))\n".utf8))
        let result = try await Shell.run("apt-get", ["install", "-y", "--no-install-recommends"] + packages, allowFailure: true)
        if result.status != 0 {
            _ = try await Shell.run("apt-get", ["update"], allowFailure: true)
            try await Shell.run("apt-get", ["install", "-y", "--no-install-recommends"] + packages)
        }
    }
}
