import Foundation
import PorticoAPI
import PorticoClient
import Testing

@testable import PorticoServer

/// A node's token reaches its own Node and Lease, the pods bound to it, their status, and
/// what those pods use, as upstream's Node authorizer and NodeRestriction allow; it cannot
/// touch another node's.
@Suite("Node authorization") struct NodeAuthorizationTests {
    final class Cluster: @unchecked Sendable {
        let t: TestServer
        let server: APIServer
        let tokens: [String: String]

        init() async throws {
            self.t = try await TestServer()
            var tokens: [String: String] = [:]
            for node in ["node-1", "node-2"] { tokens[node] = try TokenFile.addNodeToken(directory: self.t.directory, node: node) }
            self.tokens = tokens
            self.server = try await APIServer(configuration: self.t.server.configuration)
        }

        /// A request made with a node's token.
        func call(_ node: String, _ method: String, _ target: String, _ body: JSON? = nil, contentType: String = "application/json") async -> APIResponse {
            await self.server.handle(APIRequest(method: method, target: target,
                                                headers: ["authorization": "Bearer \(self.tokens[node] ?? "")", "content-type": contentType],
                                                body: body?.serializedBytes() ?? []))
        }

        /// A request made by the admin.
        @discardableResult
        func admin(_ method: String, _ target: String, _ body: JSON? = nil) async throws -> JSON {
            let response = await self.server.handle(APIRequest(method: method, target: target, headers: ["content-type": "application/json"],
                                                               body: body?.serializedBytes() ?? []))
            guard response.status < 300, let json = response.bodyJSON else {
                throw TestServer.Failure(description: "\(method) \(target): \(response.status) \(String(decoding: response.bodyBytes, as: UTF8.self))")
            }
            return json
        }
    }

    static func pod(_ name: String, on node: String, configMap: String? = nil) -> JSON {
        var container: JSON = ["name": "app", "image": "registry.k8s.io/pause:3.10"]
        if let configMap {
            container["env"] = [["name": "X", "valueFrom": ["configMapKeyRef": ["name": .string(configMap), "key": "k"]]]]
        }
        return ["metadata": ["name": .string(name)], "spec": ["nodeName": .string(node), "containers": [container]]]
    }

    static func node(_ name: String) -> JSON { ["metadata": ["name": .string(name)]] }

