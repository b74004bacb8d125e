import Foundation
import PorticoSystem
import Logging
import PorticoAPI
import PorticoClient
import PorticoImages
import Synchronization

/// Runs one pod on this node, as the kubelet's pod worker does: its sandbox (network
/// namespace, veth, address), its init containers in order and then its containers, restarts
/// with back-off per restartPolicy, probes, graceful termination, and the pod's status.
///
/// Events (pod changes, process exits, probe results, timers) arrive on one stream and are
/// handled one at a time; handling returns the actions to take (wait for a process, fire a
/// timer, run a probe loop), which run as child tasks of the worker's own task group.
actor PodWorker {
    enum Event: Sendable {
        case updated(Pod)
        case deleted
        case setUpSandbox
        case start(String)
        case exited(String, generation: Int, ProcessExit)
        case probe(String, ProbeKind, generation: Int, ProbeRunner.Outcome)
        case forceKill(String, generation: Int)
        case terminationDeadline
    }

    enum Action: Sendable {
        case wait(String, generation: Int, ContainerProcess)
        case after(Duration, Event)
        case probeLoop(String, ProbeKind, generation: Int, Probe, ProbeRunner)
    }

    struct Running {
        var process: ContainerProcess
        var generation: Int
        var startedAt: Time
        var startedInstant: ContinuousClock.Instant
        var launchedBuiltIn: Bool
        /// What `kubectl exec` gives its command: the container's environment and directory.
        var environment: [String: String]
        var workingDir: String
    }

    /// Which run of each container is current; probe loops of older runs stop.
    final class Generations: Sendable {
        let current = Mutex<[String: Int]>([:])
        func isCurrent(_ name: String, _ generation: Int) -> Bool { self.current.withLock { $0[name] == generation } }
        func set(_ name: String, _ generation: Int) { self.current.withLock { $0[name] = generation } }
        func stopAll() { self.current.withLock { $0 = [:] } }
    }

    let context: AgentContext
    var pod: Pod
    let uid: String
    let namespace: String
    let name: String
    let events: AsyncStream<Event>
    let inbox: AsyncStream<Event>.Continuation
    let generations = Generations()

    var sandbox: PodSandbox?
    var records: [String: ContainerRecord] = [:]
    var running: [String: Running] = [:]
    var trackers: [String: [ProbeKind: ProbeTracker]] = [:]
    var backOffs: [String: ContainerBackOff] = [:]
    var finishedAt: [String: Double] = [:]
    /// Containers started at least once by this worker: a further start is a restart.
    var hasStarted: Set<String> = []
    var nextGeneration = 0
    var initialized: Bool
    var initIndex = 0
    var terminating = false
    var finished = false

    init(pod: Pod, context: AgentContext) {
        self.pod = pod
        self.uid = pod.metadata.uid
        self.namespace = pod.metadata.namespace
        self.name = pod.metadata.name
        self.context = context
        (self.events, self.inbox) = AsyncStream.makeStream(of: Event.self)
        self.initialized = pod.spec.initContainers.isEmpty
        // Restart counts carry over from what the pod's status already says (an agent restart).
        let previous = Dictionary(pod.status.containerStatuses.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for container in pod.spec.initContainers + pod.spec.containers {
            var record = ContainerRecord(name: container.name, image: container.image)
            if pod.spec.initContainers.contains(where: { $0.name == container.name }) { record.state = ContainerState(waiting: ContainerStateWaiting(reason: "PodInitializing")) }
            if let old = previous[container.name], old.state.running != nil || old.state.terminated != nil || old.lastState.terminated != nil {
                record.restartCount = old.restartCount + 1
            }
            self.records[container.name] = record
        }
    }

    nonisolated func send(_ event: Event) {
        self.inbox.yield(event)
    }

    var configuration: AgentConfiguration { self.context.configuration }
    var podDescription: String { "\(self.pod.metadata.name)_\(self.pod.metadata.namespace)(\(self.uid))" }
    var directory: String { self.configuration.podDirectory(self.pod) }

    // MARK: the loop

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            self.perform(await self.handle(.setUpSandbox), in: &group)
            for await event in self.events {
                let actions = await self.handle(event)
                self.perform(actions, in: &group)
                if self.finished { break }
            }
            self.generations.stopAll()
            group.cancelAll()
        }
    }

    func perform(_ actions: [Action], in group: inout TaskGroup<Void>) {
        let inbox = self.inbox
        let generations = self.generations
        for action in actions {
            switch action {
            case .wait(let name, let generation, let process):
                group.addTask {
                    let exit = await process.wait()
                    inbox.yield(.exited(name, generation: generation, exit))
                }
            case .after(let delay, let event):
                group.addTask {
                    try? await Task.sleep(for: delay)
                    if !Task.isCancelled { inbox.yield(event) }
                }
            case .probeLoop(let name, let kind, let generation, let probe, let runner):
                group.addTask {
                    try? await Task.sleep(for: .seconds(Int64(probe.initialDelaySeconds)))
                    while !Task.isCancelled, generations.isCurrent(name, generation) {
                        let outcome = await runner.run(probe)
                        guard generations.isCurrent(name, generation) else { return }
                        inbox.yield(.probe(name, kind, generation: generation, outcome))
                        try? await Task.sleep(for: .seconds(Int64(max(probe.periodSeconds, 1))))
                    }
                }
            }
        }
    }

    func handle(_ event: Event) async -> [Action] {
        var actions: [Action] = []
        switch event {
        case .updated(let pod):
            self.pod = pod
            if pod.metadata.deletionTimestamp != nil, !self.terminating {
                actions += await self.beginTermination(grace: pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30)
            }
        case .deleted:
            // Gone without a grace period (a forced delete): stop everything now.
            self.terminating = true
            for (_, run) in self.running { run.process.signal(SIGKILL) }
            if self.running.isEmpty { await self.tearDown(deleteObject: false) }
        case .setUpSandbox:
            actions += await self.setUpSandbox()
        case .start(let name):
            if !self.terminating, self.running[name] == nil {
                if let wait = self.backOffAllowsStart(name) {
                    actions.append(.after(wait, .start(name)))
                } else {
                    actions += await self.start(name)
                }
            }
        case .exited(let name, let generation, let exit):
            actions += await self.exited(name, generation: generation, exit)
        case .probe(let name, let kind, let generation, let outcome):
            actions += await self.probed(name, kind, generation: generation, outcome)
        case .forceKill(let name, let generation):
            if let run = self.running[name], run.generation == generation { run.process.signal(SIGKILL) }
        case .terminationDeadline:
            for (_, run) in self.running { run.process.signal(SIGKILL) }
        }
        if self.terminating, self.running.isEmpty, !self.finished {
            await self.tearDown(deleteObject: event.isDeletion == false)
        } else if !self.terminating, self.pod.isTerminal || self.isFinishedRunning, self.running.isEmpty, self.sandbox != nil {
            // Every container is done for good: the sandbox goes, the status stays.
            await self.releaseSandbox()
        }
        if !self.finished { await self.publish() }
        return actions
    }

    /// No container runs and none will restart.
    var isFinishedRunning: Bool {
        guard self.initialized else { return false }
        let phase = PodStatusBuilder.phase(self.statusInput())
        return phase == .succeeded || phase == .failed
    }

    // MARK: sandbox

    func setUpSandbox() async -> [Action] {
        guard !self.terminating, self.sandbox == nil else { return [] }
        let config = self.configuration
        let short = String(self.uid.replacingOccurrences(of: "-", with: "").prefix(12))
        do {
            let ip = try self.context.ipam.allocate(uid: self.uid)
            let sandbox = PodSandbox(podUID: self.uid, namespace: self.pod.metadata.namespace, name: self.pod.metadata.name,
                                     netns: NetnsNames.pod(prefix: config.netnsPrefix, uid: self.uid), hostVeth: "veth" + String(short.prefix(8)), ip: ip)
            try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: config.sandboxesDirectory, withIntermediateDirectories: true)
            try JSONEncoder().encode(sandbox).write(to: URL(fileURLWithPath: "\(config.sandboxesDirectory)/\(self.uid).json"))
            try await self.context.network.createSandbox(sandbox, bridge: config.bridge, gateway: self.context.ipam.gateway,
                                                         prefixLength: self.context.ipam.prefixLength)
            self.sandbox = sandbox
            try await self.writeFiles(ip: ip)
        } catch {
            await self.context.events.warning(self.pod, reason: "FailedCreatePodSandBox",
                                               "Failed to create pod sandbox: \(error)")
            return [.after(.seconds(5), .setUpSandbox)]
        }
        if self.initialized {
            return self.pod.spec.containers.map { Action.after(.zero, .start($0.name)) }
        }
        return [.after(.zero, .start(self.pod.spec.initContainers[0].name))]
    }

    func writeFiles(ip: String) async throws {
        let config = self.configuration
        try PodFiles.hosts(self.pod, ip: ip, clusterDomain: config.clusterDomain)
            .write(toFile: self.directory + "/etc-hosts", atomically: true, encoding: .utf8)
        let host = PodFiles.Resolver.parse((try? String(contentsOfFile: config.resolvConf, encoding: .utf8)) ?? "")
        let (resolver, fellBack) = PodFiles.resolver(self.pod, clusterDNS: config.clusterDNS, clusterDomain: config.clusterDomain, host: host)
        try resolver.text.write(toFile: self.directory + "/resolv.conf", atomically: true, encoding: .utf8)
        if fellBack {
            await self.context.events.warning(self.pod, reason: "MissingClusterDNS",
                                              "pod: \"\(self.podDescription)\". kubelet does not have ClusterDNS IP configured and cannot create Pod using \"ClusterFirst\" policy. Falling back to \"Default\" policy.")
        }
    }

    func releaseSandbox() async {
        guard let sandbox = self.sandbox else { return }
        self.generations.stopAll()
        try? await self.context.network.deleteSandbox(sandbox)
        self.context.ipam.release(uid: self.uid)
        try? FileManager.default.removeItem(atPath: "\(self.configuration.sandboxesDirectory)/\(self.uid).json")
        self.sandbox = nil
    }

    func tearDown(deleteObject: Bool) async {
        await self.releaseSandbox()
        self.finished = true
        guard deleteObject else { return }
        // The kubelet's last word on a terminating pod: delete it for good.
        var options = DeleteOptions(gracePeriodSeconds: 0)
        options.preconditions = DeleteOptions.Preconditions(uid: self.uid)
        do {
            try await self.context.client.delete(Pod.self, namespace: self.pod.metadata.namespace, name: self.pod.metadata.name,
                                                 options: options)
        } catch {
            self.context.logger.warning("could not delete pod", metadata: ["pod": "\(self.podDescription)", "error": "\(error)"])
        }
    }

    // MARK: containers

    func spec(_ name: String) -> (Container, isInit: Bool)? {
        if let c = self.pod.spec.containers.first(where: { $0.name == name }) { return (c, false) }
        if let c = self.pod.spec.initContainers.first(where: { $0.name == name }) { return (c, true) }
        return nil
    }

    func start(_ name: String) async -> [Action] {
        guard let sandbox = self.sandbox, let (container, _) = self.spec(name), var record = self.records[name] else { return [] }
        let config = self.configuration
        let fieldPath = self.fieldPath(name)
        let launch: ImageCatalog.Launch
        switch ImageCatalog.launch(image: container.image, command: container.command, args: container.args) {
        case .failure(let notRunnable):
            if record.state.waiting?.reason != "ImageNotRunnable" {
                record.state = ContainerState(waiting: ContainerStateWaiting(reason: "ImageNotRunnable", message: notRunnable.description))
                self.records[name] = record
                await self.context.events.record(self.pod, type: PorticoAPI.Event.warning, reason: "Failed", "Error: ImageNotRunnable: \(notRunnable.description)",
                                                 fieldPath: fieldPath)
            }
            return []
        case .success(let l):
            launch = l
        }
        let environment: [(String, String)]
        do {
            environment = try await self.environment(for: container)
        } catch {
            record.state = ContainerState(waiting: ContainerStateWaiting(reason: "CreateContainerConfigError", message: "\(error)"))
            self.records[name] = record
            await self.context.events.record(self.pod, type: PorticoAPI.Event.warning, reason: "Failed", "Error: \(error)", fieldPath: fieldPath)
            return [.after(.seconds(10), .start(name))]
        }
        var lookup: [String: String] = [:]
        for (k, v) in environment { lookup[k] = v }
        let program: [String]
        switch launch {
        case .portico(let arguments): program = [config.porticoPath] + arguments.map { ServiceEnvironment.expand($0, lookup) }
        case .host(let argv): program = argv.map { ServiceEnvironment.expand($0, lookup) }
        }
        if record.state.terminated != nil { record.lastState = record.state }
        if self.hasStarted.contains(name) { record.restartCount += 1 }
        let logDirectory = "\(self.directory)/\(name)"
        var env = lookup
        env["TERMINATION_MESSAGE_PATH"] = "\(logDirectory)/termination-log"
        if ImageCatalog.builtIn(container.image)?.readsTheAPI == true, let kubeconfig = config.kubeconfigPath { env["KUBECONFIG"] = kubeconfig }
        let arguments = ["sandbox", "--netns", sandbox.netnsPath, "--hostname", PodFiles.hostname(self.pod),
                         "--bind", "\(self.directory)/etc-hosts:/etc/hosts", "--bind", "\(self.directory)/resolv.conf:/etc/resolv.conf",
                         "--setsid", "--chdir", container.workingDir.isEmpty ? "/" : container.workingDir, "--"] + program
        let process: ContainerProcess
        do {
            try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: "\(logDirectory)/termination-log")
            process = try ContainerProcess.start(executable: config.porticoPath, arguments: arguments, environment: env,
                                                 logPath: "\(logDirectory)/\(record.restartCount).log")
        } catch {
            record.state = ContainerState(waiting: ContainerStateWaiting(reason: "RunContainerError", message: "\(error)"))
            self.records[name] = record
            await self.context.events.record(self.pod, type: PorticoAPI.Event.warning, reason: "Failed", "Error: \(error)", fieldPath: fieldPath)
            return [.after(.seconds(10), .start(name))]
        }
        self.hasStarted.insert(name)
        self.nextGeneration += 1
        let generation = self.nextGeneration
        self.generations.set(name, generation)
        let now = Time.now()
        self.running[name] = Running(process: process, generation: generation, startedAt: now, startedInstant: .now,
                                     launchedBuiltIn: { if case .portico = launch { return true } else { return false } }(),
                                     environment: env, workingDir: container.workingDir.isEmpty ? "/" : container.workingDir)
        record.state = ContainerState(running: ContainerStateRunning(startedAt: now))
        record.containerID = "portico://" + (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: 0...UInt64.max)) }.joined()
        record.imageID = Self.imageID(container.image, launch: launch)
        record.started = container.startupProbe == nil
        record.ready = record.started && container.readinessProbe == nil
        self.records[name] = record
        await self.context.events.record(self.pod, type: PorticoAPI.Event.normal, reason: "Pulled",
                                         "Container image \"\(container.image)\" already present on machine", fieldPath: fieldPath)
        await self.context.events.record(self.pod, type: PorticoAPI.Event.normal, reason: "Created", "Created container: \(name)", fieldPath: fieldPath)
        await self.context.events.record(self.pod, type: PorticoAPI.Event.normal, reason: "Started", "Started container \(name)", fieldPath: fieldPath)

        var actions: [Action] = [.wait(name, generation: generation, process)]
        let runner = self.probeRunner(for: container, ip: sandbox.ip)
        var trackers: [ProbeKind: ProbeTracker] = [:]
        if let probe = container.startupProbe {
            trackers[.startup] = ProbeTracker(probe, kind: .startup)
            actions.append(.probeLoop(name, .startup, generation: generation, probe, runner))
        } else {
            actions += self.livenessAndReadiness(container, generation: generation, runner: runner, trackers: &trackers)
        }
        self.trackers[name] = trackers
        return actions
    }

    func livenessAndReadiness(_ container: Container, generation: Int, runner: ProbeRunner,
                              trackers: inout [ProbeKind: ProbeTracker]) -> [Action] {
        var actions: [Action] = []
        if let probe = container.livenessProbe {
            trackers[.liveness] = ProbeTracker(probe, kind: .liveness)
            actions.append(.probeLoop(container.name, .liveness, generation: generation, probe, runner))
        }
        if let probe = container.readinessProbe {
            trackers[.readiness] = ProbeTracker(probe, kind: .readiness)
            actions.append(.probeLoop(container.name, .readiness, generation: generation, probe, runner))
        }
        return actions
    }

    static func imageID(_ image: String, launch: ImageCatalog.Launch) -> String {
        switch launch {
        case .portico: return "portico-builtin://\(image)"
        case .host(let argv): return "host://\(argv.first ?? "")"
        }
    }

    func fieldPath(_ name: String) -> String {
        self.pod.spec.initContainers.contains { $0.name == name } ? "spec.initContainers{\(name)}" : "spec.containers{\(name)}"
    }

    func probeRunner(for container: Container, ip: String) -> ProbeRunner {
        let porticoPath = self.configuration.porticoPath
        let netns = self.sandbox?.netnsPath ?? ""
        let hostname = PodFiles.hostname(self.pod)
        return ProbeRunner(podIP: ip, container: container) { command, timeout in
            await Self.exec(porticoPath: porticoPath, netns: netns, hostname: hostname, command: command, timeout: timeout)
        }
    }

    /// Runs a command in the pod's namespaces (exec probes), killing it at the timeout.
    static func exec(porticoPath: String, netns: String, hostname: String, command: [String], timeout: Duration) async -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: porticoPath)
        process.arguments = ["sandbox", "--netns", netns, "--hostname", hostname, "--setsid", "--"] + command
        guard let pipe = try? Shell.pipe() else { return (126, "no pipe for the probe's output") }
        process.standardOutput = pipe.write
        process.standardError = pipe.write
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return (126, "\(error)") }
        try? pipe.write.close()
        let pid = process.processIdentifier
        return await withTaskGroup(of: (Int32, String)?.self) { group in
            group.addTask {
                let data: Data = await withCheckedContinuation { continuation in
                    DispatchQueue.global().async {
                        let data = pipe.read.readDataToEndOfFile()
                        process.waitUntilExit()
                        continuation.resume(returning: data)
                    }
                }
                return (process.terminationStatus, String(decoding: data, as: UTF8.self))
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                if Task.isCancelled { return nil }
                Glibc.kill(-pid, SIGKILL)
                return nil
            }
            var result: (Int32, String) = (1, "command timed out")
            for await outcome in group {
                if let outcome {
                    result = outcome
                    group.cancelAll()
                    break
                }
                result = (1, "command timed out")
            }
            return result
        }
    }

    func exited(_ name: String, generation: Int, _ exit: ProcessExit) async -> [Action] {
        guard let run = self.running[name], run.generation == generation, var record = self.records[name],
              let (container, isInit) = self.spec(name)
        else { return [] }
        self.running[name] = nil
        self.generations.set(name, -1)
        let now = Time.now()
        let message = (try? String(contentsOfFile: "\(self.directory)/\(name)/termination-log", encoding: .utf8)) ?? ""
        var terminated = ContainerStateTerminated(exitCode: exit.exitCode, signal: exit.signal, reason: exit.exitCode == 0 ? "Completed" : "Error",
                                                  message: String(message.prefix(4096)), startedAt: run.startedAt, finishedAt: now)
        terminated.containerID = record.containerID
        record.state = ContainerState(terminated: terminated)
        record.ready = false
        record.started = false
        self.records[name] = record
        if self.terminating { return [] }

        let policy = self.pod.spec.restartPolicy
        if isInit, exit.exitCode == 0 {
            // The next init container, or the pod's containers once all are done.
            self.initIndex += 1
            if self.initIndex < self.pod.spec.initContainers.count {
                return [.after(.zero, .start(self.pod.spec.initContainers[self.initIndex].name))]
            }
            self.initialized = true
            return self.pod.spec.containers.map { Action.after(.zero, .start($0.name)) }
        }
        let restart = policy == .onFailure ? exit.exitCode != 0 : policy != .never
        guard restart else { return [] }
        _ = container
        let finishedAt = ProcessInfo.processInfo.systemUptime
        self.finishedAt[name] = finishedAt
        var backOff = self.backOffs[name] ?? ContainerBackOff()
        let decision = backOff.decide(finishedAt: finishedAt, now: finishedAt)
        self.backOffs[name] = backOff
        switch decision {
        case .startNow:
            return [.after(.zero, .start(name))]
        case .wait(let seconds, let period):
            self.moveToWaiting(name, period: period)
            await self.context.events.record(self.pod, type: PorticoAPI.Event.warning, reason: "BackOff",
                                             "Back-off restarting failed container \(name) in pod \(self.podDescription)",
                                             fieldPath: self.fieldPath(name))
            return [.after(.milliseconds(Int64(seconds * 1000) + 10), .start(name))]
        }
    }

    /// Called when a back-off timer fires: start now (raising the back-off), or wait the rest.
    func backOffAllowsStart(_ name: String) -> Duration? {
        guard let finishedAt = self.finishedAt[name], var backOff = self.backOffs[name],
              self.records[name]?.state.waiting?.reason == "CrashLoopBackOff"
        else { return nil }
        let decision = backOff.decide(finishedAt: finishedAt, now: ProcessInfo.processInfo.systemUptime)
        self.backOffs[name] = backOff
        if case .wait(let seconds, _) = decision { return .milliseconds(Int64(seconds * 1000) + 10) }
        return nil
    }

    func moveToWaiting(_ name: String, period: Double) {
        guard var record = self.records[name] else { return }
        if record.state.terminated != nil { record.lastState = record.state }
        record.state = ContainerState(waiting: ContainerStateWaiting(
            reason: "CrashLoopBackOff",
            message: "back-off \(ContainerBackOff.text(period)) restarting failed container=\(name) pod=\(self.podDescription)"))
        self.records[name] = record
    }

    // MARK: probes

    func probed(_ name: String, _ kind: ProbeKind, generation: Int, _ outcome: ProbeRunner.Outcome) async -> [Action] {
        guard let run = self.running[name], run.generation == generation, var tracker = self.trackers[name]?[kind],
              let (container, _) = self.spec(name), var record = self.records[name]
        else { return [] }
        var success = true
        if case .failure(let output) = outcome {
            success = false
            await self.context.events.record(self.pod, type: PorticoAPI.Event.warning, reason: "Unhealthy", "\(kind.rawValue) probe failed: \(output)",
                                             fieldPath: self.fieldPath(name))
        }
        let flipped = tracker.record(success)
        self.trackers[name]?[kind] = tracker
        var actions: [Action] = []
        switch kind {
        case .readiness:
            record.ready = record.started && tracker.result
        case .startup:
            if flipped, tracker.result {
                record.started = true
                record.ready = container.readinessProbe == nil
                var trackers = self.trackers[name] ?? [:]
                actions += self.livenessAndReadiness(container, generation: generation,
                                                     runner: self.probeRunner(for: container, ip: self.sandbox?.ip ?? ""), trackers: &trackers)
                self.trackers[name] = trackers
            } else if flipped {
                actions += await self.kill(name, because: "failed startup probe")
            }
        case .liveness:
            if flipped, !tracker.result { actions += await self.kill(name, because: "failed liveness probe") }
        }
        if self.running[name] != nil {
            self.records[name]?.ready = record.ready
            self.records[name]?.started = record.started
        }
        return actions
    }

    /// Stops a container that failed a probe; its exit then restarts it per restartPolicy.
    func kill(_ name: String, because reason: String) async -> [Action] {
        guard let run = self.running[name], let (container, _) = self.spec(name) else { return [] }
        self.generations.set(name, -2)
        var message = "Container \(name) \(reason)"
        if self.pod.spec.restartPolicy != .never { message += ", will be restarted" }
        await self.context.events.record(self.pod, type: PorticoAPI.Event.normal, reason: "Killing", message, fieldPath: self.fieldPath(name))
        run.process.signal(SIGTERM)
        let grace = container.livenessProbe?.terminationGracePeriodSeconds ?? self.pod.spec.terminationGracePeriodSeconds ?? 30
        return [.after(.seconds(max(grace, 0)), .forceKill(name, generation: run.generation))]
    }

    // MARK: termination

    func beginTermination(grace: Int64) async -> [Action] {
        self.terminating = true
        self.generations.stopAll()
        for (name, run) in self.running {
            run.process.signal(SIGTERM)
            await self.context.events.record(self.pod, type: PorticoAPI.Event.normal, reason: "Killing", "Stopping container \(name)",
                                             fieldPath: self.fieldPath(name))
        }
        if self.running.isEmpty { return [] }
        return [.after(.seconds(max(grace, 0)), .terminationDeadline)]
    }

    // MARK: environment

    func environment(for container: Container) async throws -> [(String, String)] {
        var result: [(String, String)] = [("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
                                          ("HOSTNAME", PodFiles.hostname(self.pod))]
        var defined: [String: String] = [:]
        let services = ServiceEnvironment.variables(for: self.pod, services: self.context.services.items)
        var lookup: [String: String] = [:]
        for (k, v) in services { lookup[k] = v }
        for source in container.envFrom {
            let prefix = source["prefix"]?.stringValue ?? ""
            if let ref = source["configMapRef"] {
                let name = ref["name"]?.stringValue ?? ""
                guard let map = try await self.context.client.get(ConfigMap.self, namespace: self.pod.metadata.namespace, name: name) else {
                    if ref["optional"]?.boolValue == true { continue }
                    throw Shell.Failure(description: "configmap \"\(name)\" not found")
                }
                for (key, value) in map.data.sorted(by: { $0.key < $1.key }) {
                    defined[prefix + key] = value
                    lookup[prefix + key] = value
                }
            } else if source["secretRef"] != nil {
                throw Shell.Failure(description: "secrets are not served by Portico: envFrom.secretRef cannot be resolved")
            }
        }
        for variable in container.env {
            var value = ServiceEnvironment.expand(variable.value, lookup)
            if let from = variable.valueFrom { value = try await self.resolve(from, container: container) }
            defined[variable.name] = value
            lookup[variable.name] = value
        }
        let definedOrder = container.env.map(\.name)
        for (name, value) in defined.sorted(by: { $0.key < $1.key }) where !definedOrder.contains(name) { result.append((name, value)) }
        for name in definedOrder { if let value = defined[name] { result.removeAll { $0.0 == name }; result.append((name, value)) } }
        for (name, value) in services where defined[name] == nil { result.append((name, value)) }
        return result
    }

    func resolve(_ source: EnvVarSource, container: Container) async throws -> String {
        if let field = source.fieldRef {
            let path = field.fieldPath
            switch path {
            case "metadata.name": return self.pod.metadata.name
            case "metadata.namespace": return self.pod.metadata.namespace
            case "metadata.uid": return self.pod.metadata.uid
            case "spec.nodeName": return self.pod.spec.nodeName
            case "spec.serviceAccountName": return self.pod.spec.serviceAccountName
            case "status.hostIP", "status.hostIPs": return self.configuration.nodeIP
            case "status.podIP", "status.podIPs": return self.sandbox?.ip ?? ""
            default:
                for (prefix, map) in [("metadata.labels['", self.pod.metadata.labels), ("metadata.annotations['", self.pod.metadata.annotations)]
                    where path.hasPrefix(prefix) && path.hasSuffix("']")
                {
                    return map[String(path.dropFirst(prefix.count).dropLast(2))] ?? ""
                }
                throw Shell.Failure(description: "unsupported fieldPath: \(path)")
            }
        }
        if let ref = source.configMapKeyRef {
            guard let map = try await self.context.client.get(ConfigMap.self, namespace: self.pod.metadata.namespace, name: ref.name) else {
                if ref.optional == true { return "" }
                throw Shell.Failure(description: "configmap \"\(ref.name)\" not found")
            }
            guard let value = map.data[ref.key] else {
                if ref.optional == true { return "" }
                throw Shell.Failure(description: "couldn't find key \(ref.key) in ConfigMap \(self.pod.metadata.namespace)/\(ref.name)")
            }
            return value
        }
        if source.secretKeyRef != nil {
            throw Shell.Failure(description: "secrets are not served by Portico: secretKeyRef cannot be resolved")
        }
        if source.resourceFieldRef != nil { return "0" }
        return ""
    }

    // MARK: status

    func statusInput() -> PodStatusBuilder.Input {
        PodStatusBuilder.Input(
            pod: self.pod, sandboxReady: self.sandbox != nil, podIP: self.sandbox?.ip,
            hostIP: self.configuration.nodeIP,
            initContainers: self.pod.spec.initContainers.compactMap { self.records[$0.name] },
            containers: self.pod.spec.containers.compactMap { self.records[$0.name] },
            initialized: self.initialized, now: .now())
    }

    func publish() async {
        var status = PodStatusBuilder.status(self.statusInput())
        if !self.initialized, self.pod.spec.restartPolicy == .never,
           self.records.values.contains(where: { r in self.pod.spec.initContainers.contains { $0.name == r.name } && (r.state.terminated?.exitCode ?? 0) != 0 })
        {
            status.phase = .failed
        }
        guard status != self.pod.status else { return }
        for attempt in 0..<3 {
            var updated = self.pod
            updated.status = status
            do {
                self.pod = try await self.context.client.updateStatus(updated)
                return
            } catch let error as APIError where error.code == 409 && attempt < 2 {
                if let fresh = try? await self.context.client.get(Pod.self, namespace: self.pod.metadata.namespace, name: self.pod.metadata.name),
                   fresh.metadata.uid == self.uid
                {
                    self.pod = fresh
                    // The rest of the pod (deletion, for one) may have moved on too.
                    if fresh.metadata.deletionTimestamp != nil, !self.terminating { self.send(.updated(fresh)) }
                } else {
                    return
                }
            } catch let error as APIError where error.code == 404 {
                return
            } catch {
                self.context.logger.debug("pod status not written", metadata: ["pod": "\(self.podDescription)", "error": "\(error)"])
                return
            }
        }
    }

    // MARK: logs

    struct LogView: Sendable {
        var containers: [String]
        var initContainers: [String]
        var record: ContainerRecord?
        var directory: String
        var running: Bool
    }

    /// The pod's network namespace, for `kubectl port-forward` (nil before it exists).
    func networkSandbox() -> PodSandbox? { self.sandbox }

    /// Where `kubectl exec` runs a command: beside the container's running process.
    struct ExecView: Sendable {
        var pid: Int32
        var environment: [String: String]
        var workingDir: String
    }

    /// The running container, or the reason there is none, in the kubelet's words.
    func execView(container: String) -> Result<ExecView, ExecRefusal> {
        guard (self.pod.spec.containers + self.pod.spec.initContainers).contains(where: { $0.name == container }) else {
            return .failure(ExecRefusal("container \(container) is not valid for pod \(self.name)"))
        }
        guard let running = self.running[container] else {
            return .failure(ExecRefusal("container not found (\"\(container)\")"))
        }
        return .success(ExecView(pid: running.process.pid, environment: running.environment, workingDir: running.workingDir))
    }

    func logView(container: String) -> LogView {
        LogView(containers: self.pod.spec.containers.map(\.name), initContainers: self.pod.spec.initContainers.map(\.name),
                record: self.records[container], directory: "\(self.directory)/\(container)", running: self.running[container] != nil)
    }
}

extension PodWorker.Event {
    var isDeletion: Bool {
        if case .deleted = self { return true }
        return false
    }
}
