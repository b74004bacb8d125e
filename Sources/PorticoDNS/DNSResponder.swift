import NIOCore
import PorticoDNSWire

/// From a query's octets to what the server does with it: reply, forward upstream, or drop.
/// Pure but for reading the cluster records; the server's channel handlers are glue around it.
public struct DNSResponder: Sendable {
    /// Nil for a relay that forwards every name (the lab's link to the host's resolvers).
    public let resolver: ClusterResolver?
    public let records: ClusterRecords
    /// The UDP payload size Portico advertises and the most it sends without EDNS.
    public static let advertisedUDPSize: UInt16 = 1232
    static let maxChase = 8

    public init(resolver: ClusterResolver?, records: ClusterRecords) {
        self.resolver = resolver
        self.records = records
    }

    public enum Action: Sendable {
        case reply(ByteBuffer)
        /// Not a cluster name: relay the query as it came.
        case forward(DNSMessage)
        /// An ExternalName's CNAME to a name outside the cluster: `response` waits for the
        /// upstream's answer to `question`, which is appended to it.
        case chase(response: DNSMessage, question: DNSQuestion, maxSize: Int)
        case drop
    }

    public func respond(to bytes: ByteBuffer, overTCP: Bool) -> Action {
        // Too short for a header, or a response (never answer those: no loops): dropped.
        guard let (header, _) = DNSMessage.readHeader(bytes), !header.isResponse else { return .drop }
        let query: DNSMessage
        do {
            query = try DNSMessage(from: bytes)
        } catch {
            var failure = DNSMessage(header: header)
            failure.header.isResponse = true
            failure.header.truncated = false
            failure.header.authoritative = false
            failure.header.rcodeLow = UInt8(DNSResponseCode.formatError.rawValue)
            return .reply(Self.encode(failure, maxSize: 512))
        }
        let maxSize = Self.replySize(for: query, overTCP: overTCP)
        var response = DNSMessage.response(to: query)
        if query.edns != nil { response.edns = EDNS(udpPayloadSize: Self.advertisedUDPSize) }
        func reply(_ code: DNSResponseCode) -> Action {
            response.responseCode = code
            return .reply(Self.encode(response, maxSize: maxSize))
        }
        guard query.header.opcode == 0 else { return reply(.notImplemented) }
        guard query.questions.count == 1, let question = query.questions.first else {
            response.questions = []
            return reply(.formatError)
        }
        if let edns = query.edns, edns.version > 0 { return reply(.badVersion) }
        switch question.dnsClass {
        case .internet, .any: break
        case .chaos, .hesiod, .none: return reply(.notImplemented)
        default: return reply(.formatError)
        }
        switch question.type {
        case .opt: return reply(.formatError)
        case .axfr, .ixfr: return reply(.refused)
        default: break
        }
        guard let resolver = self.resolver else { return .forward(query) }
        var outcome = self.records.read { resolver.resolve(question, $0) }
        switch outcome {
        case .forward: return .forward(query)
        case .notReady: return reply(.serverFailure)
        case .answer(let code, var answers, let authority, let additional):
            response.header.authoritative = true
            // An ExternalName's CNAME: followed inside the cluster zone, else upstream.
            var chased = 0
            while question.type != .cname, question.type != .any, chased < Self.maxChase,
                  case .cname(let target)? = answers.last?.data
            {
                chased += 1
                let next = DNSQuestion(name: target, type: question.type, dnsClass: .internet)
                if !resolver.isClusterName(target) {
                    response.responseCode = code
                    response.answers = answers
                    return .chase(response: response, question: next, maxSize: maxSize)
                }
                outcome = self.records.read { resolver.resolve(next, $0) }
                guard case .answer(_, let more, _, _) = outcome, !more.isEmpty else { break }
                answers += more
            }
            response.answers = answers
            response.authority = authority
            response.additional = additional
            return reply(code)
        }
    }

    /// The most a reply may take: 64 KiB over TCP; over UDP 512 octets, or the client's EDNS
    /// size up to 4096.
    public static func replySize(for query: DNSMessage, overTCP: Bool) -> Int {
        overTCP ? 65535 : Int(max(512, min(query.edns?.udpPayloadSize ?? 512, 4096)))
    }

    /// The chased answer appended to the CNAME; whatever the upstream said, the CNAME stands.
    public static func complete(_ response: DNSMessage, with upstream: DNSMessage?, maxSize: Int) -> ByteBuffer {
        var response = response
        if let upstream { response.answers += upstream.answers }
        return self.encode(response, maxSize: maxSize)
    }

    public static func encode(_ message: DNSMessage, maxSize: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(min(maxSize, 512))
        buffer.writeDNSMessage(message, maxSize: maxSize)
        return buffer
    }

    /// SERVFAIL for `query`, when no upstream answered.
    public static func serverFailure(_ query: DNSMessage, maxSize: Int) -> ByteBuffer {
        var response = DNSMessage.response(to: query, code: .serverFailure)
        if query.edns != nil { response.edns = EDNS(udpPayloadSize: self.advertisedUDPSize) }
        response.header.recursionAvailable = true
        return self.encode(response, maxSize: maxSize)
    }
}
