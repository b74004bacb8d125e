/// intstr.IntOrString: a port given as a number or as a named container port.
public enum IntOrString: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByIntegerLiteral,
    ExpressibleByStringLiteral
{
    case int(Int32)
    case string(String)

    public init(integerLiteral value: Int32) { self = .int(value) }
    public init(stringLiteral value: String) { self = .string(value) }

    public var intValue: Int32? {
        if case .int(let i) = self { return i }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Go's zero IntOrString is the int 0; the string "" counts as unset too (targetPort defaulting).
    public var isUnset: Bool { self == .int(0) || self == .string("") }

    public var description: String {
        switch self {
        case .int(let i): return String(i)
        case .string(let s): return s
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .int(0)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else {
            self = .int(try container.decode(Int32.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let i): try container.encode(i)
        case .string(let s): try container.encode(s)
        }
    }
}

extension IntOrString: ZeroValued {
    public static var zeroValue: IntOrString { .int(0) }
}

/// resource.Quantity, kept as its text (`100m`, `16Gi`): Portico reports node capacity and
/// passes requests through, and does no arithmetic on them.
public struct Quantity: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var text: String

    public init(_ text: String) { self.text = text }
    public init(stringLiteral value: String) { self.text = value }
    public var description: String { self.text }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let s = try? container.decode(String.self) {
            self.text = s
        } else if let i = try? container.decode(Int64.self) {
            self.text = String(i)
        } else {
            self.text = String(try container.decode(Double.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.text)
    }
}
