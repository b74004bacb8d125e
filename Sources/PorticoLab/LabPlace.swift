import Foundation
import PorticoAPI
import PorticoClient
import PorticoSystem

/// A place of the lab a person can stand in to send a request: the host (the lab's LAN side),
/// the client on the internet, the load balancer, a node, or a pod. `portico exec`, `reach`
/// and `trace` all run their programs through `prefix`, so "from where" means the same in each.
public enum LabPlace: Sendable, Equatable, CustomStringConvertible {
    case host
    case internet
    case lb
    case node(String)
    case pod(namespace: String, name: String)

    /// Reads `host`, `lan` (the host), `internet`, `lb`, `node-N` (or a node's name),
    /// `node/<name>`, `pod/<name>` or `pod/<namespace>/<name>`.
    public init(parsing text: String, namespace: String, plan: LabPlan) throws {
        switch text {
        case "host", "lan": self = .host
        case "internet": self = .internet
        case "lb": self = .lb
        default:
            if text.hasPrefix("pod/") || text.hasPrefix("pods/") {
                let parts = text.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
                if parts.count == 1, !parts[0].isEmpty {
                    self = .pod(namespace: namespace, name: parts[0])
                } else if parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty {
                    self = .pod(namespace: parts[0], name: parts[1])
                } else {
                    throw LabError("\(GoQuote.quote(text)): a pod is pod/<name> or pod/<namespace>/<name>")
                }
                return
            }
            let name = text.hasPrefix("node/") ? String(text.dropFirst(5)) : text
            guard plan.nodes.contains(where: { $0.name == name }) else {
                let nodes = plan.nodes.map(\.name).joined(separator: ", ")
                throw LabError("\(GoQuote.quote(text)) is not a place of lab \"\(plan.config.name)\": use host, \(plan.isL2 ? "" : "internet, lb, ")\(nodes) or pod/<name>")
            }
            self = .node(name)
        }
        if plan.isL2, self == .internet || self == .lb {
            throw LabError("lab \"\(plan.config.name)\" is in l2 mode: it has no load balancer or internet place (LoadBalancer addresses are on the LAN)")
        }
    }

    public var description: String {
        switch self {
        case .host: "host"
        case .internet: "internet"
        case .lb: "lb"
        case .node(let name): name
        case .pod(let namespace, let name): "pod/\(namespace)/\(name)"
        }
    }

    /// The command words that run a program in this place (empty for the host). A pod is
    /// entered through one of its processes: its network, mount and UTS namespaces, so the
    /// program sees the pod's address, `/etc/resolv.conf` and hostname.
    public func prefix(plan: LabPlan, client: KubeClient?) async throws -> [String] {
        switch self {
        case .host: return []
        case .internet: return ["ip", "netns", "exec", "\(plan.netnsPrefix)internet"]
        case .lb: return ["ip", "netns", "exec", "\(plan.netnsPrefix)lb"]
        case .node(let name):
            guard let node = plan.nodes.first(where: { $0.name == name }) else { throw LabError("no node \(name) in the lab") }
            return ["ip", "netns", "exec", node.netns]
        case .pod(let namespace, let name):
            guard let client else { throw LabError("the API server of lab \"\(plan.config.name)\" is not reachable") }
            let pod = try await Self.runningPod(client: client, namespace: namespace, name: name)
            let pid = try await Self.podProcess(netns: NetnsNames.pod(prefix: plan.netnsPrefix, uid: pod.metadata.uid))
            return ["nsenter", "-t", String(pid), "-n", "-m", "-u", "--"]
        }
    }

    /// A pod someone can stand in: it exists and runs with an address (exec, reach and trace
    /// all need one).
    static func runningPod(client: KubeClient, namespace: String, name: String) async throws -> Pod {
        guard let pod = try await client.get(Pod.self, namespace: namespace, name: name) else {
            throw LabError("pods \"\(name)\" not found in namespace \"\(namespace)\"")
        }
        guard pod.status.phase == .running, !pod.status.podIP.isEmpty else {
            throw LabError("pod \(namespace)/\(name) is \(pod.status.phase.rawValue.isEmpty ? "not scheduled" : pod.status.phase.rawValue), not Running: there is nothing to send from or enter")
        }
        return pod
    }

    /// A process in the pod's network namespace (any of its containers: they share it).
    static func podProcess(netns: String) async throws -> Int32 {
        let pids = try await Shell.run("ip", ["netns", "pids", netns], allowFailure: true)
        guard pids.status == 0, let first = pids.output.split(separator: "\n").first, let pid = Int32(first) else {
            throw LabError("no process runs in the pod's network namespace \(netns)")
        }
        return pid
    }
}

extension LabPlan {
    /// A client of the lab's API server with the admin's kubeconfig; call `shutdown` after.
    public func connect() throws -> (client: KubeClient, transport: HTTPTransport) {
        guard FileManager.default.fileExists(atPath: self.kubeconfigPath) else {
            throw LabError("No lab \"\(self.config.name)\" is up (no \(self.kubeconfigPath)). Start one with: portico up")
        }
        let transport = try HTTPTransport(try Kubeconfig.load(path: self.kubeconfigPath))
        return (KubeClient(transport: transport, fieldManager: "portico"), transport)
    }
}
