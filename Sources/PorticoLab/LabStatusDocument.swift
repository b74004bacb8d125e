import Foundation

/// `portico status -o json`: every place with its addresses and every process with its
/// role, place and pid, so a person or a test can find one and kill it.
extension LabStatus {
    struct Document: Codable, Equatable {
        struct Place: Codable, Equatable {
            var name: String
            var addresses: [String]
            /// The network namespace (none for the host).
            var netns: String?
            var podCIDR: String?
            var ready: Bool?
        }

        struct Process: Codable, Equatable {
            /// server, etcd, agent, dns, lb or api-lb.
            var role: String
            var place: String
            var pid: Int32
            var running: Bool
            var log: String
        }

        var name: String
        var kubeconfig: String
        var api: String
        var places: [Place]
        var processes: [Process]
    }

    func document(_ plan: LabPlan, _ state: LabState) -> Document {
        var places = [Document.Place(name: "host", addresses: [plan.config.hostAddress, "127.0.0.1"])]
        places += plan.servers.map { Document.Place(name: $0.name, addresses: [$0.address], netns: $0.netns) }
        places += plan.nodes.map { node in
            Document.Place(name: node.name, addresses: [node.address], netns: node.netns, podCIDR: node.podCIDR,
                           ready: self.nodes[node.name].map(\.isReady) ?? false)
        }
        if !plan.isL2 {
            places.append(Document.Place(name: "lb", addresses: [plan.lbAddress, plan.lbInternetAddress], netns: plan.netnsPrefix + "lb"))
            places.append(Document.Place(name: "internet", addresses: [plan.config.internetClient], netns: plan.netnsPrefix + "internet"))
        }
        let processes = state.processes.map { process in
            let (role, place) = Self.roleAndPlace(process.role)
            return Document.Process(role: role, place: place, pid: process.pid, running: self.running[process.role] ?? false, log: process.log)
        }
        return Document(name: plan.config.name, kubeconfig: plan.kubeconfigPath, api: self.api, places: places, processes: processes)
    }

    /// What a process is and where it runs, from the name the lab's state gives it.
    static func roleAndPlace(_ name: String) -> (role: String, place: String) {
        switch name {
        case "server": return ("server", "host")
        case "dns-relay": return ("dns", "host")
        case "api-lb": return ("api-lb", "host")
        case "lb": return ("lb", "lb")
        case let etcd where etcd.hasPrefix("etcd-"): return ("etcd", String(etcd.dropFirst(5)))
        case let server where server.hasPrefix("server-"): return ("server", server)
        default: return ("agent", name)
        }
    }
}
