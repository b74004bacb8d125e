import NIOCore
import PorticoStreams

/// Bytes from a hex string (whitespace ignored), for recorded wire data.
func hexBytes(_ text: String) -> [UInt8] {
    let digits = Array(text.filter { !$0.isWhitespace }.utf8)
    precondition(digits.count % 2 == 0, "odd hex length")
    func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: preconditionFailure("not hex")
        }
    }
    return stride(from: 0, to: digits.count, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
}

func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

/// The port-forward stream headers client-go sends (it sets them through http.Header,
/// so spdystream writes them lowercased).
func portForwardHeaders(type: String, port: UInt16, requestID: String?) -> SPDYHeaderBlock {
    var block: SPDYHeaderBlock = ["streamtype": type, "port": String(port)]
    if let requestID { block.fields.append(SPDYHeaderField(name: "requestid", value: requestID)) }
    return block
}

/// Plays the client: its own compression context for what it sends, and a decoder (with
/// the matching decompression context) for what the server sends back.
struct FakeClient {
    let encoder: SPDYFrameEncoder
    var decoder: SPDYFrameDecoder

    init() throws {
        encoder = try SPDYFrameEncoder()
        decoder = try SPDYFrameDecoder()
    }

    func bytes(_ frames: SPDYFrame...) throws -> ByteBuffer {
        var out = ByteBuffer()
        for frame in frames { try encoder.encode(frame, into: &out) }
        return out
    }

    /// Decodes every `sendToClient` of `actions`; each must hold whole frames.
    mutating func frames(in actions: [PortForwardSession.Action]) throws -> [SPDYFrame] {
        var frames: [SPDYFrame] = []
        for case .sendToClient(let bytes) in actions {
            decoder.append(bytes)
            while let frame = try decoder.nextFrame() { frames.append(frame) }
            precondition(decoder.bufferedByteCount == 0, "a sendToClient held a partial frame")
        }
        return frames
    }
}

/// The actions other than bytes for the client, for short assertions.
func podActions(_ actions: [PortForwardSession.Action]) -> [PortForwardSession.Action] {
    actions.filter { if case .sendToClient = $0 { return false } else { return true } }
}

/// A readable payload.
func text(_ buffer: ByteBuffer) -> String { String(buffer: buffer) }
