import PorticoAPI
import PorticoImages
import PorticoSystem

/// One pod's life on this node as a pure state machine: the decisions of the kubelet's pod
/// worker without its I/O. Events come in (the pod changed, the sandbox or a container start
/// was answered, a container exited, a probe reported, a timer fired); actions go out, in
/// the order they are to be done (make the sandbox, launch a container, signal it, wait for
/// it, probe it, record an event, publish the status). It never awaits and never reads a
/// clock: each event is handled at a `Moment` the caller gives, so back-off and timestamps
/// can be tested without waiting. `PodWorker` feeds it and does what it asks.
///
/// The kubelet's rules kept here:
/// - init containers run one at a time, in order, each to success, before any container;
/// - restartPolicy: Always restarts any exit, OnFailure a non-zero one, Never none (a
///   failed init container follows the same rule);
/// - CrashLoopBackOff: the first restart is immediate, then 10 s doubling to 5 min from the
///   last exit, forgotten after 10 min without a restart (`ContainerBackOff`);
/// - probes against their thresholds (`ProbeTracker`): a startup probe holds back liveness
///   and readiness until it succeeds; a failed startup or liveness probe kills the
///   container, whose exit then restarts it per restartPolicy; readiness sets `ready`;
/// - deletion: SIGTERM to every container, SIGKILL when the grace period is over, and once
///   nothing runs the sandbox goes and the pod object is deleted for good.
struct PodLifecycle: Sendable {
    /// When an event is handled: `uptime` (seconds on a clock that never jumps) measures
    /// back-off, `time` stamps container states.
    struct Moment: Sendable, Equatable {
        var uptime: Double
        var time: Time
    }

    enum Event: Sendable, Equatable {
        /// The pod object changed; a deletion timestamp begins termination.
        case updated(Pod)
        /// The pod object is gone without a grace period (a forced delete).
        case deleted
        /// Make the sandbox: at the start, and again after a failed try.
        case setUpSandbox
        /// The answer to `.createSandbox`: the sandbox is up at this address.
        case sandboxReady(ip: String)
        /// The answer to `.createSandbox`: it failed. `keptIP` is the address of a sandbox
        /// whose network was made before writing the pod's files failed; that sandbox stays
        /// and is not made again (as the worker has always behaved).
        case sandboxFailed(String, keptIP: String?)
        /// Start this container: its first start, a restart, or a retry after a failed one.
        case start(String)
        /// The answer to `.launch`: the process runs.
        case launched(String, containerID: String)
        /// The answer to `.launch`: nothing runs.
        case launchFailed(String, LaunchFailure)
        /// A run of a container ended; `message` is what it left in its termination log.
        case exited(String, generation: Int, ProcessExit, message: String)
        case probed(String, ProbeKind, generation: Int, ProbeRunner.Outcome)
        /// The grace period of a container killed for a failed probe is over.
        case forceKill(String, generation: Int)
        /// The pod's termination grace period is over.
        case terminationDeadline
    }

    /// Why a launch ran nothing; the two are reported under different reasons.
    enum LaunchFailure: Sendable, Equatable {
        /// The container's configuration (its environment) could not be resolved.
        case configuration(String)
        /// The runtime could not start the process.
        case runtime(String)
    }

    /// A Kubernetes Event about the pod (`fieldPath` names a container, or is empty).
    struct Note: Sendable, Equatable {
        var type: String
        var reason: String
        var message: String
        var fieldPath = ""
    }

