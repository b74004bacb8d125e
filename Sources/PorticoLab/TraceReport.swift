import PorticoAPI
import PorticoSystem

/// What `portico trace` saw in the lab, as plain values: the name lookup, the load balancer's
/// backends and their health, each endpoint probed from its node, the request's outcome and
/// what the kernel recorded in each place it entered. `Trace` gathers it; `TraceReport`
/// explains it.
public struct TraceObservation: Sendable {
    /// The client's lookup of the Service's name; `resolved` nil when it did not resolve.
    public struct Lookup: Sendable {
        public var name: String
        public var resolved: String?
    }

    /// One backend of the load balancer's frontend, and its health as the load balancer checks it.
    public struct Backend: Sendable {
        public var node: String
        public var target: String
        public var healthy: Bool
        public var check: String
    }

    /// One ready endpoint probed at its own port from its node.
    public struct EndpointProbe: Sendable {
        public var endpoint: TraceFacts.EndpointFact
        public var outcome: ConnectProbe.Outcome
    }

    /// What the kernel of one place recorded: `nft monitor trace`, the trace rule's packet
    /// count, and the conntrack entries of the request.
    public struct Seen: Sendable {
        public var place: String
        public var records: [NFTTraceRecord]
        public var packets: Int
        public var conntrack: [ConntrackEntry]
    }

    public var lookup: Lookup?
    public var backends: [Backend] = []
    public var endpointProbes: [EndpointProbe] = []
    /// The request's outcome; nil when nothing was sent.
    public var outcome: ConnectProbe.Outcome?
    public var seen: [Seen] = []

    public init() {}
}

/// The trace explained, pure: from the facts, the plan and what was observed, the hops the
/// request took (each with what the kernel did there), every break on the way, and the end.
public struct TraceReport: Sendable {
    public struct Hop: Sendable, Equatable {
        public var place: String
        public var text: String
        public var more: [String] = []
    }

    public var title: String
    public var hops: [Hop] = []
    public var problems: [TraceProblem]
    /// The last line: what became of the request.
    public var ending: String
    public var answered = false

    /// `lbPlace`: the load balancer's namespace, nil when the lab has none (L2 mode).
    public static func make(facts: TraceFacts, plan: TracePlan, observation: TraceObservation, lbPlace: String?) -> TraceReport {
        var report = TraceReport(title: Self.title(facts), problems: plan.problems, ending: "")
        if let lookup = observation.lookup, !report.lookedUp(lookup, facts: facts, plan: plan) {
            report.ending = "✗ nothing sent: the pod has no address for \(lookup.name)"
            return report
        }
        guard let door = plan.door, let outcome = observation.outcome else {
            report.ending = "✗ nothing sent: there is no address for this client to use"
            return report
        }
        report.hops.append(Hop(place: "client", text: "\(Self.describe(facts.from, facts.clientAddress)) sends to \(door.address):\(door.port)/\(door.proto.uppercased()): \(door.because)"))
        report.problems += Self.endpointProblems(observation.endpointProbes, facts: facts)
        if door.kind == .loadBalancer, let lbPlace { report.loadBalancerHop(door, facts: facts, observation: observation, lbPlace: lbPlace) }
        let chosen = report.nodeHops(observation.seen)
        if observation.seen.filter({ $0.place != "lb" }).allSatisfy({ $0.packets == 0 }), !outcome.reached, report.problems.isEmpty {
            report.problems.append(TraceProblem(at: "network", why: "no packet of the request reached a node"))
        }
        if let chosen { report.hops.append(Self.endpointHop(chosen, facts: facts)) }
        report.answered = outcome.reached
        report.ending = outcome.reached ? "✓ answered in \(Reach.cell(outcome).dropFirst(2))" : "✗ \(Reach.cell(outcome).dropFirst(2))"
        return report
    }

