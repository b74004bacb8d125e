import PorticoAPI
import PorticoSystem
import PorticoImages
@testable import PorticoNode
import Testing

/// The pod lifecycle machine driven by hand: each test feeds the events a worker would
/// (answers of the runtime included) and reads the actions, with moments it chooses, so
/// back-off is tested without waiting and nothing runs.
struct PodLifecycleTests {
    static let pause = Container(name: "app", image: "registry.k8s.io/pause:3.10")

    static func pod(_ containers: [Container], initContainers: [Container] = [], policy: RestartPolicy = .always) -> Pod {
        var pod = Pod(metadata: ObjectMeta(name: "web", namespace: "default"))
        pod.metadata.uid = "uid-1"
        pod.spec.containers = containers
        pod.spec.initContainers = initContainers
        pod.spec.restartPolicy = policy
        return pod
    }

    static func at(_ uptime: Double) -> PodLifecycle.Moment {
        PodLifecycle.Moment(uptime: uptime, time: Time(secondsSinceEpoch: 1_000 + Int64(uptime)))
    }

    /// A machine whose sandbox is up.
    static func machine(_ pod: Pod) -> PodLifecycle {
        var machine = PodLifecycle(pod: pod)
        _ = machine.handle(.setUpSandbox, at: at(0))
        _ = machine.handle(.sandboxReady(ip: "10.244.1.2"), at: at(0))
        return machine
    }

    /// Starts a container and has the runtime say it runs; returns what the launch answered.
    @discardableResult
    static func run(_ machine: inout PodLifecycle, _ name: String, at uptime: Double) -> [PodLifecycle.Action] {
        let launch = machine.handle(.start(name), at: at(uptime))
        #expect(launch.count == 1, "\(launch)")
        return machine.handle(.launched(name, containerID: "portico://\(name)"), at: at(uptime))
    }

    static func exit(_ name: String, _ generation: Int, code: Int32, message: String = "") -> PodLifecycle.Event {
        .exited(name, generation: generation, ProcessExit(exitCode: code), message: message)
    }

