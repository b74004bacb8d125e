import Foundation
import PorticoAPI
import Testing

@testable import PorticoServer

/// The OpenAPI v3 documents can drive tools: every path parameter declared, every verb and
/// subresource served, every schema reference resolvable, operation ids unique.
struct OpenAPIDocumentTests {
    static func documents(_ t: TestServer) async throws -> [String: JSON] {
        let index = try await t.ok("GET", "/openapi/v3")
        var documents: [String: JSON] = [:]
        for (name, entry) in index["paths"]?.objectValue ?? [:] {
            documents[name] = try await t.ok("GET", entry["serverRelativeURL"]?.stringValue ?? "")
        }
        return documents
    }

    static func references(in json: JSON) -> [String] {
        switch json {
        case .object(let members):
            return members.flatMap { key, value in key == "$ref" ? [value.stringValue ?? ""] : Self.references(in: value) }
        case .array(let items): return items.flatMap(Self.references(in:))
        default: return []
        }
    }

    @Test func everyPathParameterIsDeclaredAndEveryReferenceResolves() async throws {
        let t = try await TestServer()
        let documents = try await Self.documents(t)
        #expect(Set(documents.keys) == ["api/v1", "apis/apps/v1", "apis/coordination.k8s.io/v1", "apis/discovery.k8s.io/v1"])
        var operationIDs: Set<String> = []
        for (name, document) in documents {
            let schemas = document["components"]?["schemas"]?.objectValue ?? [:]
            for reference in Self.references(in: document) {
                #expect(schemas[String(reference.dropFirst("#/components/schemas/".count))] != nil, "\(name): \(reference) does not resolve")
            }
            for (path, item) in document["paths"]?.objectValue ?? [:] {
                let shared = item["parameters"]?.arrayValue ?? []
                let variables = path.split(separator: "{").dropFirst().map { String($0.prefix { $0 != "}" }) }
                for (method, operation) in item.objectValue ?? [:] where method != "parameters" {
                    let declared = (shared + (operation["parameters"]?.arrayValue ?? [])).filter { $0["in"] == "path" }.compactMap { $0["name"]?.stringValue }
                    #expect(Set(declared) == Set(variables), "\(method) \(path) declares \(declared)")
                    let id = operation["operationId"]?.stringValue ?? ""
                    #expect(operationIDs.insert(id).inserted, "\(id) twice")
                    #expect(operation["responses"]?["401"] != nil)
                }
            }
        }
    }

    @Test func everyVerbAndSubresourceIsThere() async throws {
        let t = try await TestServer()
        let documents = try await Self.documents(t)
        let core = documents["api/v1"]?["paths"]
        let methods = { (paths: JSON?, path: String) in Set(paths?[path]?.objectValue?.keys.filter { $0 != "parameters" } ?? []) }
        #expect(methods(core, "/api/v1/namespaces/{namespace}/services") == ["get", "post", "delete"])
        #expect(methods(core, "/api/v1/namespaces/{namespace}/services/{name}") == ["get", "put", "patch", "delete"])
        #expect(methods(core, "/api/v1/namespaces/{namespace}/services/{name}/status") == ["get", "put", "patch"])
        #expect(methods(core, "/api/v1/services") == ["get"])
        #expect(methods(core, "/api/v1/watch/namespaces/{namespace}/services/{name}") == ["get"])
        #expect(methods(core, "/api/v1/namespaces") == ["get", "post"])  // no deletecollection for namespaces
        #expect(methods(core, "/api/v1/namespaces/{namespace}/pods/{name}/log") == ["get"])
        #expect(methods(core, "/api/v1/namespaces/{namespace}/pods/{name}/binding") == ["post"])
        #expect(methods(core, "/api/v1/namespaces/{namespace}/pods/{name}/exec") == ["get", "post"])
        let apps = documents["apis/apps/v1"]?["paths"]
        #expect(methods(apps, "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale") == ["get", "put", "patch"])
        let list = core?["/api/v1/namespaces/{namespace}/services"]?["get"]
        #expect(list?["operationId"] == "listCoreV1NamespacedService")
        let parameters = Set(list?["parameters"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
        #expect(parameters.isSuperset(of: ["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "resourceVersionMatch",
                                           "watch", "timeoutSeconds", "allowWatchBookmarks", "sendInitialEvents"]))
        let scale = apps?["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]?["put"]
        #expect(scale?["x-kubernetes-group-version-kind"] == ["group": "autoscaling", "version": "v1", "kind": "Scale"])
        #expect(documents["api/v1"]?["components"]?["securitySchemes"]?["BearerToken"]?["in"] == "header")
    }
}