    @Test func aNodeWritesOnlyItsOwnNode() async throws {
        let c = try await Cluster()
        #expect(await c.call("node-1", "POST", "/api/v1/nodes", Self.node("node-1")).status == 201)
        try await c.admin("POST", "/api/v1/nodes", Self.node("node-2"))
        let other = await c.call("node-1", "PATCH", "/api/v1/nodes/node-2", ["metadata": ["labels": ["a": "b"]]], contentType: "application/merge-patch+json")
        #expect(other.status == 403)
        #expect(other.bodyJSON?["message"] == "nodes \"node-2\" is forbidden: node \"node-1\" is not allowed to modify node \"node-2\"")
        let create = await c.call("node-1", "POST", "/api/v1/nodes", Self.node("node-3"))
        #expect(create.bodyJSON?["message"] == "nodes \"node-3\" is forbidden: node \"node-1\" is not allowed to modify node \"node-3\"")
        for name in ["node-1", "node-2"] {
            let delete = await c.call("node-1", "DELETE", "/api/v1/nodes/\(name)")
            #expect(delete.status == 403)
            #expect(delete.bodyJSON?["message"]
                == .string("nodes \"\(name)\" is forbidden: User \"system:node:node-1\" cannot delete resource \"nodes\" in API group \"\" at the cluster scope"))
        }
        let ownLabel = await c.call("node-1", "PATCH", "/api/v1/nodes/node-1", ["metadata": ["labels": ["topology.kubernetes.io/zone": "a"]]],
                                    contentType: "application/merge-patch+json")
        #expect(ownLabel.status == 200)
        let restricted = await c.call("node-1", "PATCH", "/api/v1/nodes/node-1", ["metadata": ["labels": ["node-restriction.kubernetes.io/x": "y"]]],
                                      contentType: "application/merge-patch+json")
        #expect(restricted.bodyJSON?["message"] == "nodes \"node-1\" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/x")
        let taints = await c.call("node-1", "PATCH", "/api/v1/nodes/node-1", ["spec": ["taints": [["key": "k", "effect": "NoSchedule"]]]],
                                  contentType: "application/merge-patch+json")
        #expect(taints.bodyJSON?["message"] == "nodes \"node-1\" is forbidden: node \"node-1\" is not allowed to modify taints")
        #expect(await c.call("node-1", "GET", "/api/v1/nodes").status == 200)
    }

    @Test func aNodeUsesOnlyItsOwnLease() async throws {
        let c = try await Cluster()
        let lease = { (name: String, namespace: String) -> JSON in ["metadata": ["name": .string(name), "namespace": .string(namespace)], "spec": ["holderIdentity": .string(name)]] }
        #expect(await c.call("node-1", "POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease("node-1", "kube-node-lease")).status == 201)
        let other = await c.call("node-1", "POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease("node-2", "kube-node-lease"))
        #expect(other.bodyJSON?["message"]
            == "leases.coordination.k8s.io \"node-2\" is forbidden: can only access node lease with the same name as the requesting node")
        try await c.admin("POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease("node-2", "kube-node-lease"))
        let read = await c.call("node-1", "GET", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-2")
        #expect(read.bodyJSON?["message"]
            == "leases.coordination.k8s.io \"node-2\" is forbidden: User \"system:node:node-1\" cannot get resource \"leases\" in API group \"coordination.k8s.io\" in the namespace \"kube-node-lease\": can only access node lease with the same name as the requesting node")
        let elsewhere = await c.call("node-1", "POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", lease("node-1", "default"))
        #expect(elsewhere.status == 403)
    }

    @Test func aNodeReachesThePodsBoundToItAndWhatTheyUse() async throws {
        let c = try await Cluster()
        try await c.admin("POST", "/api/v1/namespaces/default/configmaps", ["metadata": ["name": "used"], "data": ["k": "v"]])
        try await c.admin("POST", "/api/v1/namespaces/default/configmaps", ["metadata": ["name": "other"], "data": ["k": "v"]])
        try await c.admin("POST", "/api/v1/namespaces/default/pods", Self.pod("mine", on: "node-1", configMap: "used"))
        try await c.admin("POST", "/api/v1/namespaces/default/pods", Self.pod("theirs", on: "node-2", configMap: "other"))
        #expect(await c.call("node-1", "GET", "/api/v1/namespaces/default/pods/mine").status == 200)
        let theirs = await c.call("node-1", "GET", "/api/v1/namespaces/default/pods/theirs")
        #expect(theirs.bodyJSON?["message"]
            == "pods \"theirs\" is forbidden: User \"system:node:node-1\" cannot get resource \"pods\" in API group \"\" in the namespace \"default\": no relationship found between node 'node-1' and this object")
        let all = await c.call("node-1", "GET", "/api/v1/pods")
        #expect(all.bodyJSON?["message"]
            == "pods is forbidden: User \"system:node:node-1\" cannot list resource \"pods\" in API group \"\" at the cluster scope: can only list/watch pods with spec.nodeName field selector")
        let bound = await c.call("node-1", "GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1")
        #expect(bound.bodyJSON?["items"]?.arrayValue?.map { $0["metadata"]?["name"] } == ["mine"])
        #expect(await c.call("node-1", "GET", "/api/v1/namespaces/default/configmaps/used").status == 200)
        let other = await c.call("node-1", "GET", "/api/v1/namespaces/default/configmaps/other")
        #expect(other.bodyJSON?["message"]?.stringValue?.hasSuffix("no relationship found between node 'node-1' and this object") == true)
        let list = await c.call("node-1", "GET", "/api/v1/namespaces/default/configmaps")
        #expect(list.bodyJSON?["message"]?.stringValue?.hasSuffix(": No Object name found") == true)
        // Status and deletion: only its own pods.
        let status = await c.call("node-1", "PATCH", "/api/v1/namespaces/default/pods/theirs/status", ["status": ["phase": "Running"]],
                                  contentType: "application/merge-patch+json")
        #expect(status.bodyJSON?["message"]
            == "pods \"theirs\" is forbidden: node \"node-1\" can only update pod status for pods with spec.nodeName set to itself")
        #expect(await c.call("node-1", "PATCH", "/api/v1/namespaces/default/pods/mine/status", ["status": ["phase": "Running"]],
                             contentType: "application/merge-patch+json").status == 200)
        let delete = await c.call("node-1", "DELETE", "/api/v1/namespaces/default/pods/theirs?gracePeriodSeconds=0")
        #expect(delete.bodyJSON?["message"] == "pods \"theirs\" is forbidden: node \"node-1\" can only delete pods with spec.nodeName set to itself")
        #expect(await c.call("node-1", "DELETE", "/api/v1/namespaces/default/pods/mine?gracePeriodSeconds=0").status == 200)
        let create = await c.call("node-1", "POST", "/api/v1/namespaces/default/pods", Self.pod("new", on: "node-1"))
        #expect(create.bodyJSON?["message"]
            == "pods \"new\" is forbidden: pod does not have \"kubernetes.io/config.mirror\" annotation, node \"node-1\" can only create mirror pods")
        #expect(await c.call("node-1", "GET", "/api/v1/secrets").status == 403)
    }

    @Test func aNodeRecordsEventsAboutItselfItsPodsAndServices() async throws {
        let c = try await Cluster()
        try await c.admin("POST", "/api/v1/namespaces/default/pods", Self.pod("mine", on: "node-1"))
        try await c.admin("POST", "/api/v1/namespaces/default/pods", Self.pod("theirs", on: "node-2"))
        let event = { (name: String, namespace: String, kind: String, object: String, objectNamespace: String) -> JSON in
            ["metadata": ["name": .string(name), "namespace": .string(namespace)], "reason": "Test", "message": "m", "type": "Normal",
             "involvedObject": ["kind": .string(kind), "name": .string(object), "namespace": .string(objectNamespace)]]
        }
        #expect(await c.call("node-1", "POST", "/api/v1/namespaces/default/events", event("e1", "default", "Pod", "mine", "default")).status == 201)
        #expect(await c.call("node-1", "POST", "/api/v1/namespaces/default/events", event("e2", "default", "Node", "node-1", "")).status == 201)
        #expect(await c.call("node-1", "POST", "/api/v1/namespaces/kube-system/events", event("e3", "kube-system", "Service", "dns", "kube-system")).status == 201)
        for (name, namespace, kind, object, objectNamespace) in [("e4", "default", "Pod", "theirs", "default"), ("e5", "default", "Node", "node-2", ""),
                                                                ("e6", "kube-system", "Pod", "mine", "default"), ("e7", "default", "ConfigMap", "x", "default")] {
            let refused = await c.call("node-1", "POST", "/api/v1/namespaces/\(namespace)/events", event(name, namespace, kind, object, objectNamespace))
            #expect(refused.bodyJSON?["message"]
                == .string("events \"\(name)\" is forbidden: node \"node-1\" may only record events about itself, the pods bound to it and Services, in their namespace"))
        }
        #expect(await c.call("node-1", "GET", "/api/v1/namespaces/default/events").status == 403)
        // What the node proxy, the router, the speaker and the DNS pods read.
        for path in ["/api/v1/services", "/apis/discovery.k8s.io/v1/endpointslices", "/api/v1/namespaces", "/api/v1/nodes"] {
            #expect(await c.call("node-1", "GET", path).status == 200, "\(path)")
        }
    }
}
