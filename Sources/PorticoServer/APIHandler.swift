import PorticoAPI

/// Routes a request: authentication, then discovery, OpenAPI and health paths, then the
/// resource it names.
public final class APIHandler: Sendable {
    let context: ServerContext
    let resources: [String: any ServedResource]
    let infos: [ResourceInfo]
    let authenticator: TokenAuthenticator?
    let serverAddress: String

    init(context: ServerContext, resources: [any ServedResource], authenticator: TokenAuthenticator?, serverAddress: String) {
        self.context = context
        var byPath: [String: any ServedResource] = [:]
        for resource in resources { byPath["\(resource.info.groupVersion)/\(resource.info.resource)"] = resource }
        self.resources = byPath
        self.infos = resources.map(\.info)
        self.authenticator = authenticator
        self.serverAddress = serverAddress
    }

    /// The paths kube-apiserver serves to anyone (GET only, exact paths).
    static let publicPaths: Set<String> = ["/healthz", "/livez", "/readyz", "/version", "/version/"]

    static func isPublic(_ request: APIRequest) -> Bool {
        request.method == "GET" && Self.publicPaths.contains(request.path)
    }

    static let notFound = APIError(Status(message: "the server could not find the requested resource", reason: .notFound,
                                          details: StatusDetails(), code: 404))

    public func handle(_ request: APIRequest) async -> APIResponse {
        if self.context.shuttingDown.load(ordering: .relaxed) {
            var response = APIResponse.error(APIError(Status(message: "the server is shutting down", reason: .serviceUnavailable, code: 503)))
            response.headers.append(("Connection", "close"))
            return response
        }
        var request = request
        if let authenticator = self.authenticator {
            if let user = authenticator.authenticate(request.header("authorization")) {
                request.user = user
            } else if request.header("authorization") == nil, Self.isPublic(request) {
                // Health and version are everyone's (upstream's system:public-info-viewer); a bad token is still a 401.
                request.user = .anonymous
            } else {
                return .error(.unauthorized())
            }
        }
        do {
            return try await self.route(request)
        } catch let error as APIError {
            return .error(error)
        } catch {
            return .error(.internalError("\(error)"))
        }
    }

    func route(_ request: APIRequest) async throws -> APIResponse {
        let path = request.path.hasSuffix("/") && request.path.count > 1 ? String(request.path.dropLast()) : request.path
        switch path {
        case "/healthz", "/livez", "/readyz":
            return APIResponse(status: 200, headers: [("Content-Type", "text/plain; charset=utf-8")], body: .bytes(Array("ok".utf8)))
        case "/version": return .json(200, Discovery.version())
        case "/api": return .json(200, try Discovery.apiVersions(serverAddress: self.serverAddress))
        case "/apis": return .json(200, try Discovery.groupList(self.infos))
        case "/openapi/v3": return .json(200, OpenAPI.index(self.infos))
        default: break
        }
        if path.hasPrefix("/openapi/v3/") {
            let resources = self.resources
            guard let document = OpenAPI.document(path: String(path.dropFirst("/openapi/v3/".count)), resources: self.infos,
                                                  returnsDeletedObject: { resources["\($0.groupVersion)/\($0.resource)"]?.returnsDeletedObject ?? false })
            else {
                throw Self.notFound
            }
            return .json(200, document)
        }
        let parts = path.split(separator: "/").map(String.init)
        if parts.count == 2, parts[0] == "api" {
            guard let list = try Discovery.resourceList(groupVersion: parts[1], self.infos) else { throw Self.notFound }
            return .json(200, list)
        }
        if parts.count == 2, parts[0] == "apis" {
            guard let group = try Discovery.group(parts[1], self.infos) else { throw Self.notFound }
            return .json(200, group)
        }
        if parts.count == 3, parts[0] == "apis" {
            guard let list = try Discovery.resourceList(groupVersion: "\(parts[1])/\(parts[2])", self.infos) else { throw Self.notFound }
            return .json(200, list)
        }
        let info = RequestInfo(method: request.method, path: path, watchParameter: request.query["watch"] == "true" || request.query["watch"] == "1")
        guard info.isResourceRequest else { throw Self.notFound }
        let gv = info.group.isEmpty ? info.version : "\(info.group)/\(info.version)"
        // Authorized before the resource is looked up, as upstream's filter chain does.
        try await Authorizer.authorize(request.user, info, query: request.query, store: self.context.store)
        guard let resource = self.resources["\(gv)/\(info.resource)"] else { throw Self.notFound }
        if info.verb == .create || info.verb == .update {
            let type = (request.header("content-type") ?? "application/json").split(separator: ";").first.map {
                $0.trimmingCharacters(in: " ")
            } ?? ""
            if !["application/json", "application/yaml", KubernetesProtobuf.contentType, "*/*", ""].contains(type) {
                throw APIError.unsupportedMediaType(
                    "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf")
            }
        }
        return await resource.handle(request, info)
    }
}
