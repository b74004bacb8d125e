import OrderedCollections
import PorticoAPI

/// Server-side apply (`PATCH` with `application/apply-patch+yaml`): the applied
/// configuration is merged into the live object by the kind's list rules, fields this
/// manager applied before and dropped now are removed (unless another manager owns them),
/// and a field another manager owns with a different value is a conflict unless `force`.
enum ServerSideApply {
    struct Result {
        var object: JSON
        var managedFields: [ManagedFieldsEntry]
    }

    struct Conflict {
        var manager: String
        var apiVersion: String
        var path: String
    }

    static func apply(live: JSON?, liveManaged: [ManagedFieldsEntry], config: JSON, manager: String, force: Bool,
                      schema: MergeSchema, apiVersion: String, kind: String, name: String, group: String) throws(APIError) -> Result {
        var configFields = FieldSet.of(config, schema: schema, containers: false)
        configFields.children[.field("status")] = nil
        let applyEntry = ManagedFieldsEntry(manager: manager, operation: "Apply", apiVersion: apiVersion, time: Time.now(),
                                            fieldsType: "FieldsV1", fieldsV1: configFields.fieldsV1)
        guard let live else {
            return Result(object: config, managedFields: configFields.isEmpty ? [] : [applyEntry])
        }
        let previous = liveManaged.first { $0.manager == manager && $0.operation == "Apply" && $0.subresource.isEmpty }
        let previousFields = previous?.fieldsV1.map(FieldSet.topLevel) ?? FieldSet()
        let others = liveManaged.filter { !($0.manager == manager && $0.operation == "Apply" && $0.subresource.isEmpty) }

        // Conflicts: fields another manager owns that this apply would set to another value.
        var conflicts: [Conflict] = []
        for entry in others where entry.subresource.isEmpty {
            let owned = entry.fieldsV1.map(FieldSet.topLevel) ?? FieldSet()
            for path in owned.intersection(configFields).leafPaths()
            where FieldSet.isValue(at: path, in: config, schema: schema)
                && FieldSet.value(at: path, in: live, schema: schema) != FieldSet.value(at: path, in: config, schema: schema) {
                conflicts.append(Conflict(manager: entry.manager, apiVersion: entry.apiVersion,
                                          path: FieldSet.single(path).paths().first ?? ""))
            }
        }
        if !conflicts.isEmpty && !force { throw self.conflictError(conflicts, kind: kind, name: name, group: group) }

        var merged = self.merge(live, config, path: [], schema: schema)
        // Fields dropped from this manager's configuration go, unless someone else owns them.
        var othersOwn = FieldSet()
        for entry in others { othersOwn = othersOwn.union(entry.fieldsV1.map(FieldSet.topLevel) ?? FieldSet()) }
        let dropped = previousFields.subtracting(configFields).subtracting(othersOwn)
        for path in dropped.leafPaths().sorted(by: { $0.count > $1.count }) {
            merged = self.remove(path, from: merged, names: [], schema: schema)
        }

        // Forced: this manager takes the fields whose values it changes; equal values stay shared.
        let taken = force ? configFields.filteredToChanged(live: live, config: config, schema: schema) : FieldSet()
        var entries: [ManagedFieldsEntry] = []
        for entry in others {
            var e = entry
            let owned = (entry.fieldsV1.map(FieldSet.topLevel) ?? FieldSet()).subtracting(taken)
            if owned.isEmpty { continue }
            e.fieldsV1 = owned.fieldsV1
            entries.append(e)
        }
        if !configFields.isEmpty { entries.append(applyEntry) }
        return Result(object: merged, managedFields: entries)
    }

    static func conflictError(_ conflicts: [Conflict], kind: String, name: String, group: String) -> APIError {
        let byManager = OrderedDictionary(grouping: conflicts, by: { "\($0.manager)\u{0}\($0.apiVersion)" })
        var message = conflicts.count == 1 ? "Apply failed with 1 conflict: " : "Apply failed with \(conflicts.count) conflicts: "
        var parts: [String] = []
        for (_, group) in byManager {
            let first = group[0]
            if conflicts.count == 1 {
                parts.append("conflict with \(GoQuote.quote(first.manager)) using \(first.apiVersion): \(first.path)")
            } else {
                parts.append("conflicts with \(GoQuote.quote(first.manager)) using \(first.apiVersion):\n" + group.map { "- \($0.path)" }.joined(separator: "\n"))
            }
        }
        message += parts.joined(separator: "\n")
        let causes = conflicts.map {
            StatusCause(reason: "FieldManagerConflict", message: "conflict with \(GoQuote.quote($0.manager)) using \($0.apiVersion)", field: $0.path)
        }
        return APIError(Status(message: message, reason: .conflict,
                               details: StatusDetails(name: name, group: group, kind: kind.lowercased() + "s", causes: causes), code: 409))
    }

    /// The applied configuration laid over the live object.
    static func merge(_ live: JSON, _ config: JSON, path: [String], schema: MergeSchema) -> JSON {
        switch (live, config) {
        case (.object(var result), .object(let applied)):
            if schema.atomicMaps.contains(String.schemaPath(path)) { return config }
            for (key, value) in applied {
                if let existing = result[key] {
                    result[key] = self.merge(existing, value, path: path + [key], schema: schema)
                } else {
                    result[key] = value
                }
            }
            return .object(result)
        case (.array(var result), .array(let applied)):
            guard let rule = schema.list(String.schemaPath(path)) else { return config }
            if rule.isSet {
                for item in applied where !result.contains(item) { result.append(item) }
                return .array(result)
            }
            guard !rule.mapKeys.isEmpty else { return config }
            for item in applied {
                let key = FieldSet.keyOf(item, rule)
                if let i = result.firstIndex(where: { FieldSet.keyOf($0, rule) == key }) {
                    result[i] = self.merge(result[i], item, path: path, schema: schema)
                } else {
                    result.append(item)
                }
            }
            return .array(result)
        default:
            return config
        }
    }

    static func remove(_ path: [FieldSet.Element], from json: JSON, names: [String], schema: MergeSchema) -> JSON {
        guard let first = path.first else { return json }
        let rest = Array(path.dropFirst())
        switch (first, json) {
        case (.field(let name), .object(var members)):
            if rest.isEmpty {
                members[name] = nil
            } else if let child = members[name] {
                members[name] = self.remove(rest, from: child, names: names + [name], schema: schema)
            }
            return .object(members)
        case (.key(let key), .array(var items)):
            let rule = schema.list(String.schemaPath(names))
            guard let i = items.firstIndex(where: { FieldSet.item($0, hasKey: key, rule: rule) }) else { return json }
            if rest.isEmpty { items.remove(at: i) } else { items[i] = self.remove(rest, from: items[i], names: names, schema: schema) }
            return .array(items)
        case (.value(let v), .array(var items)):
            items.removeAll { $0 == v }
            return .array(items)
        default:
            return json
        }
    }
}

extension FieldSet {
    /// The members whose values differ between two objects.
    func filteredToChanged(live: JSON, config: JSON, schema: MergeSchema) -> FieldSet {
        var result = FieldSet()
        for path in self.leafPaths()
        where FieldSet.isValue(at: path, in: config, schema: schema)
            && FieldSet.value(at: path, in: live, schema: schema) != FieldSet.value(at: path, in: config, schema: schema) {
            result = result.union(FieldSet.single(path))
        }
        return result
    }
}
