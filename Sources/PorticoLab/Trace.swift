import Foundation
import PorticoAPI
import PorticoClient
import PorticoLB
import PorticoSystem

/// `portico trace`: one real request followed hop by hop. The objects say what should happen
/// (`TracePlan`); the kernel says what did: `nft monitor trace` in the places the packet
/// enters (a rule of ours marks just the probe's packets, and counts them), and conntrack
/// afterwards for the NAT each place applied.
public struct Trace: Sendable {
    public let plan: LabPlan
    public let porticoPath: String
    public let timeout: Double

    public init(plan: LabPlan, porticoPath: String, timeout: Double = 2) {
        self.plan = plan
        self.porticoPath = porticoPath
        self.timeout = timeout
    }

    /// What the trace found, as lines for people, and whether the request arrived.
    public struct Report: Sendable {
        public var lines: [String]
        public var answered: Bool
        public var problems: [TraceProblem]
        public var text: String { self.lines.joined(separator: "\n") + "\n" }
    }

    // MARK: facts

    func facts(client: KubeClient, namespace: String, name: String, portName: String?, from: LabPlace,
               entryNode: String?, dnsName: String?) async throws -> (TraceFacts, slices: [EndpointSlice], nodes: [Node]) {
        if from == .lb { throw LabError("--from lb: " + TracePlan.loadBalancerIsNoClient) }
        let (service, port) = try await LabLookup.servicePort(client: client, namespace: namespace, name: name, port: portName, tool: "trace")

        let nodes = try await client.list(Node.self).items
        let slices = try await client.list(EndpointSlice.self, namespace: namespace, labelSelector: "kubernetes.io/service-name=\(name)").items
        var endpoints: [TraceFacts.EndpointFact] = []
        for slice in slices {
            // The slice's port for this Service port: the one with its name.
            let sliceport = slice.ports.first { ($0.name ?? "") == port.name }?.port.map(Int.init)
            for endpoint in slice.endpoints {
                for address in endpoint.addresses {
                    endpoints.append(.init(address: address, node: endpoint.nodeName ?? "", pod: endpoint.targetRef?.name ?? "",
                                           ready: endpoint.conditions.ready != false, port: sliceport))
                }
            }
        }
        let pods = try await client.list(Pod.self, namespace: namespace).items.filter { $0.metadata.deletionTimestamp == nil }
        let events = try await client.list(PorticoAPI.Event.self, namespace: namespace).items
            .sorted { ($0.lastTimestamp?.description ?? "") > ($1.lastTimestamp?.description ?? "") }
        var labels: [String: Int] = [:]
        for pod in pods { for (key, value) in pod.metadata.labels { labels["\(key)=\(value)", default: 0] += 1 } }
        let selector = service.spec.selector
        let selected = selector.isEmpty ? [] : pods.filter { pod in selector.allSatisfy { pod.metadata.labels[$0.key] == $0.value } }
        let podFacts = selected.map { pod -> TraceFacts.PodFact in
            var because: String?
            if !pod.isReady {
                let probe = events.first { $0.involvedObject.name == pod.metadata.name && $0.reason == "Unhealthy" }
                let waiting = pod.status.containerStatuses.compactMap { $0.state.waiting }.first
                if let probe { because = probe.message } else if let waiting { because = "container waiting: \(waiting.reason)\(waiting.message.isEmpty ? "" : " (\(waiting.message))")" }
            }
            let declared = pod.spec.containers.flatMap(\.ports).map { port in
                (port.name.isEmpty ? "" : "\(port.name)=") + "\(port.containerPort)/\(port.protocol.rawValue.isEmpty ? "TCP" : port.protocol.rawValue)"
            }
            return .init(name: pod.metadata.name, node: pod.spec.nodeName, ip: pod.status.podIP, phase: pod.status.phase.rawValue,
                         ready: pod.isReady, notReadyBecause: because, declaredPorts: declared)
        }
        let failures = events.filter { $0.involvedObject.name == name && $0.involvedObject.kind == "Service" && $0.reason == "AllocationFailed" }
            .map(\.message)

        var clientAddress = ""
        var clientNode: String?
        switch from {
        case .internet: clientAddress = self.plan.config.internetClient
        case .host: clientAddress = self.plan.config.hostAddress
        case .lb: clientAddress = self.plan.lbAddress
        case .node(let node):
            guard let found = self.plan.nodes.first(where: { $0.name == node }) else { throw LabError("no node \(node) in the lab") }
            clientAddress = found.address
            clientNode = node
        case .pod(let podNamespace, let podName):
            let pod = try await LabPlace.runningPod(client: client, namespace: podNamespace, name: podName)
            clientAddress = pod.status.podIP
            clientNode = pod.spec.nodeName
        }
        let facts = TraceFacts(from: from, clientAddress: clientAddress, clientNode: clientNode, service: service, port: port,
                               nodes: self.plan.nodes.map { .init(name: $0.name, address: $0.address) }, endpoints: endpoints,
                               selectedPods: podFacts, namespaceLabels: labels, allocationFailures: failures,
                               entryNode: entryNode, name: dnsName, clusterDomain: self.plan.config.clusterDomain)
        return (facts, slices, nodes)
    }

