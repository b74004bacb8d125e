import NIOCore
import PorticoDNSWire
import Testing

@Suite struct WireTests {
    @Test func aQueryRoundTrips() throws {
        var query = DNSMessage(header: DNSHeader(id: 0x1234), questions: [DNSQuestion(name: try DNSName("myservice.default.svc.cluster.local"), type: .a)])
        query.header.recursionDesired = true
        query.edns = EDNS(udpPayloadSize: 1232)
        var buffer = ByteBuffer()
        buffer.writeDNSMessage(query)
        #expect(try DNSMessage(from: buffer) == query)
    }
}

@Suite struct WireDetailTests {
    func response(answers: Int) throws -> DNSMessage {
        let name = try DNSName("headless.default.svc.cluster.local")
        var message = DNSMessage(header: DNSHeader(id: 7), questions: [DNSQuestion(name: name, type: .a)])
        message.header.isResponse = true
        message.answers = (0..<answers).map { .a(name, ttl: 5, [10, 244, UInt8($0 / 250), UInt8($0 % 250 + 1)]) }
        return message
    }

    @Test func repeatedNamesAreCompressed() throws {
        let message = try self.response(answers: 3)
        var buffer = ByteBuffer()
        buffer.writeDNSMessage(message)
        // Header 12, question 36 + 4, then each answer: a 2-octet pointer, 10 octets, 4 of data.
        #expect(buffer.readableBytes == 12 + 40 + 3 * 16)
        #expect(try DNSMessage(from: buffer) == message)
    }

    @Test func whatDoesNotFitIsLeftOutWholeWithTC() throws {
        var buffer = ByteBuffer()
        let truncated = buffer.writeDNSMessage(try self.response(answers: 100), maxSize: 512)
        #expect(truncated && buffer.readableBytes <= 512)
        let read = try DNSMessage(from: buffer)
        #expect(read.header.truncated && read.answers.count == (512 - 52) / 16)
    }

    @Test func namesCompareWithoutCaseAndPrintEscaped() throws {
        #expect(try DNSName("MyService.Default.svc") == DNSName("myservice.default.SVC."))
        #expect(try DNSName(labels: [Array("a.b".utf8), [0x00]]).description == "a\\.b.\\000.")
        #expect(throws: DNSWireError.labelTooLong(64)) { try DNSName(String(repeating: "a", count: 64) + ".local") }
        #expect(throws: DNSWireError.nameTooLong(257)) { try DNSName(Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: ".")) }
    }

    @Test func responseCodesAboveFifteenTravelInTheOPTRecord() throws {
        var message = DNSMessage(header: DNSHeader(id: 1), edns: EDNS(udpPayloadSize: 1232))
        message.header.isResponse = true
        message.responseCode = .badVersion
        var buffer = ByteBuffer()
        buffer.writeDNSMessage(message)
        #expect(try DNSMessage(from: buffer).responseCode == .badVersion)
    }
}
