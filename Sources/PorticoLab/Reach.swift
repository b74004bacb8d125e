import Foundation
import PorticoAPI
import PorticoClient
import PorticoSystem

/// `portico reach`: the seed's exposure matrix, measured. Rows are where a client stands
/// (a pod, the LAN, the internet), columns are the Service's doors (its ClusterIP, every
/// node's IP:nodePort, its load-balancer address); each cell is a real request.
///
/// The plan of the matrix — doors, places and what the Service's type promises for each
/// cell — is a plain value (`ReachMatrix.plan`), so the promise is tested without a lab.
public struct ReachMatrix: Sendable {
    public enum Door: Sendable, Equatable {
        case clusterIP
        case nodePort(node: String)
        case loadBalancer
    }

    public struct Column: Sendable {
        public var door: Door
        public var title: String
        /// Where to send; nil when the door does not exist (no nodePort, LB `<pending>`).
        public var target: ConnectProbe.Target?
        /// Why there is no target.
        public var missing: String?
    }

    public enum Source: Sendable, Equatable {
        case pod(namespace: String, name: String, node: String, ip: String)
        case lan
        case internet
    }

    public struct Row: Sendable {
        public var source: Source
        public var title: String
        public var place: LabPlace?
        /// Why nobody can stand here (no running pod to send from).
        public var missing: String?
    }

    public var service: Service
    public var port: ServicePort
    public var columns: [Column]
    public var rows: [Row]
    /// What the Service's type (and traffic policies) promise: expected[row][column].
    public var expected: [[Bool]]
    public var readyEndpoints: Int

    /// The doors and places for one port of a Service, and the promise of its type: a
    /// ClusterIP answers pods only; a NodePort also answers the LAN on every node (with
    /// `externalTrafficPolicy: Local`, only nodes with a ready endpoint); a LoadBalancer
    /// also answers the internet at its LB address. Nothing answers the internet on a node
    /// or a ClusterIP: the nodes are on a private LAN. `loadBalancerSourceRanges` close the
    /// LB address to clients outside them.
    public static func plan(service: Service, port: ServicePort, nodes: [(name: String, address: String)],
                            readyEndpointNodes: [String], readyEndpoints: Int,
                            client pod: (namespace: String, name: String, node: String, ip: String)?,
                            lanAddress: String, internetAddress: String?) -> ReachMatrix {
        let proto = port.protocol.rawValue.isEmpty ? "tcp" : port.protocol.rawValue.lowercased()
        let type = service.spec.type.rawValue.isEmpty ? ServiceType.clusterIP : service.spec.type
        var columns: [Column] = []
        let clusterIP = service.spec.clusterIP
        let hasClusterIP = !clusterIP.isEmpty && clusterIP != "None"
        columns.append(Column(door: .clusterIP, title: "CLUSTER-IP",
                              target: hasClusterIP ? .init(proto: proto, address: clusterIP, port: Int(port.port)) : nil,
                              missing: hasClusterIP ? nil : "headless: no ClusterIP"))
        if type == .nodePort || type == .loadBalancer {
            for node in nodes {
                columns.append(Column(door: .nodePort(node: node.name), title: node.name.uppercased(),
                                      target: port.nodePort == 0 ? nil : .init(proto: proto, address: node.address, port: Int(port.nodePort)),
                                      missing: port.nodePort == 0 ? "no nodePort" : nil))
            }
        }
        if type == .loadBalancer {
            let ip = service.status.loadBalancer.ingress.first?.ip ?? ""
            columns.append(Column(door: .loadBalancer, title: "LOAD-BALANCER",
                                  target: ip.isEmpty ? nil : .init(proto: proto, address: ip, port: Int(port.port)),
                                  missing: ip.isEmpty ? "<pending>" : nil))
        }

        var rows: [Row] = []
        if let pod {
            rows.append(Row(source: .pod(namespace: pod.namespace, name: pod.name, node: pod.node, ip: pod.ip),
                            title: "pod \(pod.namespace)/\(pod.name)", place: .pod(namespace: pod.namespace, name: pod.name)))
        } else {
            rows.append(Row(source: .pod(namespace: "", name: "", node: "", ip: ""), title: "pod", place: nil,
                            missing: "no running pod to send from"))
        }
        rows.append(Row(source: .lan, title: "LAN (host \(lanAddress))", place: .host))
        if let internetAddress {
            rows.append(Row(source: .internet, title: "internet (\(internetAddress))", place: .internet))
        }

        let localExternal = service.spec.externalTrafficPolicy == .local
        let localInternal = service.spec.internalTrafficPolicy == .local
        let expected = rows.map { row in
            columns.map { column -> Bool in
                switch (row.source, column.door) {
                case (.pod(_, _, let node, _), .clusterIP):
                    return !localInternal || readyEndpointNodes.contains(node)
                case (.pod(_, _, _, let ip), .loadBalancer):
                    return service.loadBalancerAdmits(ip)
                case (.pod, _):
                    // Pods reach node ports and LB addresses; the node proxy sends their
                    // traffic to any endpoint in the cluster, whatever the external policy.
                    return true
                case (.lan, .clusterIP), (.internet, .clusterIP), (.internet, .nodePort):
                    return false
                case (.lan, .nodePort(let node)):
                    return !localExternal || readyEndpointNodes.contains(node)
                case (.lan, .loadBalancer):
                    return (!localExternal || !readyEndpointNodes.isEmpty) && service.loadBalancerAdmits(lanAddress)
                case (.internet, .loadBalancer):
                    return (!localExternal || !readyEndpointNodes.isEmpty) && service.loadBalancerAdmits(internetAddress ?? "")
                }
            }
        }
        return ReachMatrix(service: service, port: port, columns: columns, rows: rows, expected: expected,
                           readyEndpoints: readyEndpoints)
    }

