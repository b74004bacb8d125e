import Foundation

/// What `nft monitor trace` printed for one packet: the rules it went through, table by
/// table, each with its verdict. Only the first packet of a connection walks the NAT chains,
/// so `portico trace` reads the first packet's record.
public struct NFTTraceRecord: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var table: String
        public var chain: String
        public var rule: String
        public var verdict: String
    }

    public var id: String
    public var steps: [Step]

    /// The records in the order their packets were first seen. Lines look like
    /// `trace id e0871475 ip portico services rule <rule> (verdict goto external-…)`;
    /// `packet:` and `policy` lines carry no rule and are left out.
    public static func parse(_ text: String) -> [NFTTraceRecord] {
        var order: [String] = []
        var steps: [String: [Step]] = [:]
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ", maxSplits: 6, omittingEmptySubsequences: true)
            guard words.count == 7, words[0] == "trace", words[1] == "id", words[3] == "ip" else { continue }
            let id = String(words[2])
            if steps[id] == nil { order.append(id); steps[id] = [] }
            let rest = words[6]
            guard rest.hasPrefix("rule ") else { continue }
            var rule = String(rest.dropFirst(5))
            var verdict = ""
            if let open = rule.range(of: " (verdict ", options: .backwards), rule.hasSuffix(")") {
                verdict = String(rule[open.upperBound..<rule.index(before: rule.endIndex)])
                rule = String(rule[..<open.lowerBound])
            }
            steps[id]?.append(Step(table: String(words[4]), chain: String(words[5]), rule: rule, verdict: verdict))
        }
        return order.map { NFTTraceRecord(id: $0, steps: steps[$0] ?? []) }
    }
}

/// One line of `conntrack -L`: the connection as the client sent it and as the reply comes
/// back, which says what NAT did — the reply's source is where the DNAT sent it, the
/// reply's destination is the source the server saw.
public struct ConntrackEntry: Sendable, Equatable {
    public struct Tuple: Sendable, Equatable {
        public var source: String
        public var destination: String
        public var sourcePort: Int
        public var destinationPort: Int
    }

    public var proto: String
    public var original: Tuple
    public var reply: Tuple

    public static func parse(_ text: String) -> [ConntrackEntry] {
        text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard let proto = words.first, ["tcp", "udp", "sctp"].contains(String(proto)) else { return nil }
            var values: [String: [String]] = [:]
            for word in words {
                let pair = word.split(separator: "=", maxSplits: 1)
                if pair.count == 2 { values[String(pair[0]), default: []].append(String(pair[1])) }
            }
            guard let src = values["src"], let dst = values["dst"], let sport = values["sport"], let dport = values["dport"],
                  src.count >= 2, dst.count >= 2, sport.count >= 2, dport.count >= 2 else { return nil }
            return ConntrackEntry(
                proto: String(proto),
                original: Tuple(source: src[0], destination: dst[0], sourcePort: Int(sport[0]) ?? 0, destinationPort: Int(dport[0]) ?? 0),
                reply: Tuple(source: src[1], destination: dst[1], sourcePort: Int(sport[1]) ?? 0, destinationPort: Int(dport[1]) ?? 0))
        }
    }
}
