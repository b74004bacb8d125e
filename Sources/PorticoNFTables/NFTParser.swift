import Foundation

/// Reads back the nftables text the proxy writes (`NFTTable.text`): the subset of nft's
/// language in `NFTItem`, nothing more. What it cannot read is an error naming the line, so a
/// rendering change that the evaluator would not understand fails loudly.
public enum NFTParser {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func table(_ text: String) throws -> NFTTable {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }[...]
        guard let header = lines.popFirst(), header.hasPrefix("table "), header.hasSuffix("{") else {
            throw Failure(description: "expected `table <family> <name> {`")
        }
        let words = header.split(separator: " ")
        var table = NFTTable(family: String(words[1]), name: String(words[2]))
        while let line = lines.popFirst() {
            if line == "}" { return table }
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count == 3, parts[2] == "{" else { throw Failure(description: "unexpected line: \(line)") }
            switch parts[0] {
            case "set", "map":
                var set = NFTSet(name: parts[1], keyType: "")
                while let body = lines.popFirst(), body != "}" {
                    if Self.declare(body, in: &set) {
                        continue
                    } else if body.hasPrefix("elements = {") {
                        var text = String(body.dropFirst("elements = {".count))
                        while !text.hasSuffix("}"), let more = lines.popFirst() { text += more }
                        text.removeLast()
                        for element in text.split(separator: ",") {
                            let item = element.trimmingCharacters(in: .whitespaces)
                            guard !item.isEmpty else { continue }
                            if set.isMap {
                                let kv = item.components(separatedBy: " : ")
                                guard kv.count == 2 else { throw Failure(description: "map element without a value: \(item)") }
                                set.elements[kv[0]] = kv[1]
                            } else {
                                set.elements[item] = ""
                            }
                        }
                    } else {
                        throw Failure(description: "unexpected line in set \(set.name): \(body)")
                    }
                }
                table.sets.append(set)
            case "chain":
                var chain = NFTChain(name: parts[1])
                while let body = lines.popFirst(), body != "}" {
                    if body.hasPrefix("type ") {
                        guard let base = Self.baseChain(body) else { throw Failure(description: "bad base chain: \(body)") }
                        chain.base = base
                    } else {
                        chain.rules.append(try self.rule(body))
                    }
                }
                table.chains.append(chain)
            default:
                throw Failure(description: "unexpected line: \(line)")
            }
        }
        throw Failure(description: "the table is not closed")
    }

    /// One line of a set's declaration (`type K : V`, `flags a,b`, `timeout 10s`) into `set`;
    /// false when the line is none of them.
    static func declare(_ line: String, in set: inout NFTSet) -> Bool {
        if line.hasPrefix("type ") {
            let type = line.dropFirst(5).components(separatedBy: " : ")
            set.keyType = type[0]
            if type.count == 2 { set.valueType = type[1] }
        } else if line.hasPrefix("flags ") {
            set.flags = line.dropFirst(6).split(separator: ",").map(String.init)
        } else if line.hasPrefix("timeout "), let seconds = Int32(line.dropFirst(8).dropLast()) {
            set.timeoutSeconds = seconds
        } else {
            return false
        }
        return true
    }

    /// `type nat hook prerouting priority -100; policy accept;`
    static func baseChain(_ text: String) -> NFTBaseChain? {
        let w = text.replacingOccurrences(of: ";", with: "").split(separator: " ").map(String.init)
        guard w.count >= 6, w[0] == "type", w[2] == "hook", w[4] == "priority", let priority = Int(w[5]) else { return nil }
        return NFTBaseChain(type: w[1], hook: w[3], priority: priority)
    }

    static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var depth = 0
        for c in text {
            if c == "{" { depth += 1 }
            if c == "}" { depth -= 1 }
            if c == " ", depth == 0 {
                if !current.isEmpty { tokens.append(current) }
                current = ""
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    public static func rule(_ text: String) throws -> NFTRule {
        var t = self.tokens(text)[...]
        var items: [NFTItem] = []
        func fail() -> Failure { Failure(description: "cannot read rule: \(text)") }
        func field(_ a: String, _ b: String) -> NFTField? { NFTField(rawValue: "\(a) \(b)") }
        func value(_ token: String) -> NFTValue {
            if token.hasPrefix("@") { return .named(String(token.dropFirst())) }
            if token.hasPrefix("{") {
                return .anonymous(token.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            }
            return .literal(token)
        }
        while let word = t.popFirst() {
            switch word {
            case "ip", "meta", "th":
                guard let second = t.popFirst() else { throw fail() }
                if word == "meta", second == "mark" {
                    guard let op = t.popFirst() else { throw fail() }
                    if op == "&", let bit = t.popFirst().flatMap(Self.hex), t.popFirst() == "==", t.popFirst() != nil {
                        items.append(.markBitClear(bit))
                    } else if op == "set", t.popFirst() == "meta", t.popFirst() == "mark", let how = t.popFirst(), let bit = t.popFirst().flatMap(Self.hex) {
                        items.append(how == "|" ? .markSetOr(bit) : .markSetXor(bit))
                    } else {
                        throw fail()
                    }
                    continue
                }
                guard let first = field(word, second) else { throw fail() }
                if t.first == "." {
                    var fields = [first]
                    while t.first == "." {
                        t.removeFirst()
                        guard let a = t.popFirst(), let b = t.popFirst(), let f = field(a, b) else { throw fail() }
                        fields.append(f)
                    }
                    guard let next = t.popFirst() else { throw fail() }
                    if next == "vmap", let map = t.popFirst(), map.hasPrefix("@") {
                        items.append(.vmap(fields, map: String(map.dropFirst())))
                    } else if next.hasPrefix("@") {
                        items.append(.concatIn(fields, set: String(next.dropFirst())))
                    } else {
                        throw fail()
                    }
                    continue
                }
                guard var operand = t.popFirst() else { throw fail() }
                var negated = false
                if operand == "!=" {
                    negated = true
                    guard let next = t.popFirst() else { throw fail() }
                    operand = next
                }
                if first == .l4proto, !negated, t.first == "dnat" {
                    t.removeFirst()
                    guard t.popFirst() == "to", let target = t.popFirst(), let colon = target.lastIndex(of: ":"),
                          let port = Int32(target[target.index(after: colon)...])
                    else { throw fail() }
                    items.append(.dnat(proto: operand, address: String(target[..<colon]), port: port))
                    continue
                }
                items.append(.compare(first, negated: negated, value(operand)))
            case "fib":
                guard let which = t.popFirst(), t.popFirst() == "type", t.popFirst() == "local" else { throw fail() }
                items.append(.fibLocal(source: which == "saddr"))
            case "ct":
                let a = t.popFirst(), b = t.popFirst()
                if a == "state", b == "new" { items.append(.ctStateNew) } else if a == "status", b == "dnat" { items.append(.ctStatusDNAT) } else { throw fail() }
            case "numgen":
                guard t.popFirst() == "random", t.popFirst() == "mod", let mod = t.popFirst().flatMap({ Int($0) }), t.popFirst() == "==",
                      let equals = t.popFirst().flatMap({ Int($0) })
                else { throw fail() }
                items.append(.numgen(mod: mod, equals: equals))
            case "jump", "goto":
                guard let target = t.popFirst() else { throw fail() }
                items.append(word == "jump" ? .jump(target) : .goto(target))
            case "return": items.append(.return)
            case "accept": items.append(.accept)
            case "drop": items.append(.drop)
            case "counter": items.append(.counter)
            case "reject":
                if t.first == "with" {
                    guard t.popFirst() == "with", t.popFirst() == "tcp", t.popFirst() == "reset" else { throw fail() }
                    items.append(.reject(tcpReset: true))
                } else {
                    items.append(.reject(tcpReset: false))
                }
            case "masquerade":
                if t.first == "fully-random" { t.removeFirst() }
                items.append(.masquerade)
            case "update":
                guard let set = t.popFirst(), set.hasPrefix("@"), t.popFirst() == "{ ip saddr }" else { throw fail() }
                items.append(.updateSaddr(set: String(set.dropFirst())))
            default:
                throw fail()
            }
        }
        return NFTRule(items)
    }

    static func hex(_ text: String) -> UInt32? {
        text.hasPrefix("0x") ? UInt32(text.dropFirst(2), radix: 16) : UInt32(text)
    }
}
