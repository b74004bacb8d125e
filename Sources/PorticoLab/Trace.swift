import Foundation
import PorticoAPI
import PorticoClient
import PorticoLB
import PorticoNFTables
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
        let podFacts = Self.podFacts(pods, selector: service.spec.selector, events: events)
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

    /// The pods the selector picks, with why each is not ready (its failing probe's event, or
    /// the reason its container waits) and the ports its containers declare.
    static func podFacts(_ pods: [Pod], selector: [String: String], events: [PorticoAPI.Event]) -> [TraceFacts.PodFact] {
        let selected = selector.isEmpty ? [] : pods.filter { pod in selector.allSatisfy { pod.metadata.labels[$0.key] == $0.value } }
        return selected.map { pod -> TraceFacts.PodFact in
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
    }

    public func run(client: KubeClient, namespace: String, name: String, port portName: String?, from: LabPlace,
                    entryNode: String?, dnsName: String?) async throws -> Report {
        let (facts, slices, nodes) = try await self.facts(client: client, namespace: namespace, name: name, portName: portName,
                                                          from: from, entryNode: entryNode, dnsName: dnsName)
        let tracePlan = TracePlan.make(facts)
        let observation = try await self.observe(facts, tracePlan, client: client, slices: slices, nodes: nodes)
        let report = TraceReport.make(facts: facts, plan: tracePlan, observation: observation,
                                      lbPlace: self.plan.isL2 ? nil : "\(self.plan.netnsPrefix)lb")
        return Report(lines: report.lines, answered: report.answered, problems: report.problems)
    }

    // MARK: observing

    /// Looks, in this order, as far as the request can go: the name from the client; then the
    /// load balancer's backends, each endpoint from its node, and the request itself traced.
    func observe(_ facts: TraceFacts, _ tracePlan: TracePlan, client: KubeClient, slices: [EndpointSlice],
                 nodes: [Node]) async throws -> TraceObservation {
        var observation = TraceObservation()
        let prefix = try await facts.from.prefix(plan: self.plan, client: client)
        if let dns = tracePlan.dnsName {
            let lookup = try await Shell.run(prefix.first ?? "getent", Array((prefix + ["getent", "hosts", dns]).dropFirst()), allowFailure: true)
            let resolved = lookup.output.split(separator: " ").first.map(String.init)
            observation.lookup = .init(name: dns, resolved: lookup.status == 0 ? resolved : nil)
            if observation.lookup?.resolved == nil { return observation }
        }
        guard let door = tracePlan.door else { return observation }
        if door.kind == .loadBalancer, !self.plan.isL2 {
            observation.backends = await self.loadBalancerBackends(door, service: facts.service, slices: slices, nodes: nodes)
        }
        let probe = PlaceProbe(porticoPath: self.porticoPath, timeout: self.timeout)
        observation.endpointProbes = try await self.probeEndpoints(facts, proto: door.proto, probe: probe)
        let armed = try await self.arm(self.entries(from: facts.from, door: door, facts: facts))
        let localPort: Int
        do {
            try await Task.sleep(for: .milliseconds(300))
            let outcome: ConnectProbe.Outcome
            (outcome, localPort) = try await probe.run(prefix: prefix, targets: [.init(proto: door.proto, address: door.address, port: door.port)])[0]
            observation.outcome = outcome
            try await Task.sleep(for: .milliseconds(300))
        } catch {
            _ = await self.disarm(armed, sourcePort: 0)
            throw error
        }
        observation.seen = await self.disarm(armed, sourcePort: localPort)
        return observation
    }

    /// The load balancer's view: the frontend's backends and their health, checked as it checks them.
    func loadBalancerBackends(_ door: TracePlan.Door, service: PorticoAPI.Service, slices: [EndpointSlice],
                              nodes: [Node]) async -> [TraceObservation.Backend] {
        let model = LoadBalancerModel.build(services: [service], nodes: nodes, slices: slices, healthy: { _ in true })
        guard let frontend = model.frontends.first(where: { $0.ip == door.address && Int($0.port) == door.port }) else { return [] }
        var backends: [TraceObservation.Backend] = []
        for backend in frontend.backends {
            let node = self.plan.nodes.first { $0.address == backend.ip }?.name ?? backend.ip
            var healthy = true
            var check = "no health check (straight to the endpoint)"
            if let health = backend.health {
                healthy = await health.probe(timeout: .milliseconds(750))
                check = "\(health)"
            }
            backends.append(.init(node: node, target: "\(backend.ip):\(backend.port)", healthy: healthy, check: check))
        }
        return backends
    }

    /// Is the app there? The ready endpoints at their own ports, from their nodes: one probe per node.
    func probeEndpoints(_ facts: TraceFacts, proto: String, probe: PlaceProbe) async throws -> [TraceObservation.EndpointProbe] {
        var probes: [TraceObservation.EndpointProbe] = []
        for node in self.plan.nodes {
            let endpoints = facts.endpoints.filter { $0.ready && $0.node == node.name && $0.port != nil }
            let outcomes = try await probe.run(prefix: ["ip", "netns", "exec", node.netns],
                                               targets: endpoints.map { .init(proto: proto, address: $0.address, port: $0.port!) })
            probes += zip(endpoints, outcomes).map { .init(endpoint: $0, outcome: $1.0) }
        }
        return probes
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
        /// `nft monitor trace`, its output on a pipe.
        var monitor: RunningProgram
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
                try await NFTCommand(netns: entry.netns).apply("""
                    table ip \(Self.table)
                    delete table ip \(Self.table)
                    table ip \(Self.table) {
                        chain prerouting { type filter hook prerouting priority raw; \(entry.match) counter meta nftrace set 1; }
                        chain output { type filter hook output priority raw; \(entry.match) counter meta nftrace set 1; }
                    }

                    """)
                // Through `portico sandbox`: default signal handling, and gone with this process
                // if it is killed before it can stop the monitor.
                let monitor = try Shell.start(Program(self.porticoPath, ["sandbox", "--netns", "/run/netns/\(entry.netns)", "--die-with-parent", "--",
                                                                         try Shell.locate("nft"), "monitor", "trace"],
                                                      output: .pipe, errors: .null))
                armed.append(Armed(entry: entry, monitor: monitor))
            }
        } catch {
            _ = await self.disarm(armed, sourcePort: 0)
            for entry in entries { await NFTCommand(netns: entry.netns).deleteTable(family: "ip", name: Self.table) }
            throw error
        }
        return armed
    }

    /// Stops the monitors, reads what they saw and the counters, removes the tables, and
    /// asks conntrack what NAT each place applied.
    func disarm(_ armed: [Armed], sourcePort: Int) async -> [TraceObservation.Seen] {
        var seen: [TraceObservation.Seen] = []
        for item in armed {
            // nft writes each event as it happens, so stopping it loses nothing.
            item.monitor.signal(SIGTERM)
            let (_, text) = await Shell.finish(item.monitor)
            let nft = NFTCommand(netns: item.entry.netns)
            let listing = (try? await nft.list(family: "ip", name: Self.table)) ?? ""
            await nft.deleteTable(family: "ip", name: Self.table)
            let packets = listing.split(separator: "\n").compactMap { line -> Int? in
                guard let range = line.range(of: "counter packets ") else { return nil }
                return Int(line[range.upperBound...].prefix { $0.isNumber })
            }.reduce(0, +)
            let conntrack = (try? await Shell.run("ip", ["netns", "exec", item.entry.netns, "conntrack", "-L",
                                                         "-p", item.entry.match.contains(" udp ") ? "udp" : "tcp",
                                                         "--orig-dst", item.entry.destination], allowFailure: true).output) ?? ""
            let source = item.entry.match.split(separator: " ").dropFirst(2).first.map(String.init) ?? ""
            seen.append(TraceObservation.Seen(place: item.entry.place, records: NFTTraceRecord.parse(text), packets: packets,
                             conntrack: ConntrackEntry.parse(conntrack).filter {
                                 $0.original.source == source && $0.original.sourcePort == sourcePort && $0.original.destinationPort == item.entry.destinationPort
                             }))
        }
        return seen
    }
}
