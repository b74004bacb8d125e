/// Tables held in memory, changed by transactions as the kernel changes its own: the whole
/// transaction or nothing, and refused where the kernel refuses — an object that is not there
/// (`No such file or directory`), a chain or set still in use or a chain not emptied before
/// it is deleted (`Device or resource busy`), a map key added again with another value or an
/// object declared again differently (`File exists`). So a sender that forgets a `flush`
/// or a `delete element` fails here as it would on a node.
public struct NFTRuleset: Sendable, Equatable {
    /// By `<family> <name>`.
    public private(set) var tables: [String: NFTTable] = [:]

    public init() {}

    public func table(family: String = "ip", name: String) -> NFTTable? { self.tables["\(family) \(name)"] }

    /// Applies every command of `script`, or none when one fails.
    public mutating func apply(_ script: String) throws {
        var next = self
        for command in try NFTTransaction.parse(script) { try next.apply(command) }
        self = next
    }

    mutating func apply(_ command: NFTTransaction.Command) throws {
        switch command {
        case .block(let table): try self.merge(table)
        case .addTable(let family, let name): if self.tables["\(family) \(name)"] == nil { self.tables["\(family) \(name)"] = NFTTable(family: family, name: name) }
        case .deleteTable(let family, let name):
            guard self.tables.removeValue(forKey: "\(family) \(name)") != nil else { throw Self.missing("table \(family) \(name)") }
        case .addSet(let table, let set): try self.change(table) { try Self.add(set, to: &$0) }
        case .deleteSet(let table, let name): try self.change(table) { try Self.deleteSet(name, from: &$0) }
        case .addChain(let table, let chain): try self.change(table) { try Self.add(chain, to: &$0) }
        case .flushChain(let table, let name): try self.change(table) { try Self.flush(name, in: &$0) }
        case .deleteChain(let table, let name): try self.change(table) { try Self.deleteChain(name, from: &$0) }
        case .addRule(let table, let chain, let rule): try self.change(table) { try Self.add(rule, to: chain, in: &$0) }
        case .addElements(let table, let set, let elements): try self.change(table) { try Self.add(elements, to: set, in: &$0) }
        case .deleteElements(let table, let set, let keys): try self.change(table) { try Self.delete(keys, from: set, in: &$0) }
        }
    }

    mutating func change(_ key: String, _ body: (inout NFTTable) throws -> Void) throws {
        guard var table = self.tables[key] else { throw Self.missing("table \(key)") }
        try body(&table)
        self.tables[key] = table
    }

    /// A `table { ... }` block adds to the table (declaring it if need be). Its sets and chains
    /// are declared first, then elements and rules added, since either may name any of them.
    mutating func merge(_ block: NFTTable) throws {
        let key = "\(block.family) \(block.name)"
        var table = self.tables[key] ?? NFTTable(family: block.family, name: block.name)
        for set in block.sets { try Self.add(set, to: &table) }
        for chain in block.chains { try Self.add(NFTChain(name: chain.name, base: chain.base), to: &table) }
        for set in block.sets {
            try Self.add(set.elements.map { NFTTransaction.Element(key: $0.key, value: $0.value) }, to: set.name, in: &table)
        }
        for chain in block.chains {
            for rule in chain.rules { try Self.add(rule, to: chain.name, in: &table) }
        }
        self.tables[key] = table
    }

    /// Declares `set` (its elements are not added here).
    static func add(_ set: NFTSet, to table: inout NFTTable) throws {
        var declared = set
        declared.elements = [:]
        if let index = table.sets.firstIndex(where: { $0.name == set.name }) {
            var existing = table.sets[index]
            existing.elements = [:]
            guard existing == declared else { throw Self.exists("set \(set.name), declared differently") }
            return
        }
        table.sets.append(declared)
    }

    static func deleteSet(_ name: String, from table: inout NFTTable) throws {
        guard let index = table.sets.firstIndex(where: { $0.name == name }) else { throw Self.missing("set \(name)") }
        guard !table.chains.contains(where: { $0.rules.contains { Self.sets($0).contains(name) } }) else {
            throw Self.busy("set \(name): a rule uses it")
        }
        table.sets.remove(at: index)
    }

