import Foundation
import NIOCore
import NIOPosix
import PorticoAPI
import PorticoDNS
import PorticoDNSWire
import PorticoTestSupport

/// A running DNS server on 127.0.0.1 with a fixed set of cluster objects, and `dig` to ask it.
struct DNSFixture {
    let records: ClusterRecords
    let bound: DNSServer.Bound

    static func service(_ json: String) throws -> Service { try KubeJSONDecoder().decode(Service.self, from: json).value }
    static func slice(_ json: String) throws -> EndpointSlice { try KubeJSONDecoder().decode(EndpointSlice.self, from: json).value }

    /// The objects of the specification's examples.
    static func standardRecords(synced: Bool = true, headlessEndpoints extra: Int = 0) throws -> ClusterRecords {
        let records = ClusterRecords()
        for ns in ["default", "other", "kube-system"] {
            records.apply(try KubeJSONDecoder().decode(Namespace.self, from: #"{"metadata":{"name":"\#(ns)"}}"#).value, deleted: false)
        }
        let services = [
            #"{"metadata":{"name":"kube-dns","namespace":"kube-system"},"spec":{"clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10"],"ports":[{"name":"dns","port":53,"protocol":"UDP"},{"name":"dns-tcp","port":53,"protocol":"TCP"}]}}"#,
            #"{"metadata":{"name":"myservice","namespace":"default"},"spec":{"clusterIP":"10.96.0.20","clusterIPs":["10.96.0.20"],"externalIPs":["192.0.2.77"],"ports":[{"name":"http","port":80,"protocol":"TCP"},{"port":8443,"protocol":"TCP"}]}}"#,
            #"{"metadata":{"name":"dual","namespace":"default"},"spec":{"clusterIP":"10.96.0.30","clusterIPs":["10.96.0.30","fd00:10:96::30"],"ports":[{"name":"http","port":80,"protocol":"TCP"}]}}"#,
            #"{"metadata":{"name":"headless","namespace":"default"},"spec":{"clusterIP":"None","clusterIPs":["None"],"ports":[{"name":"http","port":80,"protocol":"TCP"}]}}"#,
            #"{"metadata":{"name":"emptyheadless","namespace":"default"},"spec":{"clusterIP":"None","clusterIPs":["None"],"ports":[{"name":"http","port":80,"protocol":"TCP"}]}}"#,
            #"{"metadata":{"name":"ext","namespace":"default"},"spec":{"type":"ExternalName","externalName":"www.example.org"}}"#,
            #"{"metadata":{"name":"extin","namespace":"default"},"spec":{"type":"ExternalName","externalName":"myservice.default.svc.cluster.local"}}"#,
            #"{"metadata":{"name":"extip","namespace":"default"},"spec":{"type":"ExternalName","externalName":"1.2.3.4"}}"#,
            #"{"metadata":{"name":"myservice","namespace":"other"},"spec":{"clusterIP":"10.96.0.40","clusterIPs":["10.96.0.40"],"ports":[{"name":"http","port":80,"protocol":"TCP"}]}}"#,
        ]
        for json in services { records.apply(try service(json), deleted: false) }
        var endpoints = [
            #"{"addresses":["10.244.1.5"],"hostname":"web-0","conditions":{"ready":true}}"#,
            #"{"addresses":["10.244.2.6"],"conditions":{"ready":true}}"#,
            #"{"addresses":["10.244.3.7"],"conditions":{"ready":false}}"#,
        ]
        for i in 0..<extra { endpoints.append(#"{"addresses":["10.245.\#(i / 250).\#(i % 250 + 1)"],"conditions":{"ready":true}}"#) }
        records.apply(try slice(#"""
            {"metadata":{"name":"headless-abcde","namespace":"default","labels":{"kubernetes.io/service-name":"headless"}},
             "addressType":"IPv4","endpoints":[\#(endpoints.joined(separator: ","))],
             "ports":[{"name":"http","port":8080,"protocol":"TCP"}]}
            """#), deleted: false)
        records.apply(try slice(#"""
            {"metadata":{"name":"myservice-xyz","namespace":"default","labels":{"kubernetes.io/service-name":"myservice"}},
             "addressType":"IPv4","endpoints":[{"addresses":["10.244.1.9"],"conditions":{"ready":true}}],
             "ports":[{"name":"http","port":8080,"protocol":"TCP"}]}
            """#), deleted: false)
        if synced { records.markSynced() }
        return records
    }

    static func start(records: ClusterRecords, upstreams: [SocketAddress]) async throws -> DNSFixture {
        let resolver = ClusterResolver(zone: try DNSName("cluster.local"), ttl: 5)
        let server = DNSServer(responder: DNSResponder(resolver: resolver, records: records),
                               forwarder: Forwarder(upstreams: upstreams, timeout: .milliseconds(500)))
        return DNSFixture(records: records, bound: try await Self.bindBelowTheEphemeralRange(server))
    }

    /// Binds a port below Linux's ephemeral range (32768 and up): dig's UDP socket takes an
    /// ephemeral port with SO_REUSEPORT, so a server on one could share its port with a dig
    /// sending to it, and that dig would receive its own query.
    static func bindBelowTheEphemeralRange(_ server: DNSServer) async throws -> DNSServer.Bound {
        var lastError: (any Error)? = nil
        for _ in 0..<50 {
            do {
                return try await server.bind(host: "127.0.0.1", port: Int.random(in: 20000..<32768), sockets: 2)
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    struct DigResult: CustomStringConvertible {
        var status: String
        var flags: [String]
        var answer: [String]
        var authority: [String]
        var additional: [String]
        var raw: String
        var description: String { self.raw }
    }

    func dig(_ name: String, _ type: String = "A", _ options: [String] = []) throws -> DigResult {
        let output = try Command.run("dig", ["@127.0.0.1", "-p", String(self.bound.port), "+tries=1", "+time=3", "+nocookie",
                                            name, type] + options).stdout
        return Self.parse(output)
    }

    static func parse(_ output: String) -> DigResult {
        var result = DigResult(status: "", flags: [], answer: [], authority: [], additional: [], raw: output)
        var section = ""
        for line in output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if let range = line.range(of: "status: ") {
                result.status = String(line[range.upperBound...].prefix { $0 != "," })
            }
            if line.hasPrefix(";; flags: ") {
                result.flags = line.dropFirst(10).prefix { $0 != ";" }.split(separator: " ").map(String.init)
            }
            if line.hasPrefix(";; ANSWER SECTION:") { section = "answer"; continue }
            if line.hasPrefix(";; AUTHORITY SECTION:") { section = "authority"; continue }
            if line.hasPrefix(";; ADDITIONAL SECTION:") { section = "additional"; continue }
            if line.isEmpty || line.hasPrefix(";") { if line.isEmpty { section = "" }; continue }
            let normal = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            switch section {
            case "answer": result.answer.append(normal)
            case "authority": result.authority.append(normal)
            case "additional": result.additional.append(normal)
            default: break
            }
        }
        return result
    }
}

/// A stand-in for the host's resolvers: `*.example.org` A → 192.0.2.10, anything else NXDOMAIN.
final class FakeUpstream: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    static func start() async throws -> Channel {
        try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { $0.pipeline.addHandler(FakeUpstream()) }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        guard let query = try? DNSMessage(from: envelope.data), let question = query.questions.first else { return }
        var response = DNSMessage.response(to: query)
        response.header.recursionAvailable = true
        if question.name.isSubdomain(of: try! DNSName("example.org")), question.type == .a {
            response.answers = [.a(question.name, ttl: 60, [192, 0, 2, 10])]
        } else {
            response.responseCode = .nameError
        }
        var out = ByteBuffer()
        out.writeDNSMessage(response)
        context.writeAndFlush(Self.wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: out)), promise: nil)
    }
}
