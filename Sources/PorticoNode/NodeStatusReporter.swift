import Foundation
import PorticoSystem
import PorticoAPI
import PorticoClient

/// The node's registration, heartbeat and status, as the kubelet keeps them: the Node object
/// (labels, podCIDR, addresses, capacity, conditions, system info), a Lease in
/// kube-node-lease renewed every quarter of its 40 s duration, and the status written when
/// it changes or every five minutes.
struct NodeStatusReporter: Sendable {
    let context: AgentContext

    var configuration: AgentConfiguration { self.context.configuration }

    func labels() -> [String: String] {
        var labels = self.configuration.nodeLabels
        labels["kubernetes.io/hostname"] = self.configuration.nodeName
        labels["kubernetes.io/os"] = "linux"
        labels["kubernetes.io/arch"] = SystemInfo.architecture
        labels["beta.kubernetes.io/os"] = "linux"
        labels["beta.kubernetes.io/arch"] = SystemInfo.architecture
        return labels
    }

    func status(previous: NodeStatus, now: Time) -> NodeStatus {
        var status = previous
        let capacity: [String: Quantity] = [
            "cpu": Quantity(stringLiteral: String(ProcessInfo.processInfo.activeProcessorCount)),
            "memory": Quantity(stringLiteral: "\(SystemInfo.memoryKiB)Ki"),
            "pods": "110",
            "ephemeral-storage": Quantity(stringLiteral: "\(SystemInfo.diskKiB(self.configuration.dataDirectory))Ki"),
            "hugepages-2Mi": "0",
        ]
        status.capacity = capacity
        status.allocatable = capacity
        status.addresses = [NodeAddress(type: "InternalIP", address: self.configuration.nodeIP),
                            NodeAddress(type: "Hostname", address: self.configuration.nodeName)]
        status.daemonEndpoints = NodeDaemonEndpoints(kubeletEndpoint: DaemonEndpoint(port: Int32(self.configuration.kubeletPort)))
        status.nodeInfo = SystemInfo.nodeInfo(systemUUID: self.systemUUID())
        let wanted: [(String, String, String, String)] = [
            ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ]
        status.conditions = wanted.map { type, value, reason, message in
            let old = previous.conditions.first { $0.type == type }
            let transition = old?.status == value ? (old?.lastTransitionTime ?? now) : now
            return NodeCondition(type: type, status: value, lastHeartbeatTime: now, lastTransitionTime: transition,
                                 reason: reason, message: message)
        }
        return status
    }

    /// A UUID of this node, kept in its data directory (the nodes of a lab share a machine).
    func systemUUID() -> String {
        let path = self.configuration.dataDirectory + "/system-uuid"
        if let text = try? String(contentsOfFile: path, encoding: .utf8) { return text.trimmingCharacters(in: .whitespacesAndNewlines) }
        let uuid = UUID().uuidString.lowercased()
        try? uuid.write(toFile: path, atomically: true, encoding: .utf8)
        return uuid
    }

    /// Creates the Node or brings it up to date, then writes its status.
    func register() async throws -> Node {
        let client = self.context.client
        var node = try await client.get(Node.self, name: self.configuration.nodeName)
        if node == nil {
            var fresh = Node(metadata: ObjectMeta(name: self.configuration.nodeName, labels: self.labels()),
                             spec: NodeSpec(podCIDR: self.configuration.podCIDR, podCIDRs: [self.configuration.podCIDR]))
            fresh.metadata.annotations["node.alpha.kubernetes.io/ttl"] = "0"
            do {
                node = try await client.create(fresh)
                await self.context.events.normal(node!, reason: "Starting", "Starting kubelet.")
            } catch let error as APIError where error.code == 409 {
                node = try await client.get(Node.self, name: self.configuration.nodeName)
            }
        }
        guard var current = node else { throw Shell.Failure(description: "node \(self.configuration.nodeName) could not be registered") }
        let labels = current.metadata.labels.merging(self.labels()) { _, new in new }
        if labels != current.metadata.labels || current.spec.podCIDR.isEmpty {
            current.metadata.labels = labels
            if current.spec.podCIDR.isEmpty {
                current.spec.podCIDR = self.configuration.podCIDR
                current.spec.podCIDRs = [self.configuration.podCIDR]
            }
            current = try await client.update(current)
        }
        return try await self.writeStatus(current)
    }

