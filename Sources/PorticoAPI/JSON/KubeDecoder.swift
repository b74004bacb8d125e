import OrderedCollections

/// A document that could not be turned into the requested type, worded as Go's
/// encoding/json words it (`json: cannot unmarshal string into Go struct field
/// ServicePort.spec.ports.port of type int32`), since clients show the server's text.
public struct KubeDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// Dotted path of the offending field, `spec.ports[0].port`.
    public var path: String
    public var description: String { self.message }
}

/// What a strict decode found besides the value: fields the type does not know and keys
/// given twice. Strict field validation refuses the request when either is non-empty.
public struct DecodedDocument<T: Sendable>: Sendable {
    public var value: T
    public var unknownFields: [String]
    public var duplicateFields: [String]

    /// The messages upstream's strict decoding reports: `unknown field "spec.foo"`,
    /// `duplicate field "metadata.name"`.
    public var strictErrors: [String] {
        self.unknownFields.map { "unknown field \"\($0)\"" } + self.duplicateFields.map { "duplicate field \"\($0)\"" }
    }
}

/// Decodes Kubernetes JSON into Portico's Codable types with Go's rules: `null` and missing
/// fields give zero values, numbers must fit their integer type, and every field of the
/// input that the type does not declare is recorded with its path.
public struct KubeJSONDecoder: Sendable {
    public init() {}

    /// Go's zero value of a type: the type decoded from `null`.
    public static func zeroValue<T: Decodable>(of type: T.Type) throws -> T {
        let state = KubeDecodingState()
        defer { state.release() }
        return try KubeDecoderImpl(node: .null, parent: nil, key: nil, state: state).decodeValue(T.self)
    }

    public func decode<T: Decodable & Sendable>(_ type: T.Type, from json: JSON) throws -> DecodedDocument<T> {
        let state = KubeDecodingState()
        defer { state.release() }
        let decoder = KubeDecoderImpl(node: json, parent: nil, key: nil, state: state)
        let value = try decoder.decodeValue(T.self)
        return DecodedDocument(value: value, unknownFields: state.unknownFields(inOrderOf: json), duplicateFields: [])
    }

    public func decode<T: Decodable & Sendable>(_ type: T.Type, from bytes: [UInt8]) throws -> DecodedDocument<T> {
        let parsed = try JSON.parseReportingDuplicates(bytes)
        var document = try self.decode(type, from: parsed.value)
        document.duplicateFields = parsed.duplicateFields
        return document
    }

    public func decode<T: Decodable & Sendable>(_ type: T.Type, from text: String) throws -> DecodedDocument<T> {
        try self.decode(type, from: Array(text.utf8))
    }
}

extension JSON {
    /// Decodes this tree as `T`, ignoring unknown fields.
    public func decode<T: Decodable & Sendable>(as type: T.Type) throws -> T {
        try KubeJSONDecoder().decode(type, from: self).value
    }
}

/// The objects seen while decoding and which of their keys the types asked for, so the
/// keys nobody asked for can be reported afterwards. Paths are only rendered then.
///
/// Each decoder holds the state and the state holds the decoders it saw: a cycle that
/// `release()` must break when the decode is over, or every decoded document stays in
/// memory for good.
final class KubeDecodingState {
    final class ObjectUse {
        let decoder: KubeDecoderImpl
        let keys: [String]
        var used: [Bool]

        init(decoder: KubeDecoderImpl, keys: [String]) {
            self.decoder = decoder
            self.keys = keys
            self.used = Array(repeating: false, count: keys.count)
        }
    }

    var objects: [ObjectUse] = []
    var byDecoder: [ObjectIdentifier: ObjectUse] = [:]

    func register(_ decoder: KubeDecoderImpl, keys: [String]) -> ObjectUse {
        if let existing = self.byDecoder[ObjectIdentifier(decoder)] { return existing }
        let use = ObjectUse(decoder: decoder, keys: keys)
        self.objects.append(use)
        self.byDecoder[ObjectIdentifier(decoder)] = use
        return use
    }

    /// Lets go of the decoders (and so of the document), ending the cycle through them.
    func release() {
        self.objects = []
        self.byDecoder = [:]
    }

    /// The unknown fields in the order they appear in the document, as Go's decoder meets them.
    func unknownFields(inOrderOf document: JSON) -> [String] {
        var unknown: [String] = []
        for use in self.objects where use.used.contains(false) {
            let path = use.decoder.dottedPath
            for (i, key) in use.keys.enumerated() where !use.used[i] {
                unknown.append(path.isEmpty ? key : path + "." + key)
            }
        }
        guard unknown.count > 1 else { return unknown }
        var position: [String: Int] = [:]
        func walk(_ node: JSON, _ path: [String]) {
            switch node {
            case .object(let members):
                for (key, value) in members {
                    position[FieldPathRendering.dotted(path + [key])] = position.count
                    walk(value, path + [key])
                }
            case .array(let items):
                for (i, item) in items.enumerated() { walk(item, path + ["[\(i)]"]) }
            default:
                break
            }
        }
        walk(document, [])
        return unknown.sorted { (position[$0] ?? Int.max) < (position[$1] ?? Int.max) }
    }
}

