import OrderedCollections
import PorticoAPI

/// OpenAPI v3 documents for the served group versions: what `kubectl apply`/`create` read to
/// validate on the server (`fieldValidation=Strict`) and what `kubectl explain` prints.
///
/// Schemas are not written by hand: `SchemaBuilder` learns each type's fields by decoding
/// it with a probing `Decoder`, which sees every key the type asks for and its Swift type,
/// so the documents always match the types the server decodes with.
enum OpenAPI {
    static func index(_ resources: [ResourceInfo]) -> JSON {
        var paths = OrderedDictionary<String, JSON>()
        var groupVersions: [String] = []
        for info in resources where !groupVersions.contains(info.groupVersion) { groupVersions.append(info.groupVersion) }
        for gv in groupVersions.sorted() {
            let path = gv == "v1" ? "api/v1" : "apis/\(gv)"
            paths[path] = ["serverRelativeURL": .string("/openapi/v3/\(path)?hash=\(self.hash(gv))")]
        }
        return ["paths": .object(paths)]
    }

    static func hash(_ gv: String) -> String {
        var h: UInt64 = 1469598103934665603
        for b in (gv + PorticoVersion.portico).utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return String(h, radix: 16, uppercase: true)
    }

    /// The document of one group version (`api/v1`, `apis/apps/v1`): every path, verb,
    /// parameter and subresource served (`OpenAPIPaths`), the schemas of the objects, their
    /// lists and the shared meta types, and the bearer token scheme.
    static func document(path: String, resources: [ResourceInfo], returnsDeletedObject: (ResourceInfo) -> Bool = { _ in false }) -> JSON? {
        let gv = path == "api/v1" ? "v1" : String(path.dropFirst("apis/".count))
        let served = resources.filter { $0.groupVersion == gv }
        guard !served.isEmpty else { return nil }
        let builder = SchemaBuilder()
        builder.addSharedSchemas()
        var paths = OrderedDictionary<String, JSON>()
        for info in served.sorted(by: { $0.resource < $1.resource }) {
            let object = builder.topLevel(info)
            let list = builder.list(of: info, itemRef: object)
            let generator = OpenAPIPaths(info: info, object: object, list: list, returnsDeletedObject: returnsDeletedObject(info))
            for (path, item) in generator.paths() { paths[path] = item }
        }
        let securitySchemes: JSON = ["BearerToken": ["type": "apiKey", "in": "header", "name": "authorization",
                                                     "description": "Bearer Token authentication"]]
        return [
            "openapi": "3.0.0",
            "info": ["title": "Kubernetes", "version": .string(PorticoVersion.kubernetes)],
            "paths": .object(paths),
            "components": ["schemas": .object(builder.schemas), "securitySchemes": securitySchemes],
        ]
    }
}

/// Builds OpenAPI schemas from the Codable types themselves (see `OpenAPI`).
final class SchemaBuilder {
    var schemas = OrderedDictionary<String, JSON>()
    var building: Set<String> = []

    /// Upstream's Go package of a type, for the schema's name.
    static func qualifiedName(_ swiftName: String) -> String {
        let meta: Set<String> = ["ObjectMeta", "ListMeta", "OwnerReference", "ManagedFieldsEntry", "Condition", "LabelSelector",
                                 "LabelSelectorRequirement", "Status", "StatusDetails", "StatusCause", "DeleteOptions", "Preconditions"]
        let apps: Set<String> = ["Deployment", "DeploymentSpec", "DeploymentStatus", "DeploymentStrategy", "DeploymentCondition",
                                 "RollingUpdateDeployment", "ReplicaSet", "ReplicaSetSpec", "ReplicaSetStatus", "ReplicaSetCondition"]
        let discovery: [String: String] = ["EndpointSlice": "EndpointSlice", "Endpoint": "Endpoint", "EndpointConditions": "EndpointConditions",
                                           "EndpointHints": "EndpointHints", "EndpointPort": "EndpointPort", "ForName": "ForZone"]
        let renamed: [String: String] = ["EndpointsPort": "EndpointPort", "KeySelector": "ConfigMapKeySelector"]
        if meta.contains(swiftName) { return "io.k8s.apimachinery.pkg.apis.meta.v1." + swiftName }
        if apps.contains(swiftName) { return "io.k8s.api.apps.v1." + swiftName }
        if let name = discovery[swiftName] { return "io.k8s.api.discovery.v1." + name }
        if swiftName == "Lease" || swiftName == "LeaseSpec" { return "io.k8s.api.coordination.v1." + swiftName }
        return "io.k8s.api.core.v1." + (renamed[swiftName] ?? swiftName)
    }