    // MARK: running

    public func run(client: KubeClient, namespace: String, name: String, port portName: String?, from: LabPlace,
                    entryNode: String?, dnsName: String?) async throws -> Report {
        let (facts, slices, nodes) = try await self.facts(client: client, namespace: namespace, name: name, portName: portName,
                                                          from: from, entryNode: entryNode, dnsName: dnsName)
        let tracePlan = TracePlan.make(facts)
        var problems = tracePlan.problems
        let service = facts.service
        let type = service.spec.type.rawValue.isEmpty ? "ClusterIP" : service.spec.type.rawValue
        let proto = facts.port.protocol.rawValue.isEmpty ? "TCP" : facts.port.protocol.rawValue
        var lines = ["Tracing \(namespace)/\(name) (\(type)) port \(facts.port.port)/\(proto) → targetPort \(facts.port.targetPort) from \(Self.describe(from, facts.clientAddress))", ""]
        var hop = 0
        func say(_ place: String, _ text: String, _ more: [String] = []) {
            hop += 1
            lines.append(String(format: "%2d  ", hop) + place.padding(toLength: 10, withPad: " ", startingAt: 0) + text)
            for line in more { lines.append(String(repeating: " ", count: 14) + line) }
        }

        // 1. The client and the address it uses.
        let prefix = try await from.prefix(plan: self.plan, client: client)
        if let dns = tracePlan.dnsName {
            let lookup = try await Shell.run(prefix.first ?? "getent", Array((prefix + ["getent", "hosts", dns]).dropFirst()), allowFailure: true)
            let resolved = lookup.output.split(separator: " ").first.map(String.init)
            if lookup.status == 0, let resolved {
                say("dns", "\(dns) → \(resolved) (asked from the pod, through its /etc/resolv.conf and the cluster DNS)")
                if resolved != service.spec.clusterIP, tracePlan.door != nil {
                    problems.append(TraceProblem(at: "dns", why: "\(dns) resolves to \(resolved), not the Service's ClusterIP \(service.spec.clusterIP): the name belongs to something else"))
                }
            } else {
                let podNamespace: String = { if case .pod(let ns, _) = from { return ns } else { return namespace } }()
                let search = "\(podNamespace).svc.\(self.plan.config.clusterDomain) svc.\(self.plan.config.clusterDomain) \(self.plan.config.clusterDomain)"
                say("dns", "\(dns) does not resolve from the pod")
                problems.append(TraceProblem(at: "dns", why: "the name \(dns) does not resolve from namespace \(podNamespace) (its resolv.conf searches \(search)); the Service lives in \(namespace): use \(name).\(namespace) or \(name).\(namespace).svc.\(self.plan.config.clusterDomain)"))
                lines.append("")
                lines.append("✗ nothing sent: the pod has no address for \(dns)")
                lines.append("why:")
                for problem in problems { lines.append("  \(problem.at): \(problem.why)") }
                return Report(lines: lines, answered: false, problems: problems)
            }
        }
        guard let door = tracePlan.door else {
            lines.append("")
            lines.append("✗ nothing sent: there is no address for this client to use")
            lines.append("why:")
            for problem in problems { lines.append("  \(problem.at): \(problem.why)") }
            return Report(lines: lines, answered: false, problems: problems)
        }
        say("client", "\(Self.describe(from, facts.clientAddress)) sends to \(door.address):\(door.port)/\(door.proto.uppercased()): \(door.because)")

        // The load balancer's view: its backends and their health, as it checks them.
        var lbBackends: [(node: String, target: String, healthy: Bool, check: String)] = []
        if door.kind == .loadBalancer, !self.plan.isL2 {
            let model = LoadBalancerModel.build(services: [service], nodes: nodes, slices: slices, healthy: { _ in true })
            if let frontend = model.frontends.first(where: { $0.ip == door.address && Int($0.port) == door.port }) {
                for backend in frontend.backends {
                    let node = self.plan.nodes.first { $0.address == backend.ip }?.name ?? backend.ip
                    var healthy = true
                    var check = "no health check (straight to the endpoint)"
                    if let health = backend.health {
                        healthy = await HealthChecks.probe(health, timeout: .milliseconds(750))
                        check = "\(health)"
                    }
                    lbBackends.append((node, "\(backend.ip):\(backend.port)", healthy, check))
                }
            }
        }

        // Is the app there? The endpoints' own ports, from their nodes: one probe per node.
        let probe = PlaceProbe(porticoPath: self.porticoPath, timeout: self.timeout)
        for node in self.plan.nodes {
            let endpoints = facts.endpoints.filter { $0.ready && $0.node == node.name && $0.port != nil }
            let outcomes = try await probe.run(prefix: ["ip", "netns", "exec", node.netns],
                                               targets: endpoints.map { .init(proto: door.proto, address: $0.address, port: $0.port!) })
            for (endpoint, (outcome, _)) in zip(endpoints, outcomes) {
                let port = endpoint.port!
                if outcome == .refused {
                    let declared = facts.selectedPods.first { $0.name == endpoint.pod }?.declaredPorts ?? []
                    problems.append(TraceProblem(at: "pod \(endpoint.pod)", why: "nothing listens at \(endpoint.address):\(port) (refused): targetPort \(facts.port.targetPort) is not a port the app serves\(declared.isEmpty ? "" : "; its containers declare \(declared.joined(separator: ", "))")"))
                } else if !outcome.reached {
                    problems.append(TraceProblem(at: "pod \(endpoint.pod)", why: "its node gets no answer from \(endpoint.address):\(port) (\(Reach.cell(outcome).dropFirst(2)))"))
                }
            }
        }

        // Arm the kernel's trace where the packet enters, send one request, read what happened.
        let entries = self.entries(from: from, door: door, facts: facts)
        let armed = try await self.arm(entries)
        let outcome: ConnectProbe.Outcome
        let localPort: Int
        do {
            try await Task.sleep(for: .milliseconds(300))
            (outcome, localPort) = try await probe.run(prefix: prefix, targets: [.init(proto: door.proto, address: door.address, port: door.port)])[0]
            try await Task.sleep(for: .milliseconds(300))
        } catch {
            _ = await self.disarm(armed, sourcePort: 0)
            throw error
        }
        let seen = await self.disarm(armed, sourcePort: localPort)

        // The load balancer hop.
        if door.kind == .loadBalancer, !self.plan.isL2 {
            let lb = seen.first { $0.place == "lb" }
            let conntrack = lb?.conntrack.first { $0.original.destination == door.address && $0.original.destinationPort == door.port }
            var more = lbBackends.map { "\($0.node) \($0.target): \($0.healthy ? "healthy" : "failing its health check") (\($0.check))" }
            if lbBackends.isEmpty { more = ["no backends: no node is eligible"] }
            if let conntrack {
                let node = self.plan.nodes.first { $0.address == conntrack.reply.source }?.name ?? conntrack.reply.source
                let kept = conntrack.reply.destination == conntrack.original.source
                more.append("this request → \(node) \(conntrack.reply.source):\(conntrack.reply.sourcePort) (DNAT; source \(kept ? "kept: \(conntrack.original.source)" : "masqueraded to \(conntrack.reply.destination)"))")
            }
            if let drop = lb?.records.first?.steps.last(where: { $0.verdict == "drop" || $0.rule.hasSuffix(" drop") }) {
                more.append("this request was dropped: \(drop.chain): \(drop.rule)")
            }
            say("lb", "\(self.plan.netnsPrefix)lb owns \(door.address); chain frontend-\(door.address)/\(door.proto)/\(door.port) spreads over the healthy nodes' nodePort \(facts.port.nodePort):", more)
            if lbBackends.allSatisfy({ !$0.healthy }), !lbBackends.isEmpty {
                problems.append(TraceProblem(at: "lb", why: "every node fails its health check; the load balancer sends to all of them anyway (fail open)"))
            }
        }

        // The node hop: the rules the first packet went through, and the NAT.
        var sourceSeen: String?
        var endpointChosen: String?
        for entry in seen where entry.place != "lb" {
            guard entry.packets > 0 else { continue }
            let record = entry.records.first
            let ours = (record?.steps ?? []).filter { $0.table == "portico" }
            var more = ours.map { "\($0.chain): \($0.rule)\($0.verdict.isEmpty ? "" : "  → \($0.verdict)")" }
            more.append("packets of this request counted by the trace rule: 0 → \(entry.packets)")
            if let conntrack = entry.conntrack.first {
                endpointChosen = "\(conntrack.reply.source):\(conntrack.reply.sourcePort)"
                sourceSeen = conntrack.reply.destination
                let dnat = conntrack.reply.source != conntrack.original.destination || conntrack.reply.sourcePort != conntrack.original.destinationPort
                let snat = conntrack.reply.destination != conntrack.original.source
                more.append("NAT: " + (dnat ? "DNAT \(conntrack.original.destination):\(conntrack.original.destinationPort) → \(endpointChosen!)" : "no DNAT")
                            + "; " + (snat ? "SNAT \(conntrack.original.source) → \(conntrack.reply.destination) (masquerade)" : "source kept (\(conntrack.original.source))"))
            }
            if let drop = ours.last(where: { ["drop", "reject"].contains(String($0.verdict.split(separator: " ").first ?? "")) || $0.rule.contains(" reject") || $0.rule.hasPrefix("reject") || $0.rule.hasSuffix("drop") }) {
                problems.append(TraceProblem(at: entry.place, why: "chain \(drop.chain) refuses it: \(drop.rule)\(drop.verdict.isEmpty ? "" : " → \(drop.verdict)")"))
            }
            say(entry.place, "rules of table ip portico the first packet matched (nft monitor trace):", more)
        }
        if seen.filter({ $0.place != "lb" }).allSatisfy({ $0.packets == 0 }), !outcome.reached, problems.isEmpty {
            problems.append(TraceProblem(at: "network", why: "no packet of the request reached a node"))
        }

        // The endpoint and what it sees.
        if let endpointChosen {
            let address = String(endpointChosen.split(separator: ":").first ?? "")
            let endpoint = facts.endpoints.first { $0.address == address }
            let who = endpoint.map { "pod \(namespace)/\($0.pod) on \($0.node)\($0.ready ? " (ready)" : " (not ready)")" } ?? "\(address)"
            say("endpoint", "\(who) at \(endpointChosen)", sourceSeen.map { ["the pod sees the request come from \($0)"] } ?? [])
        }

        lines.append("")
        if outcome.reached {
            lines.append("✓ answered in \(Reach.cell(outcome).dropFirst(2))")
        } else {
            lines.append("✗ \(Reach.cell(outcome).dropFirst(2))")
        }
        if !problems.isEmpty {
            lines.append(outcome.reached ? "but:" : "why:")
            for problem in problems { lines.append("  \(problem.at): \(problem.why)") }
        }
        return Report(lines: lines, answered: outcome.reached, problems: problems)
    }

