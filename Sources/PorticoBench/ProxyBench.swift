import Foundation
import PorticoAPI
import PorticoNFTables
import PorticoProxy
import PorticoSystem

/// `portico bench proxy`, the control plane: how long the node proxy takes to put 1,000 and
/// 10,000 Services × 10 endpoints into an empty kernel, and to apply one Service's change
/// with 10,000 present, beside loading a kube-proxy iptables-mode ruleset of the same
/// Services with `iptables-restore` in the same run (the whole ruleset from empty; for one
/// change, what iptables mode writes since KEP-3453: KUBE-SERVICES whole, plus the changed
/// Service's chains). Each side runs in a network namespace of its own, made and removed here.
public struct ProxyControlPlaneBench: Sendable {
    public var sizes = [1000, 10000]
    public var endpointsPerService = 10

    public init() {}

    public struct Row: Sendable {
        public var what: String
        public var portico: Double
        public var reference: Double
        public var referenceIs: String
    }

    public func run(progress: @Sendable (String) -> Void) async throws -> [Row] {
        var rows: [Row] = []
        for size in self.sizes {
            progress("\(size) Services × \(self.endpointsPerService) endpoints: nftables from empty")
            let (services, slices) = self.objects(size)
            var config = ProxyConfig(nodeName: "bench-node", nodeIPs: ["10.10.10.1"])
            config.clusterCIDRs = ["10.244.0.0/16"]
            config.serviceCIDRs = ["10.96.0.0/12"]
            let nft = try await self.inNamespace("porticobp-nft") { netns in
                let start = ContinuousClock.now
                let state = ProxyState.build(services: services, slices: slices, config: config)
                let text = ProxyRuleset.table(state).replacementTransaction
                let compute = Self.seconds(ContinuousClock.now - start)
                try await NFTCommand(netns: netns).apply(text)
                let full = Self.seconds(ContinuousClock.now - start)
                progress(String(format: "    from empty: computing %.3fs, nft %.3fs", compute, full - compute))
                // One Service changes (its endpoints move); the proxy computes that Service's part
                // alone and sends only the difference.
                var program = ProxyProgram(context: RulesetContext(state), fragments: Dictionary(
                    grouping: state.ports, by: { "\($0.namespace)/\($0.name)" }).mapValues { ProxyRuleset.fragment($0, context: RulesetContext(state)) })
                let changeStart = ContinuousClock.now
                let ports = ProxyState.entries(for: services[size / 2], slices: [self.slice(size / 2, shift: 1)], config: config)
                let transaction = program.update(["bench/s\(size / 2)": ProxyRuleset.fragment(ports, context: RulesetContext(state))])
                let computeTime = Self.seconds(ContinuousClock.now - changeStart)
                try await NFTCommand(netns: netns).apply(transaction)
                let total = Self.seconds(ContinuousClock.now - changeStart)
                progress(String(format: "    one change: computing %.4fs, nft %.4fs (%d lines)", computeTime, total - computeTime,
                                transaction.split(separator: "\n").count))
                return (full, total)
            }
            progress("\(size) Services × \(self.endpointsPerService) endpoints: iptables-restore from empty")
            let iptables = try await self.inNamespace("porticobp-ipt") { netns in
                let start = ContinuousClock.now
                let rules = IPTablesReference.ruleset(size: size, endpointsPerService: self.endpointsPerService, shiftedService: nil)
                try await Shell.run("ip", ["netns", "exec", netns, "iptables-restore"], input: rules)
                let full = Self.seconds(ContinuousClock.now - start)
                let changeStart = ContinuousClock.now
                let partial = IPTablesReference.partial(size: size, endpointsPerService: self.endpointsPerService, changed: size / 2)
                try await Shell.run("ip", ["netns", "exec", netns, "iptables-restore", "--noflush"], input: partial)
                return (full, Self.seconds(ContinuousClock.now - changeStart))
            }
            rows.append(Row(what: "program \(size) Services × \(self.endpointsPerService) endpoints from empty", portico: nft.0, reference: iptables.0,
                            referenceIs: "iptables-restore of kube-proxy's iptables-mode rules"))
            if size == self.sizes.last {
                rows.append(Row(what: "one Service changes, \(size) present", portico: nft.1, reference: iptables.1,
                                referenceIs: "iptables-restore --noflush: KUBE-SERVICES + the Service's chains"))
            }
        }
        return rows
    }

    func objects(_ count: Int) -> ([PorticoAPI.Service], [EndpointSlice]) {
        var services: [PorticoAPI.Service] = []
        var slices: [EndpointSlice] = []
        for i in 0..<count {
            var service = PorticoAPI.Service(metadata: ObjectMeta(name: "s\(i)", namespace: "bench"))
            service.spec.clusterIP = IPAddress(ipv4: IPAddress("10.96.0.0")!.ipv4Value + UInt32(i + 10)).description
            service.spec.ports = [ServicePort(name: "http", protocol: .tcp, port: 80, targetPort: .int(8080))]
            services.append(service)
            slices.append(self.slice(i, shift: 0))
        }
        return (services, slices)
    }