    func topLevel(_ info: ResourceInfo) -> String {
        let ref: String
        switch info.kind {
        case "Namespace": ref = self.reference(Namespace.self)
        case "Service": ref = self.reference(Service.self)
        case "Endpoints": ref = self.reference(Endpoints.self)
        case "Pod": ref = self.reference(Pod.self)
        case "Node": ref = self.reference(Node.self)
        case "Event": ref = self.reference(Event.self)
        case "ConfigMap": ref = self.reference(ConfigMap.self)
        case "Lease": ref = self.reference(Lease.self)
        case "EndpointSlice": ref = self.reference(EndpointSlice.self)
        case "Deployment": ref = self.reference(Deployment.self)
        case "ReplicaSet": ref = self.reference(ReplicaSet.self)
        default: return "#/components/schemas/unknown"
        }
        let name = String(ref.dropFirst("#/components/schemas/".count))
        self.schemas[name]?["x-kubernetes-group-version-kind"] = [
            ["group": .string(info.group), "version": .string(info.version), "kind": .string(info.kind)],
        ]
        return ref
    }

    /// `<Kind>List`: kind, apiVersion, metadata (ListMeta) and the items.
    func list(of info: ResourceInfo, itemRef: String) -> String {
        let item = String(itemRef.dropFirst("#/components/schemas/".count))
        let name = item + "List"
        let listMeta = self.reference(ListMeta.self)
        self.schemas[name] = [
            "type": "object", "description": .string("\(info.kind)List is a list of \(info.kind) objects."),
            "required": ["items"],
            "properties": [
                "apiVersion": ["type": "string"], "kind": ["type": "string"],
                "metadata": ["allOf": [["$ref": .string(listMeta)]]],
                "items": ["type": "array", "items": ["$ref": .string(itemRef)]],
            ],
            "x-kubernetes-group-version-kind": [["group": .string(info.group), "version": .string(info.version), "kind": .string(info.kind + "List")]],
        ]
        return "#/components/schemas/" + name
    }

    /// The meta types every document uses (Status, DeleteOptions, WatchEvent, Patch) and the
    /// two that are not Portico types (autoscaling/v1 Scale, Binding).
    func addSharedSchemas() {
        _ = self.reference(Status.self)
        _ = self.reference(DeleteOptions.self)
        let objectReference = self.reference(ObjectReference.self)
        let objectMeta = self.reference(ObjectMeta.self)
        self.schemas["io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent"] = [
            "type": "object", "required": ["type", "object"],
            "properties": ["type": ["type": "string"], "object": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]],
        ]
        self.schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Patch"] = [
            "type": "object", "description": "A patch: its media type says which kind (JSON patch, merge patch, apply).",
        ]
        let metadata: JSON = ["allOf": [["$ref": .string(objectMeta)]]]
        self.schemas["io.k8s.api.autoscaling.v1.Scale"] = [
            "type": "object", "description": "Scale: the desired and observed replicas of a scalable resource.",
            "properties": [
                "apiVersion": ["type": "string"], "kind": ["type": "string"], "metadata": metadata,
                "spec": ["type": "object", "properties": ["replicas": ["type": "integer", "format": "int32"]]],
                "status": ["type": "object", "properties": ["replicas": ["type": "integer", "format": "int32"], "selector": ["type": "string"]]],
            ],
            "x-kubernetes-group-version-kind": [["group": "autoscaling", "version": "v1", "kind": "Scale"]],
        ]
        self.schemas["io.k8s.api.core.v1.Binding"] = [
            "type": "object", "description": "Binding ties a pod to a node (the scheduler's decision).", "required": ["target"],
            "properties": ["apiVersion": ["type": "string"], "kind": ["type": "string"], "metadata": metadata,
                           "target": ["allOf": [["$ref": .string(objectReference)]]]],
            "x-kubernetes-group-version-kind": [["group": "", "version": "v1", "kind": "Binding"]],
        ]
    }

    func reference<T: Decodable>(_ type: T.Type) -> String {
        let name = Self.qualifiedName(String(describing: T.self))
        if self.schemas[name] == nil, !self.building.contains(name) {
            self.building.insert(name)
            self.schemas[name] = self.objectSchema(T.self, name: String(describing: T.self))
            self.building.remove(name)
        }
        return "#/components/schemas/" + name
    }

    /// The schema of a field of type `T`.
    func schema<T: Decodable>(_ type: T.Type) -> JSON {
        switch T.self {
        case is String.Type: return ["type": "string"]
        case is Bool.Type: return ["type": "boolean"]
        case is Int32.Type: return ["type": "integer", "format": "int32"]
        case is Int64.Type, is Int.Type: return ["type": "integer", "format": "int64"]
        case is Double.Type: return ["type": "number", "format": "double"]
        // Go writes a zero time as null.
        case is Time.Type:
            return self.named("io.k8s.apimachinery.pkg.apis.meta.v1.Time", ["type": "string", "format": "date-time", "nullable": true])
        case is MicroTime.Type:
            return self.named("io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime", ["type": "string", "format": "date-time", "nullable": true])
        // OpenAPI v3's form (v2 has only type string).
        case is IntOrString.Type:
            return self.named("io.k8s.apimachinery.pkg.util.intstr.IntOrString",
                              ["format": "int-or-string", "oneOf": [["type": "integer"], ["type": "string"]]])
        case is Quantity.Type:
            return self.named("io.k8s.apimachinery.pkg.api.resource.Quantity", ["type": "string"])
        case is JSON.Type: return ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
        default: break
        }
        if T.self is any StringEnum.Type { return ["type": "string"] }
        // Go writes a nil slice or map that has no omitempty as null.
        if let array = T.self as? any SchemaArray.Type { return ["type": "array", "items": array.elementSchema(self), "nullable": true] }
        if let map = T.self as? any SchemaMap.Type { return ["type": "object", "additionalProperties": map.valueSchema(self), "nullable": true] }
        if let optional = T.self as? any SchemaOptional.Type { return optional.wrappedSchema(self) }
        return ["allOf": [["$ref": .string(self.reference(T.self))]]]
    }

    /// A reference to a named scalar schema (as upstream names IntOrString, Time, Quantity).
    func named(_ name: String, _ schema: JSON) -> JSON {
        if self.schemas[name] == nil { self.schemas[name] = schema }
        return ["allOf": [["$ref": .string("#/components/schemas/" + name)]]]
    }

    func objectSchema<T: Decodable>(_ type: T.Type, name: String) -> JSON {
        let probe = ProbeDecoder(builder: self)
        _ = try? T(from: probe)
        var properties = OrderedDictionary<String, JSON>()
        var required: [JSON] = []
        for field in probe.fields {
            var schema = field.schema
            if let description = SchemaDescriptions.text[name + "." + field.name] ?? SchemaDescriptions.text["*." + field.name] {
                schema["description"] = .string(description)
            }
            properties[field.name] = schema
            if field.required, field.scalar, !["kind", "apiVersion"].contains(field.name) { required.append(.string(field.name)) }
        }
        var schema: JSON = ["type": "object", "properties": .object(properties)]
        if let description = SchemaDescriptions.text[name] { schema["description"] = .string(description) }
        if !required.isEmpty { schema["required"] = .array(required) }
        return schema
    }
}