    static func describe(_ from: LabPlace, _ address: String) -> String {
        switch from {
        case .internet: "the internet client \(address)"
        case .host: "the host on the LAN \(address)"
        case .lb: "the load balancer \(address)"
        case .pod(let namespace, let name): "pod \(namespace)/\(name) \(address)"
        case .node(let name): "node \(name) \(address)"
        }
    }

    // MARK: the kernel's view

    /// A place whose packets the trace watches, and the match for the probe's packets there.
    struct Entry: Sendable {
        var place: String
        var netns: String
        var match: String
        /// conntrack filter: the connection's original destination there.
        var destination: String
        var destinationPort: Int
    }

    /// Where the request enters: the lb (for its address), then the node(s) it reaches first.
    func entries(from: LabPlace, door: TracePlan.Door, facts: TraceFacts) -> [Entry] {
        var entries: [Entry] = []
        let proto = door.proto
        switch door.kind {
        case .loadBalancer where !self.plan.isL2:
            entries.append(Entry(place: "lb", netns: "\(self.plan.netnsPrefix)lb",
                                 match: "ip saddr \(facts.clientAddress) ip daddr \(door.address) \(proto) dport \(door.port)",
                                 destination: door.address, destinationPort: door.port))
            // The lb keeps the internet's source; LAN clients arrive masqueraded to the lb's LAN address.
            let source = from == .internet ? facts.clientAddress : self.plan.lbAddress
            for node in self.plan.nodes {
                entries.append(Entry(place: node.name, netns: node.netns, match: "ip saddr \(source) ip daddr \(node.address) \(proto) dport \(facts.port.nodePort)",
                                     destination: node.address, destinationPort: Int(facts.port.nodePort)))
            }
        case .nodePort(let name):
            if let node = self.plan.nodes.first(where: { $0.name == name }) {
                entries.append(Entry(place: node.name, netns: node.netns, match: "ip saddr \(facts.clientAddress) ip daddr \(door.address) \(proto) dport \(door.port)",
                                     destination: door.address, destinationPort: door.port))
            }
        default:
            let nodes = facts.clientNode.map { name in self.plan.nodes.filter { $0.name == name } } ?? self.plan.nodes
            for node in nodes {
                entries.append(Entry(place: node.name, netns: node.netns, match: "ip saddr \(facts.clientAddress) ip daddr \(door.address) \(proto) dport \(door.port)",
                                     destination: door.address, destinationPort: door.port))
            }
        }
        return entries
    }