    func writeStatus(_ node: Node) async throws -> Node {
        var current = node
        for attempt in 0..<5 {
            let wasReady = current.isReady
            current.status = self.status(previous: current.status, now: .now())
            do {
                let written = try await self.context.client.updateStatus(current)
                if !wasReady {
                    await self.context.events.normal(written, reason: "NodeReady", "Node \(self.configuration.nodeName) status is now: NodeReady")
                }
                return written
            } catch let error as APIError where error.code == 409 && attempt < 4 {
                guard let fresh = try await self.context.client.get(Node.self, name: self.configuration.nodeName) else { throw error }
                current = fresh
            }
        }
        return current
    }

    /// Renews the Lease every quarter of its duration; writes the status every report period.
    func run() async {
        let renewEvery = Duration.seconds(Double(self.configuration.leaseDurationSeconds) / 4)
        var lastStatus = ContinuousClock.now
        while !Task.isCancelled {
            do {
                try await self.renewLease()
                if ContinuousClock.now - lastStatus >= self.configuration.nodeStatusReportFrequency {
                    if let node = try await self.context.client.get(Node.self, name: self.configuration.nodeName) {
                        _ = try await self.writeStatus(node)
                    } else {
                        _ = try await self.register()
                    }
                    lastStatus = .now
                } else if let node = try await self.context.client.get(Node.self, name: self.configuration.nodeName), !node.isReady {
                    // Marked NotReady while this agent was away: say it is back.
                    _ = try await self.writeStatus(node)
                    lastStatus = .now
                }
            } catch {
                self.context.logger.warning("node heartbeat failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: renewEvery)
        }
    }

    func renewLease() async throws {
        let client = self.context.client
        let name = self.configuration.nodeName
        if var lease = try await client.get(Lease.self, namespace: "kube-node-lease", name: name) {
            lease.spec.holderIdentity = name
            lease.spec.leaseDurationSeconds = self.configuration.leaseDurationSeconds
            lease.spec.renewTime = .now()
            _ = try await client.update(lease)
            return
        }
        var lease = Lease(metadata: ObjectMeta(name: name, namespace: "kube-node-lease"))
        if let node = try await client.get(Node.self, name: name) {
            lease.metadata.ownerReferences = [OwnerReference(apiVersion: "v1", kind: "Node", name: name, uid: node.metadata.uid)]
        }
        lease.spec.holderIdentity = name
        lease.spec.leaseDurationSeconds = self.configuration.leaseDurationSeconds
        lease.spec.renewTime = .now()
        _ = try await client.create(lease)
    }
}

/// Facts about the machine, as the kubelet reports them.
enum SystemInfo {
    static var architecture: String {
        var name = utsname()
        uname(&name)
        let machine = withUnsafeBytes(of: &name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        switch machine {
        case "x86_64": return "amd64"
        case "aarch64": return "arm64"
        default: return machine
        }
    }

    static var kernelVersion: String {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    static var memoryKiB: Int {
        let text = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    static func diskKiB(_ path: String) -> Int {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return 0 }
        return Int(stats.f_blocks) * Int(stats.f_frsize) / 1024
    }

    static var osImage: String {
        let text = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return String(line.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return "Linux"
    }

    static func nodeInfo(systemUUID: String) -> NodeSystemInfo {
        var info = NodeSystemInfo(kernelVersion: self.kernelVersion, osImage: self.osImage,
                                  containerRuntimeVersion: "portico://\(PorticoVersion.portico)")
        info.machineID = ((try? String(contentsOfFile: "/etc/machine-id", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        info.systemUUID = systemUUID
        info.bootID = ((try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        info.kubeletVersion = PorticoVersion.kubernetes
        info.operatingSystem = "linux"
        info.architecture = self.architecture
        return info
    }
}
