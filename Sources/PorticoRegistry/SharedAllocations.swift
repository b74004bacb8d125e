import PorticoAPI
import Synchronization

/// The allocators of a server that shares its ranges with others through a record in the
/// store (`AllocationRecordStore`). Steps are batched: the steps waiting when this server's
/// gate opens run one after another on allocators that hold the record as last read, and
/// one compare-and-swap of the record commits them all (group commit); when another server
/// wrote first, the record is read again and the batch runs again on it, as upstream's etcd
/// allocator retries its guarded update. A server alone (the SQLite store) has no record:
/// its memory is the truth, rebuilt from the Services at start.
final class SharedRecord: Sendable {
    let store: any AllocationRecordStore
    let gate = AsyncGate()
    /// The revision of the record the allocators hold; nil when they must read it first.
    let seen = Mutex<Int64?>(nil)
    /// Steps waiting for the next batch.
    let waiting = Mutex<[PendingStep]>([])

    init(store: any AllocationRecordStore) {
        self.store = store
    }
}

/// A step waiting for its batch, its type erased: `run` runs it on the allocators (false
/// when it threw), `fail` ends it with an error of the batch's (the store's, or a timeout).
/// Touched only by the gate's holder, and read by its owner after the gate: never at once.
final class PendingStep: @unchecked Sendable {
    let run: () -> Bool
    let fail: (any Error) -> Void

    init(run: @escaping () -> Bool, fail: @escaping (any Error) -> Void) {
        self.run = run
        self.fail = fail
    }
}

/// What one step came to.
final class StepOutcome<T>: @unchecked Sendable {
    var result: Result<T, any Error>? = nil
}

extension ServiceAllocators {
    /// How long a batch keeps trying before it gives up (with a 500, as upstream's "failed to
    /// allocate" after its retries).
    static let attemptFor: Duration = .seconds(10)

    /// Runs one registry step (`ServiceRegistry.create`, an update, a release) so that what it
    /// takes and gives back holds across servers; alone, it simply runs the step. The step
    /// may run more than once and must depend only on its input and the allocators.
    public func allocating<T>(_ step: @escaping @Sendable () throws(APIError) -> T) async throws -> T {
        guard let shared = self.shared else { return try step() }
        let outcome = StepOutcome<T>()
        let pending = PendingStep(run: {
            do {
                outcome.result = .success(try step())
                return true
            } catch {
                outcome.result = .failure(error)
                return false
            }
        }, fail: { outcome.result = .failure($0) })
        shared.waiting.withLock { $0.append(pending) }
        // Whoever holds the gate when it opens runs every step waiting then, this one among
        // them unless an earlier holder already did.
        try await shared.gate.run { await self.runBatch(shared) }
        guard let result = outcome.result else { throw APIError.internalError("failed to allocate: the step was not run") }
        return try result.get()
    }

    /// Runs the steps waiting, as one batch, and commits them with one write of the record.
    func runBatch(_ shared: SharedRecord) async {
        let batch = shared.waiting.withLock { waiting in
            defer { waiting = [] }
            return waiting
        }
        guard !batch.isEmpty else { return }
        let deadline = ContinuousClock.now + Self.attemptFor
        var lost = 0
        do {
            while ContinuousClock.now < deadline {
                if lost > 0 {
                    // Another server wrote first: back off a random moment, longer each time, so
                    // a server that writes often does not keep winning (each try here reads first).
                    try await Task.sleep(for: .milliseconds(Int.random(in: 0...min(64, 1 << lost))))
                }
                let fresh = try await self.load(shared)
                let before = self.mutations
                let refused = batch.map { $0.run() }.contains(false)
                if refused, !fresh {
                    // Refused on a view that may be old (another server may have released what
                    // was asked for): the whole batch again, on the stored record.
                    shared.seen.withLock { $0 = nil }
                    continue
                }
                if self.mutations == before { return }
                let expected = shared.seen.withLock { $0 }
                shared.seen.withLock { $0 = nil }  // until the write says otherwise: what is held may not be stored
                if let revision = try await shared.store.write(self.record(), at: expected) {
                    shared.seen.withLock { $0 = revision }
                    return
                }
                lost += 1
            }
            let error = APIError.internalError("failed to allocate: the service allocation record kept changing (\(lost) tries in \(Self.attemptFor))")
            for step in batch { step.fail(error) }
        } catch {
            for step in batch { step.fail(error) }
        }
    }

    /// Gives back values outside of a registry step (a write that failed after allocating,
    /// the old values of one that succeeded, a deleted Service's).
    public func release(ips: [IPAddress], ports: [Int]) async throws {
        guard !ips.isEmpty || !ports.isEmpty else { return }
        try await self.allocating { () throws(APIError) in
            for ip in ips { self.clusterIPs[ip.family]?.release(ip) }
            for port in ports { self.nodePorts.release(port) }
        }
    }

    /// Makes the allocators hold the stored record (creating it from what they hold when
    /// there is none, after `whenMissing`); true when it was read now, false when the one
    /// read before is kept.
    func load(_ shared: SharedRecord, whenMissing: () -> Void = {}) async throws -> Bool {
        if shared.seen.withLock({ $0 }) != nil { return false }
        while true {
            if let (record, revision) = try await shared.store.read() {
                self.restore(from: record)
                shared.seen.withLock { $0 = revision }
                return true
            }
            whenMissing()
            if let revision = try await shared.store.write(self.record(), at: nil) {
                shared.seen.withLock { $0 = revision }
                return true
            }
        }
    }

    /// At start: the stored record when there is one (the store is the truth); else the
    /// allocators rebuilt from the stored Services, and the record written from them.
    /// Returns what the rebuild found wrong.
    public func start(from services: [Service]) async throws -> [RepairFinding] {
        guard let shared = self.shared else { return self.rebuild(from: services) }
        return try await shared.gate.run {
            var findings: [RepairFinding] = []
            shared.seen.withLock { $0 = nil }
            _ = try await self.load(shared) { findings = self.rebuild(from: services) }
            return findings
        }
    }
}
