import Logging
import PorticoAPI
import PorticoStore
import ServiceLifecycle

/// The controllers that live in the API server process: namespace deletion and garbage
/// collection (upstream runs them in kube-controller-manager). They take work from the
/// queue the resources feed, and retry what is still blocked.
struct ServerControllers: ServiceLifecycle.Service {
    let context: ServerContext

    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            for await work in self.context.work.cancelOnGracefulShutdown() {
                do {
                    let done = try await self.process(work)
                    if !done {
                        // Still waiting for something (dependents, finalizers): look again shortly.
                        group.addTask {
                            try? await Task.sleep(for: .milliseconds(250))
                            self.context.workQueue.yield(work)
                        }
                    }
                } catch {
                    self.context.logger.warning("controller work failed", metadata: ["work": "\(work)", "error": "\(error)"])
                }
            }
        }
    }

    /// Returns false when the work must be tried again later.
    func process(_ work: ServerContext.ControllerWork) async throws -> Bool {
        switch work {
        case .namespace(let name):
            var remaining = 0
            for resource in self.context.allResources where resource.info.namespaced {
                remaining += try await resource.deleteAll(inNamespace: name)
            }
            if remaining > 0 { return false }
            guard let namespaces = self.context.resource("namespaces") else { return true }
            try await namespaces.removeFinalizer(namespace: "", name: name, finalizer: "kubernetes")
            return true
        case .dependents(let uid, let orphan):
            for resource in self.context.allResources {
                _ = try await resource.collectDependents(ofUID: uid, orphan: orphan)
            }
            return true
        case .finalizeOwner(let storageResource, let namespace, let name, let uid):
            guard let resource = self.context.resource(storageResource),
                let stored = try await self.context.store.get(ObjectKey(resource: storageResource, namespace: namespace, name: name)),
                stored.object["metadata"]?["uid"]?.stringValue == uid
            else { return true }
            let finalizers = stored.object["metadata"]?["finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if finalizers.contains("orphan") {
                for other in self.context.allResources { _ = try await other.collectDependents(ofUID: uid, orphan: true) }
                try await resource.removeFinalizer(namespace: namespace, name: name, finalizer: "orphan")
                return true
            }
            if finalizers.contains("foregroundDeletion") {
                var blocking = 0
                for other in self.context.allResources {
                    _ = try await other.collectDependents(ofUID: uid, orphan: false)
                    blocking += try await other.countBlockingDependents(ofUID: uid)
                }
                if blocking > 0 { return false }
                try await resource.removeFinalizer(namespace: namespace, name: name, finalizer: "foregroundDeletion")
            }
            return true
        }
    }
}

extension ServedResource {
    func removeFinalizer(namespace: String, name: String, finalizer: String) async throws {
        try await (self as? any FinalizerRemoving)?.removeFinalizer(namespace: namespace, name: name, finalizer: finalizer)
    }
}

protocol FinalizerRemoving {
    func removeFinalizer(namespace: String, name: String, finalizer: String) async throws
}

extension TypedResource: FinalizerRemoving {
    /// Takes a finalizer off (from metadata.finalizers, or a Namespace's spec.finalizers);
    /// an object marked for deletion goes when none are left.
    func removeFinalizer(namespace: String, name: String, finalizer: String) async throws {
        let key = self.key(namespace: namespace, name: name)
        guard let current = try await self.store.get(key) else { return }
        var json = current.object
        var changed = false
        if var list = json["metadata"]?["finalizers"]?.arrayValue, let i = list.firstIndex(of: .string(finalizer)) {
            list.remove(at: i)
            json["metadata"]?["finalizers"] = list.isEmpty ? nil : .array(list)
            changed = true
        }
        if var list = json["spec"]?["finalizers"]?.arrayValue, let i = list.firstIndex(of: .string(finalizer)) {
            list.remove(at: i)
            json["spec"]?["finalizers"] = list.isEmpty ? nil : .array(list)
            changed = true
        }
        guard changed else { return }
        let updated = json
        let object = try self.decodeStored(updated)
        let gone = object.metadata.deletionTimestamp != nil && object.metadata.finalizers.isEmpty
            && self.strategy.extraFinalizers(object).isEmpty
        let written = try await self.store.transact { txn in
            gone ? try txn.delete(key, expectedResourceVersion: current.resourceVersion)
                : try txn.update(key, expectedResourceVersion: current.resourceVersion, updated)
        }
        if gone { await self.afterDelete(try self.decodeStored(written.object)) }
    }
}
