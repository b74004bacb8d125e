import PorticoAPI
import Testing

@testable import PorticoStore

#if canImport(Glibc)
import Glibc
#endif

/// A store in a fresh temporary directory, removed afterwards.
final class TemporaryStore {
    let directory: String
    var store: Store

    init(historyLimit: Int = 10_000) throws {
        var template = Array("/tmp/portico-store-test-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw StoreError.watcherTooSlow }
        self.directory = String(cString: dir)
        self.store = try Store(path: self.directory + "/portico.db", historyLimit: historyLimit)
    }

    func reopen(historyLimit: Int = 10_000) throws {
        self.store.closeWatches()
        self.store = try Store(path: self.directory + "/portico.db", historyLimit: historyLimit)
    }

    deinit {
        for file in ["portico.db", "portico.db-wal", "portico.db-shm"] { unlink(self.directory + "/" + file) }
        rmdir(self.directory)
    }
}

func service(_ name: String, _ port: Int64 = 80) -> JSON {
    ["kind": "Service", "apiVersion": "v1", "metadata": ["name": .string(name), "namespace": "default"],
     "spec": ["ports": [["port": .integer(port)]]]]
}

func key(_ name: String, resource: String = "services", namespace: String = "default") -> ObjectKey {
    ObjectKey(resource: resource, namespace: namespace, name: name)
}

@Suite("Store") struct StoreTests {
    @Test func writesShareOneRevisionCounter() async throws {
        let t = try TemporaryStore()
        let a = try await t.store.create(key("a"), service("a"))
        let b = try await t.store.create(key("b", resource: "configmaps"), ["metadata": ["name": "b"]])
        let a2 = try await t.store.update(key("a"), expectedResourceVersion: a.resourceVersion, service("a", 81))
        #expect([a.resourceVersion, b.resourceVersion, a2.resourceVersion] == [1, 2, 3])
        #expect(a2.object["metadata"]?["resourceVersion"] == "3")
        #expect(try await t.store.get(key("a"))?.object["spec"]?["ports"] == [["port": 81]])
        #expect(t.store.currentResourceVersion == 3)
        let deleted = try await t.store.delete(key("a"))
        #expect(deleted.resourceVersion == 4)
        #expect(try await t.store.get(key("a")) == nil)
        let (items, rv) = try await t.store.list(resource: "services")
        #expect(items.isEmpty && rv == 4)
    }

    @Test func preconditionsAndExistence() async throws {
        let t = try TemporaryStore()
        _ = try await t.store.create(key("a"), service("a"))
        await #expect(throws: StoreError.alreadyExists(key("a"))) { try await t.store.create(key("a"), service("a")) }
        await #expect(throws: StoreError.conflict(key("a"), expected: 7, actual: 1)) {
            try await t.store.update(key("a"), expectedResourceVersion: 7, service("a"))
        }
        await #expect(throws: StoreError.notFound(key("zz"))) { try await t.store.update(key("zz"), service("zz")) }
        await #expect(throws: StoreError.notFound(key("zz"))) { try await t.store.delete(key("zz")) }
        #expect(t.store.currentResourceVersion == 1)
    }

