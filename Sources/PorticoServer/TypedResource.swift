import Foundation
import PorticoAPI
import PorticoStore

/// A served resource, whatever its type: what the router calls.
protocol ServedResource: Sendable {
    var info: ResourceInfo { get }
    /// Whether a delete answers with the deleted object rather than a Status.
    var returnsDeletedObject: Bool { get }
    func handle(_ request: APIRequest, _ requestInfo: RequestInfo) async -> APIResponse
    /// Namespace deletion: deletes the object at once; returns whether it is still there
    /// (finalizers hold it).
    func deleteForNamespace(namespace: String, name: String) async throws -> Bool
    /// Garbage collection of an object that names `ownerUID` as an owner: drops that
    /// reference (orphaning, or when another owner still exists), else deletes the object.
    func collectDependent(namespace: String, name: String, ownerUID: String, orphan: Bool) async throws
    /// Takes a finalizer off; an object marked for deletion goes when none are left.
    func removeFinalizer(namespace: String, name: String, finalizer: String) async throws
}

/// The REST verbs for one kind, written once for every kind: decode and check the body,
/// apply the kind's strategy, write through the store, answer as kube-apiserver answers.
final class TypedResource<Object: TablePrintable>: ServedResource, @unchecked Sendable {
    // Immutable after init.
    let strategy: ResourceStrategy<Object>
    let context: ServerContext
    var info: ResourceInfo { self.strategy.info }
    var returnsDeletedObject: Bool { self.strategy.returnsDeletedObject }

    init(_ strategy: ResourceStrategy<Object>, context: ServerContext) {
        self.strategy = strategy
        self.context = context
    }

    var store: Store { self.context.store }

    func key(namespace: String, name: String) -> ObjectKey {
        ObjectKey(resource: self.info.storageResource, namespace: self.info.namespaced ? namespace : "", name: name)
    }

    // MARK: dispatch

    func handle(_ request: APIRequest, _ requestInfo: RequestInfo) async -> APIResponse {
        do {
            if !self.info.namespaced, !requestInfo.namespace.isEmpty, requestInfo.resource != "namespaces" {
                throw APIError.notFound(resource: self.info.resource, group: self.info.group, name: requestInfo.name)
            }
            let sub = requestInfo.subresource
            if !sub.isEmpty {
                return try await self.handleSubresource(sub, request, requestInfo)
            }
            switch requestInfo.verb {
            case .get: return try await self.get(request, requestInfo)
            case .list: return try await self.list(request, requestInfo)
            case .watch: return try await self.watch(request, requestInfo)
            case .create: return try await self.create(request, requestInfo)
            case .update: return try await self.update(request, requestInfo, subresource: nil)
            case .patch: return try await self.patch(request, requestInfo, subresource: nil)
            case .delete: return try await self.delete(request, requestInfo)
            case .deletecollection:
                // Namespaces cannot be deleted as a collection (upstream's namespace storage has no such verb).
                guard Discovery.verbs(self.info).contains("deletecollection") else {
                    throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
                }
                return try await self.deleteCollection(request, requestInfo)
            case nil:
                throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
            }
        } catch let error as APIError {
            return .error(error)
        } catch let error as StoreError {
            return .error(.from(error, info: self.info, name: requestInfo.name))
        } catch {
            return .error(.internalError("\(error)"))
        }
    }

