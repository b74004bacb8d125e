import PorticoAPI

/// Where a kind lives in the API: its plural resource and whether it is namespaced.
public protocol APIResource: KubeObject {
    static var resource: String { get }
    static var namespaced: Bool { get }
}

extension APIResource {
    /// `/api/v1/namespaces/default/services[/name]`, `/apis/apps/v1/deployments`.
    public static func path(namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        var path = Self.group.isEmpty ? "/api/\(Self.version)" : "/apis/\(Self.apiVersion)"
        if Self.namespaced, let namespace, !namespace.isEmpty { path += "/namespaces/\(namespace)" }
        path += "/\(Self.resource)"
        if let name { path += "/\(name)" }
        if let subresource { path += "/\(subresource)" }
        return path
    }
}

extension Namespace: APIResource {
    public static let resource = "namespaces"
    public static let namespaced = false
}
extension Service: APIResource {
    public static let resource = "services"
    public static let namespaced = true
}
extension Endpoints: APIResource {
    public static let resource = "endpoints"
    public static let namespaced = true
}
extension Pod: APIResource {
    public static let resource = "pods"
    public static let namespaced = true
}
extension Node: APIResource {
    public static let resource = "nodes"
    public static let namespaced = false
}
extension Event: APIResource {
    public static let resource = "events"
    public static let namespaced = true
}
extension ConfigMap: APIResource {
    public static let resource = "configmaps"
    public static let namespaced = true
}
extension Lease: APIResource {
    public static let resource = "leases"
    public static let namespaced = true
}
extension EndpointSlice: APIResource {
    public static let resource = "endpointslices"
    public static let namespaced = true
}
extension Deployment: APIResource {
    public static let resource = "deployments"
    public static let namespaced = true
}
extension ReplicaSet: APIResource {
    public static let resource = "replicasets"
    public static let namespaced = true
}