    func slice(_ i: Int, shift: Int) -> EndpointSlice {
        var slice = EndpointSlice(metadata: ObjectMeta(name: "s\(i)-x", namespace: "bench", labels: [EndpointSlice.serviceNameLabel: "s\(i)"]),
                                  addressType: .ipv4)
        slice.ports = [EndpointPort(name: "http", protocol: .tcp, port: 8080)]
        slice.endpoints = (0..<self.endpointsPerService).map { e in
            let ip = IPAddress(ipv4: IPAddress("10.200.0.0")!.ipv4Value + UInt32(i * self.endpointsPerService + e + shift))
            return Endpoint(addresses: [ip.description], conditions: EndpointConditions(ready: true, serving: true, terminating: false),
                            nodeName: "node-\(e % 3 + 1)")
        }
        return slice
    }

    /// Runs `body` with a fresh network namespace, removed afterwards.
    func inNamespace<T>(_ name: String, _ body: (String) async throws -> T) async throws -> T {
        _ = try await Shell.run("ip", ["netns", "del", name], allowFailure: true)
        try await Shell.run("ip", ["netns", "add", name])
        do {
            let result = try await body(name)
            _ = try await Shell.run("ip", ["netns", "del", name], allowFailure: true)
            return result
        } catch {
            _ = try await Shell.run("ip", ["netns", "del", name], allowFailure: true)
            throw error
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// kube-proxy's iptables-mode NAT rules for a set of Services (KUBE-SERVICES →
/// KUBE-SVC-* → KUBE-SEP-* with `statistic` probabilities), for the benchmark's reference.
enum IPTablesReference {
    static func svc(_ i: Int) -> String { "KUBE-SVC-" + String(format: "%016X", i) }
    static func sep(_ i: Int, _ e: Int) -> String { "KUBE-SEP-" + String(format: "%012X%04X", i, e) }
    static func clusterIP(_ i: Int) -> String { IPAddress(ipv4: IPAddress("10.96.0.0")!.ipv4Value + UInt32(i + 10)).description }
    static func endpoint(_ i: Int, _ e: Int, _ n: Int, shift: Int) -> String {
        IPAddress(ipv4: IPAddress("10.200.0.0")!.ipv4Value + UInt32(i * n + e + shift)).description
    }

    static func serviceRule(_ i: Int) -> String {
        "-A KUBE-SERVICES -d \(self.clusterIP(i))/32 -p tcp -m comment --comment \"bench/s\(i):http cluster IP\" -m tcp --dport 80 -j \(self.svc(i))\n"
    }

    static func serviceChains(_ i: Int, n: Int, shift: Int, declare: Bool) -> String {
        var out = ""
        if declare {
            out += ":\(self.svc(i)) - [0:0]\n"
            for e in 0..<n { out += ":\(self.sep(i, e)) - [0:0]\n" }
        }
        out += "-A \(self.svc(i)) ! -s 10.244.0.0/16 -d \(self.clusterIP(i))/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ\n"
        for e in 0..<n {
            if e < n - 1 {
                out += "-A \(self.svc(i)) -m statistic --mode random --probability \(String(format: "%.10f", 1.0 / Double(n - e))) -j \(self.sep(i, e))\n"
            } else {
                out += "-A \(self.svc(i)) -j \(self.sep(i, e))\n"
            }
        }
        for e in 0..<n {
            let ip = self.endpoint(i, e, n, shift: shift)
            out += "-A \(self.sep(i, e)) -s \(ip)/32 -j KUBE-MARK-MASQ\n"
            out += "-A \(self.sep(i, e)) -p tcp -m tcp -j DNAT --to-destination \(ip):8080\n"
        }
        return out
    }

    static func ruleset(size: Int, endpointsPerService n: Int, shiftedService: Int?) -> String {
        var out = "*nat\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
        out += ":KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-POSTROUTING - [0:0]\n"
        for i in 0..<size {
            out += ":\(self.svc(i)) - [0:0]\n"
            for e in 0..<n { out += ":\(self.sep(i, e)) - [0:0]\n" }
        }
        out += "-A PREROUTING -j KUBE-SERVICES\n-A OUTPUT -j KUBE-SERVICES\n-A POSTROUTING -j KUBE-POSTROUTING\n"
        out += "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n"
        out += "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n"
        out += "-A KUBE-POSTROUTING -j MASQUERADE --random-fully\n"
        for i in 0..<size { out += self.serviceRule(i) }
        for i in 0..<size { out += self.serviceChains(i, n: n, shift: i == shiftedService ? 1 : 0, declare: false) }
        return out + "COMMIT\n"
    }

    /// What iptables mode restores for one changed Service: KUBE-SERVICES whole (flushed by
    /// being declared), and the Service's own chains.
    static func partial(size: Int, endpointsPerService n: Int, changed: Int) -> String {
        var out = "*nat\n:KUBE-SERVICES - [0:0]\n"
        out += ":\(self.svc(changed)) - [0:0]\n"
        for e in 0..<n { out += ":\(self.sep(changed, e)) - [0:0]\n" }
        for i in 0..<size { out += self.serviceRule(i) }
        out += self.serviceChains(changed, n: n, shift: 1, declare: false)
        return out + "COMMIT\n"
    }
}
