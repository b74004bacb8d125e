/// Why the SPDY byte stream cannot go on.
///
/// Every case is fatal for the connection: the frame boundaries or the shared zlib
/// state can no longer be trusted, so the caller closes the transport instead of
/// guessing. None of them is ever a crash.
public enum SPDYError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A control frame with a version other than 3.
    case unsupportedVersion(UInt16)
    /// A frame whose declared length is wrong for its type.
    case invalidLength(frame: String, length: Int)
    /// A frame longer than the decoder accepts.
    case frameTooLarge(length: Int, limit: Int)
    /// A field the protocol forbids, such as stream id 0 where a stream is required.
    case invalidFrame(String)
    /// The zlib layer failed; the header context is gone for the rest of the connection.
    case compression(String)
    /// The decompressed name/value block is not well formed.
    case malformedHeaderBlock(String)

    public var description: String {
        switch self {
        case .unsupportedVersion(let version):
            return "SPDY: unsupported control frame version \(version) (only 3 is spoken)"
        case .invalidLength(let frame, let length):
            return "SPDY: \(frame) frame with invalid length \(length)"
        case .frameTooLarge(let length, let limit):
            return "SPDY: frame of \(length) bytes exceeds the limit of \(limit)"
        case .invalidFrame(let reason):
            return "SPDY: invalid frame: \(reason)"
        case .compression(let reason):
            return "SPDY: header compression: \(reason)"
        case .malformedHeaderBlock(let reason):
            return "SPDY: malformed header block: \(reason)"
        }
    }
}
