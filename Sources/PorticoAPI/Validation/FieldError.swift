/// A path to a field, rendered as upstream's field.Path: `spec.ports[0].nodePort`,
/// `metadata.annotations[example.com/key]` (keys are not quoted).
public struct FieldPath: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public private(set) var rendered: String

    public init(_ root: String) { self.rendered = root }
    public init(stringLiteral value: String) { self.rendered = value }

    public func child(_ name: String) -> FieldPath {
        FieldPath(self.rendered.isEmpty ? name : self.rendered + "." + name)
    }

    public func index(_ i: Int) -> FieldPath { FieldPath(self.rendered + "[\(i)]") }
    public func key(_ k: String) -> FieldPath { FieldPath(self.rendered + "[\(k)]") }
    public var description: String { self.rendered }
}

/// The kinds of field error upstream's apimachinery defines, with the words it prints and the
/// `reason` it puts in a Status cause.
public enum FieldErrorType: String, Sendable, Hashable {
    case notFound = "FieldValueNotFound"
    case required = "FieldValueRequired"
    case duplicate = "FieldValueDuplicate"
    case invalid = "FieldValueInvalid"
    case notSupported = "FieldValueNotSupported"
    case forbidden = "FieldValueForbidden"
    case tooLong = "FieldValueTooLong"
    case tooMany = "FieldValueTooMany"
    case `internal` = "InternalError"
    case typeInvalid = "FieldValueTypeInvalid"

    public var words: String {
        switch self {
        case .notFound: return "Not found"
        case .required: return "Required value"
        case .duplicate: return "Duplicate value"
        case .invalid, .typeInvalid: return "Invalid value"
        case .notSupported: return "Unsupported value"
        case .forbidden: return "Forbidden"
        case .tooLong: return "Too long"
        case .tooMany: return "Too many"
        case .internal: return "Internal error"
        }
    }

    /// Required, Forbidden, TooLong and Internal never print the value.
    var printsValue: Bool {
        switch self {
        case .required, .forbidden, .tooLong, .internal: return false
        default: return true
        }
    }
}

/// One validation failure: `spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive`.
public struct FieldError: Error, Sendable, Hashable, CustomStringConvertible {
    public var type: FieldErrorType
    public var field: String
    public var value: FieldValue
    public var detail: String

    public init(_ type: FieldErrorType, _ field: FieldPath, _ value: FieldValue = .omitted, _ detail: String = "") {
        self.type = type
        self.field = field.rendered
        self.value = value
        self.detail = detail
    }

    public static func invalid(_ field: FieldPath, _ value: FieldValue, _ detail: String) -> FieldError {
        FieldError(.invalid, field, value, detail)
    }

    public static func required(_ field: FieldPath, _ detail: String = "") -> FieldError {
        FieldError(.required, field, .omitted, detail)
    }

    public static func forbidden(_ field: FieldPath, _ detail: String) -> FieldError {
        FieldError(.forbidden, field, .omitted, detail)
    }

    public static func duplicate(_ field: FieldPath, _ value: FieldValue) -> FieldError {
        FieldError(.duplicate, field, value, "")
    }

    public static func notFound(_ field: FieldPath, _ value: FieldValue) -> FieldError {
        FieldError(.notFound, field, value, "")
    }

    public static func tooLong(_ field: FieldPath, _ maxLength: Int) -> FieldError {
        FieldError(.tooLong, field, .omitted, maxLength < 0 ? "value is too long" : "may not be more than \(maxLength) bytes")
    }

    public static func tooMany(_ field: FieldPath, _ maxItems: Int) -> FieldError {
        FieldError(.tooMany, field, .omitted, "must have at most \(maxItems) items")
    }

    public static func internalError(_ field: FieldPath, _ detail: String) -> FieldError {
        FieldError(.internal, field, .omitted, detail)
    }

    /// `supported values: "A", "B"`, the values sorted as upstream's set listing sorts them.
    public static func notSupported(_ field: FieldPath, _ value: FieldValue, _ supported: [String]) -> FieldError {
        let detail = supported.isEmpty ? "" : "supported values: " + supported.sorted().map(GoQuote.quote).joined(separator: ", ")
        return FieldError(.notSupported, field, value, detail)
    }

    /// What follows the field path: `Invalid value: 80: provided port is ...`.
    public var body: String {
        var s = self.type.words
        if self.type.printsValue, self.value != .omitted {
            s += ": " + self.value.rendered
        }
        if !self.detail.isEmpty {
            s += ": " + self.detail
        }
        return s
    }

    public var description: String { self.field.isEmpty ? self.body : "\(self.field): \(self.body)" }
}

/// A field's bad value, kept in the shape upstream prints it: strings quoted, numbers bare,
/// composite values as JSON (Kubernetes 1.34 and later render them so).
public enum FieldValue: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    /// Errors that carry no value (Required, Forbidden) or whose value was not given.
    case omitted
    case string(String)
    case int(Int64)
    case bool(Bool)
    case null
    /// A list, map or struct: written as JSON.
    case json(JSON)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }

    /// A value of a named string type (`core.Protocol`, `core.ServiceType`): upstream writes it
    /// with json.Marshal, not `%q`.
    public static func named(_ value: String) -> FieldValue { .json(.string(value)) }

    /// A pointer: its JSON, or `null` when nil.
    public static func pointer(_ value: String?) -> FieldValue { value.map { .json(.string($0)) } ?? .null }

    public static func pointer(_ value: Int32?) -> FieldValue { value.map { .json(.integer(Int64($0))) } ?? .null }

    /// A string list; an empty one is Go's nil slice, written `null`.
    public static func strings(_ values: [String]) -> FieldValue {
        values.isEmpty ? .null : .json(.array(values.map { .string($0) }))
    }

    public static func encoded<T: Encodable>(_ value: T) -> FieldValue {
        guard let json = try? value.toJSON() else { return .null }
        return .json(json)
    }

    public var rendered: String {
        switch self {
        case .omitted: return ""
        case .string(let s): return GoQuote.quote(s)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .json(let json): return json.serialized(.compact)
        }
    }
}

/// A list of field errors, and how upstream folds it into one message: one error alone, or
/// `[e1, e2]` with repeated texts dropped.
extension Array where Element == FieldError {
    public var aggregateMessage: String {
        var seen = Set<String>()
        var messages: [String] = []
        for error in self {
            let text = error.description
            if seen.insert(text).inserted { messages.append(text) }
        }
        if messages.count == 1 { return messages[0] }
        return "[" + messages.joined(separator: ", ") + "]"
    }
}

/// Go's strconv.Quote, which upstream's `%q` uses for string values in messages.
public enum GoQuote {
    public static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
                    || scalar.properties.generalCategory == .unassigned
                {
                    out += scalar.value > 0xFFFF ? "\\U" + hex(scalar.value, width: 8) : "\\u" + hex(scalar.value, width: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static func hex(_ v: UInt32, width: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}
