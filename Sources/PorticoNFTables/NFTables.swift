/// The part of nftables' language the proxy writes, as values: a table of sets, maps and
/// chains whose rules are lists of matches and statements. The same values are rendered to
/// `nft -f` text, parsed back from it (`NFTParser`), and run by the evaluator
/// (`NFTEvaluator`), so what the tests evaluate is exactly what the kernel is given.
public struct NFTTable: Sendable, Equatable {
    public var family = "ip"
    public var name = "portico"
    public var sets: [NFTSet] = []
    public var chains: [NFTChain] = []

    public init(family: String = "ip", name: String = "portico") {
        self.family = family
        self.name = name
    }

    public func set(_ name: String) -> NFTSet? { self.sets.first { $0.name == name } }
    public func chain(_ name: String) -> NFTChain? { self.chains.first { $0.name == name } }

    /// The same table with its sets and chains in name order. The kernel keeps declaration
    /// order, which differs between a table written whole and one built by transactions, and
    /// means nothing to a packet; compare canonical forms.
    public var canonical: NFTTable {
        var table = self
        table.sets.sort { $0.name < $1.name }
        table.chains.sort { $0.name < $1.name }
        return table
    }

    /// Elements of every set and map, and rules of every chain.
    public var ruleCount: Int { self.chains.reduce(0) { $0 + $1.rules.count } }
    public var elementCount: Int { self.sets.reduce(0) { $0 + $1.elements.count } }
}

/// A named set or map. Keys and values are kept as nft writes them (`10.96.0.1 . tcp . 443`,
/// `goto service-…`), in a dictionary so that updates can be diffed.
public struct NFTSet: Sendable, Equatable {
    public var name: String
    /// `ipv4_addr . inet_proto . inet_service` (the key type) and, for a map, the value type.
    public var keyType: String
    public var valueType: String?
    public var flags: [String] = []
    public var timeoutSeconds: Int32? = nil
    public var elements: [String: String] = [:]

    public init(name: String, keyType: String, valueType: String? = nil, flags: [String] = [], timeoutSeconds: Int32? = nil) {
        self.name = name
        self.keyType = keyType
        self.valueType = valueType
        self.flags = flags
        self.timeoutSeconds = timeoutSeconds
    }

    public var isMap: Bool { self.valueType != nil }

    /// The declaration's body lines.
    package var declaration: [String] {
        var lines = ["type \(self.keyType)" + (self.valueType.map { " : \($0)" } ?? "")]
        if !self.flags.isEmpty { lines.append("flags \(self.flags.joined(separator: ","))") }
        if let timeout = self.timeoutSeconds { lines.append("timeout \(timeout)s") }
        return lines
    }

    func elementText(_ key: String) -> String {
        guard let value = self.elements[key], self.isMap else { return key }
        return "\(key) : \(value)"
    }
}

public struct NFTBaseChain: Sendable, Equatable {
    public var type: String
    public var hook: String
    public var priority: Int

    public init(type: String, hook: String, priority: Int) {
        self.type = type
        self.hook = hook
        self.priority = priority
    }
}

public struct NFTChain: Sendable, Equatable {
    public var name: String
    public var base: NFTBaseChain?
    public var rules: [NFTRule]

    public init(name: String, base: NFTBaseChain? = nil, rules: [NFTRule] = []) {
        self.name = name
        self.base = base
        self.rules = rules
    }
}

/// A packet field the rules look at.
public enum NFTField: String, Sendable, Equatable {
    case saddr = "ip saddr"
    case daddr = "ip daddr"
    case l4proto = "meta l4proto"
    case dport = "th dport"
}

/// What a match compares a field with.
public enum NFTValue: Sendable, Equatable {
    /// An address, a CIDR, a protocol name or a port.
    case literal(String)
    /// An anonymous set: `{ 10.0.0.0/8, 192.168.1.1 }`.
    case anonymous([String])
    /// A named set: `@cluster-ips`.
    case named(String)

    var text: String {
        switch self {
        case .literal(let v): return v
        case .anonymous(let vs): return "{ " + vs.joined(separator: ", ") + " }"
        case .named(let n): return "@" + n
        }
    }
}

public enum NFTItem: Sendable, Equatable {
    // matches
    case compare(NFTField, negated: Bool, NFTValue)
    /// `ip daddr . meta l4proto . th dport @set`: the concatenation is in the set.
    case concatIn([NFTField], set: String)
    /// `fib saddr type local` / `fib daddr type local`.
    case fibLocal(source: Bool)
    case ctStateNew
    case ctStatusDNAT
    /// `meta mark & 0x00004000 == 0x00000000`
    case markBitClear(UInt32)
    /// `numgen random mod N == k`
    case numgen(mod: Int, equals: Int)
    // statements
    /// `ip daddr . meta l4proto . th dport vmap @map`
    case vmap([NFTField], map: String)
    case jump(String)
    case goto(String)
    case `return`
    case accept
    case drop
    case reject(tcpReset: Bool)
    /// `meta l4proto tcp dnat to 10.244.1.2:8080` (the protocol match is part of it: dnat to a
    /// port needs one).
    case dnat(proto: String, address: String, port: Int32)
    case masquerade
    case markSetOr(UInt32)
    case markSetXor(UInt32)
    /// `update @set { ip saddr }`
    case updateSaddr(set: String)
    case counter

