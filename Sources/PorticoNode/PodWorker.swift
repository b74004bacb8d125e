import Foundation
import Logging
import PorticoAPI
import PorticoClient
import PorticoImages
import PorticoSystem
import Synchronization

/// Runs one pod on this node, as the kubelet's pod worker does. What to do is decided by
/// `PodLifecycle`; this actor is its hands: it makes and removes the sandbox, launches
/// containers through a `ContainerRuntime`, signals them, runs timers, probes and waits,
/// records Events and publishes the status (`PodStatusPublisher`).
///
/// Events (pod changes, process exits, probe results, timers) arrive on one stream and are
/// handled one at a time. Handling one is a step: the machine's actions are done in order;
/// an action that asks the runtime (make the sandbox, launch a container) is answered
/// within the same step, before any other event; what runs in the background (waits,
/// timers, probe loops) becomes child tasks of the worker's own task group.
actor PodWorker {
    typealias Event = PodLifecycle.Event

    /// What a step leaves running in the background.
    enum Background: Sendable {
        case wait(String, generation: Int, any RunningContainer, terminationLog: String)
        case after(Duration, Event)
        case probeLoop(String, ProbeKind, generation: Int, Probe, ProbeRunner)
    }

    /// Which run of each container is current; probe loops of other runs stop. Shared with
    /// the loops, which cannot ask the actor between attempts.
    final class Generations: Sendable {
        let current = Mutex<[String: Int]>([:])
        func isCurrent(_ name: String, _ generation: Int) -> Bool { self.current.withLock { $0[name] == generation } }
        func set(_ name: String, _ generation: Int) { self.current.withLock { $0[name] = generation } }
        func stop(_ name: String) { self.current.withLock { $0[name] = nil } }
        func stopAll() { self.current.withLock { $0 = [:] } }
    }

    /// A container's current process, and what `kubectl exec` gives a command beside it.
    struct Running: Sendable {
        var process: any RunningContainer
        var environment: [String: String]
        var workingDir: String
    }

    let context: AgentContext
    let runtime: any ContainerRuntime
    let publisher: PodStatusPublisher
    let uid: String
    let namespace: String
    let name: String
    let events: AsyncStream<Event>
    let inbox: AsyncStream<Event>.Continuation
    let generations = Generations()

    var machine: PodLifecycle
    var sandbox: PodSandbox?
    var processes: [String: Running] = [:]

    init(pod: Pod, context: AgentContext, runtime: (any ContainerRuntime)? = nil) {
        self.machine = PodLifecycle(pod: pod)
        self.uid = pod.metadata.uid
        self.namespace = pod.metadata.namespace
        self.name = pod.metadata.name
        self.context = context
        self.runtime = runtime ?? SandboxRuntime(porticoPath: context.configuration.porticoPath)
        self.publisher = PodStatusPublisher(client: context.client, logger: context.logger)
        (self.events, self.inbox) = AsyncStream.makeStream(of: Event.self)
    }

    nonisolated func send(_ event: Event) {
        self.inbox.yield(event)
    }

    var pod: Pod { self.machine.pod }
    var configuration: AgentConfiguration { self.context.configuration }
    var directory: String { self.configuration.podDirectory(self.pod) }

    // MARK: the loop

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            self.spawn(await self.step(.setUpSandbox), in: &group)
            for await event in self.events {
                self.spawn(await self.step(event), in: &group)
                if self.machine.finished { break }
            }
            self.generations.stopAll()
            group.cancelAll()
        }
    }

    /// Handles one event and the runtime's answers it leads to; returns what is to run in
    /// the background.
    func step(_ event: Event) async -> [Background] {
        var pending = [event]
        var background: [Background] = []
        while !pending.isEmpty {
            let next = pending.removeFirst()
            for action in self.machine.handle(next, at: .now()) {
                if let answer = await self.perform(action, background: &background) { pending.append(answer) }
            }
        }
        // Processes whose run is over are the machine's past; keep only the running ones.
        self.processes = self.processes.filter { self.machine.isRunning($0.key) }
        return background
    }

    /// Does one action; returns the runtime's answer when the action asks for one.
    func perform(_ action: PodLifecycle.Action, background: inout [Background]) async -> Event? {
        switch action {
        case .createSandbox:
            return await self.createSandbox()
        case .launch(let container, let program, let logIndex):
            return await self.launch(container, program, logIndex: logIndex)
        case .watch(let name, let generation):
            self.generations.set(name, generation)
            if let running = self.processes[name] {
                let log = ContainerLaunch.terminationLog(in: "\(self.directory)/\(name)")
                background.append(.wait(name, generation: generation, running.process, terminationLog: log))
            }
        case .probe(let container, let kind, let probe, let generation):
            background.append(.probeLoop(container.name, kind, generation: generation, probe, self.probeRunner(for: container)))
        case .stopProbes(let name):
            self.generations.stop(name)
        case .stopAllProbes:
            self.generations.stopAll()
        case .signal(let name, let signal):
            self.processes[name]?.process.signal(signal.number)
        case .after(let delay, let event):
            background.append(.after(delay, event))
        case .record(let note):
            await self.context.events.record(self.pod, type: note.type, reason: note.reason, note.message, fieldPath: note.fieldPath)
        case .releaseSandbox:
            await self.releaseSandbox()
        case .deletePod:
            await self.deletePod()
        case .publishStatus:
            await self.publish()
        }
        return nil
    }

    func spawn(_ work: [Background], in group: inout TaskGroup<Void>) {
        let inbox = self.inbox
        let generations = self.generations
        for item in work {
            switch item {
            case .wait(let name, let generation, let process, let terminationLog):
                group.addTask {
                    let exit = await process.wait()
                    let message = (try? String(contentsOfFile: terminationLog, encoding: .utf8)) ?? ""
                    inbox.yield(.exited(name, generation: generation, exit, message: message))
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
                        inbox.yield(.probed(name, kind, generation: generation, outcome))
                        try? await Task.sleep(for: .seconds(Int64(max(probe.periodSeconds, 1))))
                    }
                }
            }
        }
    }

    // MARK: sandbox

    /// The pod's network namespace, veth and address, then its hosts and resolver files. A
    /// sandbox made before its files failed is kept (the answer says so).
    func createSandbox() async -> Event {
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
            return .sandboxReady(ip: ip)
        } catch {
            return .sandboxFailed("\(error)", keptIP: self.sandbox?.ip)
        }
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
                                              "pod: \"\(self.machine.podDescription)\". kubelet does not have ClusterDNS IP configured and cannot create Pod using \"ClusterFirst\" policy. Falling back to \"Default\" policy.")
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

    func deletePod() async {
        var options = DeleteOptions(gracePeriodSeconds: 0)
        options.preconditions = DeleteOptions.Preconditions(uid: self.uid)
        do {
            try await self.context.client.delete(Pod.self, namespace: self.pod.metadata.namespace, name: self.pod.metadata.name,
                                                 options: options)
        } catch {
            self.context.logger.warning("could not delete pod", metadata: ["pod": "\(self.machine.podDescription)", "error": "\(error)"])
        }
    }

    // MARK: containers

    /// Resolves the container's environment, then has the runtime start it.
    func launch(_ container: Container, _ program: ImageCatalog.Launch, logIndex: Int32) async -> Event {
        let name = container.name
        guard let sandbox = self.sandbox else { return .launchFailed(name, .runtime("the pod has no sandbox")) }
        let config = self.configuration
        let lookup: [String: String]
        do {
            lookup = ContainerEnvironment.lookup(try await self.environment(sandbox: sandbox).variables(for: container))
        } catch {
            return .launchFailed(name, .configuration("\(error)"))
        }
        let logDirectory = "\(self.directory)/\(name)"
        let workingDir = container.workingDir.isEmpty ? "/" : container.workingDir
        let launch = ContainerLaunch(
            netnsPath: sandbox.netnsPath, hostname: PodFiles.hostname(self.pod),
            hostsFile: "\(self.directory)/etc-hosts", resolvConf: "\(self.directory)/resolv.conf", workingDir: workingDir,
            program: ContainerEnvironment.program(program, porticoPath: config.porticoPath, lookup: lookup),
            environment: ContainerEnvironment.processEnvironment(lookup, image: container.image, logDirectory: logDirectory,
                                                                 kubeconfig: config.kubeconfigPath),
            logDirectory: logDirectory, logPath: "\(logDirectory)/\(logIndex).log")
        do {
            let process = try self.runtime.start(launch)
            self.processes[name] = Running(process: process, environment: launch.environment, workingDir: workingDir)
        } catch {
            return .launchFailed(name, .runtime("\(error)"))
        }
        return .launched(name, containerID: Self.newContainerID())
    }

    /// What the environment of this pod's containers is resolved from, now.
    func environment(sandbox: PodSandbox) -> ContainerEnvironment {
        let client = self.context.client
        let namespace = self.namespace
        return ContainerEnvironment(pod: self.pod, nodeIP: self.configuration.nodeIP, podIP: sandbox.ip,
                                    services: self.context.services.items,
                                    configMap: { name in try await client.get(ConfigMap.self, namespace: namespace, name: name) })
    }

    /// A container ID in the runtime's form: `portico://` and 64 hex digits.
    static func newContainerID() -> String {
        "portico://" + (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: 0...UInt64.max)) }.joined()
    }

    func probeRunner(for container: Container) -> ProbeRunner {
        let porticoPath = self.configuration.porticoPath
        let netns = self.sandbox?.netnsPath ?? ""
        let hostname = PodFiles.hostname(self.pod)
        return ProbeRunner(podIP: self.sandbox?.ip ?? "", container: container) { command, timeout in
            await SandboxRuntime.exec(porticoPath: porticoPath, netns: netns, hostname: hostname, command: command, timeout: timeout)
        }
    }

    // MARK: status

    func publish() async {
        let terminating = self.machine.terminating
        let inbox = self.inbox
        let input = self.machine.statusInput(hostIP: self.configuration.nodeIP, now: .now())
        let pod = await self.publisher.publish(input, uid: self.uid, podDescription: self.machine.podDescription) { fresh in
            if !terminating { inbox.yield(.updated(fresh)) }
        }
        self.machine.adopt(pod)
    }

    // MARK: what the agent's servers read

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
        guard self.machine.isRunning(container), let running = self.processes[container] else {
            return .failure(ExecRefusal("container not found (\"\(container)\")"))
        }
        return .success(ExecView(pid: running.process.pid, environment: running.environment, workingDir: running.workingDir))
    }

    func logView(container: String) -> LogView {
        LogView(containers: self.pod.spec.containers.map(\.name), initContainers: self.pod.spec.initContainers.map(\.name),
                record: self.machine.record(container), directory: "\(self.directory)/\(container)", running: self.machine.isRunning(container))
    }
}

extension PodLifecycle.Moment {
    /// The moment an event is handled.
    static func now() -> Self {
        Self(uptime: ProcessInfo.processInfo.systemUptime, time: .now())
    }
}
