import GRDB
import PorticoAPI
import Testing

@testable import PorticoStore

#if canImport(Glibc)
import Glibc
#endif

func owned(_ name: String, by owners: [(uid: String, block: Bool)], namespace: String = "default", uid: String? = nil) -> JSON {
    var metadata: JSON = ["name": .string(name), "namespace": .string(namespace), "uid": .string(uid ?? "uid-\(name)")]
    if !owners.isEmpty {
        metadata["ownerReferences"] = .array(owners.map {
            ["apiVersion": "v1", "kind": "ConfigMap", "name": "o", "uid": .string($0.uid), "blockOwnerDeletion": .bool($0.block)]
        })
    }
    return ["kind": "ConfigMap", "apiVersion": "v1", "metadata": metadata]
}

func mode(_ path: String) -> mode_t {
    var info = stat()
    stat(path, &info)
    return info.st_mode & 0o777
}

@Suite("Store indexes and files") struct StoreIndexTests {
    @Test func theFilesAreTheOwnersOnlyWhateverTheDirectory() async throws {
        let t = try TemporaryStore()
        chmod(t.directory, 0o755)
        _ = try await t.store.create(key("a"), service("a"))
        for file in ["portico.db", "portico.db-wal", "portico.db-shm"] {
            #expect(mode(t.directory + "/" + file) == 0o600, "\(file)")
        }
        // Files a store made before, readable by all, are restricted when it opens them.
        for file in ["portico.db", "portico.db-wal", "portico.db-shm"] { chmod(t.directory + "/" + file, 0o644) }
        try t.reopen()
        for file in ["portico.db", "portico.db-wal", "portico.db-shm"] {
            #expect(mode(t.directory + "/" + file) == 0o600, "\(file) after reopening")
        }
    }

    @Test func dependentsAreFoundByTheirOwnersUID() async throws {
        let t = try TemporaryStore()
        let cm = { (name: String) in key(name, resource: "configmaps") }
        _ = try await t.store.create(cm("owner"), owned("owner", by: []))
        _ = try await t.store.create(cm("d1"), owned("d1", by: [("uid-owner", true)]))
        _ = try await t.store.create(cm("d2"), owned("d2", by: [("uid-owner", false), ("uid-gone", false)]))
        _ = try await t.store.create(key("d3", resource: "configmaps", namespace: "other"), owned("d3", by: [("uid-gone", false)], namespace: "other"))
        #expect(try await t.store.dependents(ofUID: "uid-owner")
            == [Dependent(key: cm("d1"), blockOwnerDeletion: true), Dependent(key: cm("d2"), blockOwnerDeletion: false)])
        #expect(try await t.store.missingOwnerUIDs() == ["uid-gone"])
        #expect(try await t.store.existingUIDs(["uid-owner", "uid-gone", "uid-d1"]) == ["uid-owner", "uid-d1"])
        // An update that drops the reference, and a deletion, leave the index.
        _ = try await t.store.update(cm("d1"), owned("d1", by: []))
        _ = try await t.store.delete(cm("d2"))
        #expect(try await t.store.dependents(ofUID: "uid-owner").isEmpty)
        #expect(try await t.store.keys(inNamespace: "other") == [key("d3", resource: "configmaps", namespace: "other")])
        _ = try await t.store.delete(cm("owner"))
        #expect(try await t.store.missingOwnerUIDs() == ["uid-gone"])
    }

    @Test func objectsMarkedForDeletionAreFound() async throws {
        let t = try TemporaryStore()
        var marked = owned("m", by: [])
        marked["metadata"]?["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        _ = try await t.store.create(key("m", resource: "configmaps"), marked)
        _ = try await t.store.create(key("n", resource: "configmaps"), owned("n", by: []))
        #expect(try await t.store.terminatingObjects().map(\.key.name) == ["m"])
        _ = try await t.store.update(key("m", resource: "configmaps"), owned("m", by: []))
        #expect(try await t.store.terminatingObjects().isEmpty)
    }

    @Test func aStoreWrittenBeforeTheIndexesIsIndexedWhenOpened() async throws {
        var template = Array("/tmp/portico-store-test-XXXXXX".utf8CString)
        let directory = String(cString: mkdtemp(&template)!)
        defer {
            for file in ["portico.db", "portico.db-wal", "portico.db-shm"] { unlink(directory + "/" + file) }
            rmdir(directory)
        }
        // The first schema, as a server before these indexes wrote it.
        let old = try DatabaseQueue(path: directory + "/portico.db")
        try await old.write { db in
            try db.execute(sql: """
                CREATE TABLE objects (resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, rv INTEGER NOT NULL,
                                      data TEXT NOT NULL, PRIMARY KEY (resource, namespace, name)) WITHOUT ROWID;
                CREATE TABLE events (rv INTEGER PRIMARY KEY, kind TEXT NOT NULL, resource TEXT NOT NULL, namespace TEXT NOT NULL,
                                     name TEXT NOT NULL, data TEXT NOT NULL, previous TEXT);
                CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                INSERT INTO counters (name, value) VALUES ('rv', 1), ('compacted', 0);
                CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                INSERT INTO grdb_migrations (identifier) VALUES ('v1');
                """)
            try db.execute(sql: "INSERT INTO objects VALUES ('configmaps', 'default', 'd', 1, ?)",
                           arguments: [owned("d", by: [("uid-owner", true)]).serialized()])
        }
        try old.close()
        let store = try Store(path: directory + "/portico.db")
        #expect(try await store.dependents(ofUID: "uid-owner") == [Dependent(key: key("d", resource: "configmaps"), blockOwnerDeletion: true)])
        #expect(try await store.existingUIDs(["uid-d"]) == ["uid-d"])
        #expect(try await store.get(key("d", resource: "configmaps"))?.resourceVersion == 1)
    }

    @Test func theHistoryServesOldEventsParsedAgain() async throws {
        let t = try TemporaryStore()
        _ = try await t.store.create(key("a"), service("a"))
        _ = try await t.store.update(key("a"), service("a", 81))
        _ = try await t.store.create(key("c", resource: "configmaps"), owned("c", by: []))
        let events = try await t.store.events(after: 1, resource: "services")
        #expect(events.map(\.resourceVersion) == [2])
        #expect(events.first?.previous?["spec"]?["ports"] == [["port": 80]])
        #expect(events.first?.object["spec"]?["ports"] == [["port": 81]])
        // A deletion keeps only the revision of the object it removed; the event reads as before.
        _ = try await t.store.delete(key("a"))
        let deletion = try #require(try await t.store.events(after: 3, resource: "services").first)
        #expect(deletion.kind == .deleted && deletion.object["metadata"]?["resourceVersion"] == "4")
        #expect(deletion.previous?["metadata"]?["resourceVersion"] == "2")
        #expect(deletion.previous?["spec"] == deletion.object["spec"])
        try t.reopen()
        #expect(try await t.store.events(after: 0).map(\.resourceVersion) == [1, 2, 3, 4])
        #expect(try await t.store.events(after: 3).first?.previous?["metadata"]?["resourceVersion"] == "2")
    }
}
