import Foundation
import PorticoAPI
import Testing

@testable import PorticoServer

/// resourceVersion, resourceVersionMatch, limit and continue on get, list and watch, as
/// upstream's "Semantics for get and list" and "Semantics for watch" lay them out.
@Suite("Resource versions") struct ResourceVersionTests {
    func options(_ query: String) throws(APIError) -> ListOptions {
        try ListOptions.parse(APIRequest(method: "GET", target: "/api/v1/services?" + query).query)
    }

    func message(_ query: String) -> String {
        do {
            _ = try self.options(query)
            return "no error"
        } catch {
            return "\(error.code) \(error.message)"
        }
    }

    @Test func theReadEachCombinationAsksFor() throws {
        #expect(try self.options("").read == .mostRecent)
        #expect(try self.options("resourceVersion=0").read == .any)
        #expect(try self.options("resourceVersion=0&limit=5") == ListOptions(read: .any, limit: 0))
        #expect(try self.options("resourceVersion=7").read == .notOlderThan(7))
        #expect(try self.options("resourceVersion=7&limit=5").read == .exact(7))
        #expect(try self.options("resourceVersion=7&resourceVersionMatch=Exact").read == .exact(7))
        #expect(try self.options("resourceVersion=7&resourceVersionMatch=NotOlderThan&limit=5").read == .notOlderThan(7))
        #expect(try self.options("resourceVersion=0&resourceVersionMatch=NotOlderThan").read == .any)
        let token = ContinueToken(resourceVersion: 9, start: "default/a\u{0}").encoded
        #expect(try self.options("limit=2&continue=\(token)") == ListOptions(read: .exact(9), limit: 2, start: "default/a\u{0}", continued: true))
        let latest = ContinueToken(resourceVersion: -1, start: "default/a\u{0}").encoded
        #expect(try self.options("continue=\(latest)").read == .mostRecent)
    }