    @Test func aFailedTransactionWritesNothing() async throws {
        let t = try TemporaryStore()
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await t.store.transact { txn in
                try txn.create(key("a"), service("a"))
                try txn.create(key("b"), service("b"))
                throw Refused()
            }
        }
        #expect(try await t.store.list(resource: "services").items.isEmpty)
        #expect(t.store.currentResourceVersion == 0)
        let both = try await t.store.transact { txn in
            [try txn.create(key("a"), service("a")).resourceVersion, try txn.create(key("b"), service("b")).resourceVersion]
        }
        #expect(both == [1, 2])
    }

    @Test func listsAreSortedAndFiltered() async throws {
        let t = try TemporaryStore()
        for (ns, name) in [("b", "x"), ("a", "y"), ("a", "x")] {
            _ = try await t.store.create(key(name, namespace: ns), service(name))
        }
        _ = try await t.store.create(key("n1", resource: "nodes", namespace: ""), ["metadata": ["name": "n1"]])
        #expect(try await t.store.list(resource: "services").items.map(\.key.description)
            == ["services/a/x", "services/a/y", "services/b/x"])
        #expect(try await t.store.list(resource: "services", namespace: "a").items.count == 2)
        #expect(try await t.store.list(resource: "nodes").items.map(\.key.name) == ["n1"])
    }

    @Test func watchesSeeEveryLaterChangeInOrder() async throws {
        let t = try TemporaryStore()
        _ = try await t.store.create(key("before"), service("before"))
        let stream = try await t.store.watch(resource: "services", namespace: "default", after: 1)
        let store = t.store
        let writer = Task {
            for i in 0..<50 { _ = try await store.create(key("s\(i)"), service("s\(i)")) }
            _ = try await store.create(key("other", namespace: "kube-system"), service("other"))
            _ = try await store.create(key("cm", resource: "configmaps"), ["metadata": ["name": "cm"]])
            _ = try await store.update(key("s0"), service("s0", 81))
            _ = try await store.delete(key("s1"))
        }
        var seen: [StoreEvent] = []
        for try await event in stream {
            seen.append(event)
            if seen.count == 52 { break }
        }
        try await writer.value
        #expect(seen.prefix(50).map(\.key.name) == (0..<50).map { "s\($0)" })
        #expect(seen.prefix(50).allSatisfy { $0.kind == .added })
        #expect(seen[50].kind == .modified && seen[50].key.name == "s0" && seen[50].previous?["spec"]?["ports"] == [["port": 80]])
        #expect(seen[51].kind == .deleted && seen[51].key.name == "s1" && seen[51].resourceVersion == 55)
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.resourceVersion < $1.resourceVersion })
    }

    @Test func aWatchStartedDuringWritesHasNoGapAndNoRepeat() async throws {
        let t = try TemporaryStore()
        let store = t.store
        let writer = Task {
            for i in 0..<300 { _ = try await store.create(key("s\(i)"), service("s\(i)")) }
        }
        // Start from a list taken while writes happen, as an informer does.
        try await Task.sleep(for: .milliseconds(20))
        let (items, rv) = try await store.list(resource: "services")
        var names = Set(items.map(\.key.name))
        let stream = try await store.watch(resource: "services", after: rv)
        try await writer.value
        for try await event in stream {
            #expect(names.insert(event.key.name).inserted, "\(event.key.name) seen twice")
            if names.count == 300 { break }
        }
        #expect(names.count == 300)
    }

    @Test func historyIsKeptOnlyForAWindow() async throws {
        let t = try TemporaryStore(historyLimit: 10)
        for i in 0..<30 { _ = try await t.store.create(key("s\(i)"), service("s\(i)")) }
        await #expect(throws: StoreError.expired(requested: 5, oldest: 21)) { try await t.store.watch(resource: nil, after: 5) }
        #expect(t.store.oldestResourceVersion == 21)
        _ = try await t.store.watch(resource: nil, after: 20)
        #expect(try await t.store.events(after: 25).map(\.resourceVersion) == [26, 27, 28, 29, 30])
    }

    @Test func historySurvivesARestart() async throws {
        let t = try TemporaryStore()
        for i in 0..<5 { _ = try await t.store.create(key("s\(i)"), service("s\(i)")) }
        try t.reopen()
        #expect(t.store.currentResourceVersion == 5)
        let stream = try await t.store.watch(resource: "services", after: 3)
        _ = try await t.store.create(key("after"), service("after"))
        var names: [String] = []
        for try await event in stream {
            names.append(event.key.name)
            if names.count == 3 { break }
        }
        #expect(names == ["s3", "s4", "after"])
        #expect(try await t.store.get(key("after"))?.resourceVersion == 6)
    }

    /// A watch that starts in the past reads that past without holding the hub's lock (a
    /// read may wait for a connection held by a task that needs a thread to finish); what
    /// is published meanwhile is sent after the past, once, in order.
    @Test func changesPublishedWhileThePastIsReadFollowIt() async throws {
        let (reading, reader) = AsyncStream<Void>.makeStream()
        let (release, releaser) = AsyncStream<Void>.makeStream()
        let hub = WatchHub(capacity: 100) { entries in
            reader.yield()
            for await _ in release { break }
            return Dictionary(uniqueKeysWithValues: entries.map(\.resourceVersion).map { ($0, (object: #"{"metadata":{"name":"s\#($0)"}}"#, previous: nil)) })
        }
        func event(_ rv: Int64) -> StoreEvent {
            StoreEvent(kind: .added, key: key("s\(rv)"), resourceVersion: rv, object: ["metadata": ["name": .string("s\(rv)")]], previous: nil)
        }
        hub.publish([event(1), event(2)])
        let watch = Task { try await hub.watch(WatchHub.Filter(), after: 0) }
        for await _ in reading { break }
        hub.publish([event(3)])  // while the past (1 and 2) is being read: the lock is free
        hub.publish([event(4)])
        releaser.yield()
        let stream = try await watch.value
        hub.publish([event(5)])
        var seen: [Int64] = []
        for try await event in stream {
            seen.append(event.resourceVersion)
            if seen.count == 5 { break }
        }
        #expect(seen == [1, 2, 3, 4, 5])
    }

    @Test func aSlowWatcherIsDroppedNotBlocking() async throws {
        let t = try TemporaryStore()
        let hub = WatchHub(capacity: 100, watcherBuffer: 3)
        let stream = try await hub.watch(WatchHub.Filter(), after: 0)
        for i in 1...5 {
            hub.publish([StoreEvent(kind: .added, key: key("s\(i)"), resourceVersion: Int64(i), object: [:], previous: nil)])
        }
        var received = 0
        do {
            for try await _ in stream { received += 1 }
            Issue.record("the stream ended without an error")
        } catch {
            #expect(error as? StoreError == .watcherTooSlow)
        }
        #expect(received == 3)
        #expect(hub.watcherCount == 0)
        _ = t
    }
}
