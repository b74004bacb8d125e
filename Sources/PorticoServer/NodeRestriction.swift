import PorticoAPI

/// Upstream's NodeRestriction admission for node identities: the writes `NodeAuthorizer`
/// lets through are checked object by object, so a node changes only its own Node and
/// Lease, the pods bound to it and their status. Portico adds one rule upstream leaves as a
/// TODO: a node records Events only about itself, the pods bound to it, and Services (the L2
/// speaker's), in their namespace.
///
/// Pure but for `boundNode`, which says which node a pod is bound to (from the store).
struct NodeRestriction {
    enum Operation { case create, update, delete }

    let node: String
    let boundNode: @Sendable (_ namespace: String, _ name: String) async throws -> String?

    /// The message of the 403 when the write is refused; nil when it may go on.
    func check(group: String, resource: String, subresource: String, _ operation: Operation,
               new: JSON?, old: JSON?) async throws -> String? {
        switch (group, resource) {
        case ("", "nodes"): return self.nodes(operation, new: new, old: old)
        case ("", "pods"): return try await self.pods(subresource, operation, new: new, old: old)
        case ("coordination.k8s.io", "leases"): return self.lease(new ?? old)
        case ("", "events"): return operation == .delete ? nil : try await self.event(new)
        default: return nil
        }
    }

    func quoted(_ s: String) -> String { GoQuote.quote(s) }

    // MARK: nodes

    func nodes(_ operation: Operation, new: JSON?, old: JSON?) -> String? {
        let name = (new ?? old)?["metadata"]?["name"]?.stringValue ?? ""
        guard name == self.node else { return "node \(self.quoted(self.node)) is not allowed to modify node \(self.quoted(name))" }
        let newLabels = Self.stringMap(new?["metadata"]?["labels"])
        switch operation {
        case .create:
            let forbidden = newLabels.keys.filter(Self.isForbiddenLabel).sorted()
            if !forbidden.isEmpty {
                return "node \(self.quoted(self.node)) is not allowed to set the following labels: \(forbidden.joined(separator: ", "))"
            }
        case .update:
            if (new?["spec"]?["taints"] ?? .null) != (old?["spec"]?["taints"] ?? .null) {
                return "node \(self.quoted(self.node)) is not allowed to modify taints"
            }
            let oldLabels = Self.stringMap(old?["metadata"]?["labels"])
            let changed = Set(newLabels.keys).union(oldLabels.keys).filter { newLabels[$0] != oldLabels[$0] && Self.isForbiddenLabel($0) }
            if !changed.isEmpty { return "is not allowed to modify labels: \(changed.sorted().joined(separator: ", "))" }
        case .delete:
            break
        }
        return nil
    }

    /// Labels a node may not set on itself: the `node-restriction.kubernetes.io/` namespace,
    /// and `kubernetes.io`/`k8s.io` ones that are not the kubelet's own.
    static func isForbiddenLabel(_ key: String) -> Bool {
        guard let slash = key.firstIndex(of: "/") else { return false }
        let domain = String(key[..<slash])
        func within(_ namespace: String) -> Bool { domain == namespace || domain.hasSuffix("." + namespace) }
        if within("node-restriction.kubernetes.io") { return true }
        guard within("kubernetes.io") || within("k8s.io") else { return false }
        let kubeletLabels: Set<String> = [
            "kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch", "beta.kubernetes.io/os", "beta.kubernetes.io/arch",
            "beta.kubernetes.io/instance-type", "node.kubernetes.io/instance-type", "topology.kubernetes.io/zone",
            "topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region",
        ]
        return !(kubeletLabels.contains(key) || within("kubelet.kubernetes.io") || within("node.kubernetes.io"))
    }

    // MARK: pods

