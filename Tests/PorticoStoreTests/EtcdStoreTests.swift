import Foundation
import PorticoAPI
import PorticoEtcd
import PorticoTestSupport
import Testing

@testable import PorticoStore

/// The etcd store against a real etcd member of the test's own: the same promises as the
/// SQLite store (one revision counter, guarded writes, consistent lists, watches from a
/// revision with no gap and no repeat, 410 for history that is gone, the owner questions),
/// and what only several servers on one etcd show.
@Suite("EtcdStore", .serialized) struct EtcdStoreTests {
    static func open(_ member: EtcdMember) async throws -> EtcdStore {
        try await EtcdStore.open(client: try EtcdClient(EtcdClient.Configuration(endpoints: [member.clientURL])))
    }

    @Test func guardedWritesAndRevisions() async throws {
        let member = try EtcdMember()
        defer { member.stop() }
        let store = try await Self.open(member)
        defer { store.close() }
        let a = try await store.create(key("a"), service("a"))
        #expect(a.object["metadata"]?["resourceVersion"] == .string(String(a.resourceVersion)))
        await #expect(throws: StoreError.alreadyExists(key("a"))) { try await store.create(key("a"), service("a")) }
        await #expect(throws: StoreError.conflict(key("a"), expected: a.resourceVersion - 1, actual: a.resourceVersion)) {
            try await store.update(key("a"), expectedResourceVersion: a.resourceVersion - 1, service("a", 81))
        }
        let a2 = try await store.update(key("a"), expectedResourceVersion: a.resourceVersion, service("a", 81))
        #expect(a2.resourceVersion > a.resourceVersion && store.currentResourceVersion >= a2.resourceVersion)
        let read = try #require(try await store.get(key("a")))
        #expect(read.resourceVersion == a2.resourceVersion && read.object["spec"]?["ports"] == [["port": 81]])
        #expect(read.object["metadata"]?["resourceVersion"] == .string(String(a2.resourceVersion)))
        // The value in etcd is the object without its revision, under kube-apiserver's key.
        let raw = try member.etcdctl(["get", "/registry/services/default/a", "--print-value-only"])
        #expect(raw.stdout.contains("\"name\":\"a\"") && !raw.stdout.contains("resourceVersion"))
        await #expect(throws: StoreError.notFound(key("zz"))) { try await store.update(key("zz"), expectedResourceVersion: nil, service("zz")) }
        await #expect(throws: StoreError.notFound(key("zz"))) { try await store.delete(key("zz"), expectedResourceVersion: 3) }
        let gone = try await store.delete(key("a"), expectedResourceVersion: a2.resourceVersion)
        #expect(gone.resourceVersion > a2.resourceVersion && gone.object["spec"]?["ports"] == [["port": 81]])
        #expect(try await store.get(key("a")) == nil)
    }

    @Test func listsAreScopedSortedAndAtARevision() async throws {
        let member = try EtcdMember()
        defer { member.stop() }
        let store = try await Self.open(member)
        defer { store.close() }
        for (namespace, name) in [("b", "y"), ("a", "z"), ("a", "x")] {
            _ = try await store.create(key(name, namespace: namespace), service(name))
        }
        let node = try await store.create(ObjectKey(resource: "nodes", namespace: "", name: "node-1"), ["kind": "Node", "metadata": ["name": "node-1"]])
        _ = try await store.create(key("other", resource: "configmaps", namespace: "a"), ["metadata": ["name": "other"]])
        let (all, revision) = try await store.list(resource: "services")
        #expect(all.map { "\($0.key.namespace)/\($0.key.name)" } == ["a/x", "a/z", "b/y"])
        #expect(revision == store.currentResourceVersion)
        #expect(try await store.list(resource: "services", namespace: "a").items.map(\.key.name) == ["x", "z"])
        let nodes = try await store.listText(resource: "nodes", namespace: nil)
        #expect(nodes.items.map(\.key) == [node.key] && nodes.items[0].text.contains("\"resourceVersion\":\"\(node.resourceVersion)\""))
    }

    @Test func watchesFromARevisionMissNothingAndRepeatNothing() async throws {
        let member = try EtcdMember()
        defer { member.stop() }
        let store = try await Self.open(member)
        defer { store.close() }
        let start = store.currentResourceVersion
        let a = try await store.create(key("a"), service("a"))
        let a2 = try await store.update(key("a"), expectedResourceVersion: a.resourceVersion, service("a", 81))
        // A watch that starts in the past: its events come back from etcd's own history.
        let stream = try await store.watch(resource: "services", namespace: "default", after: start)
        _ = try await store.create(key("b", resource: "configmaps"), ["metadata": ["name": "b"]])
        let gone = try await store.delete(key("a"), expectedResourceVersion: a2.resourceVersion)
        var seen: [StoreEvent] = []
        for try await event in stream {
            seen.append(event)
            if seen.count == 3 { break }
        }
        #expect(seen.map(\.kind) == [.added, .modified, .deleted])
        #expect(seen.map(\.resourceVersion) == [a.resourceVersion, a2.resourceVersion, gone.resourceVersion])
        #expect(seen[1].previous?["spec"]?["ports"] == [["port": 80]] && seen[2].object["spec"]?["ports"] == [["port": 81]])
        let events = try await store.events(after: a.resourceVersion, resource: "services", namespace: nil)
        #expect(events.map(\.resourceVersion) == [a2.resourceVersion, gone.resourceVersion])
        // From before the store opened, and from a compacted revision: 410, as upstream.
        await #expect(throws: StoreError.self) { try await store.watch(resource: "services", namespace: nil, after: start - 1) }
        try member.etcdctl(["compaction", String(gone.resourceVersion)])
        await #expect(throws: StoreError.self) { try await store.events(after: a.resourceVersion, resource: "services", namespace: nil) }
    }

    /// A write the watch has not brought within `seenWait` starts the follower again; the
    /// watchers still get every change once, in order, across the restart.
    @Test func aFollowerStartedAgainMissesNothingAndRepeatsNothing() async throws {
        let member = try EtcdMember()
        defer { member.stop() }
        let store = try await Self.open(member)
        defer { store.close() }
        let stream = try await store.watch(resource: "services", namespace: nil, after: store.currentResourceVersion)
        var written: [Int64] = []
        try await withThrowingTaskGroup(of: Int64.self) { group in
            for i in 0..<40 { group.addTask { try await store.create(key("s\(i)"), service("s\(i)")).resourceVersion } }
            group.addTask {
                try await Task.sleep(for: .milliseconds(20))
                store.restartFollower()
                return 0
            }
            for try await revision in group where revision > 0 { written.append(revision) }
        }
        var seen: [Int64] = []
        for try await event in stream {
            seen.append(event.resourceVersion)
            if seen.count == written.count { break }
        }
        #expect(seen == written.sorted())
        #expect(store.progress.withLock { $0.generation } == 1)
        let late = try await store.create(key("late"), service("late"))
        #expect(store.currentResourceVersion >= late.resourceVersion)
    }

    /// A transaction the client sent twice whose first try was applied: the second finds the
    /// key holding exactly its value and counts as done; sent once, a present key is a refusal.
    @Test func aWriteTriedAgainFindsItsOwnValue() throws {
        let value = Data(#"{"metadata":{"name":"a","uid":"1"}}"#.utf8)
        // As the gateway answers a failed transaction whose failure branch read the key.
        let answer = #"{"succeeded":false,"responses":[{"response_range":{"kvs":[{"key":"\#(Data("/registry/services/default/a".utf8).base64EncodedString())","#
            + #""create_revision":"7","mod_revision":"7","version":"1","value":"\#(value.base64EncodedString())"}]}}]}"#
        let failed = try JSONDecoder().decode(Etcd.TxnResponse.self, from: Data(answer.utf8))
        #expect(EtcdStore.writtenRevision(failed, value, retried: true) == 7)
        #expect(EtcdStore.writtenRevision(failed, value, retried: false) == nil)
        #expect(EtcdStore.writtenRevision(failed, Data(#"{"other":true}"#.utf8), retried: true) == nil)
        #expect(EtcdStore.commonPrefix(["/r/configmaps/a/x1", "/r/configmaps/a/x2", "/r/configmaps/a/y"]) == "/r/configmaps/a/")
    }

    @Test func theOwnerQuestionsFollowTheWrites() async throws {
        let member = try EtcdMember()
        defer { member.stop() }
        let store = try await Self.open(member)
        defer { store.close() }
        _ = try await store.create(key("owner", resource: "replicasets.apps"), ["metadata": ["name": "owner", "namespace": "default", "uid": "u-1"]])
        let pod: JSON = ["metadata": ["name": "p", "namespace": "default", "uid": "u-2",
                                      "ownerReferences": [["uid": "u-1", "blockOwnerDeletion": true]]]]
        let created = try await store.create(key("p", resource: "pods"), pod)
        let orphan: JSON = ["metadata": ["name": "q", "namespace": "other", "uid": "u-3", "ownerReferences": [["uid": "u-9"]],
                                         "deletionTimestamp": "2026-12-07T00:00:00Z"]]
        _ = try await store.create(key("q", resource: "pods", namespace: "other"), orphan)
        #expect(try await store.dependents(ofUID: "u-1") == [Dependent(key: created.key, blockOwnerDeletion: true)])
        #expect(try await store.existingUIDs(["u-1", "u-3", "u-7"]) == ["u-1", "u-3"])
        #expect(try await store.missingOwnerUIDs() == ["u-9"])
        #expect(try await store.keys(inNamespace: "default").map(\.name) == ["p", "owner"])
        #expect(try await store.terminatingObjects().map(\.key.name) == ["q"])
        _ = try await store.delete(created.key, expectedResourceVersion: nil)
        #expect(try await store.dependents(ofUID: "u-1").isEmpty)
    }

    /// Two servers on one etcd: one create of a name wins, and each sees the other's writes.
    @Test func twoStoresShareOneEtcd() async throws {
        let member = try EtcdMember()
        defer { member.stop() }
        let first = try await Self.open(member)
        let second = try await Self.open(member)
        defer { first.close(); second.close() }
        let stream = try await second.watch(resource: "services", namespace: nil, after: second.currentResourceVersion)
        let results = await withTaskGroup(of: Bool.self) { group in
            for store in [first, second] { group.addTask { (try? await store.create(key("same"), service("same"))) != nil } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 1 && results.count == 2)
        var iterator = stream.makeAsyncIterator()
        let event = try await iterator.next()
        #expect(event?.kind == .added && event?.key == key("same"))
        #expect(try await second.get(key("same")) != nil)
    }

    /// The history is compacted every interval to the revision of the interval before, once
    /// per interval however many servers share the etcd (the claim key's version counts them).
    @Test func historyIsCompactedOncePerInterval() async throws {
        let member = try EtcdMember()
        defer { member.stop() }
        let client = try EtcdClient(EtcdClient.Configuration(endpoints: [member.clientURL]))
        let first = try await EtcdStore.open(client: client, compactionInterval: .milliseconds(700))
        let second = try await EtcdStore.open(client: client, compactionInterval: .milliseconds(700))
        defer { first.close(); second.close() }
        let early = try await first.create(key("a"), service("a"))
        for port in 81...85 { _ = try await first.update(key("a"), expectedResourceVersion: nil, service("a", Int64(port))) }
        try await Task.sleep(for: .milliseconds(2500))
        let old = try member.etcdctl(["get", "/registry/services/default/a", "--rev", String(early.resourceVersion)])
        #expect(old.status != 0 && old.combined.contains("compacted"), "\(old.combined)")
        let claims = try member.etcdctl(["get", EtcdCompactor.key, "-w", "json"])
        let version = try #require(try JSON.parse(claims.stdout)["kvs"]?.arrayValue?.first?["version"]?.integerValue)
        // About three intervals passed: two servers made at most one claim each.
        #expect(version >= 1 && version <= 3, "\(claims.stdout)")
        #expect(try await first.get(key("a"))?.object["spec"]?["ports"] == [["port": 85]])
    }
}
