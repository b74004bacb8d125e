import Foundation
import PorticoAPI

/// The facts `portico trace` reads from the API before it sends anything: the Service, its
/// endpoints, the pods its selector matches, its Events, and where the client stands.
public struct TraceFacts: Sendable {
    public struct NodeFact: Sendable, Equatable {
        public var name: String
        public var address: String
        public init(name: String, address: String) {
            self.name = name
            self.address = address
        }
    }

    public struct EndpointFact: Sendable, Equatable {
        public var address: String
        public var node: String
        public var pod: String
        public var ready: Bool
        /// The port the endpoint serves the Service port on (its slice's port of that name).
        public var port: Int?
        public init(address: String, node: String, pod: String, ready: Bool, port: Int? = nil) {
            self.address = address
            self.node = node
            self.pod = pod
            self.ready = ready
            self.port = port
        }
    }

    public struct PodFact: Sendable, Equatable {
        public var name: String
        public var node: String
        public var ip: String
        public var phase: String
        public var ready: Bool
        /// Why it is not ready, in the agent's words: the failing probe's last Event, or the
        /// container's waiting reason.
        public var notReadyBecause: String?
        /// The ports its containers declare ("8080/TCP", named ones as "http=8080/TCP").
        public var declaredPorts: [String]
        public init(name: String, node: String, ip: String, phase: String, ready: Bool, notReadyBecause: String?, declaredPorts: [String]) {
            self.name = name
            self.node = node
            self.ip = ip
            self.phase = phase
            self.ready = ready
            self.notReadyBecause = notReadyBecause
            self.declaredPorts = declaredPorts
        }
    }

    /// Where the client stands (`.lb` is no client: the load balancer only forwards).
    public var from: LabPlace
    public var clientAddress: String
    /// The node a pod client runs on, or the node client itself.
    public var clientNode: String?
    public var service: Service
    public var port: ServicePort
    public var nodes: [NodeFact]
    public var endpoints: [EndpointFact]
    /// Pods in the Service's namespace its selector matches.
    public var selectedPods: [PodFact]
    /// Every label pair of the namespace's pods and how many carry it (for "did you mean").
    public var namespaceLabels: [String: Int]
    /// Messages of the Service's AllocationFailed Events, newest first.
    public var allocationFailures: [String]
    /// For a LAN client, the node whose nodePort it uses.
    public var entryNode: String?
    /// A pod client's name for the Service (default: the shortest that works from its namespace).
    public var name: String?
    public var clusterDomain: String

    public init(from: LabPlace, clientAddress: String, clientNode: String?, service: Service, port: ServicePort, nodes: [NodeFact],
                endpoints: [EndpointFact], selectedPods: [PodFact], namespaceLabels: [String: Int], allocationFailures: [String],
                entryNode: String?, name: String?, clusterDomain: String) {
        self.from = from
        self.clientAddress = clientAddress
        self.clientNode = clientNode
        self.service = service
        self.port = port
        self.nodes = nodes
        self.endpoints = endpoints
        self.selectedPods = selectedPods
        self.namespaceLabels = namespaceLabels
        self.allocationFailures = allocationFailures
        self.entryNode = entryNode
        self.name = name
        self.clusterDomain = clusterDomain
    }
}

/// Where a request breaks, and why, in words a person acts on.
public struct TraceProblem: Sendable, Equatable, CustomStringConvertible {
    /// The hop: "client", "dns", "lb", "node-2", "endpoints", "pod web-…".
    public var at: String
    public var why: String
    public init(at: String, why: String) {
        self.at = at
        self.why = why
    }
    public var description: String { "\(self.at): \(self.why)" }
}

/// What the client sends to, and every break in the path the API's objects already show.
/// Pure: `TracePlanTests` check each broken case without a lab.
public struct TracePlan: Sendable {
    public enum DoorKind: Sendable, Equatable {
        case clusterIP
        case nodePort(node: String)
        case loadBalancer
    }

