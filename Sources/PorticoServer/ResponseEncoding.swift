import PorticoAPI

/// How an answer is written: the object as a client sees it, or a Table when the Accept
/// header asks for one (`ResponseFormat`), warnings as Warning headers, and the Status or
/// list a delete answers with. The outgoing half of the HTTP layer.
extension TypedResource {
    /// The object as a client sees it: decorated, with kind and apiVersion.
    func present(_ object: Object) throws -> JSON {
        var object = object
        object.setTypeMeta()
        return try object.toJSON()
    }

    /// Warnings as upstream sends them: code 299, no agent, the text quoted.
    static func warningHeaders(_ warnings: [String]) -> [(String, String)] {
        warnings.map { ("Warning", "299 - \"\($0.replacingOccurrences(of: "\"", with: "\\\""))\"") }
    }

    func respond(_ status: Int, _ object: Object, _ request: APIRequest, warnings: [String] = []) throws -> APIResponse {
        let format = try ResponseFormat.parse(accept: request.header("accept"), query: request.query)
        if format.shape == .table {
            let table = try TablePrinter.table([object], metadata: ListMeta(resourceVersion: object.metadata.resourceVersion),
                                               now: .now(), includeObject: format.includeObject)
            return .json(status, try self.tableJSON(table, format), headers: Self.warningHeaders(warnings))
        }
        return .json(status, try self.present(object), headers: Self.warningHeaders(warnings))
    }

    func tableJSON(_ table: Table, _ format: ResponseFormat) throws -> JSON {
        var json = try table.toJSON()
        json["apiVersion"] = .string("meta.k8s.io/\(format.tableVersion)")
        if format.includeObject == .metadata {
            // PartialObjectMetadata names the table version asked for.
            if case .array(var rows) = json["rows"] ?? .null {
                for i in rows.indices { rows[i]["object"]?["apiVersion"] = .string("meta.k8s.io/\(format.tableVersion)") }
                json["rows"] = .array(rows)
            }
        }
        return json
    }

    /// A DELETE's answer: the object while it is still there (marked) or when the kind
    /// returns what it deleted (upstream's ReturnDeletedObject), else a success Status.
    func respondDeleted(_ object: Object, gone: Bool, _ request: APIRequest) throws -> APIResponse {
        if !gone || self.strategy.returnsDeletedObject {
            return try self.respond(200, object, request)
        }
        let status = Status(status: Status.success, details: StatusDetails(
            name: object.metadata.name, group: self.info.group, kind: self.info.resource, uid: object.metadata.uid))
        return .json(200, try status.toJSON())
    }

    /// A deletecollection's answer: the list of what it deleted or marked, each item without
    /// kind and apiVersion, at the store's revision after the deletes.
    func deletedList(_ items: [JSON], resourceVersion: Int64) -> JSON {
        [
            "kind": .string(self.info.kind + "List"), "apiVersion": .string(self.info.groupVersion),
            "metadata": ["resourceVersion": .string(String(resourceVersion))], "items": .array(items),
        ]
    }
}