    /// As people read it: numbered hops, the end, and every break.
    public var lines: [String] {
        var lines = [self.title, ""]
        for (index, hop) in self.hops.enumerated() {
            lines.append(String(format: "%2d  ", index + 1) + hop.place.padding(toLength: 10, withPad: " ", startingAt: 0) + hop.text)
            for line in hop.more { lines.append(String(repeating: " ", count: 14) + line) }
        }
        lines += ["", self.ending]
        if !self.problems.isEmpty {
            lines.append(self.answered ? "but:" : "why:")
            for problem in self.problems { lines.append("  \(problem.at): \(problem.why)") }
        }
        return lines
    }

    static func title(_ facts: TraceFacts) -> String {
        let service = facts.service
        let type = service.spec.type.rawValue.isEmpty ? "ClusterIP" : service.spec.type.rawValue
        let proto = facts.port.protocol.rawValue.isEmpty ? "TCP" : facts.port.protocol.rawValue
        return "Tracing \(service.metadata.namespace)/\(service.metadata.name) (\(type)) port \(facts.port.port)/\(proto) → targetPort \(facts.port.targetPort) from \(Self.describe(facts.from, facts.clientAddress))"
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

    /// The DNS hop; false when the name did not resolve (nothing can be sent).
    mutating func lookedUp(_ lookup: TraceObservation.Lookup, facts: TraceFacts, plan: TracePlan) -> Bool {
        let service = facts.service
        let namespace = service.metadata.namespace
        let domain = facts.clusterDomain
        guard let resolved = lookup.resolved else {
            let podNamespace: String = { if case .pod(let ns, _) = facts.from { return ns } else { return namespace } }()
            let search = "\(podNamespace).svc.\(domain) svc.\(domain) \(domain)"
            self.hops.append(Hop(place: "dns", text: "\(lookup.name) does not resolve from the pod"))
            self.problems.append(TraceProblem(at: "dns", why: "the name \(lookup.name) does not resolve from namespace \(podNamespace) (its resolv.conf searches \(search)); the Service lives in \(namespace): use \(service.metadata.name).\(namespace) or \(service.metadata.name).\(namespace).svc.\(domain)"))
            return false
        }
        self.hops.append(Hop(place: "dns", text: "\(lookup.name) → \(resolved) (asked from the pod, through its /etc/resolv.conf and the cluster DNS)"))
        if resolved != service.spec.clusterIP, plan.door != nil {
            self.problems.append(TraceProblem(at: "dns", why: "\(lookup.name) resolves to \(resolved), not the Service's ClusterIP \(service.spec.clusterIP): the name belongs to something else"))
        }
        return true
    }

    /// Endpoints that refuse or do not answer at their own port, from their own node.
    static func endpointProblems(_ probes: [TraceObservation.EndpointProbe], facts: TraceFacts) -> [TraceProblem] {
        probes.compactMap { probe in
            let endpoint = probe.endpoint
            let port = endpoint.port ?? 0
            if probe.outcome == .refused {
                let declared = facts.selectedPods.first { $0.name == endpoint.pod }?.declaredPorts ?? []
                return TraceProblem(at: "pod \(endpoint.pod)", why: "nothing listens at \(endpoint.address):\(port) (refused): targetPort \(facts.port.targetPort) is not a port the app serves\(declared.isEmpty ? "" : "; its containers declare \(declared.joined(separator: ", "))")")
            }
            if !probe.outcome.reached {
                return TraceProblem(at: "pod \(endpoint.pod)", why: "its node gets no answer from \(endpoint.address):\(port) (\(Reach.cell(probe.outcome).dropFirst(2)))")
            }
            return nil
        }
    }

    /// The load balancer's hop: its backends and their health, where this request went, a drop.
    mutating func loadBalancerHop(_ door: TracePlan.Door, facts: TraceFacts, observation: TraceObservation, lbPlace: String) {
        let backends = observation.backends
        let lb = observation.seen.first { $0.place == "lb" }
        var more = backends.map { "\($0.node) \($0.target): \($0.healthy ? "healthy" : "failing its health check") (\($0.check))" }
        if backends.isEmpty { more = ["no backends: no node is eligible"] }
        if let conntrack = lb?.conntrack.first(where: { $0.original.destination == door.address && $0.original.destinationPort == door.port }) {
            let node = facts.nodes.first { $0.address == conntrack.reply.source }?.name ?? conntrack.reply.source
            let kept = conntrack.reply.destination == conntrack.original.source
            more.append("this request → \(node) \(conntrack.reply.source):\(conntrack.reply.sourcePort) (DNAT; source \(kept ? "kept: \(conntrack.original.source)" : "masqueraded to \(conntrack.reply.destination)"))")
        }
        if let drop = lb?.records.first?.steps.last(where: { $0.verdict == "drop" || $0.rule.hasSuffix(" drop") }) {
            more.append("this request was dropped: \(drop.chain): \(drop.rule)")
        }
        self.hops.append(Hop(place: "lb", text: "\(lbPlace) owns \(door.address); chain frontend-\(door.address)/\(door.proto)/\(door.port) spreads over the healthy nodes' nodePort \(facts.port.nodePort):", more: more))
        if backends.allSatisfy({ !$0.healthy }), !backends.isEmpty {
            self.problems.append(TraceProblem(at: "lb", why: "every node fails its health check; the load balancer sends to all of them anyway (fail open)"))
        }
    }

    /// The nodes' hops: the rules the first packet went through, and the NAT. Returns the
    /// endpoint conntrack says was chosen, and the source it sees.
    mutating func nodeHops(_ seen: [TraceObservation.Seen]) -> (endpoint: String, source: String)? {
        var chosen: (endpoint: String, source: String)?
        for entry in seen where entry.place != "lb" && entry.packets > 0 {
            let ours = (entry.records.first?.steps ?? []).filter { $0.table == "portico" }
            var more = ours.map { "\($0.chain): \($0.rule)\($0.verdict.isEmpty ? "" : "  → \($0.verdict)")" }
            more.append("packets of this request counted by the trace rule: 0 → \(entry.packets)")
            if let conntrack = entry.conntrack.first {
                chosen = ("\(conntrack.reply.source):\(conntrack.reply.sourcePort)", conntrack.reply.destination)
                more.append(Self.nat(conntrack))
            }
            if let drop = ours.last(where: Self.refuses) {
                self.problems.append(TraceProblem(at: entry.place, why: "chain \(drop.chain) refuses it: \(drop.rule)\(drop.verdict.isEmpty ? "" : " → \(drop.verdict)")"))
            }
            self.hops.append(Hop(place: entry.place, text: "rules of table ip portico the first packet matched (nft monitor trace):", more: more))
        }
        return chosen
    }

    static func nat(_ conntrack: ConntrackEntry) -> String {
        let original = conntrack.original, reply = conntrack.reply
        let dnat = reply.source != original.destination || reply.sourcePort != original.destinationPort
        let snat = reply.destination != original.source
        return "NAT: " + (dnat ? "DNAT \(original.destination):\(original.destinationPort) → \(reply.source):\(reply.sourcePort)" : "no DNAT")
            + "; " + (snat ? "SNAT \(original.source) → \(reply.destination) (masquerade)" : "source kept (\(original.source))")
    }

    /// A rule that drops or rejects the packet.
    static func refuses(_ step: NFTTraceRecord.Step) -> Bool {
        ["drop", "reject"].contains(String(step.verdict.split(separator: " ").first ?? ""))
            || step.rule.contains(" reject") || step.rule.hasPrefix("reject") || step.rule.hasSuffix("drop")
    }

    static func endpointHop(_ chosen: (endpoint: String, source: String), facts: TraceFacts) -> Hop {
        let address = String(chosen.endpoint.split(separator: ":").first ?? "")
        let endpoint = facts.endpoints.first { $0.address == address }
        let namespace = facts.service.metadata.namespace
        let who = endpoint.map { "pod \(namespace)/\($0.pod) on \($0.node)\($0.ready ? " (ready)" : " (not ready)")" } ?? address
        return Hop(place: "endpoint", text: "\(who) at \(chosen.endpoint)", more: ["the pod sees the request come from \(chosen.source)"])
    }
}
