import PorticoAPI

/// `metadata.managedFields`: which manager set which fields, kept on every write as
/// kube-apiserver keeps it. An Update (create, PUT, and the non-apply patches) gives its
/// manager the fields it changed and takes them from the others; server-side apply is in
/// `ServerSideApply`.
enum ManagedFields {
    /// The field manager of a request: `?fieldManager=`, else the user agent's program name
    /// (`kubectl-client-side-apply`, `kubectl-edit`), as upstream derives it.
    static func manager(_ request: APIRequest) -> String {
        if let given = request.query["fieldManager"], !given.isEmpty { return given }
        guard let agent = request.header("user-agent"), !agent.isEmpty else { return "unknown" }
        let program = agent.split(separator: "/").first.map(String.init) ?? agent
        return String(program.prefix(128))
    }

    static func now() -> Time { Time.now() }

    /// The object with managedFields' timestamps removed: an update that changes nothing
    /// else is a no-op and gets no new revision (upstream's IgnoreManagedFieldsTimestamps).
    static func withoutTimes(_ json: JSON) -> JSON {
        guard case .array(var entries) = json["metadata"]?["managedFields"] ?? .null else { return json }
        for i in entries.indices { entries[i]["time"] = nil }
        var copy = json
        copy["metadata"]?["managedFields"] = .array(entries)
        return copy
    }

    /// Records an Update by `manager` that turned `old` (nil on create) into `object`.
    static func recordUpdate<Object: KubeObject>(_ object: inout Object, old: Object? = nil, manager: String, apiVersion: String,
                                                 subresource: String) {
        let schema = MergeSchema.forKind(Object.kind)
        guard let newJSON = try? object.toJSON() else { return }
        // The fields of the part this request may write: status for /status, the rest otherwise.
        let scope: (FieldSet) -> FieldSet = { set in
            var scoped = set
            if subresource == "status" {
                scoped.children = scoped.children.filter { $0.key == .field("status") }
            } else {
                scoped.children[.field("status")] = nil
            }
            return scoped
        }
        let newFields = scope(FieldSet.of(newJSON, schema: schema))
        // A client may rewrite managedFields (kubectl does, to move client-side apply to
        // server-side apply); otherwise the stored record carries on.
        var entries = old?.metadata.managedFields ?? []
        if !object.metadata.managedFields.isEmpty, object.metadata.managedFields != entries {
            entries = object.metadata.managedFields
        }
        let changed: FieldSet
        if let old, let oldJSON = try? old.toJSON() {
            let oldFields = scope(FieldSet.of(oldJSON, schema: schema))
            changed = self.changedFields(old: oldJSON, new: newJSON, oldFields: oldFields, newFields: newFields, schema: schema)
            // Fields that are gone are no one's any more.
            let removed = oldFields.subtracting(newFields)
            entries = entries.map { entry in
                var e = entry
                guard let v1 = e.fieldsV1 else { return e }
                let owned = FieldSet.topLevel(v1).subtracting(removed)
                e.fieldsV1 = owned.fieldsV1
                return e
            }
        } else if let zero = try? KubeJSONDecoder.zeroValue(of: Object.self).toJSON() {
            // On create, what differs from the empty object: fields every object has (spec,
            // a list Go always writes) are not owned, only what is set inside them.
            changed = self.changedFields(old: zero, new: newJSON, oldFields: scope(FieldSet.of(zero, schema: schema)),
                                         newFields: newFields, schema: schema)
        } else {
            changed = newFields
        }
        // The changed fields now belong to this manager alone.
        var updated: [ManagedFieldsEntry] = []
        var mine = FieldSet()
        for entry in entries {
            let isMine = entry.manager == manager && entry.operation == "Update" && entry.subresource == subresource
                && entry.apiVersion == apiVersion
            let owned = entry.fieldsV1.map(FieldSet.topLevel) ?? FieldSet()
            if isMine {
                mine = owned
                continue
            }
            var e = entry
            let remaining = owned.subtracting(changed)
            if remaining.isEmpty { continue }
            e.fieldsV1 = remaining.fieldsV1
            updated.append(e)
        }
        mine = mine.union(changed)
        if !mine.isEmpty {
            updated.append(ManagedFieldsEntry(manager: manager, operation: "Update", apiVersion: apiVersion, time: self.now(),
                                              fieldsType: "FieldsV1", fieldsV1: mine.fieldsV1, subresource: subresource))
        }
        object.metadata.managedFields = updated
    }

    /// The leaf fields whose value differs between two versions of an object.
    static func changedFields(old: JSON, new: JSON, oldFields: FieldSet, newFields: FieldSet, schema: MergeSchema) -> FieldSet {
        let added = newFields.subtracting(oldFields)
        var changed = added
        // Fields present in both whose value changed.
        let both = newFields.intersection(oldFields)
        for path in both.leafPaths()
        where FieldSet.isValue(at: path, in: new, schema: schema)
            && FieldSet.value(at: path, in: old, schema: schema) != FieldSet.value(at: path, in: new, schema: schema) {
            changed = changed.union(FieldSet.single(path))
        }
        return changed
    }
}

extension FieldSet {
    /// Every member path (a path is a list of elements).
    func leafPaths(prefix: [Element] = []) -> [[Element]] {
        var result: [[Element]] = []
        if self.isMember, self.children.isEmpty { result.append(prefix) }
        for (element, child) in self.children { result += child.leafPaths(prefix: prefix + [element]) }
        return result
    }

    /// A set holding only the field at `path` (its parents are not members).
    static func single(_ path: [Element]) -> FieldSet {
        guard let first = path.first else { return FieldSet(isMember: true) }
        return FieldSet(children: [first: single(Array(path.dropFirst()))], isMember: false)
    }

    /// Whether the path ends at a value compared whole (a scalar, an atomic list or map),
    /// rather than at a container whose members are compared one by one.
    static func isValue(at path: [Element], in json: JSON, schema: MergeSchema) -> Bool {
        guard let value = self.value(at: path, in: json, schema: schema) else { return true }
        var names: [String] = []
        for element in path { if case .field(let name) = element { names.append(name) } }
        switch value {
        case .object: return schema.atomicMaps.contains(String.schemaPath(names))
        case .array:
            guard let rule = schema.list(String.schemaPath(names)) else { return true }
            return !(rule.isSet || !rule.mapKeys.isEmpty)
        default: return true
        }
    }

    /// Whether a list element is the one `key` names (missing keys take their defaults).
    static func item(_ item: JSON, hasKey key: JSON, rule: MergeSchema.ListRule?) -> Bool {
        if let rule { return FieldSet.keyOf(item, rule) == key }
        let keys = key.objectValue ?? [:]
        return keys.allSatisfy { item[$0.key] == $0.value }
    }

    /// The value at a field path in an object.
    static func value(at path: [Element], in json: JSON, schema: MergeSchema) -> JSON? {
        var current: JSON? = json
        var names: [String] = []
        for element in path {
            guard let node = current else { return nil }
            switch element {
            case .field(let name):
                current = node[name]
                names.append(name)
            case .key(let key):
                let rule = schema.list(String.schemaPath(names))
                current = node.arrayValue?.first { item in FieldSet.item(item, hasKey: key, rule: rule) }
            case .value(let v):
                current = node.arrayValue?.contains(v) == true ? v : nil
            }
        }
        return current
    }
}