    struct Armed: Sendable {
        var entry: Entry
        var monitor: Process
        var output: FileHandle
    }

    struct Seen: Sendable {
        var place: String
        var records: [NFTTraceRecord]
        var packets: Int
        var conntrack: [ConntrackEntry]
    }

    static let table = "portico-trace"

    /// A table of our own in each place, before every other hook (priority raw), that counts
    /// the probe's packets and sets nftrace on them; and `nft monitor trace` listening.
    func arm(_ entries: [Entry]) async throws -> [Armed] {
        var armed: [Armed] = []
        do {
            for entry in entries {
                // Declared, emptied and made again in one transaction: a table an interrupted
                // trace left behind is replaced, not added to.
                try await Shell.run("ip", ["netns", "exec", entry.netns, "nft", "-f", "-"], input: """
                    table ip \(Self.table)
                    delete table ip \(Self.table)
                    table ip \(Self.table) {
                        chain prerouting { type filter hook prerouting priority raw; \(entry.match) counter meta nftrace set 1; }
                        chain output { type filter hook output priority raw; \(entry.match) counter meta nftrace set 1; }
                    }

                    """)
                let monitor = Process()
                // Through `portico sandbox`: default signal handling, and gone with this process
                // if it is killed before it can stop the monitor.
                monitor.executableURL = URL(fileURLWithPath: self.porticoPath)
                monitor.arguments = ["sandbox", "--netns", "/run/netns/\(entry.netns)", "--die-with-parent", "--",
                                     try Shell.locate("nft"), "monitor", "trace"]
                let pipe = try Shell.pipe()
                monitor.standardOutput = pipe.write
                monitor.standardError = FileHandle.nullDevice
                try monitor.run()
                try pipe.write.close()
                armed.append(Armed(entry: entry, monitor: monitor, output: pipe.read))
            }
        } catch {
            _ = await self.disarm(armed, sourcePort: 0)
            for entry in entries { _ = try? await Shell.run("ip", ["netns", "exec", entry.netns, "nft", "delete", "table", "ip", Self.table], allowFailure: true) }
            throw error
        }
        return armed
    }

