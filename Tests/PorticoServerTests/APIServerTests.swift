import Foundation
import PorticoAPI
import PorticoClient
import Testing

@testable import PorticoServer

@Suite("Request info") struct RequestInfoTests {
    @Test(arguments: [
        ("GET", "/api/v1/namespaces/default/services/web", false, "get", "", "services", "default", "web", ""),
        ("GET", "/api/v1/namespaces/default/services", false, "list", "", "services", "default", "", ""),
        ("GET", "/api/v1/services", true, "watch", "", "services", "", "", ""),
        ("GET", "/api/v1/watch/namespaces/default/services", false, "watch", "", "services", "default", "", ""),
        ("PUT", "/api/v1/namespaces/default/services/web/status", false, "update", "", "services", "default", "web", "status"),
        ("GET", "/api/v1/namespaces/kube-system", false, "get", "", "namespaces", "kube-system", "kube-system", ""),
        ("PUT", "/api/v1/namespaces/x/finalize", false, "update", "", "namespaces", "x", "x", "finalize"),
        ("DELETE", "/apis/apps/v1/namespaces/default/deployments", false, "deletecollection", "apps", "deployments", "default", "", ""),
        ("PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale", false, "patch", "apps", "deployments", "default", "web", "scale"),
        ("POST", "/api/v1/nodes", false, "create", "", "nodes", "", "", ""),
    ])
    func parse(_ method: String, _ path: String, _ watch: Bool, _ verb: String, _ group: String, _ resource: String,
               _ namespace: String, _ name: String, _ sub: String) {
        let info = RequestInfo(method: method, path: path, watchParameter: watch)
        #expect(info.isResourceRequest)
        #expect(info.verb?.rawValue == verb)
        #expect(info.group == group && info.resource == resource && info.namespace == namespace && info.name == name && info.subresource == sub)
    }

    @Test func discoveryPathsAreNotResources() {
        for path in ["/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/version", "/openapi/v3"] {
            #expect(!RequestInfo(method: "GET", path: path, watchParameter: false).isResourceRequest, "\(path)")
        }
    }
}

