/// Marks a field that Go tags `json:",omitempty"` without a pointer: absent, `null` and the
/// zero value mean the same thing, and the zero value is not written out.
///
/// Kubernetes objects on the wire drop empty strings, empty lists and maps and zero numbers
/// of such fields; round-tripping `kubectl get -o json` output needs the same rule.
@propertyWrapper
public struct OmitEmpty<Value: Codable & Sendable & Hashable & ZeroValued>: Codable, Sendable, Hashable {
    public var wrappedValue: Value

    public init(wrappedValue: Value) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self.wrappedValue = container.decodeNil() ? .zeroValue : try container.decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.wrappedValue)
    }
}

/// A type with a zero value in Go's sense: "", 0, false, an empty list or map.
public protocol ZeroValued {
    static var zeroValue: Self { get }
    var isZeroValue: Bool { get }
}

extension ZeroValued where Self: Equatable {
    public var isZeroValue: Bool { self == Self.zeroValue }
}

extension String: ZeroValued { public static var zeroValue: String { "" } }
extension Bool: ZeroValued { public static var zeroValue: Bool { false } }
extension Int32: ZeroValued { public static var zeroValue: Int32 { 0 } }
extension Int64: ZeroValued { public static var zeroValue: Int64 { 0 } }
extension Int: ZeroValued { public static var zeroValue: Int { 0 } }
extension Array: ZeroValued {
    public static var zeroValue: [Element] { [] }
    public var isZeroValue: Bool { self.isEmpty }
}
extension Dictionary: ZeroValued {
    public static var zeroValue: [Key: Value] { [:] }
    public var isZeroValue: Bool { self.isEmpty }
}

extension KeyedDecodingContainer {
    /// A missing or null omitempty field decodes as its zero value, as in Go.
    public func decode<Value>(_ type: OmitEmpty<Value>.Type, forKey key: Key) throws -> OmitEmpty<Value> {
        OmitEmpty(wrappedValue: try self.decodeIfPresent(Value.self, forKey: key) ?? .zeroValue)
    }
}

extension KeyedEncodingContainer {
    /// A zero-valued omitempty field is left out, as in Go.
    public mutating func encode<Value>(_ value: OmitEmpty<Value>, forKey key: Key) throws {
        if !value.wrappedValue.isZeroValue {
            try self.encode(value.wrappedValue, forKey: key)
        }
    }
}

/// A string-typed enumeration that, as in Go, accepts any value on decode so that validation
/// (not decoding) reports an unsupported one with its field path.
public protocol StringEnum: RawRepresentable, Codable, Sendable, Hashable, ZeroValued, ExpressibleByStringLiteral,
    CustomStringConvertible
where RawValue == String {
    init(rawValue: String)
}

extension StringEnum {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public static var zeroValue: Self { Self(rawValue: "") }
    public var isZeroValue: Bool { self.rawValue.isEmpty }
    public var description: String { self.rawValue }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self.init(rawValue: container.decodeNil() ? "" : try container.decode(String.self))
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.rawValue)
    }
}

extension Optional: ZeroValued {
    public static var zeroValue: Wrapped? { nil }
    public var isZeroValue: Bool { self == nil }
}

/// Marks a field that Go writes as `null` when it is zero: a non-pointer `metav1.Time`
/// (`"lastProbeTime": null`) or a list tagged without omitempty (`"endpoints": null`).
@propertyWrapper
public struct NullWhenZero<Value: Codable & Sendable & Hashable & ZeroValued>: Codable, Sendable, Hashable {
    public var wrappedValue: Value

    public init(wrappedValue: Value) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self.wrappedValue = container.decodeNil() ? .zeroValue : try container.decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if self.wrappedValue.isZeroValue {
            try container.encodeNil()
        } else {
            try container.encode(self.wrappedValue)
        }
    }
}

extension KeyedDecodingContainer {
    public func decode<Value>(_ type: NullWhenZero<Value>.Type, forKey key: Key) throws -> NullWhenZero<Value> {
        NullWhenZero(wrappedValue: try self.decodeIfPresent(Value.self, forKey: key) ?? .zeroValue)
    }
}

extension KeyedEncodingContainer {
    public mutating func encode<Value>(_ value: NullWhenZero<Value>, forKey key: Key) throws {
        if value.wrappedValue.isZeroValue {
            try self.encodeNil(forKey: key)
        } else {
            try self.encode(value.wrappedValue, forKey: key)
        }
    }
}