struct IndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(intValue: Int) {
        self.intValue = intValue
        self.stringValue = "[\(intValue)]"
    }
    init?(stringValue: String) { nil }
}

final class KubeDecoderImpl: Decoder {
    let node: JSON
    let parent: KubeDecoderImpl?
    let key: (any CodingKey)?
    let state: KubeDecodingState
    /// The Go struct this value is a field of, for error messages.
    let parentType: Any.Type?
    /// The Swift type being decoded here, for error messages.
    var currentType: Any.Type = JSON.self
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(node: JSON, parent: KubeDecoderImpl?, key: (any CodingKey)?, state: KubeDecodingState, parentType: Any.Type? = nil) {
        self.node = node
        self.parent = parent
        self.key = key
        self.state = state
        self.parentType = parentType
    }

    /// Built only when asked for (errors, unknown fields): decoding itself never needs it.
    var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var current: KubeDecoderImpl? = self
        while let decoder = current, let key = decoder.key {
            path.append(key)
            current = decoder.parent
        }
        return path.reversed()
    }

    var dottedPath: String { Self.dotted(self.codingPath) }

    static func dotted(_ path: [any CodingKey]) -> String {
        FieldPathRendering.dotted(path.map { $0.intValue != nil ? "[\($0.intValue!)]" : $0.stringValue })
    }

    /// Go's error path leaves out list indices: `spec.ports.port`.
    static func goPath(_ path: [any CodingKey]) -> String {
        path.filter { $0.intValue == nil }.map(\.stringValue).joined(separator: ".")
    }

    /// Go's name for a Swift type in an error, `int32`, `string`, `v1.ServicePort`.
    static func goTypeName(_ type: Any.Type) -> String {
        switch type {
        case is Int32.Type: return "int32"
        case is Int64.Type, is Int.Type: return "int64"
        case is UInt16.Type: return "uint16"
        case is Double.Type: return "float64"
        case is String.Type: return "string"
        case is Bool.Type: return "bool"
        default:
            return goTypeName(Substring(String(describing: type)))
        }
    }

    static func goTypeName(_ swiftName: Substring) -> String {
        switch swiftName {
        case "Int32": return "int32"
        case "Int64", "Int": return "int64"
        case "String": return "string"
        case "Bool": return "bool"
        default:
            for wrapper in ["OmitEmpty<", "NullWhenZero<", "Optional<"] where swiftName.hasPrefix(wrapper) {
                return goTypeName(swiftName.dropFirst(wrapper.count).dropLast())
            }
            if swiftName.hasPrefix("Array<") { return "[]" + goTypeName(swiftName.dropFirst(6).dropLast()) }
            if swiftName.hasPrefix("Dictionary<String, ") {
                return "map[string]" + goTypeName(swiftName.dropFirst(19).dropLast())
            }
            return "v1." + swiftName
        }
    }

    func typeMismatch(_ expected: Any.Type) -> KubeDecodingError {
        let what: String
        switch self.node {
        case .integer(let i): what = "number \(i)"
        case .double(let d): what = "number \(JSON.formatDouble(d))"
        default: what = self.node.goTypeName
        }
        let codingPath = self.codingPath
        let goPath = Self.goPath(codingPath)
        let field: String
        if goPath.isEmpty {
            field = "Go value"
        } else {
            let owner = self.parentType.map { String(describing: $0) } ?? ""
            field = "Go struct field \(owner).\(goPath)"
        }
        return KubeDecodingError(
            message: "json: cannot unmarshal \(what) into \(field) of type \(Self.goTypeName(expected))",
            path: Self.dotted(codingPath)
        )
    }

    /// Decodes a child value; the scalar types are read here so their errors name the field.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is String.Type:
            switch self.node {
            case .string(let s): return s as! T
            case .null: return "" as! T
            default: throw self.typeMismatch(type)
            }
        case is Bool.Type:
            switch self.node {
            case .bool(let b): return b as! T
            case .null: return false as! T
            default: throw self.typeMismatch(type)
            }
        case is Int32.Type: return Int32(try self.integer(in: Int64(Int32.min)...Int64(Int32.max), type)) as! T
        case is Int64.Type: return try self.integer(in: Int64.min...Int64.max, type) as! T
        case is Int.Type: return Int(try self.integer(in: Int64.min...Int64.max, type)) as! T
        case is UInt16.Type: return UInt16(try self.integer(in: 0...Int64(UInt16.max), type)) as! T
        case is Double.Type:
            switch self.node {
            case .integer(let i): return Double(i) as! T
            case .double(let d): return d as! T
            case .null: return 0.0 as! T
            default: throw self.typeMismatch(type)
            }
        case is JSON.Type:
            return self.node as! T
        default:
            self.currentType = T.self
            do {
                return try T(from: self)
            } catch let error as KubeDecodingError {
                throw error
            } catch let error as DecodingError {
                throw self.convert(error)
            } catch {
                throw KubeDecodingError(message: "\(error)", path: self.dottedPath)
            }
        }
    }

    func convert(_ error: DecodingError) -> KubeDecodingError {
        switch error {
        case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context),
            .keyNotFound(_, let context):
            let path = context.codingPath.isEmpty ? self.dottedPath : Self.dotted(context.codingPath)
            let prefix = path.isEmpty ? "" : "\(path): "
            return KubeDecodingError(message: prefix + context.debugDescription, path: path)
        @unknown default:
            return KubeDecodingError(message: "\(error)", path: self.dottedPath)
        }
    }

    func integer(in range: ClosedRange<Int64>, _ type: Any.Type) throws -> Int64 {
        switch self.node {
        case .integer(let i) where range.contains(i): return i
        case .null: return 0
        default: throw self.typeMismatch(type)
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let members: OrderedDictionary<String, JSON>
        switch self.node {
        case .object(let m): members = m
        case .null: members = [:]
        default: throw self.typeMismatch(self.currentType)
        }
        let use = self.state.register(self, keys: Array(members.keys))
        return KeyedDecodingContainer(KubeKeyedContainer<Key>(decoder: self, members: members, use: use, ownerType: self.currentType))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch self.node {
        case .array(let items): return KubeUnkeyedContainer(decoder: self, items: items)
        case .null: return KubeUnkeyedContainer(decoder: self, items: [])
        default: throw self.typeMismatch(self.currentType)
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        KubeSingleValueContainer(decoder: self)
    }

    func child(_ node: JSON, key: any CodingKey, parentType: Any.Type? = nil) -> KubeDecoderImpl {
        KubeDecoderImpl(node: node, parent: self, key: key, state: self.state, parentType: parentType ?? self.parentType)
    }
}

struct KubeKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: KubeDecoderImpl
    let members: OrderedDictionary<String, JSON>
    let use: KubeDecodingState.ObjectUse
    let ownerType: Any.Type

    var codingPath: [any CodingKey] { self.decoder.codingPath }
    var allKeys: [Key] { self.members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { self.members[key.stringValue] != nil }

    /// The member for `key`, marked as known.
    func node(_ key: Key) -> JSON? {
        guard let index = self.members.index(forKey: key.stringValue) else { return nil }
        self.use.used[index] = true
        return self.members.values[index]
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let node = self.node(key) else { return true }
        return node.isNull
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        // A missing field is Go's zero value: decode the type from null.
        let node = self.node(key) ?? .null
        return try self.decoder.child(node, key: key, parentType: self.ownerType).decodeValue(type)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let node = self.node(key), !node.isNull else { return nil }
        return try self.decoder.child(node, key: key, parentType: self.ownerType).decodeValue(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try self.decoder.child(self.node(key) ?? .null, key: key, parentType: self.ownerType).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try self.decoder.child(self.node(key) ?? .null, key: key, parentType: self.ownerType).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { self.decoder }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        self.decoder.child(self.node(key) ?? .null, key: key, parentType: self.ownerType)
    }
}

struct KubeUnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: KubeDecoderImpl
    let items: [JSON]
    var currentIndex = 0

    init(decoder: KubeDecoderImpl, items: [JSON]) {
        self.decoder = decoder
        self.items = items
    }

    var codingPath: [any CodingKey] { self.decoder.codingPath }
    var count: Int? { self.items.count }
    var isAtEnd: Bool { self.currentIndex >= self.items.count }

    mutating func next() throws -> KubeDecoderImpl {
        guard !self.isAtEnd else {
            throw KubeDecodingError(message: "unexpected end of array", path: self.decoder.dottedPath)
        }
        let child = self.decoder.child(self.items[self.currentIndex], key: IndexKey(intValue: self.currentIndex))
        self.currentIndex += 1
        return child
    }

    mutating func decodeNil() throws -> Bool {
        guard !self.isAtEnd else { return true }
        if self.items[self.currentIndex].isNull {
            self.currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try self.next().decodeValue(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try self.next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try self.next().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try self.next() }
}

struct KubeSingleValueContainer: SingleValueDecodingContainer {
    let decoder: KubeDecoderImpl
    var codingPath: [any CodingKey] { self.decoder.codingPath }

    func decodeNil() -> Bool { self.decoder.node.isNull }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try self.decoder.decodeValue(type)
    }
}
