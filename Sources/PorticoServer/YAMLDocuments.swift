import OrderedCollections
import PorticoAPI
import Yams

/// Manifests as kubectl reads them: YAML (one or more `---` documents) or JSON, turned into
/// Portico's JSON tree; and objects written back as YAML, with keys sorted as `kubectl get -o yaml` does.
public enum YAMLDocuments {
    public struct Failure: Error, CustomStringConvertible {
        /// What was wrong in the YAML (`yaml: document contains excessive aliasing`).
        public var cause: String
        public var description: String { "error converting YAML to JSON: " + self.cause }

        init(cause: String) { self.cause = cause }
    }

    public static func parse(_ text: String) throws -> [JSON] {
        let trimmed = text.drop(while: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
        if trimmed.first == "{" || trimmed.first == "[" {
            if let json = try? JSON.parse(text) {
                if json["kind"]?.stringValue?.hasSuffix("List") == true, let items = json["items"]?.arrayValue { return items }
                return [json]
            }
        }
        var documents: [JSON] = []
        do {
            try YAMLLimits.precheck(text)
            for node in try Yams.compose_all(yaml: text) {
                var converter = Converter()
                let json = try converter.json(from: node, depth: 0, throughAlias: false)
                if json.isNull { continue }
                if json["kind"]?.stringValue?.hasSuffix("List") == true, let items = json["items"]?.arrayValue {
                    documents += items
                } else {
                    documents.append(json)
                }
            }
        } catch let error as YamlError {
            throw Failure(cause: "yaml: \(error)")
        } catch let error as YAMLLimits.Refusal {
            throw Failure(cause: error.description)
        }
        return documents
    }

    /// One document's nodes turned into JSON, counting nodes as go-yaml does: a node met
    /// again through its anchor is an alias, and every node under it counts as aliased.
    struct Converter {
        var budget = YAMLLimits.AliasBudget()
        var anchorsSeen: Set<ObjectIdentifier> = []

        mutating func json(from node: Yams.Node, depth: Int, throughAlias: Bool) throws -> JSON {
            guard depth <= YAMLLimits.maxDepth else { throw YAMLLimits.Refusal(description: "yaml: exceeded max depth of \(YAMLLimits.maxDepth)") }
            var aliased = throughAlias
            if let anchor = Self.anchor(of: node), !self.anchorsSeen.insert(ObjectIdentifier(anchor)).inserted { aliased = true }
            try self.budget.count(throughAlias: aliased)
            switch node {
            case .scalar(let scalar):
                switch Tag.Name(rawValue: node.tag.rawValue) {
                case .null: return .null
                case .bool: return .bool(node.bool ?? false)
                case .int:
                    if let i = Int64(scalar.string) { return JSON.integer(i) }
                    return node.int.map { JSON.integer(Int64($0)) } ?? JSON.string(scalar.string)
                case .float: return node.float.map { JSON.double($0) } ?? JSON.string(scalar.string)
                default: return .string(scalar.string)
                }
            case .mapping(let mapping):
                var members = OrderedDictionary<String, JSON>()
                for (key, value) in mapping {
                    try self.budget.count(throughAlias: aliased)
                    guard let name = key.string else { throw Failure(cause: "yaml: mapping keys must be strings") }
                    members[name] = try self.json(from: value, depth: depth + 1, throughAlias: aliased)
                }
                return .object(members)
            case .sequence(let sequence):
                var items: [JSON] = []
                for item in sequence { items.append(try self.json(from: item, depth: depth + 1, throughAlias: aliased)) }
                return .array(items)
            case .alias:
                throw Failure(cause: "yaml: unresolved alias")
            }
        }

        static func anchor(of node: Yams.Node) -> Anchor? {
            switch node {
            case .scalar(let scalar): return scalar.anchor
            case .mapping(let mapping): return mapping.anchor
            case .sequence(let sequence): return sequence.anchor
            case .alias: return nil
            }
        }
    }

    /// YAML text of `json`, keys sorted.
    public static func yaml(_ json: JSON) throws -> String {
        try Yams.serialize(node: self.node(json), indent: 2, width: -1, allowUnicode: true)
    }

    static func node(_ json: JSON) -> Yams.Node {
        switch json {
        case .null: return Yams.Node("null", Tag(.null))
        case .bool(let b): return Yams.Node(b ? "true" : "false", Tag(.bool))
        case .integer(let i): return Yams.Node(String(i), Tag(.int))
        case .double(let d): return Yams.Node(JSON.double(d).serialized(), Tag(.float))
        case .string(let s):
            // Quote what YAML would otherwise read as another type ("80", "true", "null", "").
            let plainIsString: Bool = {
                guard let resolved = try? Yams.compose(yaml: s), case .scalar = resolved else { return false }
                return resolved.tag.rawValue == Tag.Name.str.rawValue && !s.contains("\n")
            }()
            if s.contains("\n") { return Yams.Node(s, Tag(.str), .literal) }
            return Yams.Node(s, Tag(.str), plainIsString ? .plain : .doubleQuoted)
        case .array(let items): return Yams.Node(items.map(self.node))
        case .object(let members):
            return Yams.Node(members.sorted { $0.key < $1.key }.map { (Yams.Node($0.key), self.node($0.value)) })
        }
    }
}
