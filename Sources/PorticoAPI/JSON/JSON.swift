import OrderedCollections

/// A JSON document as a value.
///
/// Portico keeps its own JSON tree (instead of Foundation's `JSONSerialization`) because
/// Kubernetes needs things Foundation does not give: object keys kept in order (the wire
/// order of Go structs), duplicate keys reported (strict field validation), integers kept
/// exact up to 64 bits, and a tree that patches (JSON, merge, strategic merge) can edit.
public enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object(OrderedDictionary<String, JSON>)
}

extension JSON {
    /// The members of an object, or nil when this is not an object.
    public var objectValue: OrderedDictionary<String, JSON>? {
        if case .object(let members) = self { return members }
        return nil
    }

    public var arrayValue: [JSON]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var integerValue: Int64? {
        switch self {
        case .integer(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int64(d)
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The member `key` of an object; nil for a missing key or a non-object.
    public subscript(key: String) -> JSON? {
        get { self.objectValue?[key] }
        set {
            guard case .object(var members) = self else { return }
            members[key] = newValue
            self = .object(members)
        }
    }

    /// The same tree with object keys sorted at every level: the order `kubectl get -o json`
    /// prints (it re-encodes maps), where the server writes struct field order.
    public var sortedKeys: JSON {
        switch self {
        case .object(let members):
            var sorted = members.mapValues(\.sortedKeys)
            sorted.sort { $0.key < $1.key }
            return .object(sorted)
        case .array(let items): return .array(items.map(\.sortedKeys))
        default: return self
        }
    }

    /// The name Go's encoding/json uses for this kind of value in its error messages.
    public var goTypeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .integer, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(OrderedDictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension JSON: Codable {
    /// Decoding a `JSON` keeps whatever was given: it is how Portico stores fields it carries but
    /// does not interpret (managedFields' fieldsV1, a pod's volumes).
    public init(from decoder: any Decoder) throws {
        if let kube = decoder as? KubeDecoderImpl {
            self = kube.node
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int64.self) {
            self = .integer(i)
        } else if let d = try? container.decode(Double.self) {
            self = .double(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSON].self) {
            self = .array(a)
        } else {
            let o = try container.decode([String: JSON].self)
            self = .object(OrderedDictionary(uniqueKeysWithValues: o.sorted { $0.key < $1.key }))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        if let kube = encoder as? KubeEncoderImpl {
            kube.storeRaw(self)
            return
        }
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .integer(let i): try container.encode(i)
        case .double(let d): try container.encode(d)
        case .string(let s): try container.encode(s)
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(Dictionary(uniqueKeysWithValues: o.map { ($0.key, $0.value) }))
        }
    }
}
