import PorticoAPI

/// A packet as the evaluator sees it: the first packet of a connection.
public struct NFTPacket: Sendable, Hashable, CustomStringConvertible {
    public var source: String
    public var destination: String
    public var proto: String
    public var port: Int32

    public init(from source: String, to destination: String, _ proto: String = "tcp", port: Int32) {
        self.source = source
        self.destination = destination
        self.proto = proto
        self.port = port
    }

    public var description: String { "\(self.proto) \(self.source) → \(self.destination):\(self.port)" }
}

/// Where the packet meets the node: arriving on an interface (a pod, the LAN), or sent by a
/// process of the node itself.
public enum NFTPath: Sendable {
    case arriving
    case local
}

/// What became of a packet.
public struct NFTOutcome: Sendable, Hashable, CustomStringConvertible {
    public enum Verdict: Sendable, Hashable {
        case accept
        case drop
        /// Refused at once: a TCP reset, or ICMP port unreachable.
        case reject(tcpReset: Bool)
    }

    public var verdict: Verdict
    /// The endpoint it was sent to, `ip:port`, if it was.
    public var dnat: String?
    public var masqueraded: Bool
    /// Delivered to the node itself (input) rather than forwarded.
    public var toNode: Bool

    public var description: String {
        switch self.verdict {
        case .drop: return "dropped"
        case .reject(let reset): return reset ? "refused (tcp reset)" : "refused (icmp port unreachable)"
        case .accept:
            var text = self.dnat.map { "to \($0)" } ?? (self.toNode ? "to the node" : "forwarded unchanged")
            if self.masqueraded { text += ", masqueraded" }
            return text
        }
    }
}

/// Runs packets through a table, hook by hook, as the kernel would with these chains: the
/// tests' stand-in for the kernel (kube-proxy's own tests use a fake the same way), and the
/// explainer of `portico trace`. Random choices (`numgen`) come from a function, or are all
/// enumerated by `distribution` with their probabilities. Dynamic sets (client affinity)
/// remember what `update` put in them.
public final class NFTEvaluator {
    public let table: NFTTable
    /// The node's own addresses (`fib ... type local`, and which destinations are input).
    public var localAddresses: Set<String>
    public var dynamic: [String: Set<String>] = [:]
    /// The chains and rules a packet went through, for people.
    public private(set) var trace: [String] = []

    public init(table: NFTTable, localAddresses: [String]) {
        self.table = table
        self.localAddresses = Set(localAddresses)
    }

    /// Parses the rendered text, so that what is evaluated is what the kernel would load.
    public convenience init(text: String, localAddresses: [String]) throws {
        self.init(table: try NFTParser.table(text), localAddresses: localAddresses)
    }

    struct Flow {
        var packet: NFTPacket
        var mark: UInt32 = 0
        var dnat: String? = nil
        var masquerade = false
        var random: (Int) -> Int
        var remember: Bool
    }

    enum Result {
        case next
        case verdict(NFTOutcome.Verdict)
    }

    /// One packet; `random(n)` answers each `numgen random mod n`.
    public func run(_ packet: NFTPacket, path: NFTPath, random: @escaping (Int) -> Int = { Int.random(in: 0..<$0) }) -> NFTOutcome {
        self.trace = []
        var flow = Flow(packet: packet, random: random, remember: true)
        return self.run(&flow, path: path)
    }

    /// Every way the packet can go, with its probability.
    public func distribution(_ packet: NFTPacket, path: NFTPath) -> [NFTOutcome: Double] {
        var result: [NFTOutcome: Double] = [:]
        var pending: [[Int]] = [[]]
        while let prefix = pending.popLast() {
            var drawn: [(choice: Int, of: Int)] = []
            var position = 0
            var flow = Flow(packet: packet, random: { n in
                let choice = position < prefix.count ? prefix[position] : 0
                position += 1
                drawn.append((choice, n))
                return choice
            }, remember: false)
            let outcome = self.run(&flow, path: path)
            // Siblings of every choice made past the given prefix.
            for i in prefix.count..<drawn.count {
                for other in 1..<drawn[i].of {
                    pending.append(drawn[..<i].map(\.choice) + [other])
                }
            }
            let probability = drawn.reduce(1.0) { $0 / Double($1.of) }
            result[outcome, default: 0] += probability
        }
        return result
    }

    func run(_ flow: inout Flow, path: NFTPath) -> NFTOutcome {
        let hooks: [(String, String)]
        switch path {
        case .local: hooks = [("output", "filter"), ("output", "nat"), ("output", "filter-post")]
        case .arriving: hooks = [("prerouting", "filter"), ("prerouting", "nat")]
        }
        for (hook, kind) in hooks {
            if case .verdict(let v) = self.hook(hook, kind: kind, &flow), v != .accept {
                return NFTOutcome(verdict: v, dnat: flow.dnat, masqueraded: false, toNode: false)
            }
        }
        // Routing: to the node itself, or on.
        let toNode = self.localAddresses.contains(flow.packet.destination)
        if path == .arriving {
            if case .verdict(let v) = self.hook(toNode ? "input" : "forward", kind: "filter", &flow), v != .accept {
                return NFTOutcome(verdict: v, dnat: flow.dnat, masqueraded: false, toNode: toNode)
            }
        }
        if !(path == .arriving && toNode) {
            _ = self.hook("postrouting", kind: "nat", &flow)
        }
        return NFTOutcome(verdict: .accept, dnat: flow.dnat, masqueraded: flow.masquerade, toNode: toNode && flow.dnat == nil)
    }

