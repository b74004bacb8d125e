import Foundation
import PorticoAPI
import Testing

@testable import PorticoServer

/// What kube-apiserver answers that a server must get right for clients it does not know:
/// public health paths, size limits on stored objects, and refusals before an upgrade.
struct APIHardeningTests {
    @Test func healthAndVersionAreEveryones() async throws {
        let t = try await TestServer()
        for path in ["/healthz", "/livez", "/readyz", "/version"] {
            let anonymous = await t.server.handler.handle(APIRequest(method: "GET", path: path))
            #expect(anonymous.status == 200, "\(path)")
        }
        #expect(await t.server.handler.handle(APIRequest(method: "GET", path: "/api/v1/services")).status == 401)
        #expect(await t.server.handler.handle(APIRequest(method: "GET", path: "/healthz/ping")).status == 401)
        #expect(await t.server.handler.handle(APIRequest(method: "POST", path: "/healthz")).status == 401)
        // A bad token is refused even where no token is needed.
        #expect(await t.server.handler.handle(APIRequest(method: "GET", path: "/healthz", headers: ["authorization": "Bearer nope"])).status == 401)
    }

    @Test func aConfigMapHoldsAtMostOneMebibyte() async throws {
        let t = try await TestServer()
        let big = String(repeating: "x", count: 600 * 1024)
        let refused = await t.call("POST", "/api/v1/namespaces/default/configmaps", ["metadata": ["name": "big"], "data": ["a": .string(big), "b": .string(big)]])
        #expect(refused.status == 422)
        #expect(refused.bodyJSON?["message"] == "ConfigMap \"big\" is invalid: []: Too long: may not be more than 1048576 bytes")
        #expect(refused.bodyJSON?["details"]?["causes"] == [["reason": "FieldValueTooLong", "message": "Too long: may not be more than 1048576 bytes", "field": "[]"]])
        #expect(await t.call("GET", "/api/v1/namespaces/default/configmaps/big").status == 404)
        _ = try await t.ok("POST", "/api/v1/namespaces/default/configmaps", ["metadata": ["name": "fits"], "data": ["a": .string(big)]])
        let grown = await t.call("PATCH", "/api/v1/namespaces/default/configmaps/fits", ["data": ["b": .string(big)]],
                                 headers: ["content-type": "application/merge-patch+json"])
        #expect(grown.status == 422)
        #expect(try await t.ok("GET", "/api/v1/namespaces/default/configmaps/fits")["data"]?["b"] == nil)
        let badKey = await t.call("POST", "/api/v1/namespaces/default/configmaps", ["metadata": ["name": "keys"], "data": ["a b": "x"]])
        #expect(badKey.bodyJSON?["message"]
            == "ConfigMap \"keys\" is invalid: data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")
    }

    @Test func aRefusedWebSocketUpgradeReachesTheAPIHandler() {
        let head = "GET /api/v1/namespaces/default/pods/p/exec?command=sh HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n"
        var seen: (String, String?, String?)? = nil
        let refused = UpgradeHeaderFilter.rewrite(head) { target, authorization, protocols in
            seen = (target, authorization, protocols)
            return false
        }
        #expect(refused.contains("\r\nX-Portico-Upgrade: websocket\r\n"))
        #expect(seen?.0 == "/api/v1/namespaces/default/pods/p/exec?command=sh" && seen?.1 == nil && seen?.2 == "v5.channel.k8s.io")
        #expect(UpgradeHeaderFilter.rewrite(head) { _, _, _ in true } == head)
    }
}
