import Foundation
import PorticoLab
import Testing

/// The lab's plan from its config, without root: names, addresses, and the errors a person
/// sees for a config that cannot work.
struct LabConfigTests {
    @Test func defaultPlanIsThePictureOfTheDesign() throws {
        let plan = try LabPlan(LabConfig())
        #expect(plan.bridge == "portico-br")
        #expect(plan.netnsPrefix == "portico-")
        #expect(plan.nodes.map(\.name) == ["node-1", "node-2", "node-3"])
        #expect(plan.nodes.map(\.address) == ["10.10.10.1", "10.10.10.2", "10.10.10.3"])
        #expect(plan.nodes.map(\.podCIDR) == ["10.244.1.0/24", "10.244.2.0/24", "10.244.3.0/24"])
        #expect(plan.nodes.map(\.netns) == ["portico-node-1", "portico-node-2", "portico-node-3"])
        #expect(plan.nodes.map(\.hostVeth) == ["portico-n1", "portico-n2", "portico-n3"])
        #expect(plan.serviceCIDR == "10.96.0.0/12")
        #expect(plan.dataDirectory == "/var/lib/portico/labs/portico")
    }

    @Test func configFileOverridesWhatItNames() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lab-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "name: small\nnodes: 2\nlan: 192.168.77.0/24\nhostAddress: 192.168.77.100\npodCIDR: 10.200.{n}.0/24\nclusterCIDR: 10.200.0.0/16\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let plan = try LabPlan(try LabConfig.load(path: path))
        #expect(plan.nodes.map(\.address) == ["192.168.77.1", "192.168.77.2"])
        #expect(plan.nodes.map(\.podCIDR) == ["10.200.1.0/24", "10.200.2.0/24"])
        #expect(plan.config.apiPort == 6443)
        #expect(plan.bridge == "small-br")
    }

    @Test(arguments: [
        ("name: Big_Lab", "name: \"Big_Lab\" must be 1-11 lower-case letters"),
        ("nodes: 0", "nodes: 0 must be between 1 and 50"),
        ("lan: 10.10.10.0/30", "lan: \"10.10.10.0/30\" must be an IPv4 network of /29 or larger"),
        ("hostAddress: 10.20.0.1", "hostAddress: 10.20.0.1 is not inside lan 10.10.10.0/24"),
        ("podCIDR: 10.244.0.0/16", "podCIDR: \"10.244.0.0/16\" must contain {n}"),
        ("serviceCIDR: 10.244.0.0/12", "overlaps serviceCIDR"),
        ("nodeMonitorGracePeriod: 5s", "nodeMonitorGracePeriod: 5s must be longer than the agents' lease renewal"),
        ("nodeMonitorGracePeriod: soon", "nodeMonitorGracePeriod: \"soon\" must be a positive duration"),
    ])
    func badConfigsNameTheFieldAndTheProblem(line: String, message: String) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lab-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try (line + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try LabPlan(try LabConfig.load(path: path))
            Issue.record("\(line) was accepted")
        } catch let error as LabError {
            #expect(error.description.contains(message), "\(error)")
        }
    }

    @Test func aFieldOfTheWrongTypeIsNamed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lab-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "nodes: three\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: LabError.self) { try LabConfig.load(path: path) }
        do { _ = try LabConfig.load(path: path) } catch { #expect("\(error)".contains("nodes")) }
    }
}