    @Test func theSandboxComesFirstAndItsFailureIsRetried() {
        var machine = PodLifecycle(pod: Self.pod([Self.pause]))
        // No status is written until the runtime has answered.
        #expect(machine.handle(.setUpSandbox, at: Self.at(0)) == [.createSandbox])
        let failed = machine.handle(.sandboxFailed("no address left", keptIP: nil), at: Self.at(0))
        #expect(failed == [.record(.init(type: "Warning", reason: "FailedCreatePodSandBox", message: "Failed to create pod sandbox: no address left")),
                           .after(.seconds(5), .setUpSandbox), .publishStatus])
        #expect(machine.handle(.setUpSandbox, at: Self.at(5)) == [.createSandbox])
        #expect(machine.handle(.sandboxReady(ip: "10.244.1.2"), at: Self.at(5)) == [.after(.zero, .start("app")), .publishStatus])
        #expect(machine.podIP == "10.244.1.2")
        #expect(machine.handle(.start("app"), at: Self.at(5)) == [.launch(Self.pause, .portico(["pause"]), logIndex: 0)])
        let started = machine.handle(.launched("app", containerID: "portico://a"), at: Self.at(5))
        #expect(started.first == .watch("app", generation: 1))
        #expect(started.map { if case .record(let note) = $0 { note.reason } else { "" } }.filter { !$0.isEmpty } == ["Pulled", "Created", "Started"])
        #expect(started.last == .publishStatus)
        #expect(machine.record("app")?.state.running?.startedAt == Time(secondsSinceEpoch: 1_005))
        #expect(machine.record("app")?.ready == true)
    }

    @Test func alwaysRestartsAtOnceThenBacksOffDoubling() {
        var machine = Self.machine(Self.pod([Self.pause], policy: .always))
        Self.run(&machine, "app", at: 0)
        // The first restart is immediate, even after a success.
        #expect(machine.handle(Self.exit("app", 1, code: 0, message: "bye"), at: Self.at(5))
            == [.stopProbes("app"), .after(.zero, .start("app")), .publishStatus])
        #expect(machine.record("app")?.state.terminated?.message == "bye")
        #expect(machine.handle(.start("app"), at: Self.at(5)) == [.launch(Self.pause, .portico(["pause"]), logIndex: 1)])
        _ = machine.handle(.launched("app", containerID: "portico://b"), at: Self.at(5))
        #expect(machine.record("app")?.restartCount == 1)
        #expect(machine.record("app")?.lastState.terminated?.reason == "Completed")

        // The next exit waits 10 s, in CrashLoopBackOff.
        let backOff = machine.handle(Self.exit("app", 2, code: 1), at: Self.at(6))
        #expect(backOff.contains(.after(.milliseconds(10_010), .start("app"))))
        #expect(backOff.contains(.record(.init(type: "Warning", reason: "BackOff",
                                               message: "Back-off restarting failed container app in pod web_default(uid-1)",
                                               fieldPath: "spec.containers{app}"))))
        #expect(machine.record("app")?.state.waiting?.reason == "CrashLoopBackOff")
        #expect(machine.record("app")?.state.waiting?.message == "back-off 10s restarting failed container=app pod=web_default(uid-1)")
        #expect(machine.record("app")?.lastState.terminated?.exitCode == 1)
        // Asked too early, the start waits for the rest.
        #expect(machine.handle(.start("app"), at: Self.at(10)) == [.after(.milliseconds(6_010), .start("app")), .publishStatus])
        Self.run(&machine, "app", at: 16.5)
        #expect(machine.record("app")?.restartCount == 2)
        // Then 20 s.
        #expect(machine.handle(Self.exit("app", 3, code: 1), at: Self.at(17)).contains(.after(.milliseconds(20_010), .start("app"))))
        #expect(machine.record("app")?.state.waiting?.message == "back-off 20s restarting failed container=app pod=web_default(uid-1)")
        Self.run(&machine, "app", at: 40)
        // Ten minutes without a restart and the back-off is forgotten.
        #expect(machine.handle(Self.exit("app", 4, code: 1), at: Self.at(700))
            == [.stopProbes("app"), .after(.zero, .start("app")), .publishStatus])
    }

    @Test func onFailureRestartsFailuresOnly() {
        var failing = Self.machine(Self.pod([Self.pause], policy: .onFailure))
        Self.run(&failing, "app", at: 0)
        #expect(failing.handle(Self.exit("app", 1, code: 3), at: Self.at(1)).contains(.after(.zero, .start("app"))))

        var succeeding = Self.machine(Self.pod([Self.pause], policy: .onFailure))
        Self.run(&succeeding, "app", at: 0)
        // Exit 0 under OnFailure: done for good, so the sandbox goes and the status stays.
        #expect(succeeding.handle(Self.exit("app", 1, code: 0), at: Self.at(1)) == [.stopProbes("app"), .releaseSandbox, .publishStatus])
        #expect(succeeding.isFinishedRunning)
        #expect(succeeding.podIP == nil)
        #expect(PodStatusPublisher.status(succeeding.statusInput(hostIP: "10.10.10.1", now: Time(secondsSinceEpoch: 1_001))).phase == .succeeded)
    }

    @Test func neverRestartsNothing() {
        var machine = Self.machine(Self.pod([Self.pause], policy: .never))
        Self.run(&machine, "app", at: 0)
        #expect(machine.handle(Self.exit("app", 1, code: 2), at: Self.at(1)) == [.stopProbes("app"), .releaseSandbox, .publishStatus])
        #expect(PodStatusPublisher.status(machine.statusInput(hostIP: "", now: Time(secondsSinceEpoch: 1_001))).phase == .failed)
    }

    @Test func initContainersRunOneAtATimeBeforeTheContainers() {
        let first = Container(name: "first", image: "registry.k8s.io/pause:3.10")
        let second = Container(name: "second", image: "registry.k8s.io/pause:3.10")
        var machine = PodLifecycle(pod: Self.pod([Self.pause], initContainers: [first, second]))
        #expect(machine.record("first")?.state.waiting?.reason == "PodInitializing")
        _ = machine.handle(.setUpSandbox, at: Self.at(0))
        #expect(machine.handle(.sandboxReady(ip: "10.244.1.2"), at: Self.at(0)) == [.after(.zero, .start("first")), .publishStatus])
        Self.run(&machine, "first", at: 0)
        #expect(machine.handle(Self.exit("first", 1, code: 0), at: Self.at(1)) == [.stopProbes("first"), .after(.zero, .start("second")), .publishStatus])
        #expect(!machine.initialized)
        Self.run(&machine, "second", at: 1)
        #expect(machine.handle(Self.exit("second", 2, code: 0), at: Self.at(2)) == [.stopProbes("second"), .after(.zero, .start("app")), .publishStatus])
        #expect(machine.initialized)
        let started = Self.run(&machine, "app", at: 2)
        #expect(started.first == .watch("app", generation: 3))
    }

    @Test func aFailedInitContainerIsRetriedOrFailsThePod() {
        let setup = Container(name: "setup", image: "registry.k8s.io/pause:3.10")
        // Always: the init container runs again (after back-off), the containers wait.
        var always = PodLifecycle(pod: Self.pod([Self.pause], initContainers: [setup], policy: .always))
        _ = always.handle(.setUpSandbox, at: Self.at(0))
        _ = always.handle(.sandboxReady(ip: "10.244.1.2"), at: Self.at(0))
        Self.run(&always, "setup", at: 0)
        #expect(always.handle(Self.exit("setup", 1, code: 1), at: Self.at(1)) == [.stopProbes("setup"), .after(.zero, .start("setup")), .publishStatus])
        #expect(!always.initialized)

        // Never: nothing more runs and the pod has Failed, though getPhase alone says Pending.
        var never = PodLifecycle(pod: Self.pod([Self.pause], initContainers: [setup], policy: .never))
        _ = never.handle(.setUpSandbox, at: Self.at(0))
        _ = never.handle(.sandboxReady(ip: "10.244.1.2"), at: Self.at(0))
        Self.run(&never, "setup", at: 0)
        #expect(never.handle(Self.exit("setup", 1, code: 1), at: Self.at(1)) == [.stopProbes("setup"), .publishStatus])
        let input = never.statusInput(hostIP: "10.10.10.1", now: Time(secondsSinceEpoch: 1_001))
        #expect(PodStatusBuilder.phase(input) == .pending)
        let status = PodStatusPublisher.status(input)
        #expect(status.phase == .failed)
        // Once the server has the Failed pod, the sandbox goes.
        var written = never.pod
        written.status = status
        never.adopt(written)
        #expect(never.handle(.updated(written), at: Self.at(2)) == [.releaseSandbox, .publishStatus])
    }

    @Test func livenessFailureKillsWithGraceAndRestarts() {
        var container = Self.pause
        var probe = Probe(tcpSocket: TCPSocketAction(port: .int(80)))
        probe.failureThreshold = 1
        container.livenessProbe = probe
        var pod = Self.pod([container])
        pod.spec.terminationGracePeriodSeconds = 7
        var machine = Self.machine(pod)
        #expect(Self.run(&machine, "app", at: 0).contains(.probe(container, .liveness, probe, generation: 1)))
        #expect(machine.handle(.probed("app", .liveness, generation: 1, .failure("connection refused")), at: Self.at(3)) == [
            .record(.init(type: "Warning", reason: "Unhealthy", message: "Liveness probe failed: connection refused", fieldPath: "spec.containers{app}")),
            .stopProbes("app"),
            .record(.init(type: "Normal", reason: "Killing", message: "Container app failed liveness probe, will be restarted",
                          fieldPath: "spec.containers{app}")),
            .signal("app", .terminate),
            .after(.seconds(7), .forceKill("app", generation: 1)),
            .publishStatus,
        ])
        #expect(machine.handle(.forceKill("app", generation: 1), at: Self.at(10)) == [.signal("app", .kill), .publishStatus])
        #expect(machine.handle(.exited("app", generation: 1, ProcessExit(exitCode: 137, signal: 9), message: ""), at: Self.at(10))
            == [.stopProbes("app"), .after(.zero, .start("app")), .publishStatus])
        Self.run(&machine, "app", at: 10)
        // What was meant for the killed run does not touch the new one.
        #expect(machine.handle(.forceKill("app", generation: 1), at: Self.at(17)) == [.publishStatus])
        #expect(machine.handle(.probed("app", .liveness, generation: 1, .failure("late")), at: Self.at(17)) == [.publishStatus])
        #expect(machine.isRunning("app"))
    }

    @Test func aFailedStartupProbeKills() {
        var container = Self.pause
        var startup = Probe(tcpSocket: TCPSocketAction(port: .int(80)))
        startup.failureThreshold = 2
        container.startupProbe = startup
        container.readinessProbe = Probe(tcpSocket: TCPSocketAction(port: .int(80)))
        var machine = Self.machine(Self.pod([container], policy: .never))
        let started = Self.run(&machine, "app", at: 0)
        // Only the startup probe runs until the container has started.
        #expect(started.filter { if case .probe = $0 { true } else { false } } == [.probe(container, .startup, startup, generation: 1)])
        #expect(machine.record("app")?.started == false)
        #expect(machine.handle(.probed("app", .startup, generation: 1, .failure("refused")), at: Self.at(1)).count == 2)
        let killed = machine.handle(.probed("app", .startup, generation: 1, .failure("refused")), at: Self.at(2))
        #expect(killed.contains(.record(.init(type: "Normal", reason: "Killing", message: "Container app failed startup probe",
                                              fieldPath: "spec.containers{app}"))))
        #expect(killed.contains(.after(.seconds(30), .forceKill("app", generation: 1))))
    }

    @Test func readinessFollowsItsProbe() {
        var container = Self.pause
        var probe = Probe(tcpSocket: TCPSocketAction(port: .int(80)))
        probe.failureThreshold = 1
        container.readinessProbe = probe
        var machine = Self.machine(Self.pod([container]))
        Self.run(&machine, "app", at: 0)
        #expect(machine.record("app")?.started == true)
        #expect(machine.record("app")?.ready == false)
        #expect(machine.handle(.probed("app", .readiness, generation: 1, .success), at: Self.at(1)) == [.publishStatus])
        #expect(machine.record("app")?.ready == true)
        _ = machine.handle(.probed("app", .readiness, generation: 1, .failure("HTTP probe failed with statuscode: 500")), at: Self.at(2))
        #expect(machine.record("app")?.ready == false)
        #expect(machine.isRunning("app"))
    }

    @Test func deletionStopsWithGraceThenDeletesThePod() {
        var machine = Self.machine(Self.pod([Self.pause]))
        Self.run(&machine, "app", at: 0)
        var deleting = machine.pod
        deleting.metadata.deletionTimestamp = Time(secondsSinceEpoch: 1_010)
        deleting.metadata.deletionGracePeriodSeconds = 5
        #expect(machine.handle(.updated(deleting), at: Self.at(10)) == [
            .stopAllProbes,
            .signal("app", .terminate),
            .record(.init(type: "Normal", reason: "Killing", message: "Stopping container app", fieldPath: "spec.containers{app}")),
            .after(.seconds(5), .terminationDeadline),
            .publishStatus,
        ])
        #expect(machine.terminating)
        // Nothing starts any more.
        #expect(machine.handle(.start("app"), at: Self.at(11)) == [.publishStatus])
        #expect(machine.handle(.terminationDeadline, at: Self.at(15)) == [.signal("app", .kill), .publishStatus])
        // The last exit ends it: no restart, the sandbox goes, the object is deleted, no status.
        #expect(machine.handle(.exited("app", generation: 1, ProcessExit(exitCode: 137, signal: 9), message: ""), at: Self.at(15))
            == [.stopProbes("app"), .releaseSandbox, .deletePod])
        #expect(machine.finished)
    }

    @Test func aForcedDeleteWithNothingRunningEndsAtOnce() {
        var machine = Self.machine(Self.pod([Self.pause]))
        // The object is already gone: the sandbox goes and nothing is written.
        #expect(machine.handle(.deleted, at: Self.at(1)) == [.releaseSandbox])
        #expect(machine.finished)
    }

    @Test func startsThatFailAreReportedAndRetried() {
        let nginx = Container(name: "web", image: "nginx:1.27")
        var machine = Self.machine(Self.pod([nginx, Self.pause]))
        let refused = machine.handle(.start("web"), at: Self.at(0))
        #expect(refused.count == 2)
        #expect(machine.record("web")?.state.waiting?.reason == "ImageNotRunnable")
        // Said once; no retry, as the image will not change by trying.
        #expect(machine.handle(.start("web"), at: Self.at(1)) == [.publishStatus])

        _ = machine.handle(.start("app"), at: Self.at(0))
        #expect(machine.handle(.launchFailed("app", .configuration("configmap \"cfg\" not found")), at: Self.at(0)) == [
            .record(.init(type: "Warning", reason: "Failed", message: "Error: configmap \"cfg\" not found", fieldPath: "spec.containers{app}")),
            .after(.seconds(10), .start("app")),
            .publishStatus,
        ])
        #expect(machine.record("app")?.state.waiting?.reason == "CreateContainerConfigError")
        Self.run(&machine, "app", at: 10)
        _ = machine.handle(Self.exit("app", 1, code: 1), at: Self.at(11))
        _ = machine.handle(.start("app"), at: Self.at(11))
        _ = machine.handle(.launchFailed("app", .runtime("exec: no such file")), at: Self.at(11))
        // A runtime failure is a start that counts: a restart, the exit kept as lastState.
        #expect(machine.record("app")?.state.waiting?.reason == "RunContainerError")
        #expect(machine.record("app")?.restartCount == 1)
        #expect(machine.record("app")?.lastState.terminated?.exitCode == 1)
    }

    @Test func restartCountsCarryOverFromTheStatus() {
        var pod = Self.pod([Self.pause])
        pod.status.containerStatuses = [ContainerStatus(name: "app", state: ContainerState(running: ContainerStateRunning(startedAt: Time(secondsSinceEpoch: 1))),
                                                        restartCount: 3)]
        var machine = Self.machine(pod)
        #expect(machine.record("app")?.restartCount == 4)
        #expect(machine.handle(.start("app"), at: Self.at(0)) == [.launch(Self.pause, .portico(["pause"]), logIndex: 4)])
    }
}
