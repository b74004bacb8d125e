import OrderedCollections
import PorticoAPI

/// A set of field paths in an object, as server-side apply tracks ownership and writes it in
/// `managedFields[].fieldsV1`: `f:spec` → `f:ports` → `k:{"port":80,"protocol":"TCP"}` → `f:nodePort`.
struct FieldSet: Sendable, Hashable {
    enum Element: Sendable, Hashable, Comparable {
        case field(String)
        /// A list element known by its map keys.
        case key(JSON)
        /// A member of a set of scalars.
        case value(JSON)

        var encoded: String {
            switch self {
            case .field(let name): return "f:" + name
            case .key(let keys): return "k:" + keys.serialized(JSONWriteOptions(indent: nil, escapeHTML: false))
            case .value(let v): return "v:" + v.serialized(JSONWriteOptions(indent: nil, escapeHTML: false))
            }
        }

        static func < (a: Element, b: Element) -> Bool { a.encoded < b.encoded }

        init?(encoded: String) {
            guard encoded.count > 2 else { return nil }
            let body = String(encoded.dropFirst(2))
            switch encoded.prefix(2) {
            case "f:": self = .field(body)
            case "k:": guard let j = try? JSON.parse(body) else { return nil }; self = .key(j)
            case "v:": guard let j = try? JSON.parse(body) else { return nil }; self = .value(j)
            default: return nil
            }
        }
    }

    /// Children; a child with `isMember` is itself in the set (written as `".": {}` when it also has children).
    var children: [Element: FieldSet] = [:]
    var isMember = false

    var isEmpty: Bool { !self.isMember && self.children.values.allSatisfy(\.isEmpty) }

    /// The fields an object sets, per the kind's list rules. Server-owned metadata is left out.
    /// With `containers`, maps, structs and lists are members too (what an Update compares);
    /// without, only leaves and list elements are (what an applied configuration owns).
    static func of(_ object: JSON, schema: MergeSchema, containers: Bool = true) -> FieldSet {
        var set = FieldSet()
        guard case .object(let members) = object else { return set }
        for (name, value) in members where !FieldSet.ignoredTopLevel.contains(name) {
            if name == "metadata", case .object(let meta) = value {
                var metaSet = FieldSet(isMember: containers)
                for (field, v) in meta where !FieldSet.ignoredMetadata.contains(field) {
                    metaSet.children[.field(field)] = Self.build(v, path: ["metadata", field], schema: schema, containers: containers)
                }
                set.children[.field("metadata")] = metaSet
                continue
            }
            set.children[.field(name)] = Self.build(value, path: [name], schema: schema, containers: containers)
        }
        return set
    }

    static let ignoredTopLevel: Set<String> = ["apiVersion", "kind"]
    static let ignoredMetadata: Set<String> = [
        "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "managedFields", "selfLink", "generateName",
    ]

    static func build(_ value: JSON, path: [String], schema: MergeSchema, containers: Bool, isElement: Bool = false) -> FieldSet {
        var set = FieldSet()
        set.isMember = true
        switch value {
        case .object(let members):
            if !isElement && schema.atomicMaps.contains(String.schemaPath(path)) { return set }
            set.isMember = containers || isElement
            for (name, v) in members {
                set.children[.field(name)] = Self.build(v, path: path + [name], schema: schema, containers: containers)
            }
        case .array(let items):
            guard let rule = schema.list(String.schemaPath(path)), rule.isSet || !rule.mapKeys.isEmpty else { return set }
            set.isMember = containers
            if rule.isSet {
                for item in items { set.children[.value(item)] = FieldSet(children: [:], isMember: true) }
            } else {
                for item in items {
                    guard let key = Self.keyOf(item, rule) else { continue }
                    set.children[.key(key)] = Self.build(item, path: path, schema: schema, containers: containers, isElement: true)
                }
            }
        default:
            break
        }
        return set
    }

    /// `{"port":80,"protocol":"TCP"}`: the map keys of a list element, in key order, with the
    /// defaults of missing keys filled in.
    static func keyOf(_ item: JSON, _ rule: MergeSchema.ListRule) -> JSON? {
        guard case .object(let members) = item else { return nil }
        var key = OrderedDictionary<String, JSON>()
        for name in rule.mapKeys.sorted() {
            if let v = members[name] ?? rule.keyDefaults[name] { key[name] = v }
        }
        return key.isEmpty ? nil : .object(key)
    }

    // MARK: set algebra

    func union(_ other: FieldSet) -> FieldSet {
        var result = self
        result.isMember = self.isMember || other.isMember
        for (element, child) in other.children {
            result.children[element] = (result.children[element] ?? FieldSet()).union(child)
        }
        return result
    }

    func subtracting(_ other: FieldSet) -> FieldSet {
        var result = FieldSet()
        result.isMember = self.isMember && !other.isMember
        for (element, child) in self.children {
            let remaining = other.children[element].map { child.subtracting($0) } ?? child
            if !remaining.isEmpty { result.children[element] = remaining }
        }
        return result
    }

    func intersection(_ other: FieldSet) -> FieldSet {
        var result = FieldSet()
        result.isMember = self.isMember && other.isMember
        for (element, child) in self.children {
            if let o = other.children[element] {
                let both = child.intersection(o)
                if !both.isEmpty { result.children[element] = both }
            }
        }
        return result
    }

    /// The leaf paths, for conflict messages: `.spec.ports[port=80,protocol="TCP"].nodePort`.
    func paths(prefix: String = "") -> [String] {
        var result: [String] = []
        if self.isMember, self.children.isEmpty, !prefix.isEmpty { result.append(prefix) }
        for element in self.children.keys.sorted() {
            let child = self.children[element]!
            let segment: String
            switch element {
            case .field(let name): segment = "." + name
            case .key(let keys):
                let parts = keys.objectValue?.map { "\($0.key)=\($0.value.serialized(JSONWriteOptions(indent: nil, escapeHTML: false)))" } ?? []
                segment = "[" + parts.joined(separator: ",") + "]"
            case .value(let v): segment = "[=" + v.serialized(JSONWriteOptions(indent: nil, escapeHTML: false)) + "]"
            }
            result += child.paths(prefix: prefix + segment)
        }
        return result
    }

    // MARK: fieldsV1

    var fieldsV1: JSON {
        var members = OrderedDictionary<String, JSON>()
        if self.isMember, !self.children.isEmpty { members["."] = .object([:]) }
        for element in self.children.keys.sorted() {
            let child = self.children[element]!
            if child.isEmpty { continue }
            members[element.encoded] = child.fieldsV1
        }
        return .object(members)
    }

    init(children: [Element: FieldSet] = [:], isMember: Bool = false) {
        self.children = children
        self.isMember = isMember
    }

    init(fieldsV1 json: JSON) {
        self.init()
        guard case .object(let members) = json else { return }
        for (name, value) in members {
            if name == "." { self.isMember = true; continue }
            guard let element = Element(encoded: name) else { continue }
            var child = FieldSet(fieldsV1: value)
            // `{}` is a member; a node with children is one only when it lists ".".
            if value.objectValue?.isEmpty ?? true { child.isMember = true }
            self.children[element] = child
        }
    }

    /// The top-level object itself is not a field.
    static func topLevel(_ json: JSON) -> FieldSet {
        var set = FieldSet(fieldsV1: json)
        set.isMember = false
        return set
    }
}