@Suite("API server") struct APIServerTests {
    @Test func startsWithTheBuiltInNamespacesAndTheKubernetesService() async throws {
        let t = try await TestServer()
        let namespaces = try await t.ok("GET", "/api/v1/namespaces")
        #expect(namespaces["items"]?.arrayValue?.compactMap { $0["metadata"]?["name"]?.stringValue }
            == ["default", "kube-node-lease", "kube-public", "kube-system"])
        #expect(namespaces["items"]?.arrayValue?[0]["status"]?["phase"] == "Active")
        let kubernetes = try await t.ok("GET", "/api/v1/namespaces/default/services/kubernetes")
        #expect(kubernetes["spec"]?["clusterIP"] == "10.96.0.1")
        #expect(kubernetes["spec"]?["ports"] == [["name": "https", "protocol": "TCP", "port": 443, "targetPort": 6443]])
        let endpoints = try await t.ok("GET", "/api/v1/namespaces/default/endpoints/kubernetes")
        #expect(endpoints["subsets"]?.arrayValue?[0]["addresses"] == [["ip": "127.0.0.1"]])
    }

    @Test func createGetListDeleteAService() async throws {
        let t = try await TestServer()
        let created = await t.call("POST", "/api/v1/namespaces/default/services", service("web"))
        #expect(created.status == 201)
        let body = created.bodyJSON!
        #expect(body["kind"] == "Service" && body["apiVersion"] == "v1")
        #expect(body["metadata"]?["uid"]?.stringValue?.count == 36)
        #expect(body["metadata"]?["creationTimestamp"]?.stringValue != nil)
        let ip = body["spec"]?["clusterIP"]?.stringValue ?? ""
        #expect(IPNetwork("10.96.0.0/12")!.contains(IPAddress(ip)!))

        let list = try await t.ok("GET", "/api/v1/namespaces/default/services")
        #expect(list["kind"] == "ServiceList")
        #expect(list["items"]?.arrayValue?.map { $0["metadata"]?["name"] } == ["kubernetes", "web"])
        #expect(list["items"]?.arrayValue?[0]["kind"] == nil, "list items carry no kind")

        let again = await t.call("POST", "/api/v1/namespaces/default/services", service("web"))
        #expect(again.status == 409)
        #expect(again.bodyJSON?["message"] == "services \"web\" already exists")
        #expect(again.bodyJSON?["reason"] == "AlreadyExists")

        let deleted = await t.call("DELETE", "/api/v1/namespaces/default/services/web")
        #expect(deleted.status == 200)
        #expect(deleted.bodyJSON?["kind"] == "Service", "a Service delete answers with the object")
        let gone = await t.call("GET", "/api/v1/namespaces/default/services/web")
        #expect(gone.status == 404)
        #expect(gone.bodyJSON?["message"] == "services \"web\" not found")
        // The address is free again and can be asked for.
        var spec = service("web2")
        spec["spec"]?["clusterIP"] = .string(ip)
        #expect(await t.call("POST", "/api/v1/namespaces/default/services", spec).status == 201)
    }

    @Test func invalidServicesAreRefusedAndTakeNothing() async throws {
        let t = try await TestServer()
        let response = await t.call("POST", "/api/v1/namespaces/default/services",
                                    service("bad", ["type": "NodePort", "ports": [["port": 80, "nodePort": 80]]]))
        #expect(response.status == 422)
        #expect(response.bodyJSON?["message"]
            == "Service \"bad\" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767")
        #expect(response.bodyJSON?["details"]?["causes"] == [[
            "reason": "FieldValueInvalid",
            "message": "Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767",
            "field": "spec.ports[0].nodePort",
        ]])
        #expect(await t.call("GET", "/api/v1/namespaces/default/services/bad").status == 404)
        let missing = await t.call("POST", "/api/v1/namespaces/nowhere/services", service("x", namespace: "nowhere"))
        #expect(missing.status == 404)
        #expect(missing.bodyJSON?["message"] == "namespaces \"nowhere\" not found")
    }

    @Test func strictFieldValidation() async throws {
        let t = try await TestServer()
        var body = service("web")
        body["spec"]?["portz"] = 1
        let strict = await t.call("POST", "/api/v1/namespaces/default/services?fieldValidation=Strict", body)
        #expect(strict.status == 400)
        #expect(strict.bodyJSON?["message"]
            == "Service in version \"v1\" cannot be handled as a Service: strict decoding error: unknown field \"spec.portz\"")
        let warn = await t.call("POST", "/api/v1/namespaces/default/services", body)
        #expect(warn.status == 201)
        #expect(warn.headers.contains { $0.0 == "Warning" && $0.1 == "299 - \"unknown field \\\"spec.portz\\\"\"" })
    }

    @Test func updatesNeedTheCurrentResourceVersion() async throws {
        let t = try await TestServer()
        var created = try await t.ok("POST", "/api/v1/namespaces/default/services", service("web"))
        created["metadata"]?["labels"] = ["a": "b"]
        let updated = try await t.ok("PUT", "/api/v1/namespaces/default/services/web", created)
        #expect(updated["metadata"]?["labels"] == ["a": "b"])
        let stale = await t.call("PUT", "/api/v1/namespaces/default/services/web", created)
        #expect(stale.status == 409)
        #expect(stale.bodyJSON?["message"]
            == "Operation cannot be fulfilled on services \"web\": the object has been modified; please apply your changes to the latest version and try again")
        // Nothing changed: no new revision.
        let same = try await t.ok("PUT", "/api/v1/namespaces/default/services/web", updated)
        #expect(same["metadata"]?["resourceVersion"] == updated["metadata"]?["resourceVersion"])
        var renamed = updated
        renamed["metadata"]?["name"] = "other"
        let mismatch = await t.call("PUT", "/api/v1/namespaces/default/services/web", renamed)
        #expect(mismatch.status == 400)
        #expect(mismatch.bodyJSON?["message"] == "the name of the object (other) does not match the name on the URL (web)")
    }

    @Test func patchTypes() async throws {
        let t = try await TestServer()
        _ = try await t.ok("POST", "/api/v1/namespaces/default/services",
                           service("web", ["type": "NodePort", "ports": [["name": "http", "port": 80, "nodePort": 30080]], "selector": ["app": "web"]]))
        let smp = try await t.ok("PATCH", "/api/v1/namespaces/default/services/web",
                                 ["spec": ["ports": [["port": 443, "name": "https"]]]],
                                 headers: ["content-type": "application/strategic-merge-patch+json"])
        #expect(smp["spec"]?["ports"]?.arrayValue?.count == 2, "ports merge by port number")
        #expect(smp["spec"]?["ports"]?.arrayValue?[0]["nodePort"] == 30080)
        let merge = try await t.ok("PATCH", "/api/v1/namespaces/default/services/web",
                                   ["metadata": ["labels": ["x": "y"]], "spec": ["selector": nil]],
                                   headers: ["content-type": "application/merge-patch+json"])
        #expect(merge["metadata"]?["labels"] == ["x": "y"])
        #expect(merge["spec"]?["selector"] == nil)
        let json = try await t.ok("PATCH", "/api/v1/namespaces/default/services/web",
                                  [["op": "replace", "path": "/spec/ports/1/port", "value": 8443]],
                                  headers: ["content-type": "application/json-patch+json"])
        #expect(json["spec"]?["ports"]?.arrayValue?[1]["port"] == 8443)
        let unsupported = await t.call("PATCH", "/api/v1/namespaces/default/services/web", ["a": 1], headers: ["content-type": "text/plain"])
        #expect(unsupported.status == 415)
        #expect(unsupported.bodyJSON?["message"]?.stringValue == PatchHandler.unsupportedMessage)
        let delete = try await t.ok("PATCH", "/api/v1/namespaces/default/services/web",
                                    ["spec": ["ports": [["port": 8443, "$patch": "delete"]]]],
                                    headers: ["content-type": "application/strategic-merge-patch+json"])
        #expect(delete["spec"]?["ports"]?.arrayValue?.count == 1)
    }

    @Test func serverSideApplyConflicts() async throws {
        let t = try await TestServer()
        let config: JSON = ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "web"],
                            "spec": ["ports": [["port": 80, "targetPort": 8080]], "selector": ["app": "web"]]]
        let applied = await t.call("PATCH", "/api/v1/namespaces/default/services/web?fieldManager=alice", config,
                                   headers: ["content-type": "application/apply-patch+yaml"])
        #expect(applied.status == 201)
        var other = config
        other["spec"]?["ports"] = [["port": 80, "targetPort": 9090]]
        let conflict = await t.call("PATCH", "/api/v1/namespaces/default/services/web?fieldManager=bob", other,
                                    headers: ["content-type": "application/apply-patch+yaml"])
        #expect(conflict.status == 409)
        #expect(conflict.bodyJSON?["message"]?.stringValue
            == #"Apply failed with 1 conflict: conflict with "alice" using v1: .spec.ports[port=80,protocol="TCP"].targetPort"#)
        let forced = try await t.ok("PATCH", "/api/v1/namespaces/default/services/web?fieldManager=bob&force=true", other,
                                    headers: ["content-type": "application/apply-patch+yaml"])
        #expect(forced["spec"]?["ports"]?.arrayValue?[0]["targetPort"] == 9090)
        let managers = forced["metadata"]?["managedFields"]?.arrayValue?.compactMap { $0["manager"]?.stringValue } ?? []
        #expect(managers.sorted() == ["alice", "bob"])
        let noManager = await t.call("PATCH", "/api/v1/namespaces/default/services/web", other,
                                     headers: ["content-type": "application/apply-patch+yaml"])
        #expect(noManager.status == 422)
        #expect(noManager.bodyJSON?["message"] == "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")
    }

    @Test func tablesAsKubectlAsksForThem() async throws {
        let t = try await TestServer()
        _ = try await t.ok("POST", "/api/v1/namespaces/default/services",
                           service("web", ["type": "NodePort", "ports": [["port": 80, "nodePort": 31852]], "selector": ["app": "web"]]))
        let table = try await t.ok("GET", "/api/v1/namespaces/default/services?limit=500",
                                   headers: ["accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"])
        #expect(table["kind"] == "Table")
        #expect(table["columnDefinitions"]?.arrayValue?.map { $0["name"] } == ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"])
        let row = table["rows"]?.arrayValue?.last
        #expect(row?["cells"]?.arrayValue?[4] == "80:31852/TCP")
        #expect(row?["object"]?["kind"] == "PartialObjectMetadata")
        #expect(table["metadata"]?["resourceVersion"]?.stringValue != nil)
        let bad = await t.call("GET", "/api/v1/namespaces/default/services?includeObject=foo",
                               headers: ["accept": "application/json;as=Table;v=v1;g=meta.k8s.io"])
        #expect(bad.status == 400)
    }

    @Test func listSelectorsAndPagination() async throws {
        let t = try await TestServer()
        for i in 0..<7 {
            _ = try await t.ok("POST", "/api/v1/namespaces/default/services", service("s\(i)", labels: ["n": "\(i % 2)"]))
        }
        let odd = try await t.ok("GET", "/api/v1/namespaces/default/services?labelSelector=n%3D1")
        #expect(odd["items"]?.arrayValue?.count == 3)
        let named = try await t.ok("GET", "/api/v1/services?fieldSelector=metadata.name%3Ds3")
        #expect(named["items"]?.arrayValue?.map { $0["metadata"]?["name"] } == ["s3"])
        let badLabel = await t.call("GET", "/api/v1/services?labelSelector=a%20b")
        #expect(badLabel.status == 400)
        #expect(badLabel.bodyJSON?["message"] == "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt")
        let badField = await t.call("GET", "/api/v1/services?fieldSelector=spec.foo%3Dbar")
        #expect(badField.status == 400)
        #expect(badField.bodyJSON?["message"] == "field label not supported: spec.foo")

        var names: [String] = []
        var token = ""
        var pages = 0
        repeat {
            let page = try await t.ok("GET", "/api/v1/namespaces/default/services?limit=3" + (token.isEmpty ? "" : "&continue=\(token)"))
            names += page["items"]?.arrayValue?.compactMap { $0["metadata"]?["name"]?.stringValue } ?? []
            token = page["metadata"]?["continue"]?.stringValue ?? ""
            pages += 1
            if pages == 1 {
                #expect(page["metadata"]?["remainingItemCount"] == 5)
                // A change between pages does not show in the pages after.
                _ = try await t.ok("POST", "/api/v1/namespaces/default/services", service("s9"))
            }
        } while !token.isEmpty
        #expect(names == ["kubernetes", "s0", "s1", "s2", "s3", "s4", "s5", "s6"])
        #expect(pages == 3)
    }

    @Test func watchFromAResourceVersion() async throws {
        let t = try await TestServer()
        let first = try await t.ok("POST", "/api/v1/namespaces/default/services", service("a"))
        let rv = first["metadata"]?["resourceVersion"]?.stringValue ?? ""
        _ = try await t.ok("POST", "/api/v1/namespaces/default/services", service("b"))
        _ = try await t.ok("DELETE", "/api/v1/namespaces/default/services/a")
        let events = try await t.watch("/api/v1/namespaces/default/services?watch=true&resourceVersion=\(rv)", count: 2)
        #expect(events.map { $0["type"] } == ["ADDED", "DELETED"])
        #expect(events.map { $0["object"]?["metadata"]?["name"] } == ["b", "a"])
        let all = try await t.watch("/api/v1/namespaces/default/services?watch=true", count: 2)
        #expect(all.map { $0["type"] } == ["ADDED", "ADDED"], "a watch from nothing starts with every object")
    }

    @Test func watchListSendsTheInitialEventsAndABookmark() async throws {
        let t = try await TestServer()
        _ = try await t.ok("POST", "/api/v1/namespaces/default/services", service("a"))
        let events = try await t.watch(
            "/api/v1/namespaces/default/services?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true",
            count: 3)
        #expect(events.map { $0["type"] } == ["ADDED", "ADDED", "BOOKMARK"])
        #expect(events[2]["object"]?["metadata"]?["annotations"] == ["k8s.io/initial-events-end": "true"])
        let refused = await t.call("GET", "/api/v1/namespaces/default/services?watch=true&sendInitialEvents=true")
        #expect(refused.status == 422)
    }

    @Test func aWatchTooFarBackIsExpired() async throws {
        let t = try await TestServer { $0.historyLimit = 5 }
        for i in 0..<10 { _ = try await t.ok("POST", "/api/v1/namespaces/default/services", service("s\(i)")) }
        let events = try await t.watch("/api/v1/namespaces/default/services?watch=true&resourceVersion=2", count: 1)
        #expect(events.first?["type"] == "ERROR")
        #expect(events.first?["object"]?["code"] == 410)
        #expect(events.first?["object"]?["reason"] == "Expired")
    }

    @Test func watchWithASelectorTurnsLeavingIntoDeleted() async throws {
        let t = try await TestServer()
        let created = try await t.ok("POST", "/api/v1/namespaces/default/services", service("a", labels: ["team": "x"]))
        let rv = created["metadata"]?["resourceVersion"]?.stringValue ?? ""
        _ = try await t.ok("PATCH", "/api/v1/namespaces/default/services/a", ["metadata": ["labels": ["team": "y"]]],
                           headers: ["content-type": "application/merge-patch+json"])
        _ = try await t.ok("PATCH", "/api/v1/namespaces/default/services/a", ["metadata": ["labels": ["team": "x"]]],
                           headers: ["content-type": "application/merge-patch+json"])
        let events = try await t.watch("/api/v1/namespaces/default/services?watch=true&labelSelector=team%3Dx&resourceVersion=\(rv)", count: 2)
        #expect(events.map { $0["type"] } == ["DELETED", "ADDED"])
    }

    @Test func authentication() async throws {
        let t = try await TestServer()
        let anonymous = await t.server.handle(APIRequest(method: "GET", path: "/api/v1/services", headers: ["authorization": "Bearer nope"]))
        #expect(anonymous.status == 401)
        let token = try TokenFile.addNodeToken(directory: t.directory, node: "node-1")
        let restarted = try await APIServer(configuration: t.server.configuration)
        let read = await restarted.handle(APIRequest(method: "GET", path: "/api/v1/services", headers: ["authorization": "Bearer \(token)"]))
        #expect(read.status == 200)
        let write = await restarted.handle(APIRequest(method: "POST", path: "/api/v1/namespaces/default/services",
                                                      headers: ["authorization": "Bearer \(token)", "content-type": "application/json"],
                                                      body: service("x").serializedBytes()))
        #expect(write.status == 403)
        #expect(write.bodyJSON?["message"]
            == "services is forbidden: User \"system:node:node-1\" cannot create resource \"services\" in API group \"\" in the namespace \"default\"")
    }

    @Test func deletingANamespaceDeletesWhatIsInIt() async throws {
        let t = try await TestServer()
        t.startControllers()
        _ = try await t.ok("POST", "/api/v1/namespaces", ["metadata": ["name": "team"]])
        _ = try await t.ok("POST", "/api/v1/namespaces/team/services", service("web", namespace: "team"))
        _ = try await t.ok("POST", "/api/v1/namespaces/team/configmaps", ["metadata": ["name": "c"], "data": ["a": "b"]])
        let deleting = try await t.ok("DELETE", "/api/v1/namespaces/team")
        #expect(deleting["status"]?["phase"] == "Terminating")
        let refused = await t.call("POST", "/api/v1/namespaces/team/configmaps", ["metadata": ["name": "d"]])
        #expect(refused.status == 403)
        #expect(refused.bodyJSON?["message"] == "unable to create new content in namespace team because it is being terminated")
        for _ in 0..<100 where await t.call("GET", "/api/v1/namespaces/team").status != 404 {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(await t.call("GET", "/api/v1/namespaces/team").status == 404)
        #expect(await t.call("GET", "/api/v1/namespaces/team/services/web").status == 404)
    }

    @Test func garbageCollectionFollowsOwnerReferences() async throws {
        let t = try await TestServer()
        t.startControllers()
        let owner = try await t.ok("POST", "/api/v1/namespaces/default/configmaps", ["metadata": ["name": "owner"]])
        let uid: JSON = owner["metadata"]?["uid"] ?? ""
        for name in ["d1", "d2"] {
            _ = try await t.ok("POST", "/api/v1/namespaces/default/configmaps", [
                "metadata": ["name": .string(name), "ownerReferences": [["apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": uid]]],
            ])
        }
        _ = try await t.ok("DELETE", "/api/v1/namespaces/default/configmaps/owner")
        for _ in 0..<100 where await t.call("GET", "/api/v1/namespaces/default/configmaps/d2").status != 404 {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(await t.call("GET", "/api/v1/namespaces/default/configmaps/d1").status == 404)
        #expect(await t.call("GET", "/api/v1/namespaces/default/configmaps/d2").status == 404)
    }

    @Test func finalizersHoldADeletion() async throws {
        let t = try await TestServer()
        _ = try await t.ok("POST", "/api/v1/namespaces/default/configmaps", ["metadata": ["name": "held", "finalizers": ["example.com/keep"]]])
        let marked = try await t.ok("DELETE", "/api/v1/namespaces/default/configmaps/held")
        #expect(marked["metadata"]?["deletionTimestamp"] != nil)
        #expect(await t.call("GET", "/api/v1/namespaces/default/configmaps/held").status == 200)
        _ = try await t.ok("PATCH", "/api/v1/namespaces/default/configmaps/held", ["metadata": ["finalizers": nil]],
                           headers: ["content-type": "application/merge-patch+json"])
        #expect(await t.call("GET", "/api/v1/namespaces/default/configmaps/held").status == 404)
    }

    @Test func discoveryAndOpenAPI() async throws {
        let t = try await TestServer()
        let core = try await t.ok("GET", "/api/v1")
        let services = core["resources"]?.arrayValue?.first { $0["name"] == "services" }
        #expect(services?["shortNames"] == ["svc"])
        #expect(services?["categories"] == ["all"])
        #expect(services?["verbs"] == ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"])
        #expect(core["resources"]?.arrayValue?.contains { $0["name"] == "services/status" } == true)
        let groups = try await t.ok("GET", "/apis")
        #expect(groups["groups"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["apps", "coordination.k8s.io", "discovery.k8s.io"])
        let apps = try await t.ok("GET", "/apis/apps/v1")
        #expect(apps["resources"]?.arrayValue?.first { $0["name"] == "deployments" }?["shortNames"] == ["deploy"])
        let index = try await t.ok("GET", "/openapi/v3")
        let url = index["paths"]?["api/v1"]?["serverRelativeURL"]?.stringValue ?? ""
        let document = try await t.ok("GET", url)
        let patch = document["paths"]?["/api/v1/namespaces/{namespace}/services/{name}"]?["patch"]
        #expect(patch?["x-kubernetes-group-version-kind"] == ["group": "", "version": "v1", "kind": "Service"])
        #expect(patch?["parameters"]?.arrayValue?.contains { $0["name"] == "fieldValidation" } == true)
        let schemas = document["components"]?["schemas"]
        let ports = schemas?["io.k8s.api.core.v1.ServicePort"]?["properties"]
        #expect(ports?.objectValue.map { Set($0.keys) } == ["name", "protocol", "appProtocol", "port", "targetPort", "nodePort"])
        let version = try await t.ok("GET", "/version")
        #expect(version["major"] == "1" && version["minor"] == "34")
    }

    @Test func scaleSubresource() async throws {
        let t = try await TestServer()
        let deployment: JSON = [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
            "spec": ["selector": ["matchLabels": ["app": "web"]],
                     "template": ["metadata": ["labels": ["app": "web"]], "spec": ["containers": [["name": "c", "image": "agnhost"]]]]],
        ]
        let created = try await t.ok("POST", "/apis/apps/v1/namespaces/default/deployments", deployment)
        #expect(created["spec"]?["replicas"] == 1)
        #expect(created["metadata"]?["generation"] == 1)
        let scale = try await t.ok("GET", "/apis/apps/v1/namespaces/default/deployments/web/scale")
        #expect(scale["kind"] == "Scale" && scale["spec"]?["replicas"] == 1 && scale["status"]?["selector"] == "app=web")
        _ = try await t.ok("PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale", ["spec": ["replicas": 3]],
                           headers: ["content-type": "application/merge-patch+json"])
        let scaled = try await t.ok("GET", "/apis/apps/v1/namespaces/default/deployments/web")
        #expect(scaled["spec"]?["replicas"] == 3)
        #expect(scaled["metadata"]?["generation"] == 2)
        var mismatched = deployment
        mismatched["metadata"]?["name"] = "bad"
        mismatched["spec"]?["selector"] = ["matchLabels": ["app": "other"]]
        let invalid = await t.call("POST", "/apis/apps/v1/namespaces/default/deployments", mismatched)
        #expect(invalid.status == 422)
        #expect(invalid.bodyJSON?["message"]
            == "Deployment.apps \"bad\" is invalid: spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`")
    }
}
