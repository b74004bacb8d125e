import PorticoAPI
import Synchronization

/// The recent history of changes in revision order, and the watchers it feeds: what
/// kube-apiserver's watch cache does. A watcher starting at revision N gets the kept events
/// after N and then every new one, with no gap and no repeat: it is registered under the
/// lock that publication takes, and what is published while its past is read back is held
/// for it until the past has been sent.
///
/// The history in memory is an index (`HistoryEntry`: kind, key, revision); the objects of
/// a change are read back from the store's event log (`texts`) only for a watch that starts
/// in the past or a list served as of an older revision. Live watchers get the tree the
/// writer already has.
final class WatchHub: Sendable {
    struct Filter: Sendable {
        var resource: String?
        var namespace: String?

        func matches(_ key: ObjectKey) -> Bool {
            (self.resource == nil || self.resource == key.resource) && (self.namespace == nil || self.namespace == key.namespace)
        }
    }

    final class Watcher: Sendable {
        let id: Int
        let filter: Filter
        /// Changes at or before this revision are not sent (a watch may start at a revision
        /// the store has not reached yet).
        let after: Int64
        let continuation: AsyncThrowingStream<StoreEvent, any Error>.Continuation

        init(id: Int, filter: Filter, after: Int64, continuation: AsyncThrowingStream<StoreEvent, any Error>.Continuation) {
            self.id = id
            self.filter = filter
            self.after = after
            self.continuation = continuation
        }
    }

    struct State {
        var ring: [HistoryEntry?]
        var start = 0
        var count = 0
        /// The revision of the newest write (0 before the first).
        var currentRV: Int64 = 0
        /// Every event with a revision above this is kept (or there is none).
        var compactedThrough: Int64 = 0
        var watchers: [Int: Watcher] = [:]
        /// Events published to a watcher while its past is still being read, by watcher id.
        var replaying: [Int: [StoreEvent]] = [:]
        var nextID = 0

        mutating func append(_ event: HistoryEntry) {
            let capacity = self.ring.count
            if self.count == capacity {
                self.compactedThrough = self.ring[self.start]!.resourceVersion
                self.ring[self.start] = event
                self.start = (self.start + 1) % capacity
            } else {
                self.ring[(self.start + self.count) % capacity] = event
                self.count += 1
            }
            self.currentRV = max(self.currentRV, event.resourceVersion)
        }

        /// The kept events after `rv` that match `filter`, oldest first. The ring is in
        /// revision order, so the search for the first one is a binary search.
        func events(after rv: Int64, matching filter: Filter) -> [HistoryEntry] {
            var low = 0
            var high = self.count
            while low < high {
                let mid = (low + high) / 2
                if self.ring[(self.start + mid) % self.ring.count]!.resourceVersion > rv { high = mid } else { low = mid + 1 }
            }
            var result: [HistoryEntry] = []
            for i in low..<self.count {
                let event = self.ring[(self.start + i) % self.ring.count]!
                if filter.matches(event.key) { result.append(event) }
            }
            return result
        }
    }

    let state: Mutex<State>
    /// Events a watcher may have waiting before it is dropped as too slow.
    let watcherBuffer: Int
    /// Reads the objects of logged changes back.
    let texts: EventTexts

    init(capacity: Int, watcherBuffer: Int = 100_000, texts: @escaping EventTexts = { _ in [:] }) {
        self.state = Mutex(State(ring: Array(repeating: nil, count: max(1, capacity))))
        self.watcherBuffer = watcherBuffer
        self.texts = texts
    }

    /// The events of `entries`, their objects read from the log.
    func events(_ entries: [HistoryEntry]) async throws(StoreError) -> [StoreEvent] {
        guard !entries.isEmpty else { return [] }
        let texts = try await self.texts(entries)
        var events: [StoreEvent] = []
        events.reserveCapacity(entries.count)
        for entry in entries {
            guard let text = texts[entry.resourceVersion], let event = entry.event(object: text.object, previous: text.previous) else {
                throw .corrupt(entry.key, revision: entry.resourceVersion)
            }
            events.append(event)
        }
        return events
    }

