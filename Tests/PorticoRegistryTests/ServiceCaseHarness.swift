import PorticoAPI
import PorticoRegistry
import Testing

/// One table-driven Service case: a create (or an update of a created Service, or a status
/// write) and the exact outcome: the stored object's spec/status, or the exact error.
struct ServiceCase: CustomTestStringConvertible, Sendable {
    enum Cluster: Sendable {
        case ipv4, ipv6, dual, dualV6First
        /// A tiny range, for exhaustion.
        case tiny(cidr: String, ports: String)

        var config: ServiceNetworkConfig {
            switch self {
            case .ipv4: return try! ServiceNetworkConfig(serviceCIDRs: "10.96.0.0/12")
            case .ipv6: return try! ServiceNetworkConfig(serviceCIDRs: "fd00:10:96::/108")
            case .dual: return try! ServiceNetworkConfig(serviceCIDRs: "10.96.0.0/12,fd00:10:96::/108")
            case .dualV6First: return try! ServiceNetworkConfig(serviceCIDRs: "fd00:10:96::/108,10.96.0.0/12")
            case .tiny(let cidr, let ports): return try! ServiceNetworkConfig(serviceCIDRs: cidr, nodePortRange: ports)
            }
        }
    }

    enum Operation: Sendable {
        case create(String)
        /// Create the first (it must succeed), then update with the second.
        case update(old: String, new: String)
        /// Create, then write the status of the second document.
        case status(old: String, new: String)
    }

    enum Expectation: Sendable {
        /// The stored spec, with placeholders: `$ip`, `$ip6`, `$np`, `$np2`, `$hc`: the same name means
        /// the same value, and each must be a value the allocator could have given.
        case spec(String)
        case status(String)
        /// A 422 whose message lists exactly these field errors (in order).
        case invalid([String])
        /// Any other failure: the HTTP code and the exact message.
        case failure(Int32, String)
    }

    var name: String
    var cluster: Cluster = .ipv4
    /// Services created first, so their IPs and ports are taken.
    var existing: [String] = []
    var operation: Operation
    var expectation: Expectation
    var testDescription: String { self.name }

    init(_ name: String, cluster: Cluster = .ipv4, existing: [String] = [], _ operation: Operation, _ expectation: Expectation) {
        self.name = name
        self.cluster = cluster
        self.existing = existing
        self.operation = operation
        self.expectation = expectation
    }
}

/// Decodes a case document: a bare spec object, or a whole Service when it has "metadata" or "spec".
func serviceDocument(_ text: String, name: String = "svc") throws -> Service {
    let json = try JSON.parse(text)
    let whole: JSON
    if json["spec"] != nil || json["metadata"] != nil || json["status"] != nil {
        whole = json
    } else {
        whole = ["spec": json]
    }
    var service = try KubeJSONDecoder().decode(Service.self, from: whole).value
    if service.metadata.name.isEmpty && json["metadata"]?["name"] == nil { service.metadata.name = name }
    if service.metadata.namespace.isEmpty && json["metadata"]?["namespace"] == nil { service.metadata.namespace = "default" }
    ServiceDefaults.apply(&service)
    return service
}

struct CaseResult {
    var service: Service?
    var error: APIError?
    var registry: ServiceRegistry
}

func run(_ c: ServiceCase) throws -> CaseResult {
    let registry = ServiceRegistry(allocators: try ServiceAllocators(c.cluster.config))
    for (i, text) in c.existing.enumerated() {
        let write = try registry.create(try serviceDocument(text, name: "existing-\(i)"))
        write.transaction.commit()
    }
    do {
        switch c.operation {
        case .create(let text):
            let write = try registry.create(try serviceDocument(text))
            write.transaction.commit()
            return CaseResult(service: write.service, registry: registry)
        case .update(let oldText, let newText):
            let created = try registry.create(try serviceDocument(oldText))
            created.transaction.commit()
            var stored = created.service
            stored.metadata.resourceVersion = "1"
            var new = try serviceDocument(newText)
            if new.metadata.resourceVersion.isEmpty, !newText.contains("\"resourceVersion\"") {
                new.metadata.resourceVersion = "1"
            }
            let write = try registry.update(new, old: stored)
            write.transaction.commit()
            return CaseResult(service: registry.defaultOnRead(write.service), registry: registry)
        case .status(let oldText, let newText):
            let created = try registry.create(try serviceDocument(oldText))
            created.transaction.commit()
            var stored = created.service
            stored.metadata.resourceVersion = "1"
            var new = try serviceDocument(newText)
            new.metadata.resourceVersion = "1"
            return CaseResult(service: try registry.updateStatus(new, old: stored), registry: registry)
        }
    } catch let error as APIError {
        return CaseResult(error: error, registry: registry)
    }
}