    /// The base chains of one hook and type, in priority order.
    func hook(_ hook: String, kind: String, _ flow: inout Flow) -> Result {
        let chains = self.table.chains.filter { chain in
            guard let base = chain.base, base.hook == hook else { return false }
            switch kind {
            case "filter-post": return base.type == "filter" && base.priority > -100
            case "filter": return base.type == "filter" && base.priority <= -100
            default: return base.type == kind
            }
        }.sorted { $0.base!.priority < $1.base!.priority }
        for chain in chains {
            if case .verdict(let v) = self.chain(chain.name, &flow, depth: 0) { return .verdict(v) }
        }
        return .next
    }

    func chain(_ name: String, _ flow: inout Flow, depth: Int) -> Result {
        guard depth < 32, let chain = self.table.chain(name) else { return .next }
        if flow.remember { self.trace.append("chain \(name)") }
        rules: for rule in chain.rules {
            for item in rule.items {
                switch self.item(item, &flow, depth: depth) {
                case .match: continue
                case .noMatch: continue rules
                case .done(let result):
                    if flow.remember { self.trace.append("  \(rule.text)") }
                    return result
                case .continueAfter:
                    continue
                }
            }
            if flow.remember, rule.items.contains(where: { if case .counter = $0 { return false } else { return true } }) {
                self.trace.append("  \(rule.text)")
            }
        }
        return .next
    }

    enum Step {
        case match
        case noMatch
        /// Leave the chain with this result.
        case done(Result)
        /// A jumped-to chain returned: go on with the rule.
        case continueAfter
    }

    func value(_ field: NFTField, _ flow: Flow) -> String {
        switch field {
        case .saddr: return flow.packet.source
        case .daddr: return flow.packet.destination
        case .l4proto: return flow.packet.proto
        case .dport: return String(flow.packet.port)
        }
    }

    func contains(_ value: NFTValue, _ text: String) -> Bool {
        switch value {
        case .literal(let v): return self.matches(v, text)
        case .anonymous(let vs): return vs.contains { self.matches($0, text) }
        case .named(let set):
            if self.dynamic[set]?.contains(text) == true { return true }
            return self.table.set(set)?.elements.keys.contains { self.matches($0, text) } ?? false
        }
    }

    func matches(_ pattern: String, _ text: String) -> Bool {
        if pattern.contains("/"), let network = IPNetwork(pattern), let ip = IPAddress(text) { return network.contains(ip) }
        return pattern == text
    }

    func verdict(_ text: String, _ flow: inout Flow, depth: Int) -> Step {
        let words = text.split(separator: " ").map(String.init)
        switch words.first {
        case "goto": return .done(self.chain(words[1], &flow, depth: depth + 1))
        case "jump":
            if case .verdict(let v) = self.chain(words[1], &flow, depth: depth + 1) { return .done(.verdict(v)) }
            return .continueAfter
        case "drop": return .done(.verdict(.drop))
        case "accept": return .done(.verdict(.accept))
        default: return .noMatch
        }
    }

    func item(_ item: NFTItem, _ flow: inout Flow, depth: Int) -> Step {
        switch item {
        case .compare(let field, let negated, let value):
            return self.contains(value, self.value(field, flow)) != negated ? .match : .noMatch
        case .concatIn(let fields, let set):
            let key = fields.map { self.value($0, flow) }.joined(separator: " . ")
            return self.table.set(set)?.elements[key] != nil ? .match : .noMatch
        case .fibLocal(let source):
            return self.localAddresses.contains(source ? flow.packet.source : flow.packet.destination) ? .match : .noMatch
        case .ctStateNew: return .match
        case .ctStatusDNAT: return flow.dnat != nil ? .match : .noMatch
        case .markBitClear(let bit): return flow.mark & bit == 0 ? .match : .noMatch
        case .numgen(let mod, let equals): return flow.random(mod) == equals ? .match : .noMatch
        case .vmap(let fields, let map):
            let key = fields.map { self.value($0, flow) }.joined(separator: " . ")
            guard let verdict = self.table.set(map)?.elements[key] else { return .noMatch }
            return self.verdict(verdict, &flow, depth: depth)
        case .jump(let chain):
            if case .verdict(let v) = self.chain(chain, &flow, depth: depth + 1) { return .done(.verdict(v)) }
            return .continueAfter
        case .goto(let chain): return .done(self.chain(chain, &flow, depth: depth + 1))
        case .return: return .done(.next)
        case .accept: return .done(.verdict(.accept))
        case .drop: return .done(.verdict(.drop))
        case .reject(let reset): return .done(.verdict(.reject(tcpReset: reset)))
        case .dnat(let proto, let address, let port):
            guard flow.packet.proto == proto else { return .noMatch }
            flow.dnat = "\(address):\(port)"
            flow.packet.destination = address
            flow.packet.port = port
            return .done(.verdict(.accept))
        case .masquerade:
            flow.masquerade = true
            return .done(.verdict(.accept))
        case .markSetOr(let bit):
            flow.mark |= bit
            return .match
        case .markSetXor(let bit):
            flow.mark ^= bit
            return .match
        case .updateSaddr(let set):
            if flow.remember { self.dynamic[set, default: []].insert(flow.packet.source) }
            return .match
        case .counter:
            return .match
        }
    }
}