    /// Fills the history from storage at start.
    func load(_ events: [HistoryEntry], currentRV: Int64, compactedThrough: Int64) {
        self.state.withLock { state in
            for event in events { state.append(event) }
            state.currentRV = max(state.currentRV, currentRV)
            state.compactedThrough = max(state.compactedThrough, compactedThrough)
        }
    }

    var currentRV: Int64 { self.state.withLock { $0.currentRV } }
    var oldestKeptRV: Int64 { self.state.withLock { $0.compactedThrough + 1 } }

    /// Called by the single writer after each commit, in revision order.
    func publish(_ events: [StoreEvent]) {
        // A stream's termination handler takes the lock, so streams are finished after it is released.
        let tooSlow: [Watcher] = self.state.withLock { state in
            var dropped: [Watcher] = []
            for event in events {
                state.append(HistoryEntry(event))
                for watcher in state.watchers.values where watcher.filter.matches(event.key) && event.resourceVersion > watcher.after {
                    if state.replaying[watcher.id] != nil {
                        state.replaying[watcher.id]!.append(event)
                    } else if case .dropped = watcher.continuation.yield(event) {
                        dropped.append(watcher)
                        state.watchers[watcher.id] = nil
                    }
                }
            }
            return dropped
        }
        for watcher in tooSlow { watcher.continuation.finish(throwing: StoreError.watcherTooSlow) }
    }

    /// A stream of the changes after `rv` that match the filter; throws `expired` when they
    /// are no longer all kept. The watcher is registered first (so nothing published from
    /// then on is missed), its past is read from the log with no lock held (the read may
    /// wait for a database connection), and what arrived meanwhile follows the past.
    func watch(_ filter: Filter, after rv: Int64) async throws(StoreError) -> AsyncThrowingStream<StoreEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<StoreEvent, any Error>.makeStream(
            bufferingPolicy: .bufferingOldest(self.watcherBuffer))
        let registered: Result<(id: Int, past: [HistoryEntry]), StoreError> = self.state.withLock { state in
            if rv < state.compactedThrough {
                return .failure(StoreError.expired(requested: rv, oldest: state.compactedThrough + 1))
            }
            let id = state.nextID
            state.nextID += 1
            state.watchers[id] = Watcher(id: id, filter: filter, after: rv, continuation: continuation)
            state.replaying[id] = []
            return .success((id, state.events(after: rv, matching: filter)))
        }
        let (id, past) = try registered.get()
        continuation.onTermination = { [weak self] _ in self?.forget(id) }
        let replay: [StoreEvent]
        do throws(StoreError) {
            replay = try await self.events(past)
        } catch {
            self.forget(id)
            throw error
        }
        let tooSlow = self.state.withLock { state in
            for event in replay + (state.replaying.removeValue(forKey: id) ?? []) {
                if case .dropped = continuation.yield(event) {
                    state.watchers[id] = nil
                    return true
                }
            }
            return false
        }
        if tooSlow { continuation.finish(throwing: StoreError.watcherTooSlow) }
        return stream
    }

    private func forget(_ id: Int) {
        self.state.withLock { state in
            state.watchers[id] = nil
            state.replaying[id] = nil
        }
    }

    /// The kept events after `rv` that match `filter` (for serving a list as of an older
    /// revision), their objects read from the log outside the lock.
    func events(after rv: Int64, matching filter: Filter = Filter()) async throws(StoreError) -> [StoreEvent] {
        let result: Result<[HistoryEntry], StoreError> = self.state.withLock { state in
            if rv < state.compactedThrough {
                return .failure(StoreError.expired(requested: rv, oldest: state.compactedThrough + 1))
            }
            return .success(state.events(after: rv, matching: filter))
        }
        return try await self.events(try result.get())
    }

    var watcherCount: Int { self.state.withLock { $0.watchers.count } }

    /// Ends every watch (server shutdown).
    func finishAll() {
        let all = self.state.withLock { state in
            defer { state.watchers = [:]; state.replaying = [:] }
            return Array(state.watchers.values)
        }
        for watcher in all { watcher.continuation.finish() }
    }
}