    func handleSubresource(_ sub: String, _ request: APIRequest, _ requestInfo: RequestInfo) async throws -> APIResponse {
        if self.info.resource == "pods", ["exec", "attach", "portforward"].contains(sub) {
            // A WebSocket upgrade that passed its checks never gets here (PodStreams relays it).
            return try await self.context.podStreamWithoutUpgrade(sub, namespace: requestInfo.namespace, name: requestInfo.name,
                                                                  query: request.query.mapValues { [$0] },
                                                                  upgrade: request.header("upgrade") ?? request.header("x-portico-upgrade"))
        }
        guard self.info.subresources[sub] != nil else {
            throw APIError.notFound(resource: self.info.resource, group: self.info.group, name: requestInfo.name)
        }
        switch (sub, requestInfo.verb) {
        case ("status", .get): return try await self.get(request, requestInfo)
        case ("status", .update): return try await self.update(request, requestInfo, subresource: "status")
        case ("status", .patch): return try await self.patch(request, requestInfo, subresource: "status")
        case ("scale", .get), ("scale", .update), ("scale", .patch):
            return try await ScaleSubresource.handle(self, request, requestInfo)
        case ("binding", .create):
            guard let pods = self as? TypedResource<Pod> else {
                throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
            }
            return try await pods.bind(request, requestInfo)
        case ("log", .get):
            return try await self.context.podLogs(namespace: requestInfo.namespace, name: requestInfo.name, query: request.query)
        default:
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
    }

    // MARK: decoding and encoding

    func decodeStored(_ json: JSON) throws -> Object {
        let object = try KubeJSONDecoder().decode(Object.self, from: json).value
        return self.strategy.decorate?(object) ?? object
    }

    /// The object as a client sees it: decorated, with kind and apiVersion.
    func present(_ object: Object) throws -> JSON {
        var object = object
        object.setTypeMeta()
        return try object.toJSON()
    }

    /// Decodes a request body with upstream's checks: JSON syntax, the kind, and (per
    /// `fieldValidation`) unknown or duplicate fields as an error or as warnings.
    func decodeBody(_ request: APIRequest, warnings: inout [String]) throws(APIError) -> Object {
        let bytes = request.body
        if request.header("content-type")?.hasPrefix(KubernetesProtobuf.contentType) == true {
            do {
                return try self.decodeObject(try KubernetesProtobuf.decode(bytes), request: request, warnings: &warnings)
            } catch let error as APIError {
                throw error
            } catch {
                throw APIError.badRequest("\(self.info.kind) in version \(GoQuote.quote(self.info.version)) cannot be handled as a \(self.info.kind): \(error)")
            }
        }
        if Self.mediaType(request.header("content-type")) == "application/yaml" {
            let documents: [JSON]
            do {
                documents = try YAMLDocuments.parse(String(decoding: bytes, as: UTF8.self))
            } catch let error as YAMLDocuments.Failure {
                throw APIError.badRequest("the object provided is unrecognized (must be of type \(self.info.kind)): \(error.cause) (\(Self.summarize(bytes)))")
            } catch {
                throw APIError.badRequest("the object provided is unrecognized (must be of type \(self.info.kind)): \(error) (\(Self.summarize(bytes)))")
            }
            return try self.decodeObject(documents.first ?? .object([:]), request: request, warnings: &warnings)
        }
        let parsed: ParsedJSON
        do {
            parsed = try JSON.parseReportingDuplicates(bytes)
        } catch {
            throw APIError.badRequest("couldn't get version/kind; json parse error: \(error)")
        }
        return try self.decodeObject(parsed.value, duplicates: parsed.duplicateFields, request: request, warnings: &warnings)
    }

    /// The media type of a Content-Type header, without parameters.
    static func mediaType(_ header: String?) -> String {
        (header ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    /// A body's start as upstream quotes it in a decoding error: JSON as it is, anything else
    /// in hex, 30 bytes and ` ...` when there is more.
    static func summarize(_ bytes: [UInt8]) -> String {
        if bytes.isEmpty { return "<empty>" }
        let head = bytes.prefix(30)
        let text = bytes.first == UInt8(ascii: "{") ? String(decoding: head, as: UTF8.self) : head.map { String(format: "%02x", $0) }.joined()
        return bytes.count > 30 ? text + " ..." : text
    }

    func decodeObject(_ json: JSON, duplicates: [String] = [], request: APIRequest, warnings: inout [String]) throws(APIError) -> Object {
        let kind = self.info.kind
        let apiVersion = self.info.groupVersion
        if let givenKind = json["kind"]?.stringValue, !givenKind.isEmpty, givenKind != kind {
            throw APIError.badRequest("\(kind) in version \(GoQuote.quote(self.info.version)) cannot be handled as a \(kind): the kind in the data (\(givenKind)) does not match the expected kind (\(kind))")
        }
        if let givenVersion = json["apiVersion"]?.stringValue, !givenVersion.isEmpty, givenVersion != apiVersion {
            throw APIError.badRequest("the API version in the data (\(givenVersion)) does not match the expected API version (\(apiVersion))")
        }
        let document: DecodedDocument<Object>
        do {
            document = try KubeJSONDecoder().decode(Object.self, from: json)
        } catch {
            throw APIError.badRequest("\(kind) in version \(GoQuote.quote(self.info.version)) cannot be handled as a \(kind): \(error)")
        }
        var strict = document.strictErrors
        strict += duplicates.map { "duplicate field \"\($0)\"" }
        if !strict.isEmpty {
            switch request.query["fieldValidation"] ?? "Warn" {
            case "Strict":
                throw APIError.badRequest("\(kind) in version \(GoQuote.quote(self.info.version)) cannot be handled as a \(kind): strict decoding error: "
                    + strict.joined(separator: ", "))
            case "Ignore": break
            default: warnings += strict
            }
        }
        return document.value
    }

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

    // MARK: get

    /// GET: the newest object; with a resourceVersion, one not older than it (the store
    /// waits a moment for a revision it has not reached, then answers 504, as upstream).
    func get(_ request: APIRequest, _ requestInfo: RequestInfo) async throws -> APIResponse {
        if let revision = try ListOptions.revision(request.query["resourceVersion"] ?? ""), revision > 0 {
            try await self.store.waitForRevision(revision)
        }
        guard let stored = try await self.store.get(self.key(namespace: requestInfo.namespace, name: requestInfo.name)) else {
            throw APIError.notFound(resource: self.info.resource, group: self.info.group, name: requestInfo.name)
        }
        return try self.respond(200, try self.decodeStored(stored.object), request)
    }

    // MARK: list

    struct Selectors {
        var labels: Labels.Selector
        var fields: Fields.Selector

        var isEverything: Bool { self.labels.isEverything && self.fields.isEverything }
    }

    func selectors(_ request: APIRequest, _ requestInfo: RequestInfo) throws(APIError) -> Selectors {
        let labels: Labels.Selector
        do {
            labels = try Labels.parse(request.query["labelSelector"] ?? "")
        } catch {
            throw APIError.badRequest(error.message)
        }
        var fields: Fields.Selector
        do {
            fields = try Fields.parse(request.query["fieldSelector"] ?? "")
            try Fields.validate(fields, kind: self.info.kind)
        } catch {
            throw APIError.badRequest(error.message)
        }
        for i in fields.terms.indices where self.info.kind == "Pod" && fields.terms[i].field == "spec.host" {
            fields.terms[i].field = "spec.nodeName"
        }
        if !requestInfo.name.isEmpty {
            if let wanted = fields.requiredValue("metadata.name"), wanted != requestInfo.name {
                throw APIError.badRequest("fieldSelector metadata.name doesn't match requested name")
            }
            fields.terms.append(Fields.Term(field: "metadata.name", value: requestInfo.name, negated: false))
        }
        return Selectors(labels: labels, fields: fields)
    }

    func fieldValues(_ object: Object) -> [String: String] {
        var values = self.strategy.selectableFields(object)
        values["metadata.name"] = object.metadata.name
        if self.info.namespaced { values["metadata.namespace"] = object.metadata.namespace }
        return values
    }

    func matches(_ object: Object, _ selectors: Selectors) -> Bool {
        selectors.labels.matches(object.metadata.labels) && selectors.fields.matches(self.fieldValues(object))
    }

    // MARK: watch

    func watch(_ request: APIRequest, _ requestInfo: RequestInfo) async throws -> APIResponse {
        try await WatchStream.serve(self, request, requestInfo)
    }

    // MARK: create

    func create(_ request: APIRequest, _ requestInfo: RequestInfo) async throws -> APIResponse {
        var warnings: [String] = []
        var object = try self.decodeBody(request, warnings: &warnings)
        let stored = try await self.createObject(&object, namespace: requestInfo.namespace, request: request)
        return try self.respond(201, stored, request, warnings: warnings)
    }

    /// The create path shared by POST and by PATCH/PUT that create (apply).
    func createObject(_ object: inout Object, namespace: String, request: APIRequest,
                      managedFields: [ManagedFieldsEntry]? = nil) async throws -> Object {
        if self.info.namespaced {
            if object.metadata.namespace.isEmpty {
                object.metadata.namespace = namespace
            } else if object.metadata.namespace != namespace {
                throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            try await self.context.checkNamespaceWritable(namespace)
        } else {
            object.metadata.namespace = ""
        }
        if object.metadata.name.isEmpty, !object.metadata.generateName.isEmpty {
            object.metadata.name = NameRules.generateName(object.metadata.generateName)
        }
        self.strategy.defaults(&object)
        // Fields the server owns.
        object.metadata.uid = UUID().uuidString.lowercased()
        object.metadata.creationTimestamp = .now()
        object.metadata.resourceVersion = ""
        object.metadata.deletionTimestamp = nil
        object.metadata.deletionGracePeriodSeconds = nil
        object.metadata.selfLink = ""
        if self.strategy.specChanged != nil { object.metadata.generation = 1 }
        if let managedFields {
            object.metadata.managedFields = managedFields
        } else {
            ManagedFields.recordUpdate(&object, manager: ManagedFields.manager(request), apiVersion: self.info.groupVersion, subresource: "")
        }

        var allocation = AllocationHandle.none
        if let registry = self.strategy.registry {
            (object, allocation) = try registry.create(object)
        } else {
            self.strategy.prepareForCreate(&object)
            let errors = self.strategy.validateCreate(object)
            if !errors.isEmpty {
                throw APIError.invalid(kind: self.info.kind, group: self.info.group, name: object.metadata.name, errors: errors)
            }
        }
        do {
            try await self.admit(request.user, .create, subresource: "", new: object, old: nil)
        } catch {
            allocation.revert()
            throw error
        }
        if request.query["dryRun"] == "All" {
            allocation.revert()
            return object
        }
        let key = self.key(namespace: object.metadata.namespace, name: object.metadata.name)
        var toStore = object
        toStore.setTypeMeta()
        let json = try toStore.toJSON()
        let created: StoredObject
        do {
            created = try await self.store.transact { txn in
                if try txn.get(key) != nil { throw StoreError.alreadyExists(key) }
                return try txn.create(key, json)
            }
        } catch {
            allocation.revert()
            if case StoreError.alreadyExists = error {
                throw APIError.alreadyExists(resource: self.info.resource, group: self.info.group, name: object.metadata.name)
            }
            throw error
        }
        allocation.commit()
        return try self.decodeStored(created.object)
    }

    // MARK: update

    func update(_ request: APIRequest, _ requestInfo: RequestInfo, subresource: String?) async throws -> APIResponse {
        var warnings: [String] = []
        let object = try self.decodeBody(request, warnings: &warnings)
        if !object.metadata.name.isEmpty, object.metadata.name != requestInfo.name {
            throw APIError.badRequest("the name of the object (\(object.metadata.name)) does not match the name on the URL (\(requestInfo.name))")
        }
        if self.info.namespaced, !object.metadata.namespace.isEmpty, object.metadata.namespace != requestInfo.namespace {
            throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        let (result, created) = try await self.updateObject(name: requestInfo.name, namespace: requestInfo.namespace,
                                                            subresource: subresource, request: request) { _ in object }
        return try self.respond(created ? 201 : 200, result, request, warnings: warnings)
    }

    /// Read-modify-write of one object in one store transaction: `transform` gets the stored
    /// object (decorated) and returns the new one; the strategy, the registry and the
    /// resourceVersion precondition apply as for a PUT. Returns whether it created.
    func updateObject(name: String, namespace: String, subresource: String?, request: APIRequest,
                      createIfMissing: Bool = false, managedFields: [ManagedFieldsEntry]? = nil,
                      transform: @escaping @Sendable (Object?) throws -> Object) async throws -> (Object, Bool) {
        let key = self.key(namespace: namespace, name: name)
        guard let current = try await self.store.get(key) else {
            if createIfMissing || (self.strategy.allowCreateOnUpdate && subresource == nil) {
                var object = try transform(nil)
                if object.metadata.name.isEmpty { object.metadata.name = name }
                return (try await self.createObject(&object, namespace: namespace, request: request), true)
            }
            throw APIError.notFound(resource: self.info.resource, group: self.info.group, name: name)
        }
        let old = try self.decodeStored(current.object)
        var new = try transform(old)
        if new.metadata.name.isEmpty { new.metadata.name = name }
        if self.info.namespaced, new.metadata.namespace.isEmpty { new.metadata.namespace = namespace }
        if !self.info.namespaced { new.metadata.namespace = "" }
        let requestedRV = new.metadata.resourceVersion
        if requestedRV.isEmpty {
            guard self.strategy.allowUnconditionalUpdate else {
                throw APIError.invalid(kind: self.info.kind, group: self.info.group, name: name, errors: [
                    .invalid("metadata.resourceVersion", .string(""), "must be specified for an update"),
                ])
            }
            new.metadata.resourceVersion = String(current.resourceVersion)
        } else if requestedRV != String(current.resourceVersion) {
            throw APIError.conflict(resource: self.info.resource, group: self.info.group, name: name,
                                    message: "the object has been modified; please apply your changes to the latest version and try again")
        }
        self.strategy.defaults(&new)
        // Fields clients cannot change through an update.
        if new.metadata.uid.isEmpty { new.metadata.uid = old.metadata.uid }
        if old.metadata.creationTimestamp != nil { new.metadata.creationTimestamp = old.metadata.creationTimestamp }
        if old.metadata.deletionTimestamp != nil {
            new.metadata.deletionTimestamp = old.metadata.deletionTimestamp
            new.metadata.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds
        }
        new.metadata.generation = old.metadata.generation
        if let managedFields {
            new.metadata.managedFields = managedFields
        } else {
            ManagedFields.recordUpdate(&new, old: old, manager: ManagedFields.manager(request), apiVersion: self.info.groupVersion,
                                       subresource: subresource ?? "")
        }

        var allocation = AllocationHandle.none
        if subresource == "status" {
            if let registry = self.strategy.registry {
                new = try registry.updateStatus(new, old)
            } else {
                self.strategy.prepareForStatusUpdate?(&new, old)
                let errors = self.strategy.validateStatusUpdate?(new, old) ?? ObjectMetaValidation.validateUpdate(new.metadata, old.metadata)
                if !errors.isEmpty {
                    throw APIError.invalid(kind: self.info.kind, group: self.info.group, name: name, errors: errors)
                }
            }
        } else if let registry = self.strategy.registry {
            (new, allocation) = try registry.update(new, old)
        } else {
            self.strategy.prepareForUpdate(&new, old)
            if let specChanged = self.strategy.specChanged, specChanged(new, old) {
                new.metadata.generation = old.metadata.generation + 1
            }
            let errors = self.strategy.validateUpdate(new, old)
            if !errors.isEmpty {
                throw APIError.invalid(kind: self.info.kind, group: self.info.group, name: name, errors: errors)
            }
        }
        do {
            try await self.admit(request.user, .update, subresource: subresource ?? "", new: new, old: old)
        } catch {
            allocation.revert()
            throw error
        }
        if request.query["dryRun"] == "All" {
            allocation.revert()
            return (new, false)
        }
        // Nothing changed: no write, no new revision (as upstream).
        var candidate = new
        candidate.setTypeMeta()
        candidate.metadata.resourceVersion = String(current.resourceVersion)
        let json = try candidate.toJSON()
        if ManagedFields.withoutTimes(json).sortedKeys == ManagedFields.withoutTimes(current.object).sortedKeys {
            allocation.revert()
            return (try self.decodeStored(current.object), false)
        }
        // A finalizer-held object goes once its last finalizer does.
        let finishDeletion = new.metadata.deletionTimestamp != nil && new.metadata.finalizers.isEmpty
            && self.strategy.extraFinalizers(new).isEmpty
        let expected = current.resourceVersion
        let written: StoredObject
        do {
            written = try await self.store.transact { txn in
                if finishDeletion {
                    return try txn.delete(key, expectedResourceVersion: expected)
                }
                return try txn.update(key, expectedResourceVersion: expected, json)
            }
        } catch {
            allocation.revert()
            if case StoreError.conflict = error {
                throw APIError.conflict(resource: self.info.resource, group: self.info.group, name: name,
                                        message: "the object has been modified; please apply your changes to the latest version and try again")
            }
            throw error
        }
        allocation.commit()
        let result = try self.decodeStored(written.object)
        if finishDeletion { await self.afterDelete(result) }
        return (result, false)
    }

    // MARK: patch

    func patch(_ request: APIRequest, _ requestInfo: RequestInfo, subresource: String?) async throws -> APIResponse {
        try await PatchHandler.handle(self, request, requestInfo, subresource: subresource)
    }

    // MARK: delete

    func deleteOptions(_ request: APIRequest) throws(APIError) -> DeleteOptions {
        var options = DeleteOptions()
        if !request.body.isEmpty {
            do {
                options = try KubeJSONDecoder().decode(DeleteOptions.self, from: request.body).value
            } catch {
                throw APIError.badRequest("\(error)")
            }
        }
        if let grace = request.query["gracePeriodSeconds"].flatMap({ Int64($0) }) { options.gracePeriodSeconds = grace }
        if let policy = request.query["propagationPolicy"] { options.propagationPolicy = DeletionPropagation(rawValue: policy) }
        if let orphan = request.query["orphanDependents"] { options.orphanDependents = orphan == "true" }
        if let dryRun = request.query["dryRun"] { options.dryRun = [dryRun] }
        if let policy = options.propagationPolicy, ![.orphan, .background, .foreground].contains(policy) {
            throw APIError.invalid(kind: "DeleteOptions", group: "meta.k8s.io", name: "", errors: [
                .notSupported("propagationPolicy", .named(policy.rawValue), ["Foreground", "Background", "Orphan", "nil"]),
            ])
        }
        return options
    }

    func delete(_ request: APIRequest, _ requestInfo: RequestInfo) async throws -> APIResponse {
        let options = try self.deleteOptions(request)
        let (object, deleted) = try await self.deleteObject(namespace: requestInfo.namespace, name: requestInfo.name, options: options,
                                                            user: request.user)
        if !deleted || self.strategy.returnsDeletedObject {
            return try self.respond(200, object, request)
        }
        let status = Status(status: Status.success, details: StatusDetails(
            name: object.metadata.name, group: self.info.group, kind: self.info.resource, uid: object.metadata.uid))
        return .json(200, try status.toJSON())
    }

    /// Deletes now, or marks for deletion when finalizers (or graceful pod deletion) hold the
    /// object. Returns the object and whether it is gone.
    func deleteObject(namespace: String, name: String, options: DeleteOptions, user: UserInfo = .admin) async throws -> (Object, Bool) {
        let key = self.key(namespace: namespace, name: name)
        for _ in 0..<5 {
            guard let current = try await self.store.get(key) else {
                throw APIError.notFound(resource: self.info.resource, group: self.info.group, name: name)
            }
            var object = try self.decodeStored(current.object)
            try await self.admit(user, .delete, subresource: "", new: nil, old: object)
            if let uid = options.preconditions?.uid, uid != object.metadata.uid {
                throw APIError.conflict(resource: self.info.resource, group: self.info.group, name: name,
                                        message: "Precondition failed: UID in precondition: \(uid), UID in object meta: \(object.metadata.uid)")
            }
            if let rv = options.preconditions?.resourceVersion, rv != String(current.resourceVersion) {
                throw APIError.conflict(resource: self.info.resource, group: self.info.group, name: name,
                                        message: "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(current.resourceVersion)")
            }
            let orphan = options.propagationPolicy == .orphan || options.orphanDependents == true
            let foreground = options.propagationPolicy == .foreground
            var finalizers = object.metadata.finalizers
            if orphan, !finalizers.contains("orphan") { finalizers.append("orphan") }
            if foreground, !finalizers.contains("foregroundDeletion") { finalizers.append("foregroundDeletion") }
            let graceful = self.context.gracePeriod(for: object, options: options)
            if options.dryRun.contains("All") { return (object, finalizers.isEmpty && graceful == nil) }
            self.strategy.markForDeletion?(&object)
            let held = !finalizers.isEmpty || !self.strategy.extraFinalizers(object).isEmpty
            if !held && graceful == nil {
                do {
                    let removed = try await self.store.transact { txn in
                        try txn.delete(key, expectedResourceVersion: current.resourceVersion)
                    }
                    let deleted = try self.decodeStored(removed.object)
                    await self.afterDelete(deleted)
                    return (deleted, true)
                } catch StoreError.conflict {
                    continue
                }
            }
            // Mark for deletion: the finalizers' owners (and the node agent for pods) finish it.
            if object.metadata.deletionTimestamp == nil {
                object.metadata.deletionTimestamp = Time(secondsSinceEpoch: Time.now().secondsSinceEpoch + (graceful ?? 0))
                object.metadata.deletionGracePeriodSeconds = graceful ?? 0
            }
            object.metadata.finalizers = finalizers
            object.setTypeMeta()
            let json = try object.toJSON()
            do {
                let written = try await self.store.transact { txn in
                    try txn.update(key, expectedResourceVersion: current.resourceVersion, json)
                }
                let marked = try self.decodeStored(written.object)
                self.context.objectMarkedForDeletion(self.info, marked.metadata)
                return (marked, false)
            } catch StoreError.conflict {
                continue
            }
        }
        throw APIError.conflict(resource: self.info.resource, group: self.info.group, name: name,
                                message: "the object has been modified; please apply your changes to the latest version and try again")
    }

    /// After an object is gone: give back allocations, and let garbage collection find its dependents.
    func afterDelete(_ object: Object) async {
        self.strategy.registry?.release(object)
        await self.context.objectDeleted(self.info, object.metadata)
    }

    func deleteCollection(_ request: APIRequest, _ requestInfo: RequestInfo) async throws -> APIResponse {
        let selectors = try self.selectors(request, requestInfo)
        let options = try self.deleteOptions(request)
        let namespace = self.info.namespaced && !requestInfo.namespace.isEmpty ? requestInfo.namespace : nil
        let (items, _) = try await self.store.list(resource: self.info.storageResource, namespace: namespace)
        var deleted: [JSON] = []
        for item in items {
            let object = try self.decodeStored(item.object)
            guard self.matches(object, selectors) else { continue }
            do {
                let (result, _) = try await self.deleteObject(namespace: object.metadata.namespace, name: object.metadata.name, options: options,
                                                              user: request.user)
                var json = try result.toJSON()
                json["kind"] = nil
                json["apiVersion"] = nil
                deleted.append(json)
            } catch let error as APIError where error.code == 404 {
                continue
            }
        }
        let list: JSON = [
            "kind": .string(self.info.kind + "List"), "apiVersion": .string(self.info.groupVersion),
            "metadata": ["resourceVersion": .string(String(self.store.currentResourceVersion))], "items": .array(deleted),
        ]
        return .json(200, list)
    }
}