    var text: String {
        switch self {
        case .compare(let field, let negated, let value): return "\(field.rawValue) \(negated ? "!= " : "")\(value.text)"
        case .concatIn(let fields, let set): return fields.map(\.rawValue).joined(separator: " . ") + " @\(set)"
        case .fibLocal(let source): return "fib \(source ? "saddr" : "daddr") type local"
        case .ctStateNew: return "ct state new"
        case .ctStatusDNAT: return "ct status dnat"
        case .markBitClear(let bit): return "meta mark & \(Self.hex(bit)) == 0x00000000"
        case .numgen(let mod, let equals): return "numgen random mod \(mod) == \(equals)"
        case .vmap(let fields, let map): return fields.map(\.rawValue).joined(separator: " . ") + " vmap @\(map)"
        case .jump(let chain): return "jump \(chain)"
        case .goto(let chain): return "goto \(chain)"
        case .return: return "return"
        case .accept: return "accept"
        case .drop: return "drop"
        case .reject(let reset): return reset ? "reject with tcp reset" : "reject"
        case .dnat(let proto, let address, let port): return "meta l4proto \(proto) dnat to \(address):\(port)"
        case .masquerade: return "masquerade fully-random"
        case .markSetOr(let bit): return "meta mark set meta mark | \(Self.hex(bit))"
        case .markSetXor(let bit): return "meta mark set meta mark ^ \(Self.hex(bit))"
        case .updateSaddr(let set): return "update @\(set) { ip saddr }"
        case .counter: return "counter"
        }
    }

    static func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}

public struct NFTRule: Sendable, Equatable {
    public var items: [NFTItem]

    public init(_ items: [NFTItem]) {
        self.items = items
    }

    public var text: String { self.items.map(\.text).joined(separator: " ") }
}

// MARK: text

extension NFTTable {
    /// The whole table in `nft -f` syntax, as `nft list table` would print it.
    public var text: String {
        var out = "table \(self.family) \(self.name) {\n"
        for set in self.sets {
            out += "\t\(set.isMap ? "map" : "set") \(set.name) {\n"
            for line in set.declaration { out += "\t\t\(line)\n" }
            if !set.elements.isEmpty {
                out += "\t\telements = { " + set.elements.keys.sorted().map(set.elementText).joined(separator: ",\n\t\t\t     ") + " }\n"
            }
            out += "\t}\n"
        }
        for chain in self.chains {
            out += "\tchain \(chain.name) {\n"
            if let base = chain.base {
                out += "\t\ttype \(base.type) hook \(base.hook) priority \(base.priority); policy accept;\n"
            }
            for rule in chain.rules { out += "\t\t\(rule.text)\n" }
            out += "\t}\n"
        }
        return out + "}\n"
    }

    /// One atomic transaction that replaces whatever table of this name exists with this one.
    public var replacementTransaction: String {
        "add table \(self.family) \(self.name)\ndelete table \(self.family) \(self.name)\n" + self.text
    }

    /// One atomic transaction that turns `old` (what the kernel has) into this table: new sets
    /// and chains declared, changed chains flushed and refilled, elements diffed, what is gone
    /// deleted once nothing refers to it. Empty when nothing changed.
    public func transaction(from old: NFTTable) -> String {
        let table = "\(self.family) \(self.name)"
        var lines: [String] = []
        let oldSets = Dictionary(uniqueKeysWithValues: old.sets.map { ($0.name, $0) })
        let oldChains = Dictionary(uniqueKeysWithValues: old.chains.map { ($0.name, $0) })
        let newSetNames = Set(self.sets.map(\.name))
        let newChainNames = Set(self.chains.map(\.name))

        for set in self.sets where oldSets[set.name] == nil {
            lines.append("add \(set.isMap ? "map" : "set") \(table) \(set.name) { " + set.declaration.joined(separator: "; ") + "; }")
        }
        for chain in self.chains where oldChains[chain.name] == nil {
            if let base = chain.base {
                lines.append("add chain \(table) \(chain.name) { type \(base.type) hook \(base.hook) priority \(base.priority); policy accept; }")
            } else {
                lines.append("add chain \(table) \(chain.name)")
            }
        }
        for chain in self.chains where oldChains[chain.name]?.rules != chain.rules {
            if oldChains[chain.name] != nil { lines.append("flush chain \(table) \(chain.name)") }
            for rule in chain.rules { lines.append("add rule \(table) \(chain.name) \(rule.text)") }
        }
        for set in self.sets {
            let before = oldSets[set.name]?.elements ?? [:]
            let gone = before.keys.filter { set.elements[$0] == nil || (set.isMap && set.elements[$0] != before[$0]) }.sorted()
            let added = set.elements.keys.filter { before[$0] == nil || (set.isMap && before[$0] != set.elements[$0]) }.sorted()
            for chunk in gone.chunked(500) { lines.append("delete element \(table) \(set.name) { " + chunk.joined(separator: ", ") + " }") }
            for chunk in added.chunked(500) {
                lines.append("add element \(table) \(set.name) { " + chunk.map(set.elementText).joined(separator: ", ") + " }")
            }
        }
        // Chains that go: first emptied (their rules may refer to each other), then deleted.
        let goneChains = old.chains.filter { !newChainNames.contains($0.name) }
        for chain in goneChains where !chain.rules.isEmpty { lines.append("flush chain \(table) \(chain.name)") }
        for chain in goneChains { lines.append("delete chain \(table) \(chain.name)") }
        for set in old.sets where !newSetNames.contains(set.name) {
            lines.append("delete \(set.isMap ? "map" : "set") \(table) \(set.name)")
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
}

extension Array {
    package func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: self.count, by: size).map { self[$0..<Swift.min($0 + size, self.count)] }
    }
}
