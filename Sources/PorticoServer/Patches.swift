import OrderedCollections
import PorticoAPI

/// The patch formats of `PATCH` (RFC 6902 JSON patch, RFC 7386 merge patch, and
/// Kubernetes' strategic merge patch), each a pure function of the current object and the
/// patch. Written here because no maintained Swift library implements the strategic form.
enum Patches {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    // MARK: JSON patch (RFC 6902)

    static func jsonPatch(_ document: JSON, _ patch: JSON) throws -> JSON {
        guard case .array(let operations) = patch else {
            throw Failure(description: "json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        }
        var doc = document
        for operation in operations {
            guard let op = operation["op"]?.stringValue else { throw Failure(description: "Unexpected kind: ") }
            let path = operation["path"]?.stringValue ?? ""
            switch op {
            case "add":
                guard let value = operation["value"] else { throw Failure(description: "missing value") }
                doc = try self.add(doc, pointer(path), value, opName: "add")
            case "remove":
                doc = try self.remove(doc, pointer(path), opName: "remove").0
            case "replace":
                guard let value = operation["value"] else { throw Failure(description: "missing value") }
                let (without, _) = try self.remove(doc, pointer(path), opName: "replace")
                doc = try self.add(without, pointer(path), value, opName: "replace")
            case "move":
                let from = operation["from"]?.stringValue ?? ""
                let (without, value) = try self.remove(doc, pointer(from), opName: "move")
                doc = try self.add(without, pointer(path), value, opName: "move")
            case "copy":
                let from = operation["from"]?.stringValue ?? ""
                guard let value = self.get(doc, try pointer(from)) else {
                    throw Failure(description: "copy operation does not apply: doc is missing from path: \(from)")
                }
                doc = try self.add(doc, pointer(path), value, opName: "copy")
            case "test":
                let expected = operation["value"] ?? .null
                if self.get(doc, try pointer(path)) != expected {
                    throw Failure(description: "testing value \(path) failed: test failed")
                }
            default:
                throw Failure(description: "Unexpected kind: \(op)")
            }
        }
        return doc
    }

    static func pointer(_ text: String) throws -> [String] {
        if text.isEmpty { return [] }
        guard text.hasPrefix("/") else { throw Failure(description: "JSON pointer must be empty or start with a \"/\"") }
        return text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func get(_ doc: JSON, _ path: [String]) -> JSON? {
        var current = doc
        for token in path {
            switch current {
            case .object(let m):
                guard let next = m[token] else { return nil }
                current = next
            case .array(let a):
                guard let i = Int(token), a.indices.contains(i) else { return nil }
                current = a[i]
            default: return nil
            }
        }
        return current
    }

    static func add(_ doc: JSON, _ path: [String], _ value: JSON, opName: String, full given: String? = nil) throws -> JSON {
        guard let first = path.first else { return value }
        let rest = Array(path.dropFirst())
        let full = given ?? "/" + path.joined(separator: "/")
        switch doc {
        case .object(var m):
            if rest.isEmpty {
                m[first] = value
            } else {
                guard let child = m[first] else {
                    throw Failure(description: "\(opName) operation does not apply: doc is missing path: \(full)")
                }
                m[first] = try self.add(child, rest, value, opName: opName, full: full)
            }
            return .object(m)
        case .array(var a):
            if rest.isEmpty {
                if first == "-" {
                    a.append(value)
                } else {
                    guard let i = Int(first), i >= 0, i <= a.count else {
                        throw Failure(description: "\(opName) operation does not apply: doc is missing path: \(full)")
                    }
                    a.insert(value, at: i)
                }
            } else {
                guard let i = Int(first), a.indices.contains(i) else {
                    throw Failure(description: "\(opName) operation does not apply: doc is missing path: \(full)")
                }
                a[i] = try self.add(a[i], rest, value, opName: opName, full: full)
            }
            return .array(a)
        default:
            throw Failure(description: "\(opName) operation does not apply: doc is missing path: \(full)")
        }
    }

    static func remove(_ doc: JSON, _ path: [String], opName: String, full given: String? = nil) throws -> (JSON, JSON) {
        let full = given ?? "/" + path.joined(separator: "/")
        guard let first = path.first else { throw Failure(description: "\(opName) operation does not apply: doc is missing path: \(full)") }
        let rest = Array(path.dropFirst())
        switch doc {
        case .object(var m):
            guard let child = m[first] else {
                throw Failure(description: "\(opName) operation does not apply: doc is missing path: \(full)")
            }
            if rest.isEmpty {
                m[first] = nil
                return (.object(m), child)
            }
            let (updated, removed) = try self.remove(child, rest, opName: opName, full: full)
            m[first] = updated
            return (.object(m), removed)
        case .array(var a):
            guard let i = Int(first), a.indices.contains(i) else {
                throw Failure(description: "\(opName) operation does not apply: doc is missing path: \(full)")
            }
            if rest.isEmpty {
                let removed = a.remove(at: i)
                return (.array(a), removed)
            }
            let (updated, removed) = try self.remove(a[i], rest, opName: opName, full: full)
            a[i] = updated
            return (.array(a), removed)
        default:
            throw Failure(description: "\(opName) operation does not apply: doc is missing path: \(full)")
        }
    }

    // MARK: merge patch (RFC 7386)

    static func mergePatch(_ target: JSON, _ patch: JSON) -> JSON {
        guard case .object(let patchMembers) = patch else { return patch }
        var result: OrderedDictionary<String, JSON> = target.objectValue ?? [:]
        for (key, value) in patchMembers {
            if value.isNull {
                result[key] = nil
            } else {
                result[key] = self.mergePatch(result[key] ?? .null, value)
            }
        }
        return .object(result)
    }

    // MARK: strategic merge patch

    /// Applies a strategic merge patch with the kind's merge keys and the directives
    /// `$patch` (replace, merge, delete), `$retainKeys`, `$setElementOrder/<list>` and
    /// `$deleteFromPrimitiveList/<list>`; `null` deletes a field.
    static func strategicMerge(_ original: JSON, _ patch: JSON, schema: MergeSchema) throws -> JSON {
        try self.mergeMap(original, patch, path: [], schema: schema)
    }

    static func mergeMap(_ original: JSON, _ patch: JSON, path: [String], schema: MergeSchema) throws -> JSON {
        guard case .object(let patchMembers) = patch else { return patch }
        if let directive = patchMembers["$patch"]?.stringValue {
            switch directive {
            case "replace":
                var replaced = patchMembers
                replaced["$patch"] = nil
                return .object(replaced)
            case "delete":
                return .object([:])
            case "merge":
                break
            default:
                throw Failure(description: "Unknown patch type: \(directive) in map: \(patch)")
            }
        }
        var result: OrderedDictionary<String, JSON> = original.objectValue ?? [:]
        if let retain = patchMembers["$retainKeys"]?.arrayValue {
            let keep = Set(retain.compactMap(\.stringValue))
            result = result.filter { keep.contains($0.key) }
        }
        for (key, value) in patchMembers {
            if key == "$patch" || key == "$retainKeys" || key.hasPrefix("$setElementOrder/") { continue }
            if key.hasPrefix("$deleteFromPrimitiveList/") {
                let field = String(key.dropFirst("$deleteFromPrimitiveList/".count))
                let remove = value.arrayValue ?? []
                if case .array(let items) = result[field] ?? .null {
                    let kept = items.filter { !remove.contains($0) }
                    result[field] = kept.isEmpty ? nil : .array(kept)
                }
                continue
            }
            if value.isNull {
                result[key] = nil
                continue
            }
            let childPath = path + [key]
            switch value {
            case .object:
                if schema.atomicMaps.contains(String.schemaPath(childPath)) {
                    result[key] = value
                } else {
                    result[key] = try self.mergeMap(result[key] ?? .object([:]), value, path: childPath, schema: schema)
                }
            case .array(let items):
                result[key] = try self.mergeList(result[key]?.arrayValue ?? [], items, path: childPath, schema: schema)
            default:
                result[key] = value
            }
        }
        // $setElementOrder: put list elements in the order the client gives.
        for (key, value) in patchMembers where key.hasPrefix("$setElementOrder/") {
            let field = String(key.dropFirst("$setElementOrder/".count))
            guard case .array(let order) = value, case .array(let items) = result[field] ?? .null else { continue }
            result[field] = .array(self.ordered(items, by: order, rule: schema.list(String.schemaPath(path + [field]))))
        }
        return .object(result)
    }

    static func mergeList(_ original: [JSON], _ patch: [JSON], path: [String], schema: MergeSchema) throws -> JSON {
        let rule = schema.list(String.schemaPath(path))
        // A `$patch: replace` element replaces the whole list.
        if patch.contains(where: { $0["$patch"]?.stringValue == "replace" }) {
            return .array(patch.filter { $0["$patch"]?.stringValue != "replace" })
        }
        if let rule, rule.mergePrimitives {
            var result = original
            for item in patch where !result.contains(item) { result.append(item) }
            return .array(result)
        }
        guard let key = rule?.mergeKey else { return .array(patch) }
        var result = original
        for element in patch {
            guard case .object = element else {
                throw Failure(description: "unable to find api field in struct for the patch element \(element)")
            }
            let keyValue = element[key]
            let index = result.firstIndex { $0[key] == keyValue && keyValue != nil }
            if element["$patch"]?.stringValue == "delete" {
                if let index { result.remove(at: index) }
                continue
            }
            if let index {
                result[index] = try self.mergeMap(result[index], element, path: path, schema: schema)
            } else {
                var added = element
                added["$patch"] = nil
                result.append(try self.mergeMap(.object([:]), added, path: path, schema: schema))
            }
        }
        return .array(result)
    }

    static func ordered(_ items: [JSON], by order: [JSON], rule: MergeSchema.ListRule?) -> [JSON] {
        let key = rule?.mergeKey
        var remaining = items
        var result: [JSON] = []
        for wanted in order {
            let index = remaining.firstIndex { item in
                if let key { return item[key] != nil && item[key] == wanted[key] }
                return item == wanted
            }
            if let index { result.append(remaining.remove(at: index)) }
        }
        return result + remaining
    }
}
