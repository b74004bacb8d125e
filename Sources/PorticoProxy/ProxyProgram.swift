import PorticoNFTables

/// What does not depend on any one Service: the node's NodePort addresses and the ranges.
/// A change here rewrites the whole table.
public struct RulesetContext: Sendable, Equatable {
    public var nodePortIPs: [String]
    public var serviceCIDRs: [String]
    public var clusterCIDRs: [String]
    public var masqueradeAll: Bool

    public init(_ state: ProxyState) {
        self.nodePortIPs = state.nodePortIPs
        self.serviceCIDRs = state.serviceCIDRs
        self.clusterCIDRs = state.clusterCIDRs
        self.masqueradeAll = state.masqueradeAll
    }

    public init(nodePortIPs: [String], serviceCIDRs: [String], clusterCIDRs: [String], masqueradeAll: Bool) {
        self.nodePortIPs = nodePortIPs
        self.serviceCIDRs = serviceCIDRs
        self.clusterCIDRs = clusterCIDRs
        self.masqueradeAll = masqueradeAll
    }
}

/// One Service's part of the table.
public struct ServiceFragment: Sendable, Equatable {
    public var chains: [NFTChain] = []
    /// Elements it puts in the shared sets and maps: set → key → value ("" in a set).
    public var elements: [String: [String: String]] = [:]
    /// Its own sets (client affinity).
    public var sets: [NFTSet] = []

    public init() {}
}

/// The table as the kernel has it, kept per Service, so that a sync computes and sends only
/// what changed: the changed Services' chains rewritten, their elements added and removed
/// (an element two Services put in a shared set stays until neither does), their chains and
/// sets removed once nothing refers to them. The whole table is assembled only for a full
/// write and for people (`nft list table` shows the same).
public struct ProxyProgram: Sendable {
    public private(set) var context: RulesetContext
    public private(set) var fragments: [String: ServiceFragment]
    /// set → key → the Services that put it there, and the value each gave.
    var contributors: [String: [String: [String: String]]] = [:]

    public init(context: RulesetContext, fragments: [String: ServiceFragment]) {
        self.context = context
        self.fragments = fragments
        for (service, fragment) in fragments {
            for (set, elements) in fragment.elements {
                for (key, value) in elements { self.contributors[set, default: [:]][key, default: [:]][service] = value }
            }
        }
    }

    /// The value the kernel holds for a key: that of the first contributing Service.
    static func value(_ contributors: [String: String]?) -> String? {
        guard let contributors, let first = contributors.keys.min() else { return nil }
        return contributors[first]
    }

    public func table() -> NFTTable {
        var table = NFTTable()
        table.sets = ProxyRuleset.sharedSets(self.context)
        for i in table.sets.indices {
            for (key, contributors) in self.contributors[table.sets[i].name] ?? [:] {
                if let value = Self.value(contributors) { table.sets[i].elements[key] = value }
            }
        }
        table.chains = ProxyRuleset.baseChains(self.context)
        for service in self.fragments.keys.sorted() {
            let fragment = self.fragments[service]!
            table.chains += fragment.chains
            table.sets += fragment.sets
        }
        return table
    }

    public var serviceCount: Int { self.fragments.count }

    /// Replaces the fragments of the given Services (nil: the Service is gone) and returns the
    /// one transaction that makes the kernel's table match. Empty when nothing changed.
    public mutating func update(_ changes: [String: ServiceFragment?]) -> String {
        let table = "ip portico"
        var addSets: [String] = []
        var addChains: [String] = []
        var fillChains: [String] = []
        var deleteElements: [String: [String]] = [:]
        var addElements: [String: [String]] = [:]
        var dropChains: [NFTChain] = []
        var dropSets: [NFTSet] = []
        var touched: [String: Set<String>] = [:]
        var before: [String: [String: String]] = [:]

        for (service, new) in changes.sorted(by: { $0.key < $1.key }) {
            let old = self.fragments[service]
            if old == new { continue }
            let oldChains = Dictionary(uniqueKeysWithValues: (old?.chains ?? []).map { ($0.name, $0) })
            let newChainNames = Set((new?.chains ?? []).map(\.name))
            for chain in new?.chains ?? [] {
                if oldChains[chain.name] == nil { addChains.append("add chain \(table) \(chain.name)") }
                if oldChains[chain.name]?.rules != chain.rules {
                    if oldChains[chain.name] != nil { fillChains.append("flush chain \(table) \(chain.name)") }
                    for rule in chain.rules { fillChains.append("add rule \(table) \(chain.name) \(rule.text)") }
                }
            }
            dropChains += (old?.chains ?? []).filter { !newChainNames.contains($0.name) }
            let oldSets = Set((old?.sets ?? []).map(\.name))
            let newSets = Set((new?.sets ?? []).map(\.name))
            for set in new?.sets ?? [] where !oldSets.contains(set.name) {
                addSets.append("add set \(table) \(set.name) { " + set.declaration.joined(separator: "; ") + "; }")
            }
            dropSets += (old?.sets ?? []).filter { !newSets.contains($0.name) }

            // Elements: note what the kernel has before, then change the contributors.
            for (set, elements) in old?.elements ?? [:] {
                for key in elements.keys {
                    if touched[set]?.contains(key) != true, let present = Self.value(self.contributors[set]?[key]) {
                        before[set, default: [:]][key] = present
                    }
                    touched[set, default: []].insert(key)
                    self.contributors[set]?[key]?[service] = nil
                    if self.contributors[set]?[key]?.isEmpty == true { self.contributors[set]?[key] = nil }
                }
            }
            for (set, elements) in new?.elements ?? [:] {
                for (key, value) in elements {
                    if touched[set]?.contains(key) != true {
                        if let present = Self.value(self.contributors[set]?[key]) { before[set, default: [:]][key] = present }
                        touched[set, default: []].insert(key)
                    }
                    self.contributors[set, default: [:]][key, default: [:]][service] = value
                }
            }
            self.fragments[service] = new
        }
        let isMap = Dictionary(uniqueKeysWithValues: ProxyRuleset.sharedSets(self.context).map { ($0.name, $0.isMap) })
        for (set, keys) in touched {
            for key in keys.sorted() {
                let was = before[set]?[key]
                let now = Self.value(self.contributors[set]?[key])
                if was == now { continue }
                if was != nil { deleteElements[set, default: []].append(key) }
                if let now { addElements[set, default: []].append(isMap[set] == true ? "\(key) : \(now)" : key) }
            }
        }
        var lines = addSets + addChains + fillChains
        for (set, keys) in deleteElements.sorted(by: { $0.key < $1.key }) {
            for chunk in keys.chunked(500) { lines.append("delete element \(table) \(set) { " + chunk.joined(separator: ", ") + " }") }
        }
        for (set, items) in addElements.sorted(by: { $0.key < $1.key }) {
            for chunk in items.chunked(500) { lines.append("add element \(table) \(set) { " + chunk.joined(separator: ", ") + " }") }
        }
        for chain in dropChains where !chain.rules.isEmpty { lines.append("flush chain \(table) \(chain.name)") }
        for chain in dropChains { lines.append("delete chain \(table) \(chain.name)") }
        for set in dropSets { lines.append("delete set \(table) \(set.name)") }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
}
