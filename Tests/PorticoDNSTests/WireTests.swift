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
