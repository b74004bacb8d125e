import PorticoAPI
import PorticoStore

/// `PATCH`: the patch is applied to the stored object and the result goes through the same
/// path as a PUT, retried when another write got there first (unless the patch itself
/// names a resourceVersion).
enum PatchHandler {
    enum Kind: String {
        case json = "application/json-patch+json"
        case merge = "application/merge-patch+json"
        case strategic = "application/strategic-merge-patch+json"
        case apply = "application/apply-patch+yaml"
    }

    static let unsupportedMessage =
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"

    /// A patch body read as its media type says, a bad one answered 400 as upstream answers it.
    static func document(_ kind: Kind, _ body: [UInt8]) throws(APIError) -> JSON {
        do {
            if kind == .apply {
                guard let document = try YAMLDocuments.parse(String(decoding: body, as: UTF8.self)).first else {
                    throw APIError.badRequest("error decoding YAML: empty document")
                }
                return document
            }
            return try JSON.parse(bytes: body)
        } catch let error as APIError {
            throw error
        } catch let error as YAMLDocuments.Failure {
            throw APIError.badRequest("error decoding YAML: \(error)")
        } catch {
            throw APIError.badRequest("error decoding patch: \(error)")
        }
    }

    static func handle<Object: TablePrintable>(_ resource: TypedResource<Object>, _ request: APIRequest, _ requestInfo: RequestInfo,
                                               subresource: String?) async throws -> APIResponse {
        let contentType = (request.header("content-type") ?? "").split(separator: ";").first.map {
            $0.trimmingCharacters(in: " ")
        } ?? ""
        guard let kind = Kind(rawValue: contentType) else { throw APIError.unsupportedMediaType(self.unsupportedMessage) }
        var optionErrors: [FieldError] = []
        let force = request.query["force"]
        if kind != .apply, force != nil {
            optionErrors.append(.forbidden("force", "may not be specified for non-apply patch"))
        }
        if kind == .apply, (request.query["fieldManager"] ?? "").isEmpty {
            optionErrors.append(.required("fieldManager", "is required for apply patch"))
        }
        if !optionErrors.isEmpty {
            throw APIError.invalid(kind: "PatchOptions", group: "meta.k8s.io", name: "", errors: optionErrors)
        }
        let patch = try Self.document(kind, request.body)
        let schema = MergeSchema.forKind(resource.info.kind)
        let manager = ManagedFields.manager(request)
        var warnings: [String] = []

        for attempt in 0..<5 {
            let key = resource.key(namespace: requestInfo.namespace, name: requestInfo.name)
            let stored = try await resource.store.get(key)
            if stored == nil, kind != .apply {
                throw APIError.notFound(resource: resource.info.resource, group: resource.info.group, name: requestInfo.name)
            }
            let current: JSON? = try stored.map { try resource.present(try resource.decodeStored($0.object)) }
            var patched: JSON
            var applied: ServerSideApply.Result? = nil
            do {
                switch kind {
                case .json: patched = try Patches.jsonPatch(current!, patch)
                case .merge: patched = Patches.mergePatch(current!, patch)
                case .strategic: patched = try Patches.strategicMerge(current!, patch, schema: schema)
                case .apply:
                    if let kindName = patch["kind"]?.stringValue, kindName != resource.info.kind {
                        throw APIError.badRequest("\(resource.info.kind) in version \(GoQuote.quote(resource.info.version)) cannot be handled as a \(resource.info.kind): the kind in the data (\(kindName)) does not match the expected kind (\(resource.info.kind))")
                    }
                    let liveObject = try stored.map { try resource.decodeStored($0.object) }
                    let result = try ServerSideApply.apply(
                        live: current, liveManaged: liveObject?.metadata.managedFields ?? [], config: patch, manager: manager,
                        force: force == "true", schema: schema, apiVersion: resource.info.groupVersion, kind: resource.info.kind,
                        name: requestInfo.name, group: resource.info.group)
                    patched = result.object
                    applied = result
                }
            } catch let error as APIError {
                throw error
            } catch {
                throw APIError(Status(message: "\(error)", reason: .invalid, code: 422))
            }
            let patchNamesVersion = patch["metadata"]?["resourceVersion"] != nil && kind != .apply
            if !patchNamesVersion, let stored { patched["metadata"]?["resourceVersion"] = .string(String(stored.resourceVersion)) }
            var object = try resource.decodeObject(patched, request: request, warnings: &warnings)
            if let applied { object.metadata.managedFields = applied.managedFields }
            do {
                let final = object
                if stored == nil {
                    var toCreate = final
                    toCreate.metadata.resourceVersion = ""
                    let created = try await resource.createObject(&toCreate, namespace: requestInfo.namespace, request: request,
                                                                  managedFields: applied?.managedFields)
                    return try resource.respond(201, created, request, warnings: warnings)
                }
                let (result, _) = try await resource.updateObject(
                    name: requestInfo.name, namespace: requestInfo.namespace, subresource: subresource, request: request,
                    managedFields: applied?.managedFields) { _ in final }
                return try resource.respond(200, result, request, warnings: warnings)
            } catch let error as APIError where error.code == 409 && error.reason == .conflict && !patchNamesVersion && attempt < 4 {
                continue
            }
        }
        throw APIError.conflict(resource: resource.info.resource, group: resource.info.group, name: requestInfo.name,
                                message: "the object has been modified; please apply your changes to the latest version and try again")
    }
}

