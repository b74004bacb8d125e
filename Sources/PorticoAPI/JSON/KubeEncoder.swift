import OrderedCollections

/// Encodes Portico's Codable types into a `JSON` tree in field declaration order (the order
/// Go writes struct fields), with map keys sorted (as Go writes maps).
public struct KubeJSONEncoder: Sendable {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> JSON {
        let encoder = KubeEncoderImpl(codingPath: [])
        try encoder.encodeValue(value)
        return encoder.box.resolve()
    }
}

extension Encodable {
    /// This value as a Kubernetes JSON tree.
    public func toJSON() throws -> JSON {
        try KubeJSONEncoder().encode(self)
    }

    /// This value as compact Kubernetes JSON text.
    public func jsonString(_ options: JSONWriteOptions = .compact) throws -> String {
        try self.toJSON().serialized(options)
    }
}

/// A node under construction: containers hand out child boxes and the tree is resolved at the end.
final class EncodingBox {
    enum Content {
        case empty
        case value(JSON)
        case object(OrderedDictionary<String, EncodingBox>)
        case array([EncodingBox])
    }

    var content: Content = .empty

    func resolve() -> JSON {
        switch self.content {
        case .empty: return .object([:])
        case .value(let v): return v
        case .object(let members): return .object(members.mapValues { $0.resolve() })
        case .array(let items): return .array(items.map { $0.resolve() })
        }
    }

    func makeObject() {
        if case .object = self.content { return }
        self.content = .object([:])
    }

    func makeArray() {
        if case .array = self.content { return }
        self.content = .array([])
    }

    func member(_ key: String) -> EncodingBox {
        self.makeObject()
        guard case .object(var members) = self.content else { fatalError("unreachable") }
        if let existing = members[key] { return existing }
        let box = EncodingBox()
        members[key] = box
        self.content = .object(members)
        return box
    }

    func appendElement() -> EncodingBox {
        self.makeArray()
        guard case .array(var items) = self.content else { fatalError("unreachable") }
        let box = EncodingBox()
        items.append(box)
        self.content = .array(items)
        return box
    }
}

/// Dictionaries with string keys are written with their keys sorted, as Go does.
protocol SortedStringKeyedEncodable {
    func encodeSorted(into box: EncodingBox, codingPath: [any CodingKey]) throws
}

extension Dictionary: SortedStringKeyedEncodable where Key == String, Value: Encodable {
    func encodeSorted(into box: EncodingBox, codingPath: [any CodingKey]) throws {
        box.makeObject()
        for key in self.keys.sorted() {
            let child = KubeEncoderImpl(codingPath: codingPath, box: box.member(key))
            try child.encodeValue(self[key]!)
        }
    }
}

final class KubeEncoderImpl: Encoder {
    let codingPath: [any CodingKey]
    let box: EncodingBox
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(codingPath: [any CodingKey], box: EncodingBox = EncodingBox()) {
        self.codingPath = codingPath
        self.box = box
    }

    func storeRaw(_ json: JSON) {
        self.box.content = .value(json)
    }

    func encodeValue<T: Encodable>(_ value: T) throws {
        switch value {
        case let s as String: self.box.content = .value(.string(s))
        case let b as Bool: self.box.content = .value(.bool(b))
        case let i as Int32: self.box.content = .value(.integer(Int64(i)))
        case let i as Int64: self.box.content = .value(.integer(i))
        case let i as Int: self.box.content = .value(.integer(Int64(i)))
        case let i as UInt16: self.box.content = .value(.integer(Int64(i)))
        case let d as Double: self.box.content = .value(.double(d))
        case let j as JSON: self.box.content = .value(j)
        case let dictionary as any SortedStringKeyedEncodable:
            try dictionary.encodeSorted(into: self.box, codingPath: self.codingPath)
        default: try value.encode(to: self)
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        self.box.makeObject()
        return KeyedEncodingContainer(KubeKeyedEncodingContainer<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        self.box.makeArray()
        return KubeUnkeyedEncodingContainer(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        KubeSingleValueEncodingContainer(encoder: self)
    }
}

struct KubeKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: KubeEncoderImpl
    var codingPath: [any CodingKey] { self.encoder.codingPath }

    func child(_ key: Key) -> KubeEncoderImpl {
        KubeEncoderImpl(codingPath: self.codingPath + [key], box: self.encoder.box.member(key.stringValue))
    }

    mutating func encodeNil(forKey key: Key) throws {
        self.encoder.box.member(key.stringValue).content = .value(.null)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try self.child(key).encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        self.child(key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        self.child(key).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { self.encoder }

    mutating func superEncoder(forKey key: Key) -> any Encoder { self.child(key) }
}

struct KubeUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let encoder: KubeEncoderImpl
    var codingPath: [any CodingKey] { self.encoder.codingPath }
    var count: Int {
        if case .array(let items) = self.encoder.box.content { return items.count }
        return 0
    }

    func next() -> KubeEncoderImpl {
        let index = self.count
        return KubeEncoderImpl(codingPath: self.codingPath + [IndexKey(intValue: index)],
                               box: self.encoder.box.appendElement())
    }

    mutating func encodeNil() throws { self.next().box.content = .value(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws { try self.next().encodeValue(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        self.next().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { self.next().unkeyedContainer() }

    mutating func superEncoder() -> any Encoder { self.next() }
}

struct KubeSingleValueEncodingContainer: SingleValueEncodingContainer {
    let encoder: KubeEncoderImpl
    var codingPath: [any CodingKey] { self.encoder.codingPath }

    mutating func encodeNil() throws { self.encoder.box.content = .value(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws { try self.encoder.encodeValue(value) }
}