    /// Stops the monitors, reads what they saw and the counters, removes the tables, and
    /// asks conntrack what NAT each place applied.
    func disarm(_ armed: [Armed], sourcePort: Int) async -> [Seen] {
        var seen: [Seen] = []
        for item in armed {
            // nft writes each event as it happens, so stopping it loses nothing.
            item.monitor.terminate()
            let text = String(decoding: item.output.readDataToEndOfFile(), as: UTF8.self)
            item.monitor.waitUntilExit()
            let listing = (try? await Shell.run("ip", ["netns", "exec", item.entry.netns, "nft", "list", "table", "ip", Self.table], allowFailure: true).output) ?? ""
            _ = try? await Shell.run("ip", ["netns", "exec", item.entry.netns, "nft", "delete", "table", "ip", Self.table], allowFailure: true)
            let packets = listing.split(separator: "\n").compactMap { line -> Int? in
                guard let range = line.range(of: "counter packets ") else { return nil }
                return Int(line[range.upperBound...].prefix { $0.isNumber })
            }.reduce(0, +)
            let conntrack = (try? await Shell.run("ip", ["netns", "exec", item.entry.netns, "conntrack", "-L",
                                                         "-p", item.entry.match.contains(" udp ") ? "udp" : "tcp",
                                                         "--orig-dst", item.entry.destination], allowFailure: true).output) ?? ""
            let source = item.entry.match.split(separator: " ").dropFirst(2).first.map(String.init) ?? ""
            seen.append(Seen(place: item.entry.place, records: NFTTraceRecord.parse(text), packets: packets,
                             conntrack: ConntrackEntry.parse(conntrack).filter {
                                 $0.original.source == source && $0.original.sourcePort == sourcePort && $0.original.destinationPort == item.entry.destinationPort
                             }))
        }
        return seen
    }
}
