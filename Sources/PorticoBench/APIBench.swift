import Foundation
import PorticoAPI
import PorticoRegistry

/// `portico bench api`: allocation and JSON rates, each beside the simplest thing that could
/// do the same job, in the same run.
public struct APIBench: Sendable {
    /// Rounds of each measurement; the best round is reported.
    public var rounds = 5
    /// Services decoded and encoded per JSON round.
    public var documents = 20000

    public init() {}

    public func run(progress: (String) -> Void) throws -> [BenchRow] {
        var rows: [BenchRow] = []
        func report(_ what: String, _ rate: Double, _ reference: Double, _ referenceIs: String) {
            rows.append(BenchRow(what: what, portico: Self.format(rate), reference: Self.format(reference),
                                 ratio: String(format: "%.2f", rate / reference), referenceIs: referenceIs))
            progress("measured \(what)")
        }

        // 60,000 cluster IPs from a /16.
        let cidr = IPNetwork("10.200.0.0/16")!
        let ipRate = self.best {
            let allocator = try! ClusterIPAllocator(network: cidr)
            return self.time(60_000) { for _ in 0..<60_000 { _ = try! allocator.allocateNext() } }
        }
        let ipReference = self.best {
            self.time(60_000) { _ = Self.naiveRandomFill(count: 60_000, size: 65_534) }
        }
        report("ClusterIP allocateNext, 60,000 of a /16", ipRate, ipReference,
                    "random draw + Set insert, no band or lock")

        // Every node port of the default range.
        let portRate = self.best {
            let allocator = NodePortAllocator()
            return self.time(2768) { for _ in 0..<2768 { _ = try! allocator.allocateNext() } }
        }
        let portReference = self.best { self.time(2768) { _ = Self.naiveRandomFill(count: 2768, size: 2768) } }
        report("NodePort allocateNext, all 2,768", portRate, portReference, "random draw + Set insert, no band or lock")

        // Service JSON.
        let bytes = Array(Self.sampleService.utf8)
        let data = Data(bytes)
        let service = try KubeJSONDecoder().decode(Service.self, from: bytes).value
        let n = self.documents
        let decodeRate = self.best {
            self.time(n) { for _ in 0..<n { _ = try! KubeJSONDecoder().decode(Service.self, from: bytes) } }
        }
        let decodeReference = self.best {
            self.time(n) { for _ in 0..<n { _ = try! JSONDecoder().decode(Service.self, from: data) } }
        }
        report("Service JSON decode (strict, per object)", decodeRate, decodeReference, "Foundation JSONDecoder, same types")
        let encodeRate = self.best {
            self.time(n) { for _ in 0..<n { _ = try! service.toJSON().serializedBytes() } }
        }
        let encodeReference = self.best {
            self.time(n) { for _ in 0..<n { _ = try! JSONEncoder().encode(service) } }
        }
        report("Service JSON encode (per object)", encodeRate, encodeReference, "Foundation JSONEncoder, same types")
        return rows
    }

    /// Operations per second of the best round.
    func best(_ body: () -> Double) -> Double {
        (0..<max(1, self.rounds)).map { _ in body() }.max() ?? 0
    }

    func time(_ operations: Int, _ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        let elapsed = clock.measure(body)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(operations) / seconds
    }

    static func format(_ rate: Double) -> String {
        rate >= 1e6 ? String(format: "%.2fM/s", rate / 1e6) : String(format: "%.0fk/s", rate / 1e3)
    }

    /// The simplest allocator that could work: draw, retry on collision.
    static func naiveRandomFill(count: Int, size: UInt32) -> Int {
        var taken = Set<UInt32>(minimumCapacity: count)
        var g = SystemRandomNumberGenerator()
        while taken.count < count { taken.insert(UInt32.random(in: 0..<size, using: &g)) }
        return taken.count
    }

    static let sampleService = #"""
        {"apiVersion":"v1","kind":"Service","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"},
        "creationTimestamp":"2026-11-20T09:14:03Z","labels":{"app":"web"},"name":"mynodeportservice","namespace":"mynamespace",
        "resourceVersion":"48211","uid":"2b1c8f0e-5a4e-4d8a-9d7b-0d2f3c4b5a61"},"spec":{"clusterIP":"10.96.146.21",
        "clusterIPs":["10.96.146.21"],"externalTrafficPolicy":"Cluster","internalTrafficPolicy":"Cluster","ipFamilies":["IPv4"],
        "ipFamilyPolicy":"SingleStack","ports":[{"name":"http","nodePort":31852,"port":80,"protocol":"TCP","targetPort":8080},
        {"name":"https","nodePort":31853,"port":443,"protocol":"TCP","targetPort":8443}],"selector":{"app":"web"},
        "sessionAffinity":"None","type":"NodePort"},"status":{"loadBalancer":{}}}
        """#
}