    /// What a row of results says about exposure, in the seed's order.
    public static func exposure(reachedFromPods: Bool, fromLAN: Bool, fromInternet: Bool) -> String {
        if fromInternet { return "LoadBalancer" }
        if fromLAN { return "NodePort" }
        if reachedFromPods { return "ClusterIP" }
        return "none"
    }
}

/// Runs the matrix's requests from each place, at once, and renders the result.
public struct Reach: Sendable {
    public let plan: LabPlan
    public let porticoPath: String
    public let timeout: Double

    public init(plan: LabPlan, porticoPath: String, timeout: Double = 1) {
        self.plan = plan
        self.porticoPath = porticoPath
        self.timeout = timeout
    }

    public struct Result: Sendable {
        public var matrix: ReachMatrix
        /// outcomes[row][column]; nil where there was nothing to send or nobody to send it.
        public var outcomes: [[ConnectProbe.Outcome?]]

        /// Cells whose outcome differs from the type's promise, in words.
        public var mismatches: [String] {
            var found: [String] = []
            for (r, row) in self.matrix.rows.enumerated() {
                for (c, column) in self.matrix.columns.enumerated() {
                    let expected = self.matrix.expected[r][c]
                    let got = self.outcomes[r][c]
                    let reached = got?.reached ?? false
                    guard reached != expected else { continue }
                    let door = column.target.map { "\($0.address):\($0.port)" } ?? (column.missing ?? "")
                    let what = got.map { Reach.cell($0) } ?? (row.missing ?? column.missing ?? "not sent")
                    found.append("from \(row.title) to \(column.title.lowercased()) \(door): expected \(expected ? "✓" : "✗"), got \(what)")
                }
            }
            return found
        }

        public var exposure: String {
            func any(_ source: (ReachMatrix.Source) -> Bool) -> Bool {
                self.matrix.rows.indices.contains { r in source(self.matrix.rows[r].source) && self.outcomes[r].contains { $0?.reached == true } }
            }
            return ReachMatrix.exposure(reachedFromPods: any { if case .pod = $0 { true } else { false } },
                                        fromLAN: any { $0 == .lan }, fromInternet: any { $0 == .internet })
        }
    }

    /// Looks the Service up, picks a pod to send from, and sends every request.
    public func run(client: KubeClient, namespace: String, name: String, port portName: String?, fromPod: String?) async throws -> Result {
        let (service, port) = try await LabLookup.servicePort(client: client, namespace: namespace, name: name, port: portName, tool: "reach")

        let slices = try await client.list(EndpointSlice.self, namespace: namespace,
                                           labelSelector: "kubernetes.io/service-name=\(name)").items
        var readyNodes: Set<String> = []
        var ready = 0
        var endpointPods: Set<String> = []
        for slice in slices {
            for endpoint in slice.endpoints {
                if let pod = endpoint.targetRef?.name { endpointPods.insert(pod) }
                if endpoint.conditions.ready != false {
                    ready += 1
                    if let node = endpoint.nodeName { readyNodes.insert(node) }
                }
            }
        }
        let pod = try await self.clientPod(client: client, namespace: namespace, named: fromPod, avoiding: endpointPods)
        let matrix = ReachMatrix.plan(
            service: service, port: port, nodes: self.plan.nodes.map { ($0.name, $0.address) },
            readyEndpointNodes: readyNodes.sorted(), readyEndpoints: ready, client: pod,
            lanAddress: self.plan.config.hostAddress, internetAddress: self.plan.isL2 ? nil : self.plan.config.internetClient)

        let targets = matrix.columns.compactMap(\.target)
        var outcomes: [[ConnectProbe.Outcome?]] = []
        try await withThrowingTaskGroup(of: (Int, [ConnectProbe.Outcome]?).self) { group in
            for (index, row) in matrix.rows.enumerated() {
                guard let place = row.place else { continue }
                group.addTask {
                    let prefix = try await place.prefix(plan: self.plan, client: client)
                    return (index, try await PlaceProbe(porticoPath: self.porticoPath, timeout: self.timeout)
                        .run(prefix: prefix, targets: targets).map(\.outcome))
                }
            }
            var byRow: [Int: [ConnectProbe.Outcome]] = [:]
            for try await (index, results) in group { byRow[index] = results }
            for index in matrix.rows.indices {
                var results = byRow[index]?.makeIterator()
                outcomes.append(matrix.columns.map { column in column.target == nil ? nil : results?.next() })
            }
        }
        return Result(matrix: matrix, outcomes: outcomes)
    }

