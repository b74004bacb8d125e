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
        printer.say("Creating lab \"\(self.config.name)\" with \(self.config.nodes) node\(self.config.nodes == 1 ? "" : "s")"
            + (self.plan.servers.isEmpty ? "" : " and \(self.plan.servers.count) API servers on etcd") + " ...")
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
        if self.plan.servers.isEmpty {
            rows.append(["host", self.config.hostAddress, "-", "portico server (https://\(self.config.hostAddress):\(self.config.apiPort)), kubectl"])
        } else {
            rows.append(["host", self.config.hostAddress, "-", "HAProxy to the API servers (https://\(self.config.hostAddress):\(self.config.apiPort)), kubectl"])
            for server in self.plan.servers {
                rows.append([server.name, server.address, "-", "portico server (leader-elected controllers), etcd member (netns \(server.netns))"])
            }
        }
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
            try await LabNetwork.apply(LabNetwork.lan(plan))
        }
        try await printer.step("Starting \(plan.nodes.count) node\(plan.nodes.count == 1 ? "" : "s") as network namespaces (\(self.nodeRange))") {
            try await LabNetwork.apply(LabNetwork.nodes(plan))
        }
        try await printer.step("Routing the pod CIDRs via their nodes; the service CIDR \(plan.serviceCIDR) is unreachable from the host") {
            try await LabNetwork.apply(LabNetwork.hostRoutes(plan))
        }
        if !plan.isL2 {
            try await printer.step("Building the load balancer's place \(plan.netnsPrefix)lb (\(self.plan.lbAddress) on the LAN, \(plan.lbInternetAddress) on the internet \(self.config.internetCIDR)) and an internet client at \(self.config.internetClient)") {
                try await LabNetwork.apply(LabNetwork.loadBalancerPlace(plan))
            }
        }
        let server = try await self.startControlPlane(&state, printer)
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

    /// One API server on the host (SQLite), or several in places of their own on etcd.
    func startControlPlane(_ state: inout LabState, _ printer: StepPrinter) async throws -> ServerHandle {
        let plan = self.plan
        guard !plan.servers.isEmpty else {
            return try await printer.step("Starting the API server on https://\(self.config.hostAddress):\(self.config.apiPort)") {
                try await self.startServer(&state)
            }
        }
        try await printer.step("Building \(plan.servers.count) server places on the LAN (\(plan.servers.map(\.address).joined(separator: ", ")))") {
            try await LabNetwork.apply(LabNetwork.serverPlaces(plan))
        }
        return try await printer.step("Starting \(plan.servers.count) etcd members and API servers, behind HAProxy on https://\(self.config.hostAddress):\(self.config.apiPort)") {
            try await self.startServers(&state)
        }
    }

    var nodeRange: String {
        self.plan.nodes.count == 1 ? self.plan.nodes[0].address : "\(self.plan.nodes[0].address)-\(self.plan.nodes.last!.address)"
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
            .merging(self.plan.isL2 ? ["arping": "iputils-arping"] : [:]) { a, _ in a }
            .merging(self.plan.servers.isEmpty ? [:] : ["etcd": "etcd-server", "haproxy": "haproxy"]) { a, _ in a })
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

    /// The first of the lab's ranges that one of `routes` already takes (the local and
    /// broadcast table's own entries and the default route aside), with the config field that sets it.
    static func routed(_ plan: LabPlan, among routes: [Route]) -> (String, IPNetwork, Route)? {
        var ranges: [(String, IPNetwork)] = [("lan", IPNetwork(plan.config.lan)!), ("serviceCIDR", IPNetwork(plan.serviceCIDR)!)]
        if !plan.isL2 { ranges.append(("internetCIDR", IPNetwork(plan.config.internetCIDR)!)) }
        ranges += plan.nodes.map { ("podCIDR of \($0.name)", IPNetwork($0.podCIDR)!) }
        for route in routes where !["local", "broadcast"].contains(route.type) && route.table != "local" && route.destination != "default" {
            guard let network = IPNetwork(route.destination.contains("/") ? route.destination : route.destination + "/32") else { continue }
            for (field, range) in ranges where network.prefixLength > 0 && (range.contains(network.address) || network.contains(range.address)) {
                return (field, range, route)
            }
        }
        return nil
    }

    /// The lab's ranges must not be routed already (by another lab, or a real network).
    func checkAddressesFree() async throws {
        if let (field, range, route) = Self.routed(self.plan, among: try await IPCommand().routes(allTables: true)) {
            throw LabError("""
                \(field) \(range) is already routed on this machine (\(route)).
                Another lab may be up (portico status, portico down --name <name>), or choose other ranges with --config lab.yaml.
                """)
        }
        let listening = try await Shell.run("ss", ["-Hltn", "sport", "= :\(self.config.apiPort)"], allowFailure: true)
        if listening.status == 0, !listening.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw LabError("port \(self.config.apiPort) is already in use; choose another apiPort with --config lab.yaml")
        }
    }

}
