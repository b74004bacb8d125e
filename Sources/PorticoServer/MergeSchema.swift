import PorticoAPI

/// How each list of a served kind merges: the `patchStrategy`/`patchMergeKey` tags that
/// strategic merge patch reads and the `listType`/`listMapKey` markers server-side apply
/// and managedFields read (k8s.io/api). Lists not named here are atomic: replaced whole.
struct MergeSchema: Sendable {
    struct ListRule: Sendable, Hashable {
        /// Strategic merge patch: merge elements by this key (nil: replace the list).
        var mergeKey: String?
        /// Strategic merge patch of a list of scalars with strategy `merge`: a set union.
        var mergePrimitives = false
        /// Server-side apply: `listType=map` keys (empty: atomic, unless `set`).
        var mapKeys: [String] = []
        var isSet = false
        /// Values a missing map key takes (a port's protocol defaults to TCP), so that an
        /// applied element without it still finds its live element.
        var keyDefaults: [String: JSON] = [:]
    }

    /// Keyed by the path with list indices left out: `spec.ports`, `spec.template.spec.containers`.
    var lists: [String: ListRule]
    /// Maps that apply replaces whole (`mapType=atomic`).
    var atomicMaps: Set<String> = []

    func list(_ path: String) -> ListRule? { self.lists[path] }

    static func keyed(_ key: String, _ mapKeys: [String]? = nil) -> ListRule {
        ListRule(mergeKey: key, mapKeys: mapKeys ?? [key])
    }

    static let metadata: [String: ListRule] = [
        "metadata.finalizers": ListRule(mergeKey: nil, mergePrimitives: true, mapKeys: [], isSet: true),
        "metadata.ownerReferences": keyed("uid"),
    ]

    static func podSpec(_ prefix: String) -> [String: ListRule] {
        let p = prefix.isEmpty ? "" : prefix + "."
        var rules: [String: ListRule] = [
            p + "containers": keyed("name"), p + "initContainers": keyed("name"), p + "ephemeralContainers": keyed("name"),
            p + "volumes": keyed("name"), p + "imagePullSecrets": keyed("name"), p + "hostAliases": keyed("ip"),
            p + "topologySpreadConstraints": keyed("topologyKey", ["topologyKey", "whenUnsatisfiable"]),
            p + "schedulingGates": keyed("name"), p + "resourceClaims": keyed("name"),
        ]
        for container in ["containers", "initContainers", "ephemeralContainers"] {
            let c = p + container + "."
            var ports = keyed("containerPort", ["containerPort", "protocol"])
            ports.keyDefaults = ["protocol": "TCP"]
            rules[c + "ports"] = ports
            rules[c + "env"] = keyed("name")
            rules[c + "volumeMounts"] = keyed("mountPath")
            rules[c + "volumeDevices"] = keyed("devicePath")
        }
        return rules
    }

    static let conditions: ListRule = keyed("type")

    static func forKind(_ kind: String) -> MergeSchema {
        var lists = metadata
        var atomicMaps: Set<String> = []
        switch kind {
        case "Service":
            var ports = keyed("port", ["port", "protocol"])
            ports.keyDefaults = ["protocol": "TCP"]
            lists["spec.ports"] = ports
            lists["status.conditions"] = conditions
            atomicMaps.insert("spec.selector")
        case "Pod":
            lists.merge(podSpec("spec")) { a, _ in a }
            lists["status.conditions"] = conditions
            lists["status.podIPs"] = keyed("ip")
            lists["status.hostIPs"] = keyed("ip")
        case "Deployment", "ReplicaSet":
            lists.merge(podSpec("spec.template.spec")) { a, _ in a }
            lists["spec.template.metadata.finalizers"] = metadata["metadata.finalizers"]
            lists["spec.template.metadata.ownerReferences"] = metadata["metadata.ownerReferences"]
            lists["status.conditions"] = conditions
        case "Node":
            lists["spec.podCIDRs"] = ListRule(mergeKey: nil, mergePrimitives: true, mapKeys: [], isSet: true)
            lists["status.addresses"] = keyed("type")
            lists["status.conditions"] = conditions
        case "Namespace":
            lists["status.conditions"] = conditions
        default:
            break
        }
        return MergeSchema(lists: lists, atomicMaps: atomicMaps)
    }
}

extension String {
    /// `spec.ports` from path components, list indices left out.
    static func schemaPath(_ components: [String]) -> String {
        components.joined(separator: ".")
    }
}