    func pods(_ subresource: String, _ operation: Operation, new: JSON?, old: JSON?) async throws -> String? {
        let nodeName = { (pod: JSON?) in pod?["spec"]?["nodeName"]?.stringValue ?? "" }
        switch (subresource, operation) {
        case ("", .create): return self.mirrorPod(new)
        case ("", .delete):
            return nodeName(old) == self.node ? nil : "node \(self.quoted(self.node)) can only delete pods with spec.nodeName set to itself"
        case ("status", .update):
            if nodeName(old) != self.node { return "node \(self.quoted(self.node)) can only update pod status for pods with spec.nodeName set to itself" }
            if (new?["metadata"]?["labels"] ?? .null) != (old?["metadata"]?["labels"] ?? .null) {
                return "node \(self.quoted(self.node)) cannot update labels through pod status"
            }
            return nil
        case ("", .update):
            return "unexpected operation \"UPDATE\", node \(self.quoted(self.node)) can only create and delete mirror pods"
        default:
            return "unexpected pod subresource \(self.quoted(subresource)), only 'status' and 'eviction' are allowed"
        }
    }

    /// A node creates only mirror pods of its own static pods, owned by its Node and
    /// referring to no API object (or it could read any ConfigMap through one).
    func mirrorPod(_ pod: JSON?) -> String? {
        let node = self.quoted(self.node)
        guard pod?["metadata"]?["annotations"]?["kubernetes.io/config.mirror"] != nil else {
            return "pod does not have \"kubernetes.io/config.mirror\" annotation, node \(node) can only create mirror pods"
        }
        guard pod?["spec"]?["nodeName"]?.stringValue == self.node else { return "node \(node) can only create pods with spec.nodeName set to itself" }
        let owners = pod?["metadata"]?["ownerReferences"]?.arrayValue ?? []
        if owners.count > 1 { return "node \(node) can only create pods with a single owner reference set to itself" }
        guard let owner = owners.first, owner["apiVersion"] == "v1", owner["kind"] == "Node", owner["name"]?.stringValue == self.node else {
            return "node \(node) can only create pods with an owner reference set to itself"
        }
        if owner["controller"]?.boolValue != true { return "node \(node) can only create pods with a controller owner reference set to itself" }
        if owner["blockOwnerDeletion"]?.boolValue == true { return "node \(node) must not set blockOwnerDeletion on an owner reference" }
        if let decoded = try? KubeJSONDecoder().decode(Pod.self, from: pod ?? .null).value {
            for resource in ["configmaps", "secrets"] where !NodeAuthorizer.references(of: decoded, resource: resource).isEmpty {
                return "node \(node) can not create pods that reference \(resource)"
            }
            if !decoded.spec.serviceAccountName.isEmpty, decoded.spec.serviceAccountName != "default" {
                return "node \(node) can not create pods that reference serviceaccounts"
            }
        }
        return nil
    }

    // MARK: leases and events

    func lease(_ lease: JSON?) -> String? {
        if lease?["metadata"]?["namespace"]?.stringValue != "kube-node-lease" {
            return "can only access leases in the \"kube-node-lease\" system namespace"
        }
        if lease?["metadata"]?["name"]?.stringValue != self.node { return "can only access node lease with the same name as the requesting node" }
        return nil
    }

    func event(_ event: JSON?) async throws -> String? {
        let refused = "node \(self.quoted(self.node)) may only record events about itself, the pods bound to it and Services, in their namespace"
        let namespace = event?["metadata"]?["namespace"]?.stringValue ?? ""
        let involved = event?["involvedObject"]
        let kind = involved?["kind"]?.stringValue ?? ""
        let name = involved?["name"]?.stringValue ?? ""
        let involvedNamespace = involved?["namespace"]?.stringValue ?? ""
        switch kind {
        case "Node":
            return name == self.node && (namespace == "default" || namespace == involvedNamespace) ? nil : refused
        case "Pod":
            guard namespace == involvedNamespace, try await self.boundNode(namespace, name) == self.node else { return refused }
            return nil
        case "Service":
            return namespace == involvedNamespace ? nil : refused
        default:
            return refused
        }
    }

    static func stringMap(_ json: JSON?) -> [String: String] {
        var map: [String: String] = [:]
        for (key, value) in json?.objectValue ?? [:] { map[key] = value.stringValue ?? "" }
        return map
    }
}
