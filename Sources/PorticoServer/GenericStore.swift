import Foundation
import PorticoAPI
import PorticoStore

/// The write flow every kind shares, modelled on upstream's generic registry store
/// (k8s.io/apiserver/pkg/registry/generic/registry/store.go): create, update and delete read
/// what is stored, let the kind's strategy prepare and validate (or its registry allocate),
/// admit, and write in one store transaction, the allocations committed or reverted with
/// it. The decisions that need no store are in `CreatePlan`, `UpdatePlan` and `DeletePlan`;
/// this is the part that awaits. POST, PUT, PATCH, apply, scale, garbage collection and
/// namespace deletion all write through here.
extension TypedResource {
    /// The conflict a client gets when another write got there first.
    func modifiedConflict(_ name: String) -> APIError {
        APIError.conflict(resource: self.info.resource, group: self.info.group, name: name,
                          message: "the object has been modified; please apply your changes to the latest version and try again")
    }

    /// Admission, giving back what the registry allocated when it refuses.
    func admitOrRevert(_ allocation: AllocationHandle, user: UserInfo, _ operation: NodeRestriction.Operation, subresource: String,
                       new: Object?, old: Object?) async throws {
        do {
            try await self.admit(user, operation, subresource: subresource, new: new, old: old)
        } catch {
            await allocation.revert()
            throw error
        }
    }

    // MARK: create

    /// The create path shared by POST and by PATCH/PUT that create (apply).
    func createObject(_ object: inout Object, namespace: String, request: APIRequest,
                      managedFields: [ManagedFieldsEntry]? = nil) async throws -> Object {
        try await self.beforeCreate(&object, namespace: namespace, request: request, managedFields: managedFields)
        let allocation = try await self.prepareAndValidateCreate(&object)
        try await self.admitOrRevert(allocation, user: request.user, .create, subresource: "", new: object, old: nil)
        if request.query["dryRun"] == "All" {
            await allocation.revert()
            return object
        }
        return try await self.storeCreated(object, allocation: allocation)
    }

    /// What the server sets before the strategy sees a new object (upstream's
    /// rest.BeforeCreate): its namespace, which must be writable, its generated name, the
    /// kind's defaults, the metadata the server owns, and the managedFields entry.
    private func beforeCreate(_ object: inout Object, namespace: String, request: APIRequest,
                              managedFields: [ManagedFieldsEntry]?) async throws {
        object.metadata.namespace = try CreatePlan.namespace(object.metadata.namespace, requested: namespace, namespaced: self.info.namespaced)
        if self.info.namespaced { try await self.context.checkNamespaceWritable(namespace) }
        if object.metadata.name.isEmpty, !object.metadata.generateName.isEmpty {
            object.metadata.name = NameRules.generateName(object.metadata.generateName)
        }
        self.strategy.defaults(&object)
        CreatePlan.setServerOwned(&object.metadata, uid: UUID().uuidString.lowercased(), now: .now(),
                                  countsGenerations: self.strategy.specChanged != nil)
        if let managedFields {
            object.metadata.managedFields = managedFields
        } else {
            ManagedFields.recordUpdate(&object, manager: ManagedFields.manager(request), apiVersion: self.info.groupVersion, subresource: "")
        }
    }

    /// The strategy's PrepareForCreate and Validate, or the registry's create, which
    /// allocates (the allocation is not yet committed).
    private func prepareAndValidateCreate(_ object: inout Object) async throws -> AllocationHandle {
        if let registry = self.strategy.registry {
            var allocation = AllocationHandle.none
            (object, allocation) = try await registry.create(object)
            return allocation
        }
        self.strategy.prepareForCreate(&object)
        let errors = self.strategy.validateCreate(object)
        if !errors.isEmpty {
            throw APIError.invalid(kind: self.info.kind, group: self.info.group, name: object.metadata.name, errors: errors)
        }
        return .none
    }

    private func storeCreated(_ object: Object, allocation: AllocationHandle) async throws -> Object {
        let key = self.key(namespace: object.metadata.namespace, name: object.metadata.name)
        var toStore = object
        toStore.setTypeMeta()
        let json = try toStore.toJSON()
        let created: StoredObject
        do {
            created = try await self.store.create(key, json)
        } catch {
            await allocation.revert()
            if case StoreError.alreadyExists = error {
                throw APIError.alreadyExists(resource: self.info.resource, group: self.info.group, name: object.metadata.name)
            }
            throw error
        }
        await allocation.commit()
        return try self.decodeStored(created.object)
    }