    static func add(_ chain: NFTChain, to table: inout NFTTable) throws {
        if let existing = table.chain(chain.name) {
            guard existing.base == chain.base else { throw Self.exists("chain \(chain.name), declared differently") }
            return
        }
        table.chains.append(NFTChain(name: chain.name, base: chain.base))
    }

    static func flush(_ name: String, in table: inout NFTTable) throws {
        guard let index = table.chains.firstIndex(where: { $0.name == name }) else { throw Self.missing("chain \(name)") }
        table.chains[index].rules = []
    }

    static func deleteChain(_ name: String, from table: inout NFTTable) throws {
        guard let index = table.chains.firstIndex(where: { $0.name == name }) else { throw Self.missing("chain \(name)") }
        guard table.chains[index].rules.isEmpty else { throw Self.busy("chain \(name): it still has rules") }
        let jumped = table.chains.contains { $0.rules.contains { Self.chains($0).contains(name) } }
        let mapped = table.sets.contains { $0.elements.values.contains { Self.verdictChain($0) == name } }
        guard !jumped, !mapped else { throw Self.busy("chain \(name): a rule or map element jumps to it") }
        table.chains.remove(at: index)
    }

    static func add(_ rule: NFTRule, to chain: String, in table: inout NFTTable) throws {
        guard let index = table.chains.firstIndex(where: { $0.name == chain }) else { throw Self.missing("chain \(chain)") }
        for set in Self.sets(rule) where table.set(set) == nil { throw Self.missing("set \(set), used in chain \(chain)") }
        for target in Self.chains(rule) where table.chain(target) == nil { throw Self.missing("chain \(target), jumped to from \(chain)") }
        table.chains[index].rules.append(rule)
    }

    static func add(_ elements: [NFTTransaction.Element], to name: String, in table: inout NFTTable) throws {
        guard let index = table.sets.firstIndex(where: { $0.name == name }) else { throw Self.missing("set \(name)") }
        for element in elements {
            if let target = Self.verdictChain(element.value), table.chain(target) == nil {
                throw Self.missing("chain \(target), the verdict of \(element.key) in \(name)")
            }
            if let present = table.sets[index].elements[element.key], present != element.value {
                throw Self.exists("element \(element.key) in \(name), with another value (\(present))")
            }
            table.sets[index].elements[element.key] = element.value
        }
    }

    static func delete(_ keys: [String], from name: String, in table: inout NFTTable) throws {
        guard let index = table.sets.firstIndex(where: { $0.name == name }) else { throw Self.missing("set \(name)") }
        for key in keys {
            guard table.sets[index].elements.removeValue(forKey: key) != nil else { throw Self.missing("element \(key) in \(name)") }
        }
    }

    /// The named sets and maps a rule reads or writes.
    static func sets(_ rule: NFTRule) -> [String] {
        rule.items.compactMap { item in
            switch item {
            case .compare(_, _, .named(let set)), .concatIn(_, let set), .vmap(_, let set), .updateSaddr(let set): return set
            default: return nil
            }
        }
    }

    /// The chains a rule jumps or goes to.
    static func chains(_ rule: NFTRule) -> [String] {
        rule.items.compactMap { item in
            switch item {
            case .jump(let chain), .goto(let chain): return chain
            default: return nil
            }
        }
    }

    /// `goto <chain>` or `jump <chain>` as a map's value.
    static func verdictChain(_ value: String) -> String? {
        let words = value.split(separator: " ")
        guard words.count == 2, words[0] == "goto" || words[0] == "jump" else { return nil }
        return String(words[1])
    }

    static func missing(_ what: String) -> NFTTransaction.Failure { .init("No such file or directory: \(what)") }
    static func busy(_ what: String) -> NFTTransaction.Failure { .init("Device or resource busy: \(what)") }
    static func exists(_ what: String) -> NFTTransaction.Failure { .init("File exists: \(what)") }
}
