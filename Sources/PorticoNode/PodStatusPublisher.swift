import Logging
import PorticoAPI
import PorticoClient

/// Writes a pod's status as the kubelet's status manager does: built from what the agent
/// knows (`PodStatusBuilder`), written only when it differs from what the server has, and
/// on a conflict written again over the pod as the server has it now.
struct PodStatusPublisher: Sendable {
    let client: KubeClient
    let logger: Logger

    /// The status to report. Beyond `PodStatusBuilder`: an init container that failed under
    /// restartPolicy Never will not run again, and neither will the pod's containers, so
    /// the pod has Failed (getPhase alone would leave it Pending).
    static func status(_ input: PodStatusBuilder.Input) -> PodStatus {
        var status = PodStatusBuilder.status(input)
        if !input.initialized, input.pod.spec.restartPolicy == .never,
           input.initContainers.contains(where: { ($0.state.terminated?.exitCode ?? 0) != 0 })
        {
            status.phase = .failed
        }
        return status
    }

    /// Writes the status of `input` if it changed; returns the pod as the server last showed
    /// it (`input.pod` when nothing was written). A conflict is retried twice over a fresh
    /// read; a fresh read that shows the pod being deleted is handed to `deletionSeen`, as
    /// the rest of the pod may have moved on too. A pod gone (or replaced, another uid)
    /// is not written.
    func publish(_ input: PodStatusBuilder.Input, uid: String, podDescription: String,
                 deletionSeen: @Sendable (Pod) -> Void) async -> Pod {
        let status = Self.status(input)
        var pod = input.pod
        guard status != pod.status else { return pod }
        for attempt in 0..<3 {
            var updated = pod
            updated.status = status
            do {
                return try await self.client.updateStatus(updated)
            } catch let error as APIError where error.code == 409 && attempt < 2 {
                guard let fresh = try? await self.client.get(Pod.self, namespace: pod.metadata.namespace, name: pod.metadata.name),
                      fresh.metadata.uid == uid
                else { return pod }
                pod = fresh
                if fresh.metadata.deletionTimestamp != nil { deletionSeen(fresh) }
            } catch let error as APIError where error.code == 404 {
                return pod
            } catch {
                self.logger.debug("pod status not written", metadata: ["pod": "\(podDescription)", "error": "\(error)"])
                return pod
            }
        }
        return pod
    }
}