/// `/scale` of Deployments and ReplicaSets: an autoscaling/v1 Scale over `spec.replicas`.
enum ScaleSubresource {
    static func scale(_ json: JSON, info: ResourceInfo) -> JSON {
        let meta = json["metadata"] ?? [:]
        let selector = (try? json["spec"]?["selector"]?.decode(as: LabelSelector.self)).flatMap { try? Labels.Selector($0).description } ?? ""
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": ["name": meta["name"] ?? "", "namespace": meta["namespace"] ?? "", "uid": meta["uid"] ?? "",
                         "resourceVersion": meta["resourceVersion"] ?? "", "creationTimestamp": meta["creationTimestamp"] ?? .null],
            "spec": ["replicas": json["spec"]?["replicas"] ?? 0],
            "status": ["replicas": json["status"]?["replicas"] ?? 0, "selector": .string(selector)],
        ]
    }

    static func handle<Object: TablePrintable>(_ resource: TypedResource<Object>, _ request: APIRequest,
                                               _ requestInfo: RequestInfo) async throws -> APIResponse {
        let key = resource.key(namespace: requestInfo.namespace, name: requestInfo.name)
        guard let stored = try await resource.store.get(key) else {
            throw APIError.notFound(resource: resource.info.resource, group: resource.info.group, name: requestInfo.name)
        }
        if requestInfo.verb == .get { return .json(200, self.scale(stored.object, info: resource.info)) }
        var scale = self.scale(stored.object, info: resource.info)
        if requestInfo.verb == .patch {
            let type = RequestBody.mediaType(request.header("content-type"))
            guard let kind = PatchHandler.Kind(rawValue: type) else { throw APIError.unsupportedMediaType(PatchHandler.unsupportedMessage) }
            let patch = try PatchHandler.document(kind, request.body)
            switch kind {
            case .json:
                do {
                    scale = try Patches.jsonPatch(scale, patch)
                } catch {
                    throw APIError(Status(message: "\(error)", reason: .invalid, code: 422))
                }
            // Apply on a Scale: its few fields merge as the patch gives them.
            case .merge, .strategic, .apply: scale = Patches.mergePatch(scale, patch)
            }
        } else {
            do {
                scale = try JSON.parse(bytes: request.body)
            } catch {
                throw APIError.badRequest("couldn't get version/kind; json parse error: \(error)")
            }
        }
        guard let replicas = scale["spec"]?["replicas"]?.integerValue, replicas >= 0, replicas <= Int64(Int32.max) else {
            throw APIError.invalid(kind: "Scale", group: "autoscaling", name: requestInfo.name, errors: [
                .invalid("spec.replicas", scale["spec"]?["replicas"].map { .json($0) } ?? .null, "must be greater than or equal to 0"),
            ])
        }
        let wantedRV = scale["metadata"]?["resourceVersion"]?.stringValue ?? ""
        let (result, _) = try await resource.updateObject(
            name: requestInfo.name, namespace: requestInfo.namespace, subresource: nil, request: request) { current in
            var json = try current!.toJSON()
            json["spec"]?["replicas"] = .integer(replicas)
            json["metadata"]?["resourceVersion"] = .string(wantedRV.isEmpty ? current!.metadata.resourceVersion : wantedRV)
            return try json.decode(as: Object.self)
        }
        return .json(200, self.scale(try resource.present(result), info: resource.info))
    }
}
