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

/// The REST verbs for one kind, written once for every kind: route the request to its
/// verb or subresource, read it (`RequestDecoding`), write through the generic flow
/// (`GenericStore`) with the kind's strategy, and answer as kube-apiserver answers
/// (`ResponseEncoding`). What differs per kind is in its `ResourceStrategy`.
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

    var store: any ObjectStore { self.context.store }

    func key(namespace: String, name: String) -> ObjectKey {
        ObjectKey(resource: self.info.storageResource, namespace: self.info.namespaced ? namespace : "", name: name)
    }

    /// A stored object as the server works with it: decoded, and decorated as the kind
    /// shows it on a read.
    func decodeStored(_ json: JSON) throws -> Object {
        let object = try KubeJSONDecoder().decode(Object.self, from: json).value
        return self.strategy.decorate?(object) ?? object
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

    /// The kind's own subresources first (its strategy's handlers), then status and scale,
    /// which every kind that lists them shares.
    func handleSubresource(_ sub: String, _ request: APIRequest, _ requestInfo: RequestInfo) async throws -> APIResponse {
        if let handler = self.strategy.subresourceHandler(sub, requestInfo.verb) {
            return try await handler(self, request, requestInfo)
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
        default:
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
    }

    // MARK: verbs

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

    func watch(_ request: APIRequest, _ requestInfo: RequestInfo) async throws -> APIResponse {
        try await WatchStream.serve(self, request, requestInfo)
    }

    func create(_ request: APIRequest, _ requestInfo: RequestInfo) async throws -> APIResponse {
        var warnings: [String] = []
        var object = try self.decodeBody(request, warnings: &warnings)
        let stored = try await self.createObject(&object, namespace: requestInfo.namespace, request: request)
        return try self.respond(201, stored, request, warnings: warnings)
    }

    /// PUT: the body replaces the object; it may leave out its name and namespace but not
    /// name others than the URL's.
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

    func patch(_ request: APIRequest, _ requestInfo: RequestInfo, subresource: String?) async throws -> APIResponse {
        try await PatchHandler.handle(self, request, requestInfo, subresource: subresource)
    }

    func delete(_ request: APIRequest, _ requestInfo: RequestInfo) async throws -> APIResponse {
        let options = try RequestBody.deleteOptions(body: request.body, query: request.query)
        let (object, deleted) = try await self.deleteObject(namespace: requestInfo.namespace, name: requestInfo.name, options: options,
                                                            user: request.user)
        return try self.respondDeleted(object, gone: deleted, request)
    }

    /// DELETE of a collection: each object the selectors match, deleted as one DELETE would
    /// delete it; one that went meanwhile is skipped.
    func deleteCollection(_ request: APIRequest, _ requestInfo: RequestInfo) async throws -> APIResponse {
        let selectors = try self.selectors(request, requestInfo)
        let options = try RequestBody.deleteOptions(body: request.body, query: request.query)
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
        return .json(200, self.deletedList(deleted, resourceVersion: self.store.currentResourceVersion))
    }
}
