/// Response codes (RFC 1035 §4.1.1, RFC 6891 §9 for BADVERS). The upper 8 bits of a 12-bit
/// code travel in the OPT record.
public struct DNSResponseCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let noError = DNSResponseCode(rawValue: 0)
    public static let formatError = DNSResponseCode(rawValue: 1)
    public static let serverFailure = DNSResponseCode(rawValue: 2)
    public static let nameError = DNSResponseCode(rawValue: 3)
    public static let notImplemented = DNSResponseCode(rawValue: 4)
    public static let refused = DNSResponseCode(rawValue: 5)
    public static let badVersion = DNSResponseCode(rawValue: 16)

    public var description: String {
        switch self.rawValue {
        case 0: return "NOERROR"
        case 1: return "FORMERR"
        case 2: return "SERVFAIL"
        case 3: return "NXDOMAIN"
        case 4: return "NOTIMP"
        case 5: return "REFUSED"
        case 16: return "BADVERS"
        default: return "RCODE\(self.rawValue)"
        }
    }
}

/// The fixed 12-octet header, flags unpacked.
public struct DNSHeader: Sendable, Hashable {
    public var id: UInt16 = 0
    public var isResponse = false
    public var opcode: UInt8 = 0
    public var authoritative = false
    public var truncated = false
    public var recursionDesired = false
    public var recursionAvailable = false
    public var zero = false
    public var authenticData = false
    public var checkingDisabled = false
    /// The low 4 bits of the response code.
    public var rcodeLow: UInt8 = 0

    public init(id: UInt16 = 0) { self.id = id }

    var flags: UInt16 {
        var f: UInt16 = 0
        if self.isResponse { f |= 0x8000 }
        f |= UInt16(self.opcode & 0x0f) << 11
        if self.authoritative { f |= 0x0400 }
        if self.truncated { f |= 0x0200 }
        if self.recursionDesired { f |= 0x0100 }
        if self.recursionAvailable { f |= 0x0080 }
        if self.zero { f |= 0x0040 }
        if self.authenticData { f |= 0x0020 }
        if self.checkingDisabled { f |= 0x0010 }
        f |= UInt16(self.rcodeLow & 0x0f)
        return f
    }

    init(id: UInt16, flags f: UInt16) {
        self.id = id
        self.isResponse = f & 0x8000 != 0
        self.opcode = UInt8((f >> 11) & 0x0f)
        self.authoritative = f & 0x0400 != 0
        self.truncated = f & 0x0200 != 0
        self.recursionDesired = f & 0x0100 != 0
        self.recursionAvailable = f & 0x0080 != 0
        self.zero = f & 0x0040 != 0
        self.authenticData = f & 0x0020 != 0
        self.checkingDisabled = f & 0x0010 != 0
        self.rcodeLow = UInt8(f & 0x0f)
    }
}

/// EDNS(0) as its OPT pseudo-record carries it (RFC 6891 §6.1.3).
public struct EDNS: Sendable, Hashable {
    public var udpPayloadSize: UInt16
    public var extendedRCode: UInt8 = 0
    public var version: UInt8 = 0
    public var dnssecOK = false
    public var options: [Option] = []

    public struct Option: Sendable, Hashable {
        public var code: UInt16
        public var data: [UInt8]
        public init(code: UInt16, data: [UInt8]) {
            self.code = code
            self.data = data
        }
    }

    public init(udpPayloadSize: UInt16, dnssecOK: Bool = false) {
        self.udpPayloadSize = udpPayloadSize
        self.dnssecOK = dnssecOK
    }

    var wireLength: Int { 11 + self.options.reduce(0) { $0 + 4 + $1.data.count } }
}

/// A whole DNS message. The OPT record is `edns`, not one of `additional`.
public struct DNSMessage: Sendable, Hashable {
    public var header: DNSHeader
    public var questions: [DNSQuestion] = []
    public var answers: [DNSResourceRecord] = []
    public var authority: [DNSResourceRecord] = []
    public var additional: [DNSResourceRecord] = []
    public var edns: EDNS?

    public init(header: DNSHeader, questions: [DNSQuestion] = [], answers: [DNSResourceRecord] = [],
                authority: [DNSResourceRecord] = [], additional: [DNSResourceRecord] = [], edns: EDNS? = nil) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authority = authority
        self.additional = additional
        self.edns = edns
    }

    /// The 12-bit response code: the header's 4 bits and the OPT record's 8.
    public var responseCode: DNSResponseCode {
        get { DNSResponseCode(rawValue: UInt16(self.edns?.extendedRCode ?? 0) << 4 | UInt16(self.header.rcodeLow)) }
        set {
            self.header.rcodeLow = UInt8(newValue.rawValue & 0x0f)
            if newValue.rawValue > 0x0f { self.edns?.extendedRCode = UInt8(newValue.rawValue >> 4) }
        }
    }

    /// A response to `query`: same ID, opcode, RD and CD bits, and its question.
    public static func response(to query: DNSMessage, code: DNSResponseCode = .noError) -> DNSMessage {
        var header = DNSHeader(id: query.header.id)
        header.isResponse = true
        header.opcode = query.header.opcode
        header.recursionDesired = query.header.recursionDesired
        header.checkingDisabled = query.header.checkingDisabled
        var message = DNSMessage(header: header, questions: query.questions)
        message.responseCode = code
        return message
    }
}