    enum Action: Sendable, Equatable {
        /// Make the pod's sandbox (network namespace, veth, address, its hosts and
        /// resolv.conf files); answer with `.sandboxReady` or `.sandboxFailed`.
        case createSandbox
        /// Run the container's process: resolve its environment, expand the program, start
        /// it in the sandbox with its output in log file `logIndex`; answer with
        /// `.launched` or `.launchFailed`.
        case launch(Container, ImageCatalog.Launch, logIndex: Int32)
        /// This run is the container's current one: wait for its exit (`.exited`); its
        /// probes report for as long as it stays current.
        case watch(String, generation: Int)
        /// Run this probe of the current run every period, reporting `.probed`.
        case probe(Container, ProbeKind, Probe, generation: Int)
        /// The container's probes stop: its run ended or is being killed.
        case stopProbes(String)
        case stopAllProbes
        case signal(String, ContainerSignal)
        /// Hand this event back after the delay.
        case after(Duration, Event)
        case record(Note)
        /// Take the sandbox down and give its address back; the status stays.
        case releaseSandbox
        /// The kubelet's last word on a terminating pod: delete the object for good.
        case deletePod
        /// The status may have changed: write it once this step is done.
        case publishStatus
    }

    /// The run of a container that is alive now. Each run has a new generation, so that
    /// exits, probe results and timers of an earlier run are told apart and ignored.
    struct Run: Sendable, Equatable {
        var generation: Int
        var startedAt: Time
    }

    /// A question to the runtime within one step; until its answer the step is not over.
    enum Awaiting: Sendable, Equatable {
        case sandbox
        case launch(String, ImageCatalog.Launch)
    }

    private(set) var pod: Pod
    let uid: String
    private(set) var records: [String: ContainerRecord] = [:]
    private(set) var runs: [String: Run] = [:]
    private(set) var trackers: [String: [ProbeKind: ProbeTracker]] = [:]
    private(set) var backOffs: [String: ContainerBackOff] = [:]
    /// When each container last exited, for its back-off.
    private var finishedAt: [String: Double] = [:]
    /// Containers started at least once here: a further start is a restart.
    private var hasStarted: Set<String> = []
    private var nextGeneration = 0
    private(set) var initialized: Bool
    private var initIndex = 0
    private(set) var terminating = false
    /// Nothing more will happen: the worker stops.
    private(set) var finished = false
    /// The sandbox's address; nil while there is no sandbox.
    private(set) var podIP: String?
    private(set) var awaiting: Awaiting?

