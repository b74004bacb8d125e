import Foundation
import PorticoAPI
import PorticoClient
import Synchronization

/// One worker per pod bound to this node, created when the pod appears and gone when the
/// worker has finished with it (the kubelet's pod workers).
final class PodManager: Sendable {
    let context: AgentContext
    let workers = Mutex<[String: PodWorker]>([:])
    let changes: AsyncStream<InformerEvent<Pod>>
    let changesInbox: AsyncStream<InformerEvent<Pod>>.Continuation

    init(context: AgentContext) {
        self.context = context
        (self.changes, self.changesInbox) = AsyncStream.makeStream(of: InformerEvent<Pod>.self)
    }

    func register(_ pods: Informer<Pod>) {
        let inbox = self.changesInbox
        pods.addHandler { inbox.yield($0) }
    }

    func run() async {
        await withDiscardingTaskGroup { group in
            for await change in self.changes {
                switch change {
                case .added(let pod), .updated(_, let pod):
                    if let worker = self.workers.withLock({ $0[pod.metadata.uid] }) {
                        worker.send(.updated(pod))
                        continue
                    }
                    if pod.isTerminal { continue }
                    if pod.metadata.deletionTimestamp != nil {
                        // Being deleted and nothing of it runs here: let it go at once.
                        var options = DeleteOptions(gracePeriodSeconds: 0)
                        options.preconditions = DeleteOptions.Preconditions(uid: pod.metadata.uid)
                        try? await self.context.client.delete(Pod.self, namespace: pod.metadata.namespace, name: pod.metadata.name,
                                                              options: options)
                        continue
                    }
                    let worker = PodWorker(pod: pod, context: self.context)
                    self.workers.withLock { $0[pod.metadata.uid] = worker }
                    group.addTask {
                        await worker.run()
                        _ = self.workers.withLock { $0.removeValue(forKey: pod.metadata.uid) }
                    }
                case .deleted(let pod):
                    self.workers.withLock { $0[pod.metadata.uid] }?.send(.deleted)
                }
            }
        }
    }

    func worker(namespace: String, name: String) async -> PodWorker? {
        let all = self.workers.withLock { Array($0.values) }
        for worker in all where worker.namespace == namespace && worker.name == name {
            return worker
        }
        return nil
    }
}
