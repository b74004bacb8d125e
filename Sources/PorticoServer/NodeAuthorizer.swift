import PorticoAPI

/// What a node identity (`system:node:<name>` in `system:nodes`) may do, as upstream's Node
/// authorizer decides it, widened only by the read rules of the add-ons that run with the
/// node's credentials in Portico (issue 16 gives them identities of their own): the node
/// proxy (kube-proxy's `system:node-proxier`: Services, EndpointSlices, Endpoints, Nodes), the
/// host-gw router and the L2 speaker (all Nodes, as flannel and MetalLB read them) and the
/// cluster DNS pods (CoreDNS's Services, EndpointSlices, Namespaces).
///
/// Pure: a decision is allow, deny with upstream's reason, or allow once the store shows a
/// relation (a pod bound to the node; a ConfigMap or Secret such a pod uses), which
/// `Authorizer` looks up. Writes it allows are then checked object by object by
/// `NodeRestriction`.
enum NodeAuthorizer {
    /// A relation the store must show for a request to be allowed (upstream's graph).
    enum Relation: Equatable {
        /// The pod is bound to the node.
        case podBound(namespace: String, name: String)
        /// A pod bound to the node refers to this ConfigMap or Secret.
        case usedByBoundPod(resource: String, namespace: String, name: String)
    }

    enum Decision: Equatable {
        case allow
        /// Refused; the reason (upstream's words) is appended to the 403 message when not empty.
        case deny(String)
        case allowIf(Relation)
    }

    static let noRelation = "no relationship found between node '%@' and this object"

    static func decide(node: String, _ info: RequestInfo, fieldSelector: Fields.Selector) -> Decision {
        let read = info.verb == .get || info.verb == .list || info.verb == .watch
        let name = info.name.isEmpty ? (fieldSelector.requiredValue("metadata.name") ?? "") : info.name
        switch (info.group, info.resource) {
        case ("", "nodes"): return self.nodes(info, read: read)
        case ("", "pods"): return self.pods(node: node, info, name: name, fieldSelector: fieldSelector)
        case ("", "configmaps"), ("", "secrets"): return self.usedObjects(info, name: name, read: read)
        case ("coordination.k8s.io", "leases"): return self.leases(node: node, info)
        case ("", "events"):
            return [.create, .update, .patch].contains(info.verb) && info.subresource.isEmpty ? .allow : .deny("")
        case ("", "services"), ("", "endpoints"), ("discovery.k8s.io", "endpointslices"), ("", "namespaces"):
            return read && info.subresource.isEmpty ? .allow : .deny("")
        default:
            return .deny("")
        }
    }

    /// Every Node may be read (the router and the speaker need them all); a node writes
    /// Nodes and their status (NodeRestriction keeps it to its own) and deletes none.
    static func nodes(_ info: RequestInfo, read: Bool) -> Decision {
        switch (info.verb, info.subresource) {
        case (.get, ""), (.list, ""), (.watch, ""): return .allow
        case (.create, ""), (.update, ""), (.patch, ""), (.update, "status"), (.patch, "status"): return .allow
        default: return .deny("")
        }
    }

    static func pods(node: String, _ info: RequestInfo, name: String, fieldSelector: Fields.Selector) -> Decision {
        switch (info.verb, info.subresource) {
        case (.get, ""):
            return .allowIf(.podBound(namespace: info.namespace, name: info.name))
        case (.list, ""), (.watch, ""):
            if fieldSelector.terms.contains(where: { $0.field == "spec.nodeName" && !$0.negated && $0.value == node }) { return .allow }
            if !name.isEmpty, !info.namespace.isEmpty { return .allowIf(.podBound(namespace: info.namespace, name: name)) }
            return .deny("can only list/watch pods with spec.nodeName field selector")
        case (.create, ""), (.delete, ""), (.update, "status"), (.patch, "status"), (.create, "eviction"):
            return .allow  // NodeRestriction decides
        default:
            return .deny("")
        }
    }

    static func usedObjects(_ info: RequestInfo, name: String, read: Bool) -> Decision {
        guard read else { return .deny("can only read resources of this type") }
        guard info.subresource.isEmpty else { return .deny("cannot read subresource") }
        guard !info.namespace.isEmpty else { return .deny("can only read namespaced object of this type") }
        guard !name.isEmpty else { return .deny("No Object name found") }
        return .allowIf(.usedByBoundPod(resource: info.resource, namespace: info.namespace, name: name))
    }

    static func leases(node: String, _ info: RequestInfo) -> Decision {
        guard let verb = info.verb, [.get, .create, .update, .patch, .delete].contains(verb), info.subresource.isEmpty else {
            return .deny("can only get, create, update, patch, or delete a node lease")
        }
        guard info.namespace == "kube-node-lease" else { return .deny("can only access leases in the \"kube-node-lease\" system namespace") }
        if verb != .create, info.name != node { return .deny("can only access node lease with the same name as the requesting node") }
        return .allow
    }

    /// The node's name, when `user` is a node identity.
    static func nodeName(of user: UserInfo) -> String? {
        guard user.groups.contains("system:nodes"), user.name.hasPrefix("system:node:") else { return nil }
        return String(user.name.dropFirst("system:node:".count))
    }

    /// The ConfigMaps and Secrets a pod refers to (volumes, projected volumes, env, envFrom,
    /// image pull secrets), as upstream's graph adds them.
    static func references(of pod: Pod, resource: String) -> Set<String> {
        var names: Set<String> = []
        let singular = resource == "configmaps" ? "configMap" : "secret"
        let envFromRef = resource == "configmaps" ? "configMapRef" : "secretRef"
        for volume in pod.spec.volumes {
            if let name = volume[singular]?[resource == "configmaps" ? "name" : "secretName"]?.stringValue { names.insert(name) }
            for source in volume["projected"]?["sources"]?.arrayValue ?? [] {
                if let name = source[singular]?["name"]?.stringValue { names.insert(name) }
            }
        }
        for container in pod.spec.initContainers + pod.spec.containers {
            for variable in container.env {
                let reference = resource == "configmaps" ? variable.valueFrom?.configMapKeyRef : variable.valueFrom?.secretKeyRef
                if let name = reference?.name { names.insert(name) }
            }
            for source in container.envFrom {
                if let name = source[envFromRef]?["name"]?.stringValue { names.insert(name) }
            }
        }
        if resource == "secrets" {
            for reference in pod.spec.imagePullSecrets { if let name = reference["name"]?.stringValue { names.insert(name) } }
        }
        return names
    }
}