    // MARK: update

    /// Read-modify-write of one object in one store transaction: `transform` gets the stored
    /// object (decorated) and returns the new one; the strategy, the registry and the
    /// resourceVersion precondition apply as for a PUT. Returns whether it created.
    func updateObject(name: String, namespace: String, subresource: String?, request: APIRequest,
                      createIfMissing: Bool = false, managedFields: [ManagedFieldsEntry]? = nil,
                      transform: @escaping @Sendable (Object?) throws -> Object) async throws -> (Object, Bool) {
        let key = self.key(namespace: namespace, name: name)
        guard let current = try await self.store.get(key) else {
            // A PUT creates when the kind allows it (upstream's AllowCreateOnUpdate), apply always.
            guard createIfMissing || (self.strategy.allowCreateOnUpdate && subresource == nil) else {
                throw APIError.notFound(resource: self.info.resource, group: self.info.group, name: name)
            }
            var object = try transform(nil)
            if object.metadata.name.isEmpty { object.metadata.name = name }
            return (try await self.createObject(&object, namespace: namespace, request: request), true)
        }
        let old = try self.decodeStored(current.object)
        var new = try transform(old)
        try self.beforeUpdate(&new, old: old, stored: current.resourceVersion, name: name, namespace: namespace,
                              subresource: subresource, request: request, managedFields: managedFields)
        let allocation = try await self.prepareAndValidateUpdate(&new, old: old, name: name, subresource: subresource)
        try await self.admitOrRevert(allocation, user: request.user, .update, subresource: subresource ?? "", new: new, old: old)
        if request.query["dryRun"] == "All" {
            await allocation.revert()
            return (new, false)
        }
        return (try await self.storeUpdated(new, current: current, key: key, allocation: allocation), false)
    }

    /// What the server settles before the strategy sees an update (upstream's
    /// rest.BeforeUpdate and the store's resourceVersion check): the object's place, the
    /// revision it is written against, the kind's defaults, the metadata the server keeps,
    /// and the managedFields entry.
    private func beforeUpdate(_ new: inout Object, old: Object, stored: Int64, name: String, namespace: String,
                              subresource: String?, request: APIRequest, managedFields: [ManagedFieldsEntry]?) throws {
        UpdatePlan.fillPlace(&new.metadata, name: name, namespace: namespace, namespaced: self.info.namespaced)
        switch UpdatePlan.checkResourceVersion(new.metadata.resourceVersion, stored: stored,
                                               allowUnconditionalUpdate: self.strategy.allowUnconditionalUpdate) {
        case .matches: break
        case .unconditional: new.metadata.resourceVersion = String(stored)
        case .missing:
            throw APIError.invalid(kind: self.info.kind, group: self.info.group, name: name, errors: [
                .invalid("metadata.resourceVersion", .string(""), "must be specified for an update"),
            ])
        case .conflict: throw self.modifiedConflict(name)
        }
        self.strategy.defaults(&new)
        UpdatePlan.keepServerOwned(&new.metadata, stored: old.metadata)
        if let managedFields {
            new.metadata.managedFields = managedFields
        } else {
            ManagedFields.recordUpdate(&new, old: old, manager: ManagedFields.manager(request), apiVersion: self.info.groupVersion,
                                       subresource: subresource ?? "")
        }
    }

    /// The strategy's PrepareForUpdate and ValidateUpdate (their status variants for
    /// `/status`), or the registry's, which may allocate; a spec change advances the
    /// generation of kinds that count them.
    private func prepareAndValidateUpdate(_ new: inout Object, old: Object, name: String, subresource: String?) async throws -> AllocationHandle {
        if subresource == "status" {
            if let registry = self.strategy.registry {
                new = try registry.updateStatus(new, old)
                return .none
            }
            self.strategy.prepareForStatusUpdate?(&new, old)
            let errors = self.strategy.validateStatusUpdate?(new, old) ?? ObjectMetaValidation.validateUpdate(new.metadata, old.metadata)
            if !errors.isEmpty { throw APIError.invalid(kind: self.info.kind, group: self.info.group, name: name, errors: errors) }
            return .none
        }
        if let registry = self.strategy.registry {
            var allocation = AllocationHandle.none
            (new, allocation) = try await registry.update(new, old)
            return allocation
        }
        self.strategy.prepareForUpdate(&new, old)
        if let specChanged = self.strategy.specChanged, specChanged(new, old) {
            new.metadata.generation = old.metadata.generation + 1
        }
        let errors = self.strategy.validateUpdate(new, old)
        if !errors.isEmpty { throw APIError.invalid(kind: self.info.kind, group: self.info.group, name: name, errors: errors) }
        return .none
    }

