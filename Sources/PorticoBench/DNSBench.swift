import Foundation
import NIOCore
import PorticoAPI
import PorticoDNS
import PorticoDNSWire
import PorticoLab
import PorticoSystem

/// `portico bench dns`: dnsperf against Portico's DNS server answering 10,000 Services from
/// its records (as the add-on does from its watch caches), side by side in one run with
/// NSD serving the same names from a zone file, each server on CPU 1 and dnsperf on CPU 0
/// (the procedure of ../shared/reference/proxy-and-dns.md); and the memory the records of
/// 10,000 Services take.
public struct DNSBench: Sendable {
    public typealias Row = BenchRow

    public var services = 10_000
    public var namespaces = 100
    public var seconds = 10

    public init() {}

    struct Perf {
        var qps: Double
        var averageLatency: Double
        var lost: String
    }

    public func run(progress: @Sendable (String) -> Void) async throws -> [Row] {
        try await SystemPrograms.ensure(["dnsperf": "dnsperf", "nsd": "nsd", "taskset": "util-linux"])
        let directory = NSTemporaryDirectory() + "portico-bench-dns-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        progress("filling the records with \(self.services) Services (each with an EndpointSlice of 3 endpoints)")
        let before = Self.residentKiB()
        let records = ClusterRecords()
        self.fill(records)
        let after = Self.residentKiB()

        try self.queries().write(toFile: directory + "/queries.txt", atomically: true, encoding: .utf8)
        try self.zone().write(toFile: directory + "/cluster.local.zone", atomically: true, encoding: .utf8)

        // Portico: one socket, this process pinned to CPU 1.
        _ = try await Shell.run("taskset", ["-a", "-p", "-c", "1", String(getpid())])
        let server = DNSServer(responder: DNSResponder(resolver: ClusterResolver(zone: try DNSName("cluster.local"), ttl: 5), records: records),
                               forwarder: Forwarder(upstreams: []))
        let bound = try await server.bind(host: "127.0.0.1", port: 0, sockets: 1)
        let sample = "svc7.ns7.svc.cluster.local"
        let porticoAnswer = try await self.dig(port: bound.port, sample)
        progress("dnsperf against Portico DNS for \(self.seconds) s (it answers \(sample) with \(porticoAnswer))")
        let portico = try await self.dnsperf(port: bound.port, directory: directory)
        await bound.close()

        // NSD, the same names from a zone file, one server process on CPU 1, RRL off.
        let nsdPort = Int.random(in: 42000..<46000)
        try self.nsdConfig(directory: directory, port: nsdPort).write(toFile: directory + "/nsd.conf", atomically: true, encoding: .utf8)
        let nsd = try Shell.start(Program("taskset", ["-c", "1", try Shell.locate("nsd"), "-d", "-c", directory + "/nsd.conf"]))
        defer { Self.stop(nsd) }
        var nsdAnswer = ""
        for _ in 0..<100 {
            nsdAnswer = (try? await self.dig(port: nsdPort, sample)) ?? ""
            if !nsdAnswer.isEmpty { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard nsdAnswer == porticoAnswer else {
            throw LabError("NSD answers \(sample) with \(GoQuote.quote(nsdAnswer)), Portico with \(porticoAnswer): not the same names")
        }
        progress("dnsperf against NSD for \(self.seconds) s")
        let reference = try await self.dnsperf(port: nsdPort, directory: directory)

        let perServices = Double(after - before) / 1024
        return [
            Row(what: "queries per second (80% A, 10% SRV, 10% NXDOMAIN)", portico: String(format: "%.0f", portico.qps),
                reference: String(format: "%.0f", reference.qps), ratio: String(format: "%.2f", portico.qps / reference.qps),
                referenceIs: "NSD 4, one server process, same names from a zone file"),
            Row(what: "average latency", portico: String(format: "%.2f ms", portico.averageLatency * 1000),
                reference: String(format: "%.2f ms", reference.averageLatency * 1000),
                ratio: String(format: "%.2f", portico.averageLatency / reference.averageLatency), referenceIs: "NSD"),
            Row(what: "queries lost", portico: portico.lost, reference: reference.lost, ratio: "-", referenceIs: "NSD"),
            Row(what: "memory for \(self.services) Services and their slices", portico: String(format: "%.1f MiB", perServices),
                reference: String(format: "%.1f MB", Double(self.services) * 0.000858),
                ratio: String(format: "%.2f", perServices * 1.048576 / (Double(self.services) * 0.000858)),
                referenceIs: "CoreDNS's sizing: 0.858 MB per 1,000 Services and Pods"),
        ]
    }

    func name(_ i: Int) -> (service: String, namespace: String) { ("svc\(i)", "ns\(i % self.namespaces)") }
    func address(_ i: Int) -> String { IPAddress(ipv4: IPAddress("10.96.0.0")!.ipv4Value + 100 + UInt32(i)).description }

    func fill(_ records: ClusterRecords) {
        for n in 0..<self.namespaces {
            records.update { $0.namespaces.insert("ns\(n)") }
        }
        for i in 0..<self.services {
            let (service, namespace) = self.name(i)
            var object = Service()
            object.metadata.name = service
            object.metadata.namespace = namespace
            object.spec.clusterIP = self.address(i)
            object.spec.clusterIPs = [self.address(i)]
            object.spec.ports = [ServicePort(name: "http", protocol: "TCP", port: 80)]
            records.apply(object, deleted: false)
            var slice = EndpointSlice(addressType: "IPv4")
            slice.metadata.name = service + "-abcde"
            slice.metadata.namespace = namespace
            slice.metadata.labels = ["kubernetes.io/service-name": service]
            slice.endpoints = (0..<3).map { e in
                Endpoint(addresses: ["10.\(200 + e).\(i / 250).\(i % 250 + 1)"], conditions: EndpointConditions(ready: true))
            }
            records.apply(slice, deleted: false)
        }
        records.markSynced()
    }

    /// 10,000 queries: 80 % A, 10 % SRV of the Services, 10 % names that do not exist.
    func queries() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<10_000).map { q in
            let i = Int.random(in: 0..<self.services, using: &generator)
            let (service, namespace) = self.name(i)
            switch q % 10 {
            case 8: return "_http._tcp.\(service).\(namespace).svc.cluster.local SRV"
            case 9: return "nosuch\(i).\(namespace).svc.cluster.local A"
            default: return "\(service).\(namespace).svc.cluster.local A"
            }
        }.joined(separator: "\n") + "\n"
    }