protocol SchemaArray { static func elementSchema(_ builder: SchemaBuilder) -> JSON }
extension Array: SchemaArray where Element: Decodable {
    static func elementSchema(_ builder: SchemaBuilder) -> JSON { builder.schema(Element.self) }
}

protocol SchemaMap { static func valueSchema(_ builder: SchemaBuilder) -> JSON }
extension Dictionary: SchemaMap where Key == String, Value: Decodable {
    static func valueSchema(_ builder: SchemaBuilder) -> JSON { builder.schema(Value.self) }
}

protocol SchemaOptional { static func wrappedSchema(_ builder: SchemaBuilder) -> JSON }
extension Optional: SchemaOptional where Wrapped: Decodable {
    static func wrappedSchema(_ builder: SchemaBuilder) -> JSON { builder.schema(Wrapped.self) }
}

/// A `Decoder` that records the keys a type asks for and answers with zero values.
final class ProbeDecoder: Decoder {
    struct Field {
        var name: String
        var schema: JSON
        var required: Bool
        /// A number, string or boolean: only those are reported as required.
        var scalar: Bool
    }

    let builder: SchemaBuilder
    var fields: [Field] = []
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(builder: SchemaBuilder) { self.builder = builder }

    func record<T: Decodable>(_ type: T.Type, _ key: any CodingKey, required: Bool) {
        guard !self.fields.contains(where: { $0.name == key.stringValue }) else { return }
        let scalar = T.self is String.Type || T.self is Int32.Type || T.self is Int64.Type || T.self is Bool.Type
        self.fields.append(Field(name: key.stringValue, schema: self.builder.schema(T.self), required: required, scalar: scalar))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(ProbeContainer<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw ProbeEnd() }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { throw ProbeEnd() }

    struct ProbeEnd: Error {}

    struct ProbeContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoder: ProbeDecoder
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { [] }
        func contains(_ key: Key) -> Bool { false }
        func decodeNil(forKey key: Key) throws -> Bool { true }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            self.decoder.record(T.self, key, required: true)
            return try KubeJSONDecoder.zeroValue(of: T.self)
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            self.decoder.record(T.self, key, required: false)
            return nil
        }

