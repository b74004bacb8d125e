import OrderedCollections
import PorticoAPI
import Yams

/// Manifests as kubectl reads them: YAML (one or more `---` documents) or JSON, turned into
/// Portico's JSON tree; and objects written back as YAML, with keys sorted as `kubectl get -o yaml` does.
public enum YAMLDocuments {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func parse(_ text: String) throws -> [JSON] {
        let trimmed = text.drop(while: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
        if trimmed.first == "{" || trimmed.first == "[" {
            let json = try JSON.parse(text)
            if json["kind"]?.stringValue?.hasSuffix("List") == true, let items = json["items"]?.arrayValue { return items }
            return [json]
        }
        var documents: [JSON] = []
        do {
            for node in try Yams.compose_all(yaml: text) {
                let json = try self.json(from: node)
                if json.isNull { continue }
                if json["kind"]?.stringValue?.hasSuffix("List") == true, let items = json["items"]?.arrayValue {
                    documents += items
                } else {
                    documents.append(json)
                }
            }
        } catch let error as YamlError {
            throw Failure(description: "error converting YAML to JSON: \(error)")
        }
        return documents
    }

    static func json(from node: Yams.Node) throws -> JSON {
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
                guard let name = key.string else { throw Failure(description: "error converting YAML to JSON: mapping keys must be strings") }
                members[name] = try self.json(from: value)
            }
            return .object(members)
        case .sequence(let sequence):
            return .array(try sequence.map { try self.json(from: $0) })
        case .alias:
            throw Failure(description: "error converting YAML to JSON: YAML aliases are not supported")
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
