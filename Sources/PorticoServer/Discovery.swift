import PorticoAPI

/// `/version`, `/api`, `/apis` and the resource lists: how kubectl and client libraries learn
/// what the server serves (legacy, non-aggregated discovery).
enum Discovery {
    static func version() -> JSON {
        [
            "major": .string(PorticoVersion.kubernetesMajor), "minor": .string(PorticoVersion.kubernetesMinor),
            "gitVersion": .string("\(PorticoVersion.kubernetes)+portico-\(PorticoVersion.portico)"),
            "gitCommit": "", "gitTreeState": "clean", "buildDate": "", "goVersion": "swift6", "compiler": "swiftc",
            "platform": "linux/amd64",
        ]
    }

    static func apiVersions(serverAddress: String) throws -> JSON {
        try APIVersions(versions: ["v1"], serverAddressByClientCIDRs: [
            ServerAddressByClientCIDR(clientCIDR: "0.0.0.0/0", serverAddress: serverAddress),
        ]).toJSON()
    }

    static func groups(_ resources: [ResourceInfo]) -> [APIGroup] {
        var seen: [String] = []
        for info in resources where !info.group.isEmpty && !seen.contains(info.group) { seen.append(info.group) }
        return seen.sorted().map { group in
            let version = resources.first { $0.group == group }!.version
            let gv = GroupVersionForDiscovery(groupVersion: "\(group)/\(version)", version: version)
            return APIGroup(name: group, versions: [gv], preferredVersion: gv)
        }
    }

    static func groupList(_ resources: [ResourceInfo]) throws -> JSON {
        try APIGroupList(groups: self.groups(resources)).toJSON()
    }

    static func group(_ name: String, _ resources: [ResourceInfo]) throws -> JSON? {
        guard var group = self.groups(resources).first(where: { $0.name == name }) else { return nil }
        group.kind = "APIGroup"
        group.apiVersion = "v1"
        return try group.toJSON()
    }

    static func verbs(_ info: ResourceInfo) -> [String] {
        info.resource == "namespaces" ? ["create", "delete", "get", "list", "patch", "update", "watch"] : ResourceInfo.allVerbs
    }

    static func resourceList(groupVersion: String, _ resources: [ResourceInfo]) throws -> JSON? {
        let served = resources.filter { $0.groupVersion == groupVersion }
        guard !served.isEmpty else { return nil }
        var entries: [APIResource] = []
        for info in served.sorted(by: { $0.resource < $1.resource }) {
            entries.append(APIResource(name: info.resource, singularName: info.singular, namespaced: info.namespaced, kind: info.kind,
                                       verbs: self.verbs(info), shortNames: info.shortNames, categories: info.categories))
            for (name, sub) in info.subresources.sorted(by: { $0.key < $1.key }) {
                var entry = APIResource(name: "\(info.resource)/\(name)", singularName: "", namespaced: info.namespaced,
                                        kind: sub.kind, verbs: sub.verbs)
                entry.group = sub.group
                entry.version = sub.version
                entries.append(entry)
            }
        }
        return try APIResourceList(groupVersion: groupVersion, resources: entries).toJSON()
    }
}
