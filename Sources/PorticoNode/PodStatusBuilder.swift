import PorticoAPI

/// What the agent knows of one container between its starts and exits.
public struct ContainerRecord: Sendable, Equatable {
    public var name: String
    public var image: String
    public var state = ContainerState(waiting: ContainerStateWaiting(reason: "ContainerCreating"))
    public var lastState = ContainerState()
    public var restartCount: Int32 = 0
    public var ready = false
    public var started = false
    public var containerID = ""
    public var imageID = ""

    public init(name: String, image: String) {
        self.name = name
        self.image = image
    }

    public var isRunning: Bool { self.state.running != nil }
}

/// The pod status a kubelet writes, computed from the agent's records (upstream's
/// generateAPIPodStatus, getPhase and status/generate.go): phase, the five conditions in
/// kubelet order with their reasons, addresses and container statuses. Transition times
/// are kept from the previous status while a condition's status does not change.
public enum PodStatusBuilder {
    public struct Input: Sendable {
        public var pod: Pod
        public var sandboxReady: Bool
        public var podIP: String?
        public var hostIP: String
        public var initContainers: [ContainerRecord]
        public var containers: [ContainerRecord]
        public var initialized: Bool
        public var now: Time

        public init(pod: Pod, sandboxReady: Bool, podIP: String?, hostIP: String, initContainers: [ContainerRecord] = [],
                    containers: [ContainerRecord], initialized: Bool = true, now: Time) {
            self.pod = pod
            self.sandboxReady = sandboxReady
            self.podIP = podIP
            self.hostIP = hostIP
            self.initContainers = initContainers
            self.containers = containers
            self.initialized = initialized
            self.now = now
        }
    }

    public static func status(_ input: Input) -> PodStatus {
        let old = input.pod.status
        var status = old
        status.phase = self.phase(input)
        status.hostIP = input.hostIP
        status.hostIPs = [HostIP(ip: input.hostIP)]
        if let ip = input.podIP {
            status.podIP = ip
            status.podIPs = [PodIP(ip: ip)]
        }
        if status.startTime == nil { status.startTime = input.now }
        status.initContainerStatuses = input.initContainers.map(self.containerStatus)
        status.containerStatuses = input.containers.map(self.containerStatus)

        var conditions = old.conditions.filter { !self.kubeletConditions.contains($0.type) }
        let notReady = input.containers.filter { !($0.ready && $0.isRunning) }.map(\.name)
        var containersReady = PodCondition(type: PodConditionType.containersReady, status: notReady.isEmpty ? "True" : "False")
        if status.phase == .succeeded {
            containersReady = PodCondition(type: PodConditionType.containersReady, status: "False", reason: "PodCompleted")
        } else if status.phase == .failed {
            containersReady = PodCondition(type: PodConditionType.containersReady, status: "False", reason: "PodFailed")
        } else if !notReady.isEmpty {
            containersReady.reason = "ContainersNotReady"
            containersReady.message = "containers with unready status: [\(notReady.joined(separator: " "))]"
        }
        var initialized = PodCondition(type: PodConditionType.initialized, status: input.initialized ? "True" : "False")
        if !input.initialized {
            let incomplete = input.initContainers.filter { $0.state.terminated?.exitCode != 0 }.map(\.name)
            initialized.reason = "ContainersNotInitialized"
            initialized.message = "containers with incomplete status: [\(incomplete.joined(separator: " "))]"
        } else if status.phase == .succeeded {
            initialized.reason = "PodCompleted"
        }
        var ready = containersReady
        ready.type = PodConditionType.ready
        let generated = [
            PodCondition(type: PodConditionType.podReadyToStartContainers, status: input.sandboxReady ? "True" : "False"),
            initialized, ready, containersReady,
            PodCondition(type: PodConditionType.podScheduled, status: "True"),
        ]
        for var condition in generated {
            let previous = old.conditions.first { $0.type == condition.type }
            condition.lastTransitionTime = previous?.status == condition.status ? (previous?.lastTransitionTime ?? input.now) : input.now
            conditions.append(condition)
        }
        status.conditions = conditions
        return status
    }

    static let kubeletConditions: Set<String> = [
        PodConditionType.podReadyToStartContainers, PodConditionType.initialized, PodConditionType.ready,
        PodConditionType.containersReady, PodConditionType.podScheduled,
    ]

    static func containerStatus(_ record: ContainerRecord) -> ContainerStatus {
        var status = ContainerStatus(name: record.name, state: record.state, ready: record.ready, restartCount: record.restartCount,
                                     image: record.image)
        status.lastState = record.lastState
        status.containerID = record.containerID
        status.imageID = record.imageID
        status.started = record.started
        return status
    }

    /// Upstream's getPhase.
    public static func phase(_ input: Input) -> PodPhase {
        if input.pod.isTerminal { return input.pod.status.phase }
        if !input.initialized { return .pending }
        var waiting = 0, running = 0, stopped = 0, succeeded = 0
        for c in input.containers {
            if c.state.running != nil {
                running += 1
            } else if let t = c.state.terminated {
                stopped += 1
                if t.exitCode == 0 { succeeded += 1 }
            } else if c.lastState.terminated != nil {
                stopped += 1
                if c.lastState.terminated?.exitCode == 0 { succeeded += 1 }
            } else {
                waiting += 1
            }
        }
        if waiting > 0 { return .pending }
        if running > 0 { return .running }
        if stopped > 0 {
            switch input.pod.spec.restartPolicy {
            case .always: return .running
            case .never: return stopped == succeeded ? .succeeded : .failed
            default: return stopped == succeeded ? .succeeded : .running
            }
        }
        return .pending
    }
}

/// Crash-loop back-off as the kubelet keeps it (client-go's Backoff with kubelet's expiry):
/// the first restart is immediate; after that a container waits until 10 s, then 20 s, ...
/// up to 5 min have passed since it last finished. Ten minutes without a restart reset it.
public struct ContainerBackOff: Sendable, Equatable {
    public static let initial: Double = 10
    public static let maximum: Double = 300
    public static let resetAfter: Double = 600

    /// The current back-off and when it was last raised (seconds since an arbitrary origin).
    public var current: Double = 0
    public var lastUpdate: Double = 0

    public init() {}

    public enum Decision: Sendable, Equatable {
        case startNow
        /// Still backing off: wait this long; `backOff` is the period to report.
        case wait(seconds: Double, backOff: Double)
    }

    public mutating func decide(finishedAt: Double, now: Double) -> Decision {
        if self.current > 0, now - self.lastUpdate > Self.resetAfter { self.current = 0 }
        if self.current > 0, now - finishedAt < self.current {
            return .wait(seconds: self.current - (now - finishedAt), backOff: self.current)
        }
        self.current = self.current == 0 ? Self.initial : min(self.current * 2, Self.maximum)
        self.lastUpdate = now
        return .startNow
    }

    /// Go's Duration text for whole seconds: 10s, 1m20s, 5m0s.
    public static func text(_ seconds: Double) -> String {
        let s = Int64(seconds.rounded())
        return s < 60 ? "\(s)s" : "\(s / 60)m\(s % 60)s"
    }
}
