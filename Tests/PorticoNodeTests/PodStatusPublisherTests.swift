import PorticoAPI
@testable import PorticoNode
import Testing

/// The status the publisher writes: `PodStatusBuilder`'s, except that an init container that
/// failed under restartPolicy Never fails the pod.
struct PodStatusPublisherTests {
    static func input(policy: RestartPolicy, initExit: Int32) -> PodStatusBuilder.Input {
        var pod = Pod(metadata: ObjectMeta(name: "p", namespace: "default"))
        pod.spec.initContainers = [Container(name: "setup", image: "x")]
        pod.spec.containers = [Container(name: "app", image: "x")]
        pod.spec.restartPolicy = policy
        var setup = ContainerRecord(name: "setup", image: "x")
        setup.state = ContainerState(terminated: ContainerStateTerminated(exitCode: initExit, reason: initExit == 0 ? "Completed" : "Error"))
        return PodStatusBuilder.Input(pod: pod, sandboxReady: true, podIP: "10.244.1.2", hostIP: "10.10.10.1", initContainers: [setup],
                                      containers: [ContainerRecord(name: "app", image: "x")], initialized: false,
                                      now: Time(secondsSinceEpoch: 1_000))
    }

    @Test func aFailedInitContainerUnderNeverFailsThePod() {
        #expect(PodStatusPublisher.status(Self.input(policy: .never, initExit: 1)).phase == .failed)
        // It will be run again under the other policies: still Pending.
        #expect(PodStatusPublisher.status(Self.input(policy: .onFailure, initExit: 1)).phase == .pending)
        #expect(PodStatusPublisher.status(Self.input(policy: .always, initExit: 1)).phase == .pending)
        // Otherwise the builder's status, as it is.
        let input = Self.input(policy: .never, initExit: 0)
        #expect(PodStatusPublisher.status(input) == PodStatusBuilder.status(input))
    }
}