    public struct Door: Sendable, Equatable {
        public var kind: DoorKind
        public var address: String
        public var port: Int
        /// "tcp" or "udp".
        public var proto: String
        /// Why the client uses this address.
        public var because: String
    }

    public var door: Door?
    /// The DNS name a pod client looks up first (nil for other places).
    public var dnsName: String?
    public var problems: [TraceProblem]

    static let loadBalancerIsNoClient = "the load balancer forwards, it is not a client; trace from internet, lan, a pod or a node"

    public static func make(_ facts: TraceFacts) -> TracePlan {
        let service = facts.service
        let meta = service.metadata
        let type = service.spec.type.rawValue.isEmpty ? ServiceType.clusterIP : service.spec.type
        let proto = facts.port.protocol.rawValue.isEmpty ? "tcp" : facts.port.protocol.rawValue.lowercased()
        var problems: [TraceProblem] = []
        var door: Door?
        var dnsName: String?
        let clusterIP = service.spec.clusterIP
        let headless = clusterIP.isEmpty || clusterIP == "None"

        switch facts.from {
        case .pod(let namespace, _):
            dnsName = facts.name ?? (namespace == meta.namespace ? meta.name : "\(meta.name).\(meta.namespace)")
            if headless {
                problems.append(TraceProblem(at: "client", why: "the Service is headless (clusterIP: None): its name resolves to the pods themselves, there is no virtual IP to trace"))
            } else {
                door = Door(kind: .clusterIP, address: clusterIP, port: Int(facts.port.port), proto: proto,
                            because: "the name \(dnsName!) resolves to the ClusterIP")
            }
        case .node:
            if headless {
                problems.append(TraceProblem(at: "client", why: "the Service is headless (clusterIP: None): there is no virtual IP to trace"))
            } else {
                door = Door(kind: .clusterIP, address: clusterIP, port: Int(facts.port.port), proto: proto,
                            because: "nodes reach ClusterIPs (the node proxy's rules are in every node)")
            }
        case .lb:
            problems.append(TraceProblem(at: "client", why: TracePlan.loadBalancerIsNoClient))
        case .host:
            if type == .nodePort || type == .loadBalancer, facts.port.nodePort != 0 {
                let node = facts.nodes.first { $0.name == facts.entryNode } ?? facts.nodes.first
                if let node {
                    door = Door(kind: .nodePort(node: node.name), address: node.address, port: Int(facts.port.nodePort), proto: proto,
                                because: "a client on the LAN uses a node's IP and the nodePort (every node opens it)")
                }
            } else if type == .loadBalancer {
                problems.append(TraceProblem(at: "client", why: "the Service has no nodePort (allocateLoadBalancerNodePorts: false): the LAN reaches it only at its load-balancer address"))
            } else {
                problems.append(TraceProblem(at: "client", why: "type \(type.rawValue) is reachable only inside the cluster: the host routes \(clusterIP) nowhere (unreachable), as outside a real cluster. Make it type NodePort to open a port on every node"))
            }
        case .internet:
            if type == .loadBalancer {
                if let ip = service.status.loadBalancer.ingress.first?.ip, !ip.isEmpty {
                    door = Door(kind: .loadBalancer, address: ip, port: Int(facts.port.port), proto: proto,
                                because: "the internet reaches the Service only at its load-balancer address (status.loadBalancer.ingress)")
                } else {
                    let reason = facts.allocationFailures.first.map { "the load-balancer controller says: \($0)" }
                        ?? "no load-balancer controller has given it an address yet"
                    problems.append(TraceProblem(at: "lb", why: "EXTERNAL-IP is <pending>: \(reason)"))
                }
            } else {
                problems.append(TraceProblem(at: "client", why: "type \(type.rawValue) is not exposed to the internet: the nodes are on a private LAN, and only a LoadBalancer Service gets an address the internet reaches"))
            }
        }

        // Source ranges: the node proxy drops load-balancer traffic from other sources.
        if case .loadBalancer? = door?.kind, !service.loadBalancerAdmits(facts.clientAddress) {
            problems.append(TraceProblem(at: "lb", why: "loadBalancerSourceRanges [\(service.effectiveLoadBalancerSourceRanges.joined(separator: ", "))] does not contain the client \(facts.clientAddress): the load balancer drops it, as a cloud's firewall does, and so does the node proxy for traffic to the LB IP (add the client's range to spec.loadBalancerSourceRanges)"))
        }

        // Endpoints: none at all, and why.
        let ready = facts.endpoints.filter(\.ready)
        if door != nil, ready.isEmpty {
            problems.append(contentsOf: Self.noEndpoints(facts))
        }

        // Local traffic policies: only endpoints on the node the request enters.
        if let door, !ready.isEmpty {
            let readyNodes = Set(ready.map(\.node))
            switch door.kind {
            case .nodePort(let node) where service.spec.externalTrafficPolicy == .local && !readyNodes.contains(node):
                problems.append(TraceProblem(at: node, why: "externalTrafficPolicy is Local and \(node) has no ready endpoint of the Service: the node drops external traffic instead of sending it to another node (endpoints are on \(readyNodes.sorted().joined(separator: ", "))); use one of those nodes, or externalTrafficPolicy: Cluster"))
            case .clusterIP where service.spec.internalTrafficPolicy == .local:
                if let node = facts.clientNode, !readyNodes.contains(node) {
                    problems.append(TraceProblem(at: node, why: "internalTrafficPolicy is Local and \(node) has no ready endpoint of the Service: the node drops traffic from its own pods (endpoints are on \(readyNodes.sorted().joined(separator: ", ")))"))
                }
            default: break
            }
        }
        return TracePlan(door: door, dnsName: dnsName, problems: problems)
    }