        // The standard library's own versions of these would ask `contains` first and skip the field.
        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try self.generic(type, key) }
        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try self.generic(type, key) }
        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try self.generic(type, key) }
        func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try self.generic(type, key) }
        func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try self.generic(type, key) }
        func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try self.generic(type, key) }

        func generic<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
            self.decoder.record(T.self, key, required: false)
            return nil
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        { throw ProbeEnd() }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { throw ProbeEnd() }
        func superDecoder() throws -> any Decoder { self.decoder }
        func superDecoder(forKey key: Key) throws -> any Decoder { self.decoder }
    }
}

/// Descriptions `kubectl explain` prints, in Portico's words, for the Service fields people
/// ask about most. Other fields are described by their type alone.
enum SchemaDescriptions {
    static let text: [String: String] = [
        "*.apiVersion": "The versioned schema of this representation of an object, such as v1 or apps/v1.",
        "*.kind": "The kind of object this is, such as Service; CamelCase.",
        "*.metadata": "Standard object metadata: name, namespace, labels, annotations and what the server records.",
        "Service": "Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.",
        "Service.spec": "Spec defines the behavior of a service.",
        "Service.status": "Most recently observed status of the service. Populated by the system.",
        "ServiceSpec.ports": "The ports this Service exposes. Each has a port (on the cluster IP), a targetPort (on the pods) and, for NodePort and LoadBalancer Services, a nodePort (on every node).",
        "ServiceSpec.selector": "Pods with all of these labels receive the Service's traffic. Without a selector, endpoints are managed by hand.",
        "ServiceSpec.clusterIP": "The virtual IP of the Service inside the cluster, allocated from the service CIDR unless given. \"None\" makes a headless Service. It cannot change once set.",
        "ServiceSpec.clusterIPs": "The cluster IPs of the Service, one per IP family; the first equals clusterIP.",
        "ServiceSpec.type": "How the Service is exposed: ClusterIP (inside the cluster only), NodePort (also on a port of every node), LoadBalancer (also through an external load balancer) or ExternalName (a DNS CNAME).",
        "ServiceSpec.externalIPs": "Addresses outside the cluster for which the nodes also accept this Service's traffic.",
        "ServiceSpec.sessionAffinity": "ClientIP sends each client to the same endpoint while it keeps talking; None spreads requests. Defaults to None.",
        "ServiceSpec.loadBalancerIP": "Deprecated: the address to ask of the load balancer. Portico's load balancer honours it.",
        "ServiceSpec.loadBalancerSourceRanges": "Client networks (CIDRs) the load balancer accepts; empty accepts all.",
        "ServiceSpec.externalName": "The DNS name an ExternalName Service answers with, as a CNAME.",
        "ServiceSpec.externalTrafficPolicy": "Cluster sends external traffic to any endpoint (the client address is hidden); Local sends it only to endpoints on the receiving node and keeps the client address.",
        "ServiceSpec.healthCheckNodePort": "For LoadBalancer Services with externalTrafficPolicy Local: the node port where the load balancer checks which nodes have local endpoints.",
        "ServiceSpec.publishNotReadyAddresses": "Publish the addresses of pods that are not ready yet (in DNS and endpoints).",
        "ServiceSpec.sessionAffinityConfig": "Settings of the session affinity, such as how long it lasts.",
        "ServiceSpec.ipFamilies": "The IP families (IPv4, IPv6) of the Service, in order; set from the cluster and ipFamilyPolicy when not given.",
        "ServiceSpec.ipFamilyPolicy": "SingleStack, PreferDualStack or RequireDualStack: how many IP families the Service gets.",
        "ServiceSpec.allocateLoadBalancerNodePorts": "Whether a LoadBalancer Service gets node ports. Defaults to true.",
        "ServiceSpec.loadBalancerClass": "Which load balancer implementation serves this Service; empty means the cluster's default.",
        "ServiceSpec.internalTrafficPolicy": "Cluster routes traffic from inside the cluster to any endpoint; Local only to endpoints on the same node.",
        "ServiceSpec.trafficDistribution": "A preference for nearby endpoints: PreferClose, PreferSameZone or PreferSameNode.",
        "ServicePort.name": "The port's name, a DNS label; required when the Service has more than one port.",
        "ServicePort.protocol": "TCP, UDP or SCTP. Defaults to TCP.",
        "ServicePort.appProtocol": "The application protocol of the port, as a hint to implementations.",
        "ServicePort.port": "The port the Service listens on, on its cluster IP.",
        "ServicePort.targetPort": "The port (number or container port name) on the pods. Defaults to port.",
        "ServicePort.nodePort": "The port on every node, from the node port range (30000-32767 by default), for NodePort and LoadBalancer Services. Allocated unless given.",
        "ServiceStatus.loadBalancer": "The load balancer's address(es), once one exists.",
        "ServiceStatus.conditions": "The current conditions of the Service.",
    ]
}