    func zone() -> String {
        var lines = ["$ORIGIN cluster.local.", "$TTL 5",
                     "@ IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5",
                     "@ IN NS ns.dns.cluster.local.", "ns.dns IN A 10.96.0.10"]
        for i in 0..<self.services {
            let (service, namespace) = self.name(i)
            lines.append("\(service).\(namespace).svc IN A \(self.address(i))")
            lines.append("_http._tcp.\(service).\(namespace).svc IN SRV 0 100 80 \(service).\(namespace).svc.cluster.local.")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func nsdConfig(directory: String, port: Int) -> String {
        """
        server:
          ip-address: 127.0.0.1@\(port)
          server-count: 1
          rrl-ratelimit: 0
          username: ""
          chroot: ""
          zonesdir: "\(directory)"
          pidfile: "\(directory)/nsd.pid"
          database: ""
          xfrdfile: "\(directory)/xfrd.state"
          zonelistfile: "\(directory)/zone.list"
          verbosity: 0
        remote-control:
          control-enable: no
        zone:
          name: cluster.local
          zonefile: cluster.local.zone

        """
    }

    func dig(port: Int, _ name: String) async throws -> String {
        let result = try await Shell.run("dig", ["@127.0.0.1", "-p", String(port), "+short", "+tries=1", "+time=1", name], allowFailure: true)
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func dnsperf(port: Int, directory: String) async throws -> Perf {
        let result = try await Shell.run("taskset", ["-c", "0", try Shell.locate("dnsperf"), "-s", "127.0.0.1", "-p", String(port),
                                                     "-d", directory + "/queries.txt", "-l", String(self.seconds), "-q", "200", "-c", "4"])
        var perf = Perf(qps: 0, averageLatency: 0, lost: "")
        for line in result.output.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let value = line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if line.hasPrefix("Queries per second:") { perf.qps = Double(value) ?? 0 }
            if line.hasPrefix("Average Latency (s):") { perf.averageLatency = Double(value.split(separator: " ").first ?? "") ?? 0 }
            if line.hasPrefix("Queries lost:") { perf.lost = value }
        }
        guard perf.qps > 0 else { throw LabError("dnsperf printed no rate:\n\(result.output)") }
        return perf
    }

    /// NSD's main process and its server and xfrd children: SIGTERM, then SIGKILL.
    /// NSD and the children it forked: TERM, then KILL after 3 s.
    static func stop(_ process: RunningProgram) {
        let pid = process.pid
        let children = ((try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? "")
            .split(separator: " ").compactMap { Int32($0) }
        for target in [pid] + children { kill(target, SIGTERM) }
        let deadline = Date().addingTimeInterval(3)
        while kill(pid, 0) == 0, Date() < deadline { usleep(20_000) }
        for target in [pid] + children { kill(target, SIGKILL) }
    }

    static func residentKiB() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = Int(statm.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
    }
}