/// Compares `actual` with `expected`, binding `$placeholders` consistently.
func matches(_ actual: JSON, _ expected: JSON, _ bindings: inout [String: JSON], path: String, mismatches: inout [String]) {
    if case .string(let s) = expected, s.hasPrefix("$") {
        if let bound = bindings[s] {
            if bound != actual { mismatches.append("\(path): \(s) is \(bound) elsewhere but \(actual) here") }
        } else {
            bindings[s] = actual
        }
        return
    }
    switch (actual, expected) {
    case (.object(let a), .object(let e)):
        for key in Set(a.keys).union(e.keys).sorted() {
            guard let av = a[key] else { mismatches.append("\(path).\(key): missing, expected \(e[key]!)"); continue }
            guard let ev = e[key] else { mismatches.append("\(path).\(key): unexpected \(av)"); continue }
            matches(av, ev, &bindings, path: "\(path).\(key)", mismatches: &mismatches)
        }
    case (.array(let a), .array(let e)) where a.count == e.count:
        for i in a.indices { matches(a[i], e[i], &bindings, path: "\(path)[\(i)]", mismatches: &mismatches) }
    default:
        if actual != expected { mismatches.append("\(path): got \(actual), expected \(expected)") }
    }
}

/// Placeholders must name values the cluster could have handed out.
func checkBindings(_ bindings: [String: JSON], cluster: ServiceNetworkConfig) -> [String] {
    var problems: [String] = []
    for (name, value) in bindings {
        if name.hasPrefix("$ip") {
            guard let text = value.stringValue, let ip = IPAddress(text),
                cluster.serviceCIDRs.contains(where: { $0.contains(ip) })
            else { problems.append("\(name) = \(value) is not an IP of the service CIDRs"); continue }
            if name.hasPrefix("$ip6") != (ip.family == .ipv6) { problems.append("\(name) = \(value) has the wrong family") }
        } else if name.hasPrefix("$np") || name.hasPrefix("$hc") {
            guard let port = value.integerValue, cluster.nodePortRange.contains(Int(port)) else {
                problems.append("\(name) = \(value) is not in the node port range"); continue
            }
        }
    }
    let nodePorts = bindings.filter { $0.key.hasPrefix("$np") || $0.key.hasPrefix("$hc") }.map(\.value)
    if Set(nodePorts).count != nodePorts.count { problems.append("distinct placeholders share a port: \(bindings)") }
    return problems
}

func check(_ c: ServiceCase) throws {
    let result = try run(c)
    switch c.expectation {
    case .spec(let text), .status(let text):
        guard let service = result.service else {
            Issue.record("expected success, got \(result.error!.code): \(result.error!.message)")
            return
        }
        let actual = try service.toJSON()
        let expected = try JSON.parse(text)
        var bindings: [String: JSON] = [:]
        var mismatches: [String] = []
        if case .spec = c.expectation {
            matches(actual["spec"] ?? .null, expected, &bindings, path: "spec", mismatches: &mismatches)
        } else {
            matches(actual["status"] ?? .null, expected, &bindings, path: "status", mismatches: &mismatches)
        }
        mismatches += checkBindings(bindings, cluster: c.cluster.config)
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))\nactual: \(actual)")
    case .invalid(let errors):
        guard let error = result.error else {
            Issue.record("expected 422, got success: \(try result.service!.toJSON())")
            return
        }
        let aggregate = errors.count == 1 ? errors[0] : "[" + errors.joined(separator: ", ") + "]"
        #expect(error.code == 422)
        #expect(error.reason == .invalid)
        #expect(error.message == "Service \"svc\" is invalid: \(aggregate)")
        #expect(error.status.details?.kind == "Service")
        #expect(error.status.details?.name == "svc")
        let causes = (error.status.details?.causes ?? []).map { $0.field.isEmpty ? $0.message : "\($0.field): \($0.message)" }
        #expect(Array(orderedUnique(causes)) == errors, "causes: \(causes)")
    case .failure(let code, let message):
        guard let error = result.error else {
            Issue.record("expected \(code), got success: \(try result.service!.toJSON())")
            return
        }
        #expect(error.code == code)
        #expect(error.message == message)
    }
}

/// Causes are not de-duplicated upstream (the message is); compare the distinct ones in order.
func orderedUnique(_ items: [String]) -> [String] {
    var seen = Set<String>()
    return items.filter { seen.insert($0).inserted }
}