    /// Writes the update against the revision it was read at. Nothing changed: no write, the
    /// stored object back. The last finalizer of an object marked for deletion gone: the
    /// write removes it.
    private func storeUpdated(_ new: Object, current: StoredObject, key: ObjectKey, allocation: AllocationHandle) async throws -> Object {
        var candidate = new
        candidate.setTypeMeta()
        candidate.metadata.resourceVersion = String(current.resourceVersion)
        let json = try candidate.toJSON()
        if UpdatePlan.isNoOp(candidate: json, stored: current.object) {
            await allocation.revert()
            return try self.decodeStored(current.object)
        }
        let finishDeletion = DeletePlan.finishesDeletion(new.metadata, extraFinalizers: self.strategy.extraFinalizers(new))
        let expected = current.resourceVersion
        let written: StoredObject
        do {
            written = finishDeletion ? try await self.store.delete(key, expectedResourceVersion: expected)
                : try await self.store.update(key, expectedResourceVersion: expected, json)
        } catch {
            await allocation.revert()
            if case StoreError.conflict = error { throw self.modifiedConflict(key.name) }
            throw error
        }
        await allocation.commit()
        let result = try self.decodeStored(written.object)
        if finishDeletion { await self.afterDelete(result) }
        return result
    }

    // MARK: delete

    /// Deletes now, or marks for deletion when finalizers (or the kind's graceful deletion)
    /// hold the object. Returns the object and whether it is gone. A write that loses a race
    /// reads again and decides again, a few times, before the client gets a conflict.
    func deleteObject(namespace: String, name: String, options: DeleteOptions, user: UserInfo = .admin) async throws -> (Object, Bool) {
        let key = self.key(namespace: namespace, name: name)
        for _ in 0..<5 {
            guard let current = try await self.store.get(key) else {
                throw APIError.notFound(resource: self.info.resource, group: self.info.group, name: name)
            }
            let object = try self.decodeStored(current.object)
            try await self.admit(user, .delete, subresource: "", new: nil, old: object)
            if let message = DeletePlan.preconditionFailure(options, uid: object.metadata.uid, resourceVersion: current.resourceVersion) {
                throw APIError.conflict(resource: self.info.resource, group: self.info.group, name: name, message: message)
            }
            var marked = object
            self.strategy.markForDeletion?(&marked)
            switch DeletePlan.decide(options, finalizers: object.metadata.finalizers, extraFinalizers: self.strategy.extraFinalizers(marked),
                                     gracePeriod: self.strategy.gracePeriod(object, options)) {
            case .dryRun(let gone):
                return (object, gone)
            case .deleteNow:
                if let deleted = try await self.removeNow(key, at: current.resourceVersion) { return (deleted, true) }
            case .mark(let finalizers, let grace):
                DeletePlan.mark(&marked.metadata, finalizers: finalizers, gracePeriodSeconds: grace, now: .now())
                if let written = try await self.writeMarked(marked, key, at: current.resourceVersion) { return (written, false) }
            }
        }
        throw self.modifiedConflict(name)
    }

    /// Removes the object at the revision it was read at; nil when another write got there first.
    private func removeNow(_ key: ObjectKey, at revision: Int64) async throws -> Object? {
        do {
            let removed = try await self.store.delete(key, expectedResourceVersion: revision)
            let deleted = try self.decodeStored(removed.object)
            await self.afterDelete(deleted)
            return deleted
        } catch StoreError.conflict {
            return nil
        }
    }

    /// Stores the object marked for deletion, and hands it to whoever finishes it (the
    /// namespace controller, garbage collection, the node agent for pods); nil when another
    /// write got there first.
    private func writeMarked(_ marked: Object, _ key: ObjectKey, at revision: Int64) async throws -> Object? {
        var object = marked
        object.setTypeMeta()
        let json = try object.toJSON()
        do {
            let written = try await self.store.update(key, expectedResourceVersion: revision, json)
            let stored = try self.decodeStored(written.object)
            self.context.objectMarkedForDeletion(self.info, stored.metadata)
            return stored
        } catch StoreError.conflict {
            return nil
        }
    }

    /// After an object is gone: give back allocations, and let garbage collection find its dependents.
    func afterDelete(_ object: Object) async {
        await self.strategy.registry?.release(object)
        await self.context.objectDeleted(self.info, object.metadata)
    }
}