    /// Why a Service has no ready endpoint: no selector, a selector matching nothing, or
    /// pods that are not ready (with the agent's reason).
    static func noEndpoints(_ facts: TraceFacts) -> [TraceProblem] {
        let service = facts.service
        let selector = service.spec.selector
        if selector.isEmpty {
            return [TraceProblem(at: "endpoints", why: "the Service has no selector, so its endpoints are the EndpointSlices made for it by hand, and there are none")]
        }
        let text = selector.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        if facts.selectedPods.isEmpty {
            let near = facts.namespaceLabels.filter { label, _ in selector.keys.contains { label.hasPrefix($0 + "=") } }
                .sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value) pod\($0.value == 1 ? "" : "s"))" }
            let hint = near.isEmpty ? "no pod there has the label \(selector.keys.sorted().joined(separator: ", "))"
                : "pods there have \(near.joined(separator: ", "))"
            return [TraceProblem(at: "endpoints", why: "the selector \(text) matches no pod in namespace \(service.metadata.namespace): \(hint)")]
        }
        var problems: [TraceProblem] = []
        for pod in facts.selectedPods where !pod.ready {
            let state = pod.phase == "Running" ? "Running but not ready" : pod.phase.isEmpty ? "not scheduled" : pod.phase
            problems.append(TraceProblem(at: "pod \(pod.name)", why: "\(state)\(pod.notReadyBecause.map { ": \($0)" } ?? ""); an endpoint that is not ready gets no traffic"))
        }
        if problems.isEmpty {
            problems.append(TraceProblem(at: "endpoints", why: "the selector \(text) matches \(facts.selectedPods.count) ready pod\(facts.selectedPods.count == 1 ? "" : "s"), but none is an endpoint yet: \(Self.portMismatch(facts) ?? "the EndpointSlice controller has not caught up")"))
        }
        return problems
    }

    /// A named targetPort no container declares leaves the pods out of the endpoints.
    static func portMismatch(_ facts: TraceFacts) -> String? {
        guard case .string(let name) = facts.port.targetPort else { return nil }
        let declared = Set(facts.selectedPods.flatMap(\.declaredPorts))
        guard !declared.contains(where: { $0.hasPrefix(name + "=") }) else { return nil }
        return "targetPort \(GoQuote.quote(name)) is a port name no container of the pods declares (they declare \(declared.isEmpty ? "no ports" : declared.sorted().joined(separator: ", ")))"
    }
}
