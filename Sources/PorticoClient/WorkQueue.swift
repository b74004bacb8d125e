import DequeModule
import Synchronization

/// Keys waiting for a controller, as client-go's workqueue: a key is queued once however often
/// it is added, is never handed to two workers at once (added while in work, it comes back
/// after `done`), can be added after a delay, and retries back off exponentially per key.
public final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    struct Delayed {
        var key: Key
        var due: ContinuousClock.Instant
    }

    struct State {
        var queue: Deque<Key> = []
        var dirty: Set<Key> = []
        var processing: Set<Key> = []
        var delayed: [Delayed] = []
        var failures: [Key: Int] = [:]
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var generation = 0
        var nextWaiter = 0
        var shutDown = false
    }

    let state = Mutex(State())
    let baseDelay: Duration
    let maxDelay: Duration

    /// Retries wait `baseDelay`, doubling per failure of the same key, up to `maxDelay`.
    public init(baseDelay: Duration = .milliseconds(5), maxDelay: Duration = .seconds(1000)) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    public func add(_ key: Key) {
        let wake = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.shutDown, !state.dirty.contains(key) else { return [] }
            state.dirty.insert(key)
            if !state.processing.contains(key) { state.queue.append(key) }
            return Self.wakeAll(&state)
        }
        for waiter in wake { waiter.resume() }
    }

    public func add(_ key: Key, after delay: Duration) {
        guard delay > .zero else { return self.add(key) }
        let wake = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.shutDown else { return [] }
            let due = ContinuousClock.now + delay
            if let i = state.delayed.firstIndex(where: { $0.key == key }) {
                if state.delayed[i].due <= due { return [] }
                state.delayed[i].due = due
            } else {
                state.delayed.append(Delayed(key: key, due: due))
            }
            return Self.wakeAll(&state)
        }
        for waiter in wake { waiter.resume() }
    }

    /// Adds again after this key's back-off, which grows with each call until `forget`.
    public func addRateLimited(_ key: Key) {
        let failures = self.state.withLock { state -> Int in
            state.failures[key, default: 0] += 1
            return state.failures[key]!
        }
        var delay = self.baseDelay
        for _ in 1..<min(failures, 40) {
            delay *= 2
            if delay >= self.maxDelay { break }
        }
        self.add(key, after: min(delay, self.maxDelay))
    }

    /// Retries so far for this key.
    public func failures(_ key: Key) -> Int {
        self.state.withLock { $0.failures[key] ?? 0 }
    }

    public func forget(_ key: Key) {
        _ = self.state.withLock { $0.failures.removeValue(forKey: key) }
    }

    /// The next key, waiting for one; nil once shut down.
    public func get() async -> Key? {
        while true {
            let (key, due, generation) = self.state.withLock { state -> (Key?, ContinuousClock.Instant?, Int) in
                Self.promoteDue(&state)
                if state.shutDown { return (nil, nil, state.generation) }
                if let key = state.queue.popFirst() {
                    state.dirty.remove(key)
                    state.processing.insert(key)
                    return (key, nil, state.generation)
                }
                return (nil, state.delayed.map(\.due).min(), state.generation)
            }
            if let key { return key }
            if self.state.withLock({ $0.shutDown }) || Task.isCancelled { return nil }
            await self.wait(since: generation, until: due)
        }
    }

    /// The worker has finished with `key`; if it was added meanwhile it is queued again.
    public func done(_ key: Key) {
        let wake = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.processing.remove(key)
            guard state.dirty.contains(key) else { return [] }
            state.queue.append(key)
            return Self.wakeAll(&state)
        }
        for waiter in wake { waiter.resume() }
    }

    public func shutDown() {
        let wake = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.shutDown = true
            return Self.wakeAll(&state)
        }
        for waiter in wake { waiter.resume() }
    }

    public var count: Int { self.state.withLock { $0.queue.count + $0.delayed.count } }

    static func promoteDue(_ state: inout State) {
        guard !state.delayed.isEmpty else { return }
        let now = ContinuousClock.now
        var remaining: [Delayed] = []
        for item in state.delayed {
            if item.due <= now {
                if !state.dirty.contains(item.key) {
                    state.dirty.insert(item.key)
                    if !state.processing.contains(item.key) { state.queue.append(item.key) }
                }
            } else {
                remaining.append(item)
            }
        }
        state.delayed = remaining
    }

    static func wakeAll(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        state.generation += 1
        let waiters = Array(state.waiters.values)
        state.waiters = [:]
        return waiters
    }

    /// Sleeps until something is added (after `generation`), the next delayed key is due,
    /// or the task is cancelled.
    func wait(since generation: Int, until due: ContinuousClock.Instant?) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForAdd(since: generation) }
            if let due {
                group.addTask { try? await Task.sleep(until: due, clock: .continuous) }
            }
            await group.next()
            group.cancelAll()
        }
    }

    func waitForAdd(since generation: Int) async {
        let id = self.state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = self.state.withLock { state -> Bool in
                    if state.generation != generation || state.shutDown || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = self.state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
