/// Why a message could not be read or written. Reading errors make the server answer
/// FORMERR (when the header could be read) or drop the packet.
public enum DNSWireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message ends before the header, a name, a record or its data does.
    case truncated
    /// A compression pointer that points at or after itself, or a chain that loops.
    case badPointer(Int)
    case labelTooLong(Int)
    case emptyLabel
    case nameTooLong(Int)
    /// Label types 0b01 and 0b10 (RFC 6891 §5 retired extended labels).
    case unknownLabelType(UInt8)
    /// A record's data does not have the length its type needs.
    case badRecordData(type: UInt16, length: Int)
    /// Octets left after the records the header counts.
    case trailingBytes(Int)
    /// More than one OPT record, or an OPT record outside the additional section or not at the root.
    case badOPT
    case messageTooLong(Int)

    public var description: String {
        switch self {
        case .truncated: return "message truncated"
        case .badPointer(let offset): return "bad compression pointer at offset \(offset)"
        case .labelTooLong(let n): return "label of \(n) octets (at most 63)"
        case .emptyLabel: return "empty label"
        case .nameTooLong(let n): return "name of \(n) octets (at most 255)"
        case .unknownLabelType(let t): return "unknown label type 0x\(String(t, radix: 16))"
        case .badRecordData(let type, let length): return "record of type \(type) with \(length) octets of data"
        case .trailingBytes(let n): return "\(n) octets after the last record"
        case .badOPT: return "misplaced or repeated OPT record"
        case .messageTooLong(let n): return "message of \(n) octets (at most 65535)"
        }
    }
}
