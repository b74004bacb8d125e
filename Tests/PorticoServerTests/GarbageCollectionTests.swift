import Foundation
import PorticoAPI
import Testing

@testable import PorticoServer

/// Namespace deletion and garbage collection through the store's indexes, and the work a
/// stopped server leaves finished by the next.
@Suite("Garbage collection") struct GarbageCollectionTests {
    @Test func whatADependentGetsWhenAnOwnerGoes() {
        let decide = { (refs: [String], orphan: Bool, existing: Set<String>, deleting: Bool) in
            DependentAction.decide(references: refs, ownerUID: "a", orphan: orphan, existing: existing, alreadyDeleting: deleting)
        }
        #expect(decide(["a"], false, [], false) == .delete)
        #expect(decide(["a"], false, ["a"], false) == .delete)  // the owner waits for its dependents (foreground)
        #expect(decide(["a"], false, [], true) == .none)
        #expect(decide(["a"], true, [], false) == .removeReferences(["a"]))
        #expect(decide(["a", "b"], false, ["b"], false) == .removeReferences(["a"]))
        #expect(decide(["a", "b", "c"], false, ["b"], false) == .removeReferences(["a", "c"]))
        #expect(decide(["a", "c"], false, [], false) == .delete)
        #expect(decide(["b"], false, [], false) == .none)
    }

    func configMap(_ name: String, owners: [JSON] = []) -> JSON {
        var metadata: JSON = ["name": .string(name)]
        if !owners.isEmpty {
            metadata["ownerReferences"] = .array(owners.map { ["apiVersion": "v1", "kind": "ConfigMap", "name": "o", "uid": $0] })
        }
        return ["metadata": metadata]
    }

    func waitUntilGone(_ server: APIServer, _ path: String) async throws {
        for _ in 0..<200 where await server.handle(APIRequest(method: "GET", path: path)).status != 404 {
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func aDependentThatAnotherOwnerHoldsLosesOnlyTheReference() async throws {
        let t = try await TestServer()
        t.startControllers()
        let a = try await t.ok("POST", "/api/v1/namespaces/default/configmaps", self.configMap("a"))["metadata"]?["uid"] ?? ""
        let b = try await t.ok("POST", "/api/v1/namespaces/default/configmaps", self.configMap("b"))["metadata"]?["uid"] ?? ""
        _ = try await t.ok("POST", "/api/v1/namespaces/default/configmaps", self.configMap("shared", owners: [a, b]))
        _ = try await t.ok("POST", "/api/v1/namespaces/default/configmaps", self.configMap("only-a", owners: [a]))
        _ = try await t.ok("DELETE", "/api/v1/namespaces/default/configmaps/a")
        try await self.waitUntilGone(t.server, "/api/v1/namespaces/default/configmaps/only-a")
        #expect(await t.call("GET", "/api/v1/namespaces/default/configmaps/only-a").status == 404)
        let shared = try await t.ok("GET", "/api/v1/namespaces/default/configmaps/shared")
        #expect(shared["metadata"]?["ownerReferences"]?.arrayValue?.map { $0["uid"] } == [b])
    }

    @Test func aNamespaceLeftTerminatingIsFinishedByTheNextServer() async throws {
        let t = try await TestServer()  // no controllers: the server "stops" before it empties the namespace
        _ = try await t.ok("POST", "/api/v1/namespaces", ["metadata": ["name": "team"]])
        for i in 0..<5 { _ = try await t.ok("POST", "/api/v1/namespaces/team/configmaps", ["metadata": ["name": .string("c\(i)")]]) }
        _ = try await t.ok("POST", "/api/v1/namespaces/team/services", service("web", namespace: "team"))
        let deleting = try await t.ok("DELETE", "/api/v1/namespaces/team")
        #expect(deleting["status"]?["phase"] == "Terminating")
        let next = try await APIServer(configuration: t.server.configuration)
        #expect(await next.handle(APIRequest(method: "GET", path: "/api/v1/namespaces/team")).bodyJSON?["status"]?["phase"] == "Terminating")
        let controllers = Task { try? await next.controllers.run() }
        defer { controllers.cancel() }
        try await self.waitUntilGone(next, "/api/v1/namespaces/team")
        #expect(await next.handle(APIRequest(method: "GET", path: "/api/v1/namespaces/team")).status == 404)
        #expect(await next.handle(APIRequest(method: "GET", path: "/api/v1/namespaces/team/configmaps/c0")).status == 404)
        #expect(await next.handle(APIRequest(method: "GET", path: "/api/v1/namespaces/team/services/web")).status == 404)
    }

    @Test func dependentsOfAnOwnerDeletedBeforeARestartAreCollected() async throws {
        let t = try await TestServer()
        let owner = try await t.ok("POST", "/api/v1/namespaces/default/configmaps", self.configMap("owner"))["metadata"]?["uid"] ?? ""
        _ = try await t.ok("POST", "/api/v1/namespaces/default/configmaps", self.configMap("dependent", owners: [owner]))
        _ = try await t.ok("DELETE", "/api/v1/namespaces/default/configmaps/owner")
        #expect(await t.call("GET", "/api/v1/namespaces/default/configmaps/dependent").status == 200)
        let next = try await APIServer(configuration: t.server.configuration)
        let controllers = Task { try? await next.controllers.run() }
        defer { controllers.cancel() }
        try await self.waitUntilGone(next, "/api/v1/namespaces/default/configmaps/dependent")
        #expect(await next.handle(APIRequest(method: "GET", path: "/api/v1/namespaces/default/configmaps/dependent")).status == 404)
    }

    @Test func aForegroundDeletionWaitsForItsBlockingDependents() async throws {
        let t = try await TestServer()
        t.startControllers()
        let owner = try await t.ok("POST", "/api/v1/namespaces/default/configmaps", self.configMap("owner"))["metadata"]?["uid"] ?? ""
        _ = try await t.ok("POST", "/api/v1/namespaces/default/configmaps", [
            "metadata": ["name": "held", "finalizers": ["example.com/keep"],
                         "ownerReferences": [["apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner, "blockOwnerDeletion": true]]],
        ])
        _ = try await t.ok("DELETE", "/api/v1/namespaces/default/configmaps/owner?propagationPolicy=Foreground")
        try await Task.sleep(for: .milliseconds(600))
        #expect(try await t.ok("GET", "/api/v1/namespaces/default/configmaps/owner")["metadata"]?["finalizers"] == ["foregroundDeletion"])
        _ = try await t.ok("PATCH", "/api/v1/namespaces/default/configmaps/held", ["metadata": ["finalizers": nil]],
                           headers: ["content-type": "application/merge-patch+json"])
        try await self.waitUntilGone(t.server, "/api/v1/namespaces/default/configmaps/owner")
        #expect(await t.call("GET", "/api/v1/namespaces/default/configmaps/owner").status == 404)
    }
}
