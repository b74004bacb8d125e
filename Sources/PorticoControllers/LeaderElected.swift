import Logging
import PorticoAPI
import PorticoClient
import ServiceLifecycle
import Synchronization

/// Runs a piece of work (the controllers) only while this process holds a Lease, as
/// kube-controller-manager does with `--leader-elect`: every server is a candidate, one leads;
/// when the leader stops renewing, another takes over within the lease's duration and starts
/// the work afresh (a new instance from `make`, so nothing of the old leader's caches is
/// reused). A leader that loses the lease stops its work at once and becomes a candidate
/// again; one that shuts down gives the lease up, so the next takes over without waiting.
public struct LeaderElected: ServiceLifecycle.Service {
    let client: KubeClient
    let namespace: String
    let name: String
    let identity: String
    let timing: LeaderElection.Timing
    let make: @Sendable () -> any ServiceLifecycle.Service
    let logger: Logger

    public init(client: KubeClient, namespace: String = "kube-system", name: String, identity: String,
                timing: LeaderElection.Timing = .init(), logger: Logger, make: @escaping @Sendable () -> any ServiceLifecycle.Service) {
        self.client = client
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.timing = timing
        self.make = make
        self.logger = logger
    }

    public func run() async throws {
        var election = LeaderElection(identity: self.identity, timing: self.timing)
        while await self.acquire(&election) {
            self.logger.info("leader election: \(self.identity) leads \(self.namespace)/\(self.name)")
            await self.lead(&election)
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            self.logger.warning("leader election: \(self.identity) lost \(self.namespace)/\(self.name); stopped its work")
        }
        await self.release(election)
    }

    /// Tries every retry period until this candidate leads; false when shutting down first.
    func acquire(_ election: inout LeaderElection) async -> Bool {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            await self.step(&election)
            if election.isLeader(at: .now) { return true }
            await self.pause(election.untilNextTry(at: .now))
        }
        return false
    }

    /// Runs the work beside the renewals, until leading ends or the work returns (shutdown).
    func lead(_ election: inout LeaderElection) async {
        let work = self.make()
        let ended = EndedFlag()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do { try await work.run() } catch { self.logger.error("leader election: the work of \(self.name) failed: \(error)") }
                ended.value.withLock { $0 = true }
            }
            while election.isLeader(at: .now), !Task.isCancelled, !Task.isShuttingDownGracefully, !ended.value.withLock({ $0 }) {
                await self.pause()
                await self.step(&election)
            }
            group.cancelAll()
        }
    }

    /// One read of the lease and the write the election decides.
    func step(_ election: inout LeaderElection) async {
        do {
            let current = try await self.client.get(Lease.self, namespace: self.namespace, name: self.name)
            switch election.decide(current?.spec, now: .now, wall: .now()) {
            case .none:
                return
            case .create(let spec):
                _ = try await self.client.create(Lease(metadata: ObjectMeta(name: self.name, namespace: self.namespace), spec: spec))
                election.wrote(spec, now: .now)
            case .update(let spec):
                guard var lease = current else { return }
                lease.spec = spec
                _ = try await self.client.update(lease)
                election.wrote(spec, now: .now)
            }
        } catch {
            self.logger.debug("leader election: \(self.namespace)/\(self.name): \(error)")
        }
    }

    /// One retry period (or `wait`), cut short by a graceful shutdown (so the server stops at once).
    func pause(_ wait: Duration? = nil) async {
        let wait = wait ?? self.timing.retryPeriod
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
    }

    /// Gives the lease up when this process holds it.
    func release(_ election: LeaderElection) async {
        guard var lease = try? await self.client.get(Lease.self, namespace: self.namespace, name: self.name),
              let released = election.release(lease.spec, wall: .now()) else { return }
        lease.spec = released
        _ = try? await self.client.update(lease)
    }
}

/// Set when the leader's work returns by itself.
final class EndedFlag: Sendable {
    let value = Mutex(false)
}