    init(pod: Pod) {
        self.pod = pod
        self.uid = pod.metadata.uid
        self.initialized = pod.spec.initContainers.isEmpty
        // Restart counts carry over from what the pod's status already says (an agent restart).
        let previous = Dictionary(pod.status.containerStatuses.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for container in pod.spec.initContainers + pod.spec.containers {
            var record = ContainerRecord(name: container.name, image: container.image)
            if pod.spec.initContainers.contains(where: { $0.name == container.name }) {
                record.state = ContainerState(waiting: ContainerStateWaiting(reason: "PodInitializing"))
            }
            if let old = previous[container.name], old.state.running != nil || old.state.terminated != nil || old.lastState.terminated != nil {
                record.restartCount = old.restartCount + 1
            }
            self.records[container.name] = record
        }
    }

    // MARK: Handling

    /// Handles one event. Unless a question to the runtime is still open, the step then
    /// settles: a pod done for good gives up its sandbox, a terminating pod with nothing
    /// running finishes, and the status is published.
    mutating func handle(_ event: Event, at now: Moment) -> [Action] {
        var actions: [Action]
        switch event {
        case .updated(let pod):
            self.pod = pod
            actions = []
            if pod.metadata.deletionTimestamp != nil, !self.terminating {
                actions = self.beginTermination(grace: pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30)
            }
        case .deleted:
            // Gone without a grace period: stop everything now.
            self.terminating = true
            actions = self.runningNames.map { .signal($0, .kill) }
        case .setUpSandbox:
            actions = []
            if !self.terminating, self.podIP == nil {
                self.awaiting = .sandbox
                actions = [.createSandbox]
            }
        case .sandboxReady(let ip):
            self.awaiting = nil
            self.podIP = ip
            actions = self.firstStarts()
        case .sandboxFailed(let error, let keptIP):
            self.awaiting = nil
            if let keptIP { self.podIP = keptIP }
            actions = [.record(Note(type: PorticoAPI.Event.warning, reason: "FailedCreatePodSandBox", message: "Failed to create pod sandbox: \(error)")),
                       .after(.seconds(5), .setUpSandbox)]
        case .start(let name):
            actions = self.startRequested(name, at: now)
        case .launched(let name, let containerID):
            actions = self.launched(name, containerID: containerID, at: now)
        case .launchFailed(let name, let failure):
            actions = self.launchFailed(name, failure)
        case .exited(let name, let generation, let exit, let message):
            actions = self.exited(name, generation: generation, exit, message: message, at: now)
        case .probed(let name, let kind, let generation, let outcome):
            actions = self.probed(name, kind, generation: generation, outcome)
        case .forceKill(let name, let generation):
            actions = self.runs[name]?.generation == generation ? [.signal(name, .kill)] : []
        case .terminationDeadline:
            actions = self.runningNames.map { .signal($0, .kill) }
        }
        if self.awaiting == nil { actions += self.settle(after: event) }
        return actions
    }

    /// The pod as the API server returned it from a status write: later decisions read it
    /// (its phase, once Succeeded or Failed, ends the pod here).
    mutating func adopt(_ pod: Pod) {
        self.pod = pod
    }

    private mutating func settle(after event: Event) -> [Action] {
        var actions: [Action] = []
        if self.terminating, self.runs.isEmpty, !self.finished {
            actions += self.releaseSandbox()
            self.finished = true
            // A forced delete has already removed the object.
            if event != .deleted { actions.append(.deletePod) }
        } else if !self.terminating, self.pod.isTerminal || self.isFinishedRunning, self.runs.isEmpty, self.podIP != nil {
            // Every container is done for good: the sandbox goes, the status stays.
            actions += self.releaseSandbox()
        }
        if !self.finished { actions.append(.publishStatus) }
        return actions
    }

    private mutating func releaseSandbox() -> [Action] {
        guard self.podIP != nil else { return [] }
        self.podIP = nil
        return [.releaseSandbox]
    }

    /// No container runs and none will restart.
    var isFinishedRunning: Bool {
        guard self.initialized else { return false }
        let phase = PodStatusBuilder.phase(self.statusInput(hostIP: "", now: Time(secondsSinceEpoch: 0)))
        return phase == .succeeded || phase == .failed
    }

    // MARK: Starting

    /// Once the sandbox is up: the first init container, or every container if there are none.
    private func firstStarts() -> [Action] {
        if self.initialized {
            return self.pod.spec.containers.map { Action.after(.zero, .start($0.name)) }
        }
        return [.after(.zero, .start(self.pod.spec.initContainers[0].name))]
    }

    private mutating func startRequested(_ name: String, at now: Moment) -> [Action] {
        guard !self.terminating, self.runs[name] == nil else { return [] }
        if let wait = self.backOffRemaining(name, at: now) { return [.after(wait, .start(name))] }
        guard self.podIP != nil, let (container, _) = self.spec(name), var record = self.records[name] else { return [] }
        switch ImageCatalog.launch(image: container.image, command: container.command, args: container.args) {
        case .failure(let notRunnable):
            // Said once: the image will not become runnable by trying again.
            guard record.state.waiting?.reason != "ImageNotRunnable" else { return [] }
            record.state = ContainerState(waiting: ContainerStateWaiting(reason: "ImageNotRunnable", message: notRunnable.description))
            self.records[name] = record
            return [.record(Note(type: PorticoAPI.Event.warning, reason: "Failed", message: "Error: ImageNotRunnable: \(notRunnable.description)",
                                 fieldPath: self.fieldPath(name)))]
        case .success(let program):
            self.awaiting = .launch(name, program)
            let logIndex = record.restartCount + (self.hasStarted.contains(name) ? 1 : 0)
            return [.launch(container, program, logIndex: logIndex)]
        }
    }

    /// What a start does to the record whether or not the process then runs: the last
    /// termination moves to lastState, and a start after an earlier one counts as a restart.
    private func beginRun(_ name: String, _ record: inout ContainerRecord) {
        if record.state.terminated != nil { record.lastState = record.state }
        if self.hasStarted.contains(name) { record.restartCount += 1 }
    }

    private mutating func launched(_ name: String, containerID: String, at now: Moment) -> [Action] {
        guard case .launch(name, let program) = self.awaiting else { return [] }
        self.awaiting = nil
        guard let (container, _) = self.spec(name), var record = self.records[name] else { return [] }
        self.beginRun(name, &record)
        self.hasStarted.insert(name)
        self.nextGeneration += 1
        let generation = self.nextGeneration
        self.runs[name] = Run(generation: generation, startedAt: now.time)
        record.state = ContainerState(running: ContainerStateRunning(startedAt: now.time))
        record.containerID = containerID
        record.imageID = Self.imageID(container.image, launch: program)
        record.started = container.startupProbe == nil
        record.ready = record.started && container.readinessProbe == nil
        self.records[name] = record
        let fieldPath = self.fieldPath(name)
        var actions: [Action] = [
            .watch(name, generation: generation),
            .record(Note(type: PorticoAPI.Event.normal, reason: "Pulled", message: "Container image \"\(container.image)\" already present on machine",
                         fieldPath: fieldPath)),
            .record(Note(type: PorticoAPI.Event.normal, reason: "Created", message: "Created container: \(name)", fieldPath: fieldPath)),
            .record(Note(type: PorticoAPI.Event.normal, reason: "Started", message: "Started container \(name)", fieldPath: fieldPath)),
        ]
        self.trackers[name] = [:]
        if let probe = container.startupProbe {
            self.trackers[name]?[.startup] = ProbeTracker(probe, kind: .startup)
            actions.append(.probe(container, .startup, probe, generation: generation))
        } else {
            actions += self.livenessAndReadiness(container, generation: generation)
        }
        return actions
    }

    private mutating func launchFailed(_ name: String, _ failure: LaunchFailure) -> [Action] {
        guard case .launch(name, _) = self.awaiting else { return [] }
        self.awaiting = nil
        guard var record = self.records[name] else { return [] }
        let message: String
        switch failure {
        case .configuration(let error):
            message = error
            record.state = ContainerState(waiting: ContainerStateWaiting(reason: "CreateContainerConfigError", message: error))
        case .runtime(let error):
            message = error
            self.beginRun(name, &record)
            record.state = ContainerState(waiting: ContainerStateWaiting(reason: "RunContainerError", message: error))
        }
        self.records[name] = record
        return [.record(Note(type: PorticoAPI.Event.warning, reason: "Failed", message: "Error: \(message)", fieldPath: self.fieldPath(name))),
                .after(.seconds(10), .start(name))]
    }

    private mutating func livenessAndReadiness(_ container: Container, generation: Int) -> [Action] {
        var actions: [Action] = []
        for (kind, probe) in [(ProbeKind.liveness, container.livenessProbe), (.readiness, container.readinessProbe)] {
            guard let probe else { continue }
            self.trackers[container.name, default: [:]][kind] = ProbeTracker(probe, kind: kind)
            actions.append(.probe(container, kind, probe, generation: generation))
        }
        return actions
    }

    // MARK: Exits and restarts

    private mutating func exited(_ name: String, generation: Int, _ exit: ProcessExit, message: String, at now: Moment) -> [Action] {
        guard let run = self.runs[name], run.generation == generation, var record = self.records[name],
              let (_, isInit) = self.spec(name)
        else { return [] }
        self.runs[name] = nil
        var terminated = ContainerStateTerminated(exitCode: exit.exitCode, signal: exit.signal, reason: exit.exitCode == 0 ? "Completed" : "Error",
                                                  message: String(message.prefix(4096)), startedAt: run.startedAt, finishedAt: now.time)
        terminated.containerID = record.containerID
        record.state = ContainerState(terminated: terminated)
        record.ready = false
        record.started = false
        self.records[name] = record
        var actions: [Action] = [.stopProbes(name)]
        if self.terminating { return actions }
        if isInit, exit.exitCode == 0 {
            actions += self.nextAfterInit()
            return actions
        }
        let policy = self.pod.spec.restartPolicy
        let restart = policy == .onFailure ? exit.exitCode != 0 : policy != .never
        if restart { actions += self.restart(name, finishedAt: now.uptime) }
        return actions
    }

    /// An init container succeeded: the next one, or the pod's containers once all are done.
    private mutating func nextAfterInit() -> [Action] {
        self.initIndex += 1
        if self.initIndex < self.pod.spec.initContainers.count {
            return [.after(.zero, .start(self.pod.spec.initContainers[self.initIndex].name))]
        }
        self.initialized = true
        return self.pod.spec.containers.map { Action.after(.zero, .start($0.name)) }
    }

    private mutating func restart(_ name: String, finishedAt: Double) -> [Action] {
        self.finishedAt[name] = finishedAt
        var backOff = self.backOffs[name] ?? ContainerBackOff()
        let decision = backOff.decide(finishedAt: finishedAt, now: finishedAt)
        self.backOffs[name] = backOff
        switch decision {
        case .startNow:
            return [.after(.zero, .start(name))]
        case .wait(let seconds, let period):
            self.moveToWaiting(name, period: period)
            return [.record(Note(type: PorticoAPI.Event.warning, reason: "BackOff",
                                 message: "Back-off restarting failed container \(name) in pod \(self.podDescription)", fieldPath: self.fieldPath(name))),
                    .after(Self.delay(seconds), .start(name))]
        }
    }

    /// When a start is asked for while the container is in CrashLoopBackOff: how long is
    /// left to wait, or nil to start now (which raises the back-off).
    private mutating func backOffRemaining(_ name: String, at now: Moment) -> Duration? {
        guard let finishedAt = self.finishedAt[name], var backOff = self.backOffs[name],
              self.records[name]?.state.waiting?.reason == "CrashLoopBackOff"
        else { return nil }
        let decision = backOff.decide(finishedAt: finishedAt, now: now.uptime)
        self.backOffs[name] = backOff
        if case .wait(let seconds, _) = decision { return Self.delay(seconds) }
        return nil
    }

    /// A back-off wait, a little over so that the timer lands after the back-off has passed.
    static func delay(_ seconds: Double) -> Duration {
        .milliseconds(Int64(seconds * 1000) + 10)
    }

    private mutating func moveToWaiting(_ name: String, period: Double) {
        guard var record = self.records[name] else { return }
        if record.state.terminated != nil { record.lastState = record.state }
        record.state = ContainerState(waiting: ContainerStateWaiting(
            reason: "CrashLoopBackOff",
            message: "back-off \(ContainerBackOff.text(period)) restarting failed container=\(name) pod=\(self.podDescription)"))
        self.records[name] = record
    }

    // MARK: Probes

    private mutating func probed(_ name: String, _ kind: ProbeKind, generation: Int, _ outcome: ProbeRunner.Outcome) -> [Action] {
        guard let run = self.runs[name], run.generation == generation, var tracker = self.trackers[name]?[kind],
              let (container, _) = self.spec(name), var record = self.records[name]
        else { return [] }
        var actions: [Action] = []
        var success = true
        if case .failure(let output) = outcome {
            success = false
            actions.append(.record(Note(type: PorticoAPI.Event.warning, reason: "Unhealthy", message: "\(kind.rawValue) probe failed: \(output)",
                                        fieldPath: self.fieldPath(name))))
        }
        let flipped = tracker.record(success)
        self.trackers[name]?[kind] = tracker
        switch kind {
        case .readiness:
            record.ready = record.started && tracker.result
        case .startup:
            if flipped, tracker.result {
                // Started: liveness and readiness take over from here.
                record.started = true
                record.ready = container.readinessProbe == nil
                actions += self.livenessAndReadiness(container, generation: generation)
            } else if flipped {
                actions += self.kill(name, because: "failed startup probe")
            }
        case .liveness:
            if flipped, !tracker.result { actions += self.kill(name, because: "failed liveness probe") }
        }
        if self.runs[name] != nil {
            self.records[name]?.ready = record.ready
            self.records[name]?.started = record.started
        }
        return actions
    }

    /// Stops a container that failed a probe; its exit then restarts it per restartPolicy.
    /// The grace period is the liveness probe's own, if it has one, else the pod's.
    private func kill(_ name: String, because reason: String) -> [Action] {
        guard let run = self.runs[name], let (container, _) = self.spec(name) else { return [] }
        var message = "Container \(name) \(reason)"
        if self.pod.spec.restartPolicy != .never { message += ", will be restarted" }
        let grace = container.livenessProbe?.terminationGracePeriodSeconds ?? self.pod.spec.terminationGracePeriodSeconds ?? 30
        return [.stopProbes(name),
                .record(Note(type: PorticoAPI.Event.normal, reason: "Killing", message: message, fieldPath: self.fieldPath(name))),
                .signal(name, .terminate),
                .after(.seconds(max(grace, 0)), .forceKill(name, generation: run.generation))]
    }

    // MARK: Termination

    private mutating func beginTermination(grace: Int64) -> [Action] {
        self.terminating = true
        var actions: [Action] = [.stopAllProbes]
        for name in self.runningNames {
            actions.append(.signal(name, .terminate))
            actions.append(.record(Note(type: PorticoAPI.Event.normal, reason: "Killing", message: "Stopping container \(name)",
                                        fieldPath: self.fieldPath(name))))
        }
        if self.runs.isEmpty { return actions }
        actions.append(.after(.seconds(max(grace, 0)), .terminationDeadline))
        return actions
    }

    // MARK: What the worker reads

    /// The containers running now, in a steady order.
    var runningNames: [String] { self.runs.keys.sorted() }

    func isRunning(_ name: String) -> Bool { self.runs[name] != nil }

    func record(_ name: String) -> ContainerRecord? { self.records[name] }

    /// The pod as the kubelet names it in messages: `name_namespace(uid)`.
    var podDescription: String { "\(self.pod.metadata.name)_\(self.pod.metadata.namespace)(\(self.uid))" }

    func spec(_ name: String) -> (Container, isInit: Bool)? {
        if let c = self.pod.spec.containers.first(where: { $0.name == name }) { return (c, false) }
        if let c = self.pod.spec.initContainers.first(where: { $0.name == name }) { return (c, true) }
        return nil
    }

    func fieldPath(_ name: String) -> String {
        self.pod.spec.initContainers.contains { $0.name == name } ? "spec.initContainers{\(name)}" : "spec.containers{\(name)}"
    }

    static func imageID(_ image: String, launch: ImageCatalog.Launch) -> String {
        switch launch {
        case .portico: return "portico-builtin://\(image)"
        case .host(let argv): return "host://\(argv.first ?? "")"
        }
    }

    /// What the status is built from; the host's address and the time come from outside.
    func statusInput(hostIP: String, now: Time) -> PodStatusBuilder.Input {
        PodStatusBuilder.Input(
            pod: self.pod, sandboxReady: self.podIP != nil, podIP: self.podIP, hostIP: hostIP,
            initContainers: self.pod.spec.initContainers.compactMap { self.records[$0.name] },
            containers: self.pod.spec.containers.compactMap { self.records[$0.name] },
            initialized: self.initialized, now: now)
    }
}
