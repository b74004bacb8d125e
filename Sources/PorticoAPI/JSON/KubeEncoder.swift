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

/// A node under construction: containers hand out child boxes and the tree is resolved at
/// the end. Stored properties (not an enum) so that members are added in place.
final class EncodingBox {
    var value: JSON? = nil
    var object: OrderedDictionary<String, EncodingBox>? = nil
    var array: [EncodingBox]? = nil

    func resolve() -> JSON {
        if let value = self.value { return value }
        if let array = self.array { return .array(array.map { $0.resolve() }) }
        if let object = self.object { return .object(object.mapValues { $0.resolve() }) }
        return .object([:])
    }

    func set(_ json: JSON) {
        self.value = json
        self.object = nil
        self.array = nil
    }

    func makeObject() {
        if self.object == nil {
            self.value = nil
            self.array = nil
            self.object = [:]
        }
    }

    func makeArray() {
        if self.array == nil {
            self.value = nil
            self.object = nil
            self.array = []
        }
    }

    func member(_ key: String) -> EncodingBox {
        self.makeObject()
        if let existing = self.object![key] { return existing }
        let box = EncodingBox()
        self.object![key] = box
        return box
    }

    func appendElement() -> EncodingBox {
        self.makeArray()
        let box = EncodingBox()
        self.array!.append(box)
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
        self.box.set(json)
    }

    func encodeValue<T: Encodable>(_ value: T) throws {
        switch value {
        case let s as String: self.box.set(.string(s))
        case let b as Bool: self.box.set(.bool(b))
        case let i as Int32: self.box.set(.integer(Int64(i)))
        case let i as Int64: self.box.set(.integer(i))
        case let i as Int: self.box.set(.integer(Int64(i)))
        case let i as UInt16: self.box.set(.integer(Int64(i)))
        case let d as Double: self.box.set(.double(d))
        case let j as JSON: self.box.set(j)
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
        self.encoder.box.member(key.stringValue).set(.null)
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
    var count: Int { self.encoder.box.array?.count ?? 0 }

    func next() -> KubeEncoderImpl {
        let index = self.count
        return KubeEncoderImpl(codingPath: self.codingPath + [IndexKey(intValue: index)],
                               box: self.encoder.box.appendElement())
    }

    mutating func encodeNil() throws { self.next().box.set(.null) }

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

    mutating func encodeNil() throws { self.encoder.box.set(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws { try self.encoder.encodeValue(value) }
}
