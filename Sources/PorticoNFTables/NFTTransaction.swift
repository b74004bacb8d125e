import Foundation

/// A transaction as `nft -f` reads it, for the commands Portico writes: whole `table` blocks,
/// `add`/`delete` of tables, sets, maps and chains, `flush chain`, `add rule`, `add`/`delete
/// element`. Parsed into values and applied to tables held in memory with the kernel's rules
/// for what fails (see `NFTRuleset.apply`), so a fake can stand where the kernel would and a
/// test can check what is sent, not what the sender thinks it sent.
public enum NFTTransaction {
    public enum Command: Sendable, Equatable {
        /// A `table <family> <name> { ... }` block: declares the table and adds what it holds.
        case block(NFTTable)
        case addTable(family: String, name: String)
        case deleteTable(family: String, name: String)
        case addSet(table: String, NFTSet)
        case deleteSet(table: String, name: String)
        case addChain(table: String, NFTChain)
        case flushChain(table: String, name: String)
        case deleteChain(table: String, name: String)
        case addRule(table: String, chain: String, NFTRule)
        /// Keys, with their values in a map (`key : value`).
        case addElements(table: String, set: String, [Element])
        case deleteElements(table: String, set: String, [String])
    }

    /// A set's key, or a map's key and value (empty in a set).
    public struct Element: Sendable, Equatable {
        public var key: String
        public var value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// The commands of `script`, in order; an error names the line nft would refuse.
    public static func parse(_ script: String) throws -> [Command] {
        var lines = script.split(separator: "\n", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }[...]
        var commands: [Command] = []
        while let line = lines.popFirst() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("table ") {
                var block = [line]
                var depth = Self.depth(line)
                while depth > 0, let next = lines.popFirst() {
                    block.append(next)
                    depth += Self.depth(next)
                }
                commands.append(.block(try NFTParser.table(block.joined(separator: "\n"))))
            } else {
                commands.append(try self.command(line))
            }
        }
        return commands
    }

    static func depth(_ line: String) -> Int {
        line.reduce(0) { $0 + ($1 == "{" ? 1 : $1 == "}" ? -1 : 0) }
    }

    /// One line: `<verb> <object> <family> <table> [<name>] [rest]`.
    static func command(_ line: String) throws -> Command {
        let words = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true).map(String.init)
        guard words.count >= 4 else { throw Failure("cannot read: \(line)") }
        let table = "\(words[2]) \(words[3])"
        let name = words.count > 4 ? words[4] : ""
        let rest = words.count > 5 ? words[5] : ""
        switch (words[0], words[1]) {
        case ("add", "table"): return .addTable(family: words[2], name: words[3])
        case ("delete", "table"): return .deleteTable(family: words[2], name: words[3])
        case ("add", "set"), ("add", "map"): return .addSet(table: table, try self.set(name, rest, line: line))
        case ("delete", "set"), ("delete", "map"): return .deleteSet(table: table, name: name)
        case ("add", "chain"): return .addChain(table: table, try self.chain(name, rest, line: line))
        case ("flush", "chain"): return .flushChain(table: table, name: name)
        case ("delete", "chain"): return .deleteChain(table: table, name: name)
        case ("add", "rule"): return .addRule(table: table, chain: name, try NFTParser.rule(rest))
        case ("add", "element"):
            return .addElements(table: table, set: name, try self.elements(rest, line: line).map(Self.keyValue))
        case ("delete", "element"):
            return .deleteElements(table: table, set: name, try self.elements(rest, line: line).map { Self.keyValue($0).key })
        default: throw Failure("cannot read: \(line)")
        }
    }

    /// `{ type K : V; flags a,b; timeout 10s; }`
    static func set(_ name: String, _ body: String, line: String) throws -> NFTSet {
        var set = NFTSet(name: name, keyType: "")
        for part in try self.braced(body, line: line).split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            guard NFTParser.declare(part, in: &set) else { throw Failure("cannot read set \(name): \(line)") }
        }
        guard !set.keyType.isEmpty else { throw Failure("set \(name) without a type: \(line)") }
        return set
    }

    /// Nothing, or `{ type nat hook prerouting priority -100; policy accept; }`.
    static func chain(_ name: String, _ body: String, line: String) throws -> NFTChain {
        guard !body.isEmpty else { return NFTChain(name: name) }
        guard let base = NFTParser.baseChain(try self.braced(body, line: line).trimmingCharacters(in: .whitespaces)) else {
            throw Failure("bad base chain: \(line)")
        }
        return NFTChain(name: name, base: base)
    }

    static func elements(_ body: String, line: String) throws -> [String] {
        try self.braced(body, line: line).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func keyValue(_ element: String) -> Element {
        let parts = element.components(separatedBy: " : ")
        return parts.count == 2 ? Element(key: parts[0], value: parts[1]) : Element(key: element, value: "")
    }

    static func braced(_ text: String, line: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("{"), trimmed.hasSuffix("}") else { throw Failure("expected { ... }: \(line)") }
        return String(trimmed.dropFirst().dropLast())
    }
}