    @Test func refusedCombinationsGetUpstreamsWords() {
        #expect(self.message("resourceVersionMatch=Exact")
            == "422 ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided")
        #expect(self.message("resourceVersion=0&resourceVersionMatch=Exact")
            == "422 ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"")
        #expect(self.message("resourceVersion=3&resourceVersionMatch=Newest")
            == "422 ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Unsupported value: \"Newest\": supported values: \"Exact\", \"NotOlderThan\", \"\"")
        let token = ContinueToken(resourceVersion: 9, start: "a\u{0}").encoded
        #expect(self.message("resourceVersion=3&continue=\(token)") == "400 specifying resource version is not allowed when using continue")
        #expect(self.message("resourceVersion=-1")
            == "400 invalid resource version: resourceVersion: Invalid value: \"-1\": strconv.ParseUint: parsing \"-1\": invalid syntax")
        #expect(self.message("continue=%%%") == "400 invalid continue token: continue key is not valid: illegal base64 data at input byte 0")
        #expect(self.message("limit=ten") == "400 strconv.ParseInt: parsing \"ten\": invalid syntax")
        #expect(self.message("sendInitialEvents=true") == "422 ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list")
    }

    /// Three writes to two Services; returns the revision after the first two.
    func history(_ t: TestServer) async throws -> String {
        _ = try await t.ok("POST", "/api/v1/namespaces/default/services", service("a"))
        let b = try await t.ok("POST", "/api/v1/namespaces/default/services", service("b"))
        _ = try await t.ok("PATCH", "/api/v1/namespaces/default/services/a", ["metadata": ["labels": ["changed": "yes"]]],
                           headers: ["content-type": "application/merge-patch+json"])
        _ = try await t.ok("DELETE", "/api/v1/namespaces/default/services/b")
        return b["metadata"]?["resourceVersion"]?.stringValue ?? ""
    }

    @Test func anExactListIsTheStateAtThatRevision() async throws {
        let t = try await TestServer()
        let rv = try await self.history(t)
        for query in ["resourceVersion=\(rv)&resourceVersionMatch=Exact", "resourceVersion=\(rv)&limit=10"] {
            let list = try await t.ok("GET", "/api/v1/namespaces/default/services?" + query)
            #expect(list["metadata"]?["resourceVersion"]?.stringValue == rv)
            #expect(list["items"]?.arrayValue?.compactMap { $0["metadata"]?["name"]?.stringValue } == ["a", "b", "kubernetes"], "\(query)")
            #expect(list["items"]?.arrayValue?.first?["metadata"]?["labels"] == nil)
        }
        let newest = try await t.ok("GET", "/api/v1/namespaces/default/services?resourceVersion=\(rv)")
        #expect(newest["items"]?.arrayValue?.compactMap { $0["metadata"]?["name"]?.stringValue } == ["a", "kubernetes"])
    }

    @Test func revisionsNoLongerKeptAre410WhereExactIsAskedFor() async throws {
        let t = try await TestServer { $0.historyLimit = 10 }
        for i in 0..<30 { _ = try await t.ok("POST", "/api/v1/namespaces/default/configmaps", ["metadata": ["name": .string("c\(i)")]]) }
        for query in ["resourceVersion=1&resourceVersionMatch=Exact", "resourceVersion=1&limit=5"] {
            let old = await t.call("GET", "/api/v1/namespaces/default/configmaps?" + query)
            #expect(old.status == 410, "\(query)")
            #expect(old.bodyJSON?["reason"] == "Expired")
            #expect(old.bodyJSON?["message"] == "The resourceVersion for the provided list is too old.")
        }
        #expect(await t.call("GET", "/api/v1/namespaces/default/configmaps?resourceVersion=1").status == 200)
        let stale = ContinueToken(resourceVersion: 2, start: "default/c1\u{0}").encoded
        let continued = await t.call("GET", "/api/v1/namespaces/default/configmaps?limit=5&continue=\(stale)")
        #expect(continued.status == 410)
        #expect(continued.bodyJSON?["message"]?.stringValue?.hasPrefix("The provided continue parameter is too old") == true)
        let retry = try ContinueToken(continued.bodyJSON?["metadata"]?["continue"]?.stringValue ?? "")
        #expect(retry == ContinueToken(resourceVersion: -1, start: "default/c1\u{0}"))
        let rest = try await t.ok("GET", "/api/v1/namespaces/default/configmaps?limit=100&continue=\(retry.encoded)")
        #expect(rest["items"]?.arrayValue?.first?["metadata"]?["name"] == "c10")
    }

    @Test func aRevisionInTheFutureIs504AfterAMoment() async throws {
        let t = try await TestServer(revisionsOfItsOwn: true)
        let future = t.server.store.currentResourceVersion + 100
        let current = t.server.store.currentResourceVersion
        async let list = t.call("GET", "/api/v1/namespaces/default/services?resourceVersion=\(future)")
        async let exact = t.call("GET", "/api/v1/namespaces/default/services?resourceVersion=\(future)&resourceVersionMatch=Exact")
        async let get = t.call("GET", "/api/v1/namespaces/default/services/kubernetes?resourceVersion=\(future)")
        async let watch = t.watch("/api/v1/namespaces/default/services?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&resourceVersion=\(future)", count: 1)
        for response in await [list, exact, get] {
            #expect(response.status == 504)
            #expect(response.bodyJSON?["message"]?.stringValue == "Timeout: Too large resource version: \(future), current: \(current)")
            #expect(response.bodyJSON?["details"]?["causes"] == [["reason": "ResourceVersionTooLarge", "message": "Too large resource version"]])
            #expect(response.headers.contains { $0.0 == "Retry-After" && $0.1 == "1" })
        }
        let events = try await watch
        #expect(events.first?["type"] == "ERROR")
        #expect(events.first?["object"]?["code"] == 504)
    }

    @Test func aWatchFromAFutureRevisionSendsOnlyWhatComesAfterIt() async throws {
        let t = try await TestServer(revisionsOfItsOwn: true)
        let start = t.server.store.currentResourceVersion + 2
        async let events = t.watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=\(start)", count: 1)
        try await Task.sleep(for: .milliseconds(200))
        for name in ["one", "two", "three"] { _ = try await t.ok("POST", "/api/v1/namespaces/default/configmaps", ["metadata": ["name": .string(name)]]) }
        #expect(try await events.map { $0["object"]?["metadata"]?["name"] } == ["three"])
    }

    @Test func aWatchFromAnInvalidRevisionIs400() async throws {
        let t = try await TestServer()
        for rv in ["-1", "abc"] {
            let response = await t.call("GET", "/api/v1/namespaces/default/services?watch=1&resourceVersion=\(rv)")
            #expect(response.status == 400)
            #expect(response.bodyJSON?["message"]?.stringValue
                == "invalid resource version: resourceVersion: Invalid value: \"\(rv)\": strconv.ParseUint: parsing \"\(rv)\": invalid syntax")
        }
        let exact = await t.call("GET", "/api/v1/namespaces/default/services?watch=1&resourceVersion=5&resourceVersionMatch=Exact&sendInitialEvents=false")
        #expect(exact.status == 422)
        #expect(exact.bodyJSON?["message"]
            == "ListOptions.meta.k8s.io \"\" is invalid: [resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, resourceVersionMatch: Unsupported value: \"Exact\": supported values: \"NotOlderThan\"]")
    }
}
