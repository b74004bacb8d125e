import PorticoAPI

/// What one sync of the node proxy sends and what it holds once the kernel has it, computed
/// from the caches with no I/O (kube-proxy's change tracker → desired state → one
/// transaction). `NodeProxy.sync` applies `script` and, only when that succeeds, keeps
/// `program` and `entries`.
public struct ProxySyncPlan: Sendable {
    /// Per Service: what the kernel will hold, and the entries behind it.
    public var program: ProxyProgram
    public var entries: [String: [ServicePortEntry]]
    /// The transaction; empty when nothing changed.
    public var script: String
    /// The whole table replaced (rather than the changed Services' parts).
    public var full: Bool
    /// Services whose UDP flows may need their conntrack entries removed.
    public var changedServices: Set<String>

    /// Above this many changed Services, writing the whole table is cheaper than the difference.
    public static let partialLimit = 500

    /// What the cluster looks like to the planner: the Services and their EndpointSlices.
    public struct Inputs {
        public var services: [Service]
        /// One Service by namespace and name.
        public var service: (String, String) -> Service?
        /// The EndpointSlices of one Service, by namespace and name.
        public var slices: (String, String) -> [EndpointSlice]
        /// Every EndpointSlice.
        public var allSlices: [EndpointSlice]

        public init(services: [Service], service: @escaping (String, String) -> Service?,
                    slices: @escaping (String, String) -> [EndpointSlice], allSlices: [EndpointSlice]) {
            self.services = services
            self.service = service
            self.slices = slices
            self.allSlices = allSlices
        }
    }

    /// The table for `config`, whole when `wantFull`, when there is no program yet, when what
    /// every Service shares (`RulesetContext`) changed, or when too much changed; otherwise
    /// only the `dirty` Services recomputed.
    public static func make(config: ProxyConfig, inputs: Inputs, dirty: Set<String>, previous: ProxyProgram?,
                            previousEntries: [String: [ServicePortEntry]], wantFull: Bool) -> ProxySyncPlan {
        let context = RulesetContext(nodePortIPs: ProxyState.nodePortIPs(config: config, localAddresses: []),
                                     serviceCIDRs: config.serviceCIDRs, clusterCIDRs: config.clusterCIDRs, masqueradeAll: config.masqueradeAll)
        guard !wantFull, var program = previous, program.context == context, dirty.count <= Self.partialLimit else {
            return Self.whole(config: config, context: context, inputs: inputs, previousEntries: previousEntries)
        }
        var entries = previousEntries
        var changes: [String: ServiceFragment?] = [:]
        for key in dirty {
            let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let ports = inputs.service(parts[0], parts[1]).map { ProxyState.entries(for: $0, slices: inputs.slices(parts[0], parts[1]), config: config) } ?? []
            entries[key] = ports.isEmpty ? nil : ports
            changes[key] = ports.isEmpty ? .some(nil) : ProxyRuleset.fragment(ports, context: context)
        }
        let script = program.update(changes)
        return ProxySyncPlan(program: program, entries: entries, script: script, full: false, changedServices: dirty)
    }

    static func whole(config: ProxyConfig, context: RulesetContext, inputs: Inputs,
                      previousEntries: [String: [ServicePortEntry]]) -> ProxySyncPlan {
        let byService = ProxyState.slicesByService(inputs.allSlices)
        var entries: [String: [ServicePortEntry]] = [:]
        var fragments: [String: ServiceFragment] = [:]
        for service in inputs.services {
            let key = ProxyState.key(service)
            let ports = ProxyState.entries(for: service, slices: byService[key] ?? [], config: config)
            if ports.isEmpty { continue }
            entries[key] = ports
            fragments[key] = ProxyRuleset.fragment(ports, context: context)
        }
        let program = ProxyProgram(context: context, fragments: fragments)
        return ProxySyncPlan(program: program, entries: entries, script: program.table().replacementTransaction, full: true,
                             changedServices: Set(previousEntries.keys).union(entries.keys))
    }

    /// Rules and set elements in the table, for the proxy's gauges.
    public var ruleAndElementCounts: (rules: Int, elements: Int) {
        var rules = ProxyRuleset.baseChains(self.program.context).reduce(0) { $0 + $1.rules.count }
        var elements = self.program.context.nodePortIPs.count
        for fragment in self.program.fragments.values {
            rules += fragment.chains.reduce(0) { $0 + $1.rules.count }
            elements += fragment.elements.values.reduce(0) { $0 + $1.count }
        }
        return (rules, elements)
    }
}
