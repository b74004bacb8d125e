import PorticoAPI
import PorticoStore

/// What garbage collection does to one dependent when an owner goes (or waits for its
/// dependents), as kube-controller-manager's garbage collector decides in
/// `attemptToDeleteItem`: pure, so it is tested without a store.
enum DependentAction: Equatable {
    /// Drop these owner references and keep the object.
    case removeReferences(Set<String>)
    /// Delete the object (in the background).
    case delete
    /// Nothing to do (already being deleted).
    case none

    /// `references` are the dependent's owner uids; `existing` those of them that are still
    /// stored (the owner being finalized may be among them: it waits for its dependents).
    static func decide(references: [String], ownerUID: String, orphan: Bool, existing: Set<String>,
                       alreadyDeleting: Bool) -> DependentAction {
        guard references.contains(ownerUID) else { return .none }
        if orphan { return .removeReferences([ownerUID]) }
        let solid = Set(references).subtracting([ownerUID]).intersection(existing)
        if !solid.isEmpty {
            // Another owner still holds it: only the references to owners gone or going are dropped.
            return .removeReferences(Set(references).subtracting(solid))
        }
        return alreadyDeleting ? .none : .delete
    }
}

/// A finalizer taken off a stored object, as the controller that owns it does when its work
/// is done: from metadata.finalizers, or from a Namespace's spec.finalizers (where the
/// namespace controller's `kubernetes` is). Pure, on the stored JSON, so that an object's
/// fields this server does not model are written back untouched.
enum FinalizerRemoval {
    /// The object without `finalizer` (an emptied list is left out, as upstream omits it),
    /// or nil when it does not carry it (nothing to write).
    static func removing(_ finalizer: String, from object: JSON) -> JSON? {
        var json = object
        var changed = false
        for path in ["metadata", "spec"] {
            if var list = json[path]?["finalizers"]?.arrayValue, let i = list.firstIndex(of: .string(finalizer)) {
                list.remove(at: i)
                json[path]?["finalizers"] = list.isEmpty ? nil : .array(list)
                changed = true
            }
        }
        // Not `changed ? json : nil`: JSON takes a nil literal as `.null`, which would be written.
        guard changed else { return nil }
        return json
    }
}

/// Namespace deletion and garbage collection, found through the store's indexes (objects
/// by namespace, dependents by their owner's uid), so the work is linear in what is
/// removed. What is left undone when the server stops is found again from the stored
/// state when it starts (`pendingWork`).
struct GarbageCollector {
    let context: ServerContext

    var store: any ObjectStore { self.context.store }

    /// Empties a terminating namespace; returns how many objects are still in it.
    func emptyNamespace(_ namespace: String) async throws -> Int {
        var remaining = 0
        for key in try await self.store.keys(inNamespace: namespace) {
            guard let resource = self.context.resource(key.resource) else { remaining += 1; continue }
            if try await resource.deleteForNamespace(namespace: namespace, name: key.name) { remaining += 1 }
        }
        return remaining
    }

    /// Deletes or frees every dependent of `uid`; returns how many dependents that block the
    /// owner's deletion (`blockOwnerDeletion`) are still stored.
    @discardableResult
    func collectDependents(of uid: String, orphan: Bool) async throws -> Int {
        for dependent in try await self.store.dependents(ofUID: uid) {
            try await self.context.resource(dependent.key.resource)?.collectDependent(
                namespace: dependent.key.namespace, name: dependent.key.name, ownerUID: uid, orphan: orphan)
        }
        return try await self.store.dependents(ofUID: uid).filter(\.blockOwnerDeletion).count
    }

    /// The work a stopped server left: namespaces still terminating, owners waiting on their
    /// dependents or to orphan them, and dependents whose owners are gone.
    func pendingWork() async throws -> [ServerContext.ControllerWork] {
        var work: [ServerContext.ControllerWork] = []
        for stored in try await self.store.terminatingObjects() {
            let metadata = stored.object["metadata"]
            let finalizers = metadata?["finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if stored.key.resource == "namespaces" { work.append(.namespace(stored.key.name)) }
            if finalizers.contains("orphan") || finalizers.contains("foregroundDeletion") {
                work.append(.finalizeOwner(resource: stored.key.resource, namespace: stored.key.namespace, name: stored.key.name,
                                           uid: metadata?["uid"]?.stringValue ?? ""))
            }
        }
        for uid in try await self.store.missingOwnerUIDs() { work.append(.dependents(uid: uid, orphan: false)) }
        return work
    }
}

/// The steps for one object, through the generic write flow, so that allocations are given
/// back and follow-up work is queued as for a client's delete.
extension TypedResource {
    func deleteForNamespace(namespace: String, name: String) async throws -> Bool {
        guard let stored = try await self.store.get(self.key(namespace: namespace, name: name)) else { return false }
        let object = try self.decodeStored(stored.object)
        if object.metadata.deletionTimestamp != nil && !object.metadata.finalizers.isEmpty { return true }
        do {
            let (_, deleted) = try await self.deleteObject(namespace: namespace, name: name,
                                                          options: DeleteOptions(gracePeriodSeconds: 0, propagationPolicy: .background))
            return !deleted
        } catch let error as APIError where error.code == 404 {
            return false
        }
    }

    func collectDependent(namespace: String, name: String, ownerUID: String, orphan: Bool) async throws {
        guard let stored = try await self.store.get(self.key(namespace: namespace, name: name)) else { return }
        let object = try self.decodeStored(stored.object)
        let references = object.metadata.ownerReferences.map(\.uid)
        let existing = try await self.store.existingUIDs(references)
        switch DependentAction.decide(references: references, ownerUID: ownerUID, orphan: orphan, existing: existing,
                                      alreadyDeleting: object.metadata.deletionTimestamp != nil) {
        case .none:
            return
        case .delete:
            _ = try? await self.deleteObject(namespace: namespace, name: name, options: DeleteOptions(propagationPolicy: .background))
        case .removeReferences(let uids):
            _ = try? await self.updateObject(name: name, namespace: namespace, subresource: nil,
                                             request: APIRequest(method: "PATCH", path: "")) { current in
                var copy = current!
                copy.metadata.ownerReferences.removeAll { uids.contains($0.uid) }
                copy.metadata.resourceVersion = ""
                return copy
            }
        }
    }

    /// Takes a finalizer off (from metadata.finalizers, or a Namespace's spec.finalizers);
    /// an object marked for deletion goes when none are left.
    func removeFinalizer(namespace: String, name: String, finalizer: String) async throws {
        let key = self.key(namespace: namespace, name: name)
        guard let current = try await self.store.get(key),
              let updated = FinalizerRemoval.removing(finalizer, from: current.object) else { return }
        let object = try self.decodeStored(updated)
        let gone = DeletePlan.finishesDeletion(object.metadata, extraFinalizers: self.strategy.extraFinalizers(object))
        let written = gone ? try await self.store.delete(key, expectedResourceVersion: current.resourceVersion)
            : try await self.store.update(key, expectedResourceVersion: current.resourceVersion, updated)
        if gone { await self.afterDelete(try self.decodeStored(written.object)) }
    }
}