    /// The pod to send from: the one asked for, else a running pod that is not one of the
    /// Service's endpoints (its namespace first), else one of them.
    func clientPod(client: KubeClient, namespace: String, named: String?,
                   avoiding endpoints: Set<String>) async throws -> (namespace: String, name: String, node: String, ip: String)? {
        if let named {
            let parts = named.split(separator: "/").map(String.init)
            let (podNamespace, podName) = parts.count == 2 ? (parts[0], parts[1]) : (namespace, named)
            let pod = try await LabPlace.runningPod(client: client, namespace: podNamespace, name: podName)
            return (podNamespace, podName, pod.spec.nodeName, pod.status.podIP)
        }
        let running = try await client.list(Pod.self).items.filter {
            $0.status.phase == .running && !$0.status.podIP.isEmpty && !$0.spec.hostNetwork && $0.metadata.deletionTimestamp == nil
        }
        let ranked = running.sorted { a, b in
            func rank(_ pod: Pod) -> (Int, Int, String) {
                (endpoints.contains(pod.metadata.name) && pod.metadata.namespace == namespace ? 1 : 0,
                 pod.metadata.namespace == namespace ? 0 : 1, pod.metadata.name)
            }
            return rank(a) < rank(b)
        }
        return ranked.first.map { ($0.metadata.namespace, $0.metadata.name, $0.spec.nodeName, $0.status.podIP) }
    }

    /// A cell, in a few characters: ✓ and the time to answer, or ✗ and why not.
    public static func cell(_ outcome: ConnectProbe.Outcome) -> String {
        switch outcome {
        case .answered(let seconds): "✓ " + (seconds < 0.01 ? String(format: "%.1f ms", seconds * 1000) : String(format: "%.0f ms", seconds * 1000))
        case .refused: "✗ refused"
        case .unreachable: "✗ unreachable"
        case .noAnswer: "✗ no answer"
        case .failed(let why): "✗ \(why)"
        }
    }

    /// The matrix as text: a header naming each door and its address, a row per place.
    public static func render(_ result: Result) -> String {
        let matrix = result.matrix
        let service = matrix.service
        let type = service.spec.type.rawValue.isEmpty ? "ClusterIP" : service.spec.type.rawValue
        let port = matrix.port
        let proto = port.protocol.rawValue.isEmpty ? "TCP" : port.protocol.rawValue
        var header = "Service \(service.metadata.namespace)/\(service.metadata.name): \(type), port \(port.port)/\(proto)"
        header += " → targetPort \(port.targetPort.description), \(matrix.readyEndpoints) ready endpoint\(matrix.readyEndpoints == 1 ? "" : "s")"
        if service.spec.externalTrafficPolicy == .local { header += ", externalTrafficPolicy Local" }
        if service.spec.internalTrafficPolicy == .local { header += ", internalTrafficPolicy Local" }
        var lines: [[String]] = [["FROM"] + matrix.columns.map(\.title),
                                 [""] + matrix.columns.map { $0.target.map { "\($0.address):\($0.port)" } ?? ($0.missing ?? "-") }]
        for (r, row) in matrix.rows.enumerated() {
            lines.append([row.title] + matrix.columns.indices.map { c in
                if let outcome = result.outcomes[r][c] { return Self.cell(outcome) }
                return "-"
            })
        }
        var text = header + "\n\n" + TableText.align(lines)
        for row in matrix.rows { if let missing = row.missing { text += "(\(row.title): \(missing))\n" } }
        let exposure = result.exposure
        let promised = type == "NodePort" || type == "LoadBalancer" ? type : "ClusterIP"
        text += "\nExposure: \(exposure == "none" ? "none: nothing answered" : exposure) (ClusterIP < NodePort < LoadBalancer)"
        let mismatches = result.mismatches
        if mismatches.isEmpty {
            text += ": as a \(promised) Service should be.\n"
        } else {
            text += "; a \(promised) Service should answer differently:\n" + mismatches.map { "  " + $0 }.joined(separator: "\n") + "\n"
            text += "Why: portico trace \(service.metadata.name)\(service.metadata.namespace == "default" ? "" : " -n \(service.metadata.namespace)") --from <place> follows one request hop by hop.\n"
        }
        return text
    }
}
