import NIOCore
import PorticoDNS
import PorticoDNSWire
import Testing

/// The DNS-Based Service Discovery specification (schema 1.1.0), a table per section, asked
/// with `dig` of a running server. Answers are compared whole (`name TTL IN TYPE data`).
@Suite(.serialized) struct SpecTests {
    struct Case: CustomStringConvertible {
        var name: String
        var type: String
        var status = "NOERROR"
        var answer: [String] = []
        /// Additional records that must be there (glue).
        var additional: [String] = []
        var description: String { "\(self.name) \(self.type)" }
    }

    static let soaPrefix = "cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local."

    func run(_ cases: [Case]) async throws {
        let upstream = try await FakeUpstream.start()
        let fixture = try await DNSFixture.start(records: try DNSFixture.standardRecords(), upstreams: [upstream.localAddress!])
        defer { Task { await fixture.bound.close(); try? await upstream.close() } }
        for c in cases {
            let result = try fixture.dig(c.name, c.type)
            #expect(result.status == c.status, "\(c): \(result)")
            #expect(result.answer.sorted() == c.answer.sorted(), "\(c): \(result)")
            for glue in c.additional { #expect(result.additional.contains(glue), "\(c) lacks \(glue): \(result)") }
            if c.answer.isEmpty, c.name.lowercased().hasSuffix("cluster.local") {
                // NXDOMAIN and NODATA carry the zone's SOA in the authority section.
                #expect(result.authority.count == 1 && result.authority[0].lowercased().hasPrefix(Self.soaPrefix.lowercased()), "\(c): \(result)")
            }
            if c.name.lowercased().hasSuffix("cluster.local") { #expect(result.flags.contains("aa"), "\(c): \(result)") }
        }
    }

    @Test func aRecordsOfClusterIPServices() async throws {
        try await self.run([
            Case(name: "myservice.default.svc.cluster.local", type: "A", answer: ["myservice.default.svc.cluster.local. 5 IN A 10.96.0.20"]),
            Case(name: "MyService.Default.svc.Cluster.Local", type: "A", answer: ["MyService.Default.svc.Cluster.Local. 5 IN A 10.96.0.20"]),
            Case(name: "myservice.other.svc.cluster.local", type: "A", answer: ["myservice.other.svc.cluster.local. 5 IN A 10.96.0.40"]),
            Case(name: "dual.default.svc.cluster.local", type: "A", answer: ["dual.default.svc.cluster.local. 5 IN A 10.96.0.30"]),
            Case(name: "kube-dns.kube-system.svc.cluster.local", type: "A", answer: ["kube-dns.kube-system.svc.cluster.local. 5 IN A 10.96.0.10"]),
        ])
    }

    @Test func aaaaRecords() async throws {
        try await self.run([
            Case(name: "dual.default.svc.cluster.local", type: "AAAA", answer: ["dual.default.svc.cluster.local. 5 IN AAAA fd00:10:96::30"]),
            Case(name: "myservice.default.svc.cluster.local", type: "AAAA"),  // NODATA: an IPv4-only Service
        ])
    }

    @Test func srvRecordsForNamedPorts() async throws {
        try await self.run([
            Case(name: "_http._tcp.myservice.default.svc.cluster.local", type: "SRV",
                 answer: ["_http._tcp.myservice.default.svc.cluster.local. 5 IN SRV 0 100 80 myservice.default.svc.cluster.local."],
                 additional: ["myservice.default.svc.cluster.local. 5 IN A 10.96.0.20"]),
            Case(name: "_dns._udp.kube-dns.kube-system.svc.cluster.local", type: "SRV",
                 answer: ["_dns._udp.kube-dns.kube-system.svc.cluster.local. 5 IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local."]),
            Case(name: "_dns-tcp._tcp.kube-dns.kube-system.svc.cluster.local", type: "SRV",
                 answer: ["_dns-tcp._tcp.kube-dns.kube-system.svc.cluster.local. 5 IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local."]),
            // A dual-stack Service's (address, port) pairs weigh 100/2 each, as CoreDNS's.
            Case(name: "_http._tcp.dual.default.svc.cluster.local", type: "SRV",
                 answer: ["_http._tcp.dual.default.svc.cluster.local. 5 IN SRV 0 50 80 dual.default.svc.cluster.local."],
                 additional: ["dual.default.svc.cluster.local. 5 IN A 10.96.0.30", "dual.default.svc.cluster.local. 5 IN AAAA fd00:10:96::30"]),
            Case(name: "_https._tcp.myservice.default.svc.cluster.local", type: "SRV", status: "NXDOMAIN"),
            Case(name: "_http._udp.myservice.default.svc.cluster.local", type: "SRV", status: "NXDOMAIN"),
            Case(name: "_http._tcp.myservice.default.svc.cluster.local", type: "A"),  // the name exists: NODATA
        ])
    }

    @Test func headlessServices() async throws {
        try await self.run([
            // Ready endpoints only.
            Case(name: "headless.default.svc.cluster.local", type: "A",
                 answer: ["headless.default.svc.cluster.local. 5 IN A 10.244.1.5", "headless.default.svc.cluster.local. 5 IN A 10.244.2.6"]),
            // With a hostname, and without one (the address with dashes).
            Case(name: "web-0.headless.default.svc.cluster.local", type: "A", answer: ["web-0.headless.default.svc.cluster.local. 5 IN A 10.244.1.5"]),
            Case(name: "10-244-2-6.headless.default.svc.cluster.local", type: "A",
                 answer: ["10-244-2-6.headless.default.svc.cluster.local. 5 IN A 10.244.2.6"]),
            Case(name: "10-244-3-7.headless.default.svc.cluster.local", type: "A", status: "NXDOMAIN"),  // not ready
            Case(name: "web-1.headless.default.svc.cluster.local", type: "A", status: "NXDOMAIN"),
            Case(name: "_http._tcp.headless.default.svc.cluster.local", type: "SRV",
                 answer: ["_http._tcp.headless.default.svc.cluster.local. 5 IN SRV 0 50 8080 web-0.headless.default.svc.cluster.local.",
                          "_http._tcp.headless.default.svc.cluster.local. 5 IN SRV 0 50 8080 10-244-2-6.headless.default.svc.cluster.local."],
                 additional: ["web-0.headless.default.svc.cluster.local. 5 IN A 10.244.1.5",
                              "10-244-2-6.headless.default.svc.cluster.local. 5 IN A 10.244.2.6"]),
            // No ready endpoints: the name does not exist.
            Case(name: "emptyheadless.default.svc.cluster.local", type: "A", status: "NXDOMAIN"),
        ])
    }

    @Test func ptrRecords() async throws {
        try await self.run([
            Case(name: "20.0.96.10.in-addr.arpa", type: "PTR", answer: ["20.0.96.10.in-addr.arpa. 5 IN PTR myservice.default.svc.cluster.local."]),
            Case(name: "77.2.0.192.in-addr.arpa", type: "PTR", answer: ["77.2.0.192.in-addr.arpa. 5 IN PTR myservice.default.svc.cluster.local."]),
            Case(name: "5.1.244.10.in-addr.arpa", type: "PTR", answer: ["5.1.244.10.in-addr.arpa. 5 IN PTR web-0.headless.default.svc.cluster.local."]),
            Case(name: "6.2.244.10.in-addr.arpa", type: "PTR", answer: ["6.2.244.10.in-addr.arpa. 5 IN PTR 10-244-2-6.headless.default.svc.cluster.local."]),
            Case(name: "0.3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa", type: "PTR",
                 answer: ["0.3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa. 5 IN PTR dual.default.svc.cluster.local."]),
            // Not a cluster address: to the upstream resolvers (kubeadm's fallthrough), which say NXDOMAIN.
            Case(name: "9.9.9.10.in-addr.arpa", type: "PTR", status: "NXDOMAIN"),
        ])
    }

    @Test func externalNameServices() async throws {
        try await self.run([
            Case(name: "ext.default.svc.cluster.local", type: "CNAME", answer: ["ext.default.svc.cluster.local. 5 IN CNAME www.example.org."]),
            // The CNAME and what the upstream says of its target.
            Case(name: "ext.default.svc.cluster.local", type: "A",
                 answer: ["ext.default.svc.cluster.local. 5 IN CNAME www.example.org.", "www.example.org. 60 IN A 192.0.2.10"]),
            // A target inside the cluster is followed here.
            Case(name: "extin.default.svc.cluster.local", type: "A",
                 answer: ["extin.default.svc.cluster.local. 5 IN CNAME myservice.default.svc.cluster.local.",
                          "myservice.default.svc.cluster.local. 5 IN A 10.96.0.20"]),
            // An address is not a name: nothing is published.
            Case(name: "extip.default.svc.cluster.local", type: "A", status: "NXDOMAIN"),
        ])
    }

    @Test func nameErrorVersusNoData() async throws {
        try await self.run([
            Case(name: "nosuch.default.svc.cluster.local", type: "A", status: "NXDOMAIN"),
            Case(name: "myservice.nosuchns.svc.cluster.local", type: "A", status: "NXDOMAIN"),
            Case(name: "default.svc.cluster.local", type: "A"),  // a namespace: exists, no data
            Case(name: "nosuchns.svc.cluster.local", type: "A", status: "NXDOMAIN"),
            Case(name: "svc.cluster.local", type: "A"),
            Case(name: "cluster.local", type: "A"),
            Case(name: "myservice.default.svc.cluster.local", type: "TXT"),
            Case(name: "myservice.default.svc.cluster.local", type: "MX"),
            Case(name: "a.b.c.d.e.default.svc.cluster.local", type: "A", status: "NXDOMAIN"),
            Case(name: "x.myservice.default.svc.cluster.local", type: "A", status: "NXDOMAIN"),
            Case(name: "foo.cluster.local", type: "A", status: "NXDOMAIN"),
        ])
    }

    @Test func versionZoneApexAndPodRecords() async throws {
        try await self.run([
            Case(name: "dns-version.cluster.local", type: "TXT", answer: ["dns-version.cluster.local. 28800 IN TXT \"1.1.0\""]),
            Case(name: "cluster.local", type: "NS", answer: ["cluster.local. 5 IN NS kube-dns.kube-system.svc.cluster.local."],
                 additional: ["kube-dns.kube-system.svc.cluster.local. 5 IN A 10.96.0.10"]),
            Case(name: "ns.dns.cluster.local", type: "A", answer: ["ns.dns.cluster.local. 5 IN A 10.96.0.10"]),
            // Pods as CoreDNS's `pods insecure`: the name is the address; the namespace must exist.
            Case(name: "10-244-1-5.default.pod.cluster.local", type: "A", answer: ["10-244-1-5.default.pod.cluster.local. 5 IN A 10.244.1.5"]),
            Case(name: "10-244-1-5.nosuchns.pod.cluster.local", type: "A", status: "NXDOMAIN"),
            Case(name: "foo.default.pod.cluster.local", type: "A", status: "NXDOMAIN"),
        ])
        let fixture = try await DNSFixture.start(records: try DNSFixture.standardRecords(), upstreams: [])
        defer { Task { await fixture.bound.close() } }
        let soa = try fixture.dig("cluster.local", "SOA")
        #expect(soa.status == "NOERROR" && soa.answer.count == 1 && soa.answer[0].hasPrefix(Self.soaPrefix), "\(soa)")
        #expect(soa.answer.first?.hasSuffix(" 7200 1800 86400 5") == true, "\(soa)")
    }

    @Test func otherNamesAreForwardedAndServfailWhenNoUpstreamAnswers() async throws {
        let upstream = try await FakeUpstream.start()
        let fixture = try await DNSFixture.start(records: try DNSFixture.standardRecords(), upstreams: [upstream.localAddress!])
        let forwarded = try fixture.dig("www.example.org", "A")
        #expect(forwarded.status == "NOERROR" && forwarded.answer == ["www.example.org. 60 IN A 192.0.2.10"], "\(forwarded)")
        #expect(try fixture.dig("nothing.test", "A").status == "NXDOMAIN")
        // A client on TCP is forwarded on TCP; this stand-in answers UDP only, so: SERVFAIL.
        #expect(try fixture.dig("www.example.org", "A", ["+tcp"]).status == "SERVFAIL")
        await fixture.bound.close()
        try await upstream.close()

        // An upstream that never answers: SERVFAIL, and the cluster zone still answers.
        let silent = try await DNSFixture.start(records: try DNSFixture.standardRecords(), upstreams: [try SocketAddress(ipAddress: "127.0.0.1", port: 9)])
        defer { Task { await silent.bound.close() } }
        let failed = try silent.dig("www.example.org", "A")
        #expect(failed.status == "SERVFAIL", "\(failed)")
        #expect(try silent.dig("myservice.default.svc.cluster.local", "A").answer.count == 1)
    }

    @Test func servfailUntilTheCachesHaveSynced() async throws {
        let records = try DNSFixture.standardRecords(synced: false)
        let fixture = try await DNSFixture.start(records: records, upstreams: [])
        defer { Task { await fixture.bound.close() } }
        #expect(try fixture.dig("myservice.default.svc.cluster.local", "A").status == "SERVFAIL")
        records.markSynced()
        #expect(try fixture.dig("myservice.default.svc.cluster.local", "A").answer == ["myservice.default.svc.cluster.local. 5 IN A 10.96.0.20"])
    }

    @Test func largeAnswersTruncateOverUDPAndComeWholeOverTCP() async throws {
        let fixture = try await DNSFixture.start(records: try DNSFixture.standardRecords(headlessEndpoints: 200), upstreams: [])
        defer { Task { await fixture.bound.close() } }
        let udp = try fixture.dig("headless.default.svc.cluster.local", "A", ["+ignore", "+noedns"])
        #expect(udp.flags.contains("tc"), "\(udp.flags)")
        #expect(udp.answer.count < 202)
        let edns = try fixture.dig("headless.default.svc.cluster.local", "A", ["+ignore", "+bufsize=1232"])
        #expect(edns.flags.contains("tc") && edns.answer.count > udp.answer.count)
        let tcp = try fixture.dig("headless.default.svc.cluster.local", "A", ["+tcp"])
        #expect(tcp.answer.count == 202 && !tcp.flags.contains("tc"), "\(tcp.answer.count)")
    }
}
