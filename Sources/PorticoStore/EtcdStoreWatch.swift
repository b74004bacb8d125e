import Foundation
import PorticoAPI
import PorticoEtcd

extension EtcdStore {
    /// Follows every change under the prefix after `start` for as long as the store is open:
    /// the watchers and the owner graph get each change in revision order, and writes waiting
    /// for their revision are released. A lost connection watches again from the last
    /// revision brought; history compacted before the follower saw it makes every watcher
    /// list again (they are ended, and their next watch is too old). A follower whose
    /// `generation` is no longer the store's (it was started again) delivers nothing more.
    func follow(after start: Int64, generation: Int) async {
        var revision = start
        while !Task.isCancelled {
            do {
                for try await response in self.client.watch(self.everything(after: revision, progress: true)) {
                    guard let newest = self.deliver(response, after: revision, generation: generation) else { return }
                    revision = newest
                }
            } catch EtcdClient.Failure.compacted {
                revision = (try? await self.startOver()) ?? revision
            } catch {}
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    func everything(after revision: Int64, progress: Bool = false) -> Etcd.WatchCreateRequest {
        Etcd.WatchCreateRequest(key: Data(self.prefix.utf8), range_end: Etcd.prefixEnd(self.prefix),
                                start_revision: Etcd.Int64String(revision + 1), prev_kv: true, progress_notify: progress)
    }

    /// One message of the watch: its events to the graph and the watchers; the newest
    /// revision, or nil when this follower's generation has passed (nothing is delivered).
    /// Delivery holds the progress lock, so a follower started again begins exactly after
    /// the last message delivered.
    func deliver(_ response: Etcd.WatchResponse, after revision: Int64, generation: Int) -> Int64? {
        // Changes of resources nobody watches (the allocation record: tens of kilobytes, one per
        // Service write) are not parsed, only counted.
        let events = (response.events ?? []).filter { !self.isUnwatched($0.kv.keyText) }.compactMap(self.storeEvent)
        var newest = max(revision, response.events?.last?.kv.modRevision ?? 0)
        // A progress note (no events, not the creation) says nothing more is coming up to its revision.
        if response.events == nil, response.created != true, let header = response.header?.revision?.value { newest = max(newest, header) }
        let ready: [CheckedContinuation<Void, Never>]? = self.progress.withLock { progress in
            guard progress.generation == generation else { return nil }
            self.graph.withLock { graph in
                for event in events { graph.apply(event.key, event.kind == .deleted ? nil : event.object) }
            }
            if !events.isEmpty { self.hub.publish(events) }
            return Self.advance(&progress, to: newest)
        }
        guard let ready else { return nil }
        for continuation in ready { continuation.resume() }
        return newest
    }

    func isUnwatched(_ key: String) -> Bool {
        self.unwatched.contains { key.hasPrefix(self.prefix + $0 + "/") }
    }

    func advance(to revision: Int64) {
        let ready = self.progress.withLock { Self.advance(&$0, to: revision) }
        for continuation in ready { continuation.resume() }
    }

    /// Moves the revision brought to `revision`; returns the writes no longer waiting.
    static func advance(_ progress: inout Progress, to revision: Int64) -> [CheckedContinuation<Void, Never>] {
        progress.revision = max(progress.revision, revision)
        let (done, waiting) = (progress.waiters.filter { $0.revision <= revision }, progress.waiters.filter { $0.revision > revision })
        progress.waiters = waiting
        return done.map(\.continuation)
    }

    /// The change as the store's watchers see it: an addition when the key was created at
    /// this revision; a deletion carries the object as it was, at the deletion's revision.
    func storeEvent(_ event: Etcd.Event) -> StoreEvent? {
        guard let key = self.objectKey(event.kv.keyText) else { return nil }
        let revision = event.kv.modRevision
        let previous = event.prev_kv.flatMap { Self.parse($0) }
        if event.isDelete {
            guard let last = event.prev_kv.flatMap({ Self.parse($0, revision: revision) }) else { return nil }
            return StoreEvent(kind: .deleted, key: key, resourceVersion: revision, object: last, previous: previous)
        }
        guard let object = Self.parse(event.kv) else { return nil }
        let kind: StoreEvent.Kind = event.kv.create_revision?.value == revision ? .added : .modified
        return StoreEvent(kind: kind, key: key, resourceVersion: revision, object: object, previous: previous)
    }

    /// History compacted before the follower saw it: read everything again, and end every
    /// watcher (their next watch, from a revision before this one, is answered 410).
    func startOver() async throws -> Int64 {
        let revision = try await self.readEverything()
        self.hub.finishAll()
        self.advance(to: revision)
        return revision
    }

    /// Reads every object under the prefix into a new owner graph, and starts the watchers'
    /// history at that read's revision (nothing before it is kept); returns the revision.
    func readEverything() async throws -> Int64 {
        let all = try await self.client.range(Etcd.RangeRequest(key: Data(self.prefix.utf8), range_end: Etcd.prefixEnd(self.prefix)))
        let revision = all.header?.revision?.value ?? 0
        var graph = OwnerGraph()
        for kv in all.kvs ?? [] {
            if let key = self.objectKey(kv.keyText), let object = Self.parse(kv) { graph.apply(key, object) }
        }
        self.graph.withLock { [graph] in $0 = graph }
        self.hub.load([], currentRV: revision, compactedThrough: revision)
        return revision
    }

    /// The objects of past changes (for a watch that starts in the past or a list as of an
    /// older revision), from etcd's own history: a watch of the narrowest key range that holds
    /// every wanted key (one resource, often one namespace: not every write in between, which
    /// may be thousands), from the oldest wanted revision, read until the newest, within
    /// etcd's request timeout.
    func texts(_ entries: [HistoryEntry]) async throws(StoreError) -> [Int64: (object: String, previous: String?)] {
        guard let first = entries.map(\.resourceVersion).min(), let last = entries.map(\.resourceVersion).max() else { return [:] }
        let range = Self.commonPrefix(entries.map { self.etcdKey($0.key) })
        let wanted = Set(entries.map(\.resourceVersion))
        let timeout = Duration.nanoseconds(self.client.configuration.requestTimeout.nanoseconds)
        do {
            return try await withThrowingTaskGroup(of: [Int64: (object: String, previous: String?)]?.self) { group in
                group.addTask { try await self.readHistory(wanted, under: range, from: first, through: last) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let found = try await group.next() ?? nil else {
                    throw StoreError.unavailable("etcd's history from revision \(first) to \(last) was not read within \(timeout)")
                }
                return found
            }
        } catch EtcdClient.Failure.compacted {
            throw .expired(requested: first - 1, oldest: self.hub.oldestKeptRV)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .unavailable("\(error)")
        }
    }

    /// The longest prefix the keys share.
    static func commonPrefix(_ keys: [String]) -> String {
        guard var prefix = keys.first.map({ Array($0.utf8) }) else { return "" }
        for key in keys.dropFirst() {
            let bytes = Array(key.utf8)
            var n = 0
            while n < prefix.count, n < bytes.count, prefix[n] == bytes[n] { n += 1 }
            prefix.removeLast(prefix.count - n)
        }
        return String(decoding: prefix, as: UTF8.self)
    }

    func readHistory(_ wanted: Set<Int64>, under range: String, from first: Int64, through last: Int64) async throws
        -> [Int64: (object: String, previous: String?)]
    {
        var found: [Int64: (object: String, previous: String?)] = [:]
        let request = Etcd.WatchCreateRequest(key: Data(range.utf8), range_end: Etcd.prefixEnd(range),
                                              start_revision: Etcd.Int64String(first), prev_kv: true, progress_notify: false)
        for try await response in self.client.watch(request) {
            for event in response.events ?? [] {
                let revision = event.kv.modRevision
                if wanted.contains(revision), let change = self.storeEvent(event) {
                    found[revision] = (change.object.serialized(), change.previous?.serialized())
                }
                if revision >= last { return found }
            }
        }
        throw StoreError.unavailable("etcd's watch ended before revision \(last)")
    }
}
