import Yams

/// Bounds on YAML from clients, so a small body cannot cost the server a large tree
/// ("billion laughs": anchors whose aliases multiply at every level).
///
/// go-yaml, which kube-apiserver decodes with, counts every node it decodes and those it
/// decodes through an alias, and refuses a document once more than 100 aliased nodes make
/// up more than a ratio of all (0.99 up to 400,000 nodes, falling to 0.10 at 4,000,000):
/// `AliasBudget` counts the same way as Portico walks the tree. Yams builds the tree first,
/// sharing aliased nodes (linear in the text), but it hashes every mapping key to find
/// duplicates, so a key that is an alias of a large node would cost as much as expanding
/// it: `precheck` refuses aliases used as keys, and explicit (`?`) keys beside aliases,
/// before Yams reads the text, as well as flow nesting past `maxDepth` (Yams composes
/// recursively).
enum YAMLLimits {
    static let maxDepth = 1000
    /// No Kubernetes object comes near this many nodes; a document past it is refused
    /// whatever its aliases.
    static let maxNodes = 1 << 20

    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    static let excessiveAliasing = Refusal(description: "yaml: document contains excessive aliasing")

    /// The ratio of aliased nodes go-yaml allows after `decoded` nodes.
    static func allowedAliasRatio(_ decoded: Int) -> Double {
        if decoded <= 400_000 { return 0.99 }
        if decoded >= 4_000_000 { return 0.10 }
        return 0.99 - 0.89 * (Double(decoded - 400_000) / 3_600_000)
    }

    /// Nodes decoded so far, and how many of them through an alias.
    struct AliasBudget {
        var decoded = 0
        var aliased = 0

        mutating func count(throughAlias: Bool) throws(Refusal) {
            self.decoded += 1
            if throughAlias { self.aliased += 1 }
            if self.decoded > YAMLLimits.maxNodes {
                throw Refusal(description: "yaml: document decodes to more than \(YAMLLimits.maxNodes) nodes")
            }
            if self.aliased > 100, self.decoded > 1000, Double(self.aliased) / Double(self.decoded) > YAMLLimits.allowedAliasRatio(self.decoded) {
                throw YAMLLimits.excessiveAliasing
            }
        }
    }

    /// Refuses what would cost Yams itself too much: flow nesting past `maxDepth`, and, in a
    /// text with aliases, an alias or an explicit `?` key as a mapping key. Lexical and
    /// conservative (quoted text is skipped; a block scalar is read as plain text).
    static func precheck(_ text: String) throws(Refusal) {
        let bytes = Array(text.utf8)
        let mayHaveAliases = bytes.contains(UInt8(ascii: "*"))
        var depth = 0
        var quote: UInt8? = nil
        var lineStart = true
        var previous: UInt8 = 0x0A  // the last byte that is not a space, on this line
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            defer { i += 1 }
            if let open = quote {
                if byte == UInt8(ascii: "\\"), open == UInt8(ascii: "\"") { i += 1 } else if byte == open { quote = nil; previous = byte }
                continue
            }
            switch byte {
            case 0x0A:
                lineStart = true
                previous = 0x0A
                continue
            case 0x20, 0x09:
                continue
            case UInt8(ascii: "#") where previous == 0x0A || bytes[max(0, i - 1)] == 0x20:
                while i + 1 < bytes.count, bytes[i + 1] != 0x0A { i += 1 }
                continue
            case UInt8(ascii: "\"") where Self.startsNode(previous, lineStart), UInt8(ascii: "'") where Self.startsNode(previous, lineStart):
                quote = byte
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > Self.maxDepth { throw Refusal(description: "yaml: exceeded max depth of \(Self.maxDepth)") }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth = max(0, depth - 1)
            case UInt8(ascii: "?") where mayHaveAliases && Self.startsNode(previous, lineStart) && Self.isBlank(bytes, i + 1):
                throw Refusal(description: "yaml: explicit mapping keys are not supported in a document with aliases")
            case UInt8(ascii: "*") where mayHaveAliases && Self.startsNode(previous, lineStart):
                var end = i + 1
                while end < bytes.count, !Self.endsAnchorName(bytes[end]) { end += 1 }
                var next = end
                while next < bytes.count, bytes[next] == 0x20 || bytes[next] == 0x09 { next += 1 }
                if end > i + 1, next < bytes.count, bytes[next] == UInt8(ascii: ":") {
                    throw Refusal(description: "yaml: aliases used as mapping keys are not supported")
                }
            default:
                break
            }
            previous = byte
            lineStart = false
        }
    }

    /// Whether a node may start after `previous` (the last non-space byte on the line).
    static func startsNode(_ previous: UInt8, _ lineStart: Bool) -> Bool {
        lineStart || [UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ","),
                      UInt8(ascii: "?"), 0x0A].contains(previous)
    }

    static func isBlank(_ bytes: [UInt8], _ i: Int) -> Bool {
        i >= bytes.count || bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x09 || bytes[i] == 0x0D
    }

    /// libyaml's anchor names end at a blank or a flow indicator.
    static func endsAnchorName(_ byte: UInt8) -> Bool {
        [0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}")].contains(byte)
    }
}
