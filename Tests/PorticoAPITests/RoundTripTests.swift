import Testing

@testable import PorticoAPI

/// Object keys sorted at every level: kubectl prints keys sorted, the server in field order.
func canonical(_ json: JSON) -> JSON { json.sortedKeys }

struct RoundTrip<T: Codable & Sendable>: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var testDescription: String { self.name }

    func check() throws {
        let decoded = try KubeJSONDecoder().decode(T.self, from: self.text)
        #expect(decoded.unknownFields.isEmpty, "unknown: \(decoded.unknownFields)")
        #expect(decoded.duplicateFields.isEmpty)
        let original = canonical(try JSON.parse(self.text))
        let encoded = canonical(try decoded.value.toJSON())
        #expect(encoded == original, "\nencoded:  \(encoded)\noriginal: \(original)")
        // And a second pass is stable.
        let again = try KubeJSONDecoder().decode(T.self, from: try decoded.value.toJSON()).value
        #expect(canonical(try again.toJSON()) == original)
    }
}

@Suite("Round trips of kubectl -o json documents") struct RoundTripTests {
    @Test func services() throws {
        try RoundTrip<Service>(name: "NodePort", text: Documents.nodePortService).check()
        try RoundTrip<Service>(name: "LoadBalancer", text: Documents.loadBalancerService).check()
        try RoundTrip<Service>(name: "ExternalName", text: Documents.externalNameService).check()
    }

    @Test func pod() throws { try RoundTrip<Pod>(name: "Pod", text: Documents.pod).check() }
    @Test func node() throws { try RoundTrip<Node>(name: "Node", text: Documents.node).check() }
    @Test func endpoints() throws { try RoundTrip<Endpoints>(name: "Endpoints", text: Documents.endpoints).check() }
    @Test func endpointSlices() throws {
        try RoundTrip<EndpointSlice>(name: "EndpointSlice", text: Documents.endpointSlice).check()
        try RoundTrip<EndpointSlice>(name: "empty EndpointSlice", text: Documents.emptyEndpointSlice).check()
    }
    @Test func deployment() throws { try RoundTrip<Deployment>(name: "Deployment", text: Documents.deployment).check() }
    @Test func replicaSet() throws { try RoundTrip<ReplicaSet>(name: "ReplicaSet", text: Documents.replicaSet).check() }
    @Test func namespace() throws { try RoundTrip<Namespace>(name: "Namespace", text: Documents.namespace).check() }
    @Test func event() throws { try RoundTrip<Event>(name: "Event", text: Documents.event).check() }
    @Test func configMap() throws { try RoundTrip<ConfigMap>(name: "ConfigMap", text: Documents.configMap).check() }
    @Test func lease() throws { try RoundTrip<Lease>(name: "Lease", text: Documents.lease).check() }
    @Test func status() throws { try RoundTrip<Status>(name: "Status", text: Documents.status).check() }
    @Test func resourceList() throws { try RoundTrip<APIResourceList>(name: "APIResourceList", text: Documents.resourceList).check() }
    @Test func watchEvent() throws { try RoundTrip<WatchEvent>(name: "WatchEvent", text: Documents.watchEvent).check() }

    @Test func aList() throws {
        let service = try KubeJSONDecoder().decode(Service.self, from: Documents.nodePortService).value
        let list = KubeList(metadata: ListMeta(resourceVersion: "48500"), items: [service])
        let json = try list.toJSON()
        #expect(json["kind"] == "ServiceList")
        #expect(json["apiVersion"] == "v1")
        #expect(json["metadata"] == ["resourceVersion": "48500"])
        let back = try KubeJSONDecoder().decode(KubeList<Service>.self, from: json)
        #expect(back.unknownFields.isEmpty)
        #expect(back.value.items == [service])
    }

    @Test func theAPIErrorMatchesTheDocument() throws {
        let error = APIError.invalid(kind: "Service", name: "web", errors: [
            .invalid("spec.ports[0].nodePort", 80, "provided port is not in the valid range. The range of valid ports is 30000-32767"),
        ])
        #expect(canonical(try error.status.toJSON()) == canonical(try JSON.parse(Documents.status)))
    }
}
