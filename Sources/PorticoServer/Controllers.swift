import Logging
import PorticoAPI
import PorticoStore
import ServiceLifecycle

/// The controllers that live in the API server process: namespace deletion and garbage
/// collection (upstream runs them in kube-controller-manager). They take work from the
/// queue the resources feed, start with what a stopped server left undone, and retry what
/// is still blocked.
struct ServerControllers: ServiceLifecycle.Service {
    let context: ServerContext

    var collector: GarbageCollector { GarbageCollector(context: self.context) }

    func run() async throws {
        do {
            for work in try await self.collector.pendingWork() { self.context.workQueue.yield(work) }
        } catch {
            self.context.logger.warning("could not read the work left from before", metadata: ["error": "\(error)"])
        }
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
            if try await self.collector.emptyNamespace(name) > 0 { return false }
            try await self.context.resource("namespaces")?.removeFinalizer(namespace: "", name: name, finalizer: "kubernetes")
            return true
        case .dependents(let uid, let orphan):
            try await self.collector.collectDependents(of: uid, orphan: orphan)
            return true
        case .finalizeOwner(let storageResource, let namespace, let name, let uid):
            guard let resource = self.context.resource(storageResource),
                let stored = try await self.context.store.get(ObjectKey(resource: storageResource, namespace: namespace, name: name)),
                stored.object["metadata"]?["uid"]?.stringValue == uid
            else { return true }
            let finalizers = stored.object["metadata"]?["finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if finalizers.contains("orphan") {
                try await self.collector.collectDependents(of: uid, orphan: true)
                try await resource.removeFinalizer(namespace: namespace, name: name, finalizer: "orphan")
                return true
            }
            if finalizers.contains("foregroundDeletion") {
                if try await self.collector.collectDependents(of: uid, orphan: false) > 0 { return false }
                try await resource.removeFinalizer(namespace: namespace, name: name, finalizer: "foregroundDeletion")
            }
            return true
        }
    }
}
