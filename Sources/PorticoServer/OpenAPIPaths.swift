import OrderedCollections
import PorticoAPI

/// The paths of one served resource in its OpenAPI v3 document, laid out as kube-apiserver's
/// installer lays them out: the collection (list, create, delete collection), the object
/// (read, replace, patch, delete), its subresources, the list across namespaces and the
/// `watch/` paths; every path and query parameter declared, operation ids in upstream's
/// pattern (`listCoreV1NamespacedService`), responses with their schemas. Parameter
/// descriptions are Portico's words.
struct OpenAPIPaths {
    let info: ResourceInfo
    /// Schema references: the object, its list, and the shared meta schemas.
    let object: String
    let list: String
    let returnsDeletedObject: Bool

    static let status = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Status"
    static let deleteOptions = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"
    static let watchEvent = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent"
    static let patch = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
    static let scale = "#/components/schemas/io.k8s.api.autoscaling.v1.Scale"
    static let binding = "#/components/schemas/io.k8s.api.core.v1.Binding"

    // MARK: parameters

    static func query(_ name: String, _ type: String, _ description: String) -> JSON {
        ["name": .string(name), "in": "query", "description": .string(description), "schema": ["type": .string(type), "uniqueItems": true]]
    }

    static func pathParameter(_ name: String, _ description: String) -> JSON {
        ["name": .string(name), "in": "path", "required": true, "description": .string(description), "schema": ["type": "string", "uniqueItems": true]]
    }

    static let pretty = query("pretty", "string", "If 'true', the output is indented.")
    static let namespace = pathParameter("namespace", "The namespace of the object.")
    static let dryRun = query("dryRun", "string", "All: check and answer, but store nothing.")
    static let fieldManager = query("fieldManager", "string", "The name of the writer, recorded in managedFields (required for apply).")
    static let fieldValidation = query("fieldValidation", "string",
                                       "What to do with unknown or duplicate fields in the body: Ignore, Warn (the default) or Strict.")
    static let force = query("force", "boolean", "Apply only: take the fields other managers own.")
    static let gracePeriodSeconds = query("gracePeriodSeconds", "integer", "Seconds before the object is deleted (pods end gracefully); 0 deletes at once.")
    static let orphanDependents = query("orphanDependents", "boolean", "Deprecated: use propagationPolicy=Orphan.")
    static let propagationPolicy = query("propagationPolicy", "string", "Orphan, Background or Foreground: what becomes of the objects this one owns.")

    /// The parameters of a list (and of a watch, where they sit at path level).
    static let listParameters: [JSON] = [
        query("allowWatchBookmarks", "boolean", "Watch only: also send BOOKMARK events with the revision reached."),
        query("continue", "string", "The token of the previous page of a paged list."),
        query("fieldSelector", "string", "Only objects whose fields match (metadata.name=x, spec.nodeName!=y)."),
        query("labelSelector", "string", "Only objects whose labels match (app=web, tier in (a,b), !canary)."),
        query("limit", "integer", "At most this many objects; the answer carries a continue token when more follow."),
        query("resourceVersion", "string", "The revision to read at (see resourceVersionMatch); 0 for any."),
        query("resourceVersionMatch", "string", "Exact or NotOlderThan: how resourceVersion applies to a list."),
        query("sendInitialEvents", "boolean", "Watch only: start with an ADDED event for every object, then a bookmark."),
        query("timeoutSeconds", "integer", "End the list or watch after this many seconds."),
        query("watch", "boolean", "Watch for changes instead of listing."),
    ]

    static let deleteCollectionParameters: [JSON] = [
        query("continue", "string", "The token of the previous page of a paged list."), dryRun,
        query("fieldSelector", "string", "Only objects whose fields match."), gracePeriodSeconds,
        query("labelSelector", "string", "Only objects whose labels match."),
        query("limit", "integer", "At most this many objects."), orphanDependents, propagationPolicy,
        query("resourceVersion", "string", "The revision to read at."), query("resourceVersionMatch", "string", "Exact or NotOlderThan."),
        query("sendInitialEvents", "boolean", "Not used by a delete."), query("timeoutSeconds", "integer", "End after this many seconds."),
    ]

    // MARK: names

    /// `CoreV1`, `AppsV1`, `DiscoveryV1`, `CoordinationV1`.
    var groupVersionName: String {
        let group = self.info.group.isEmpty ? "core" : String(self.info.group.split(separator: ".").first ?? "")
        return group.prefix(1).uppercased() + group.dropFirst() + self.info.version.prefix(1).uppercased() + self.info.version.dropFirst()
    }

    var prefix: String { self.info.group.isEmpty ? "/api/\(self.info.version)" : "/apis/\(self.info.groupVersion)" }
    var tag: String { (self.info.group.isEmpty ? "core" : String(self.info.group.split(separator: ".").first ?? "")) + "_" + self.info.version }
    var scope: String { self.info.namespaced ? "Namespaced" : "" }
    var gvk: JSON { ["group": .string(self.info.group), "version": .string(self.info.version), "kind": .string(self.info.kind)] }
    var name: JSON { Self.pathParameter("name", "name of the \(self.info.kind)") }

    // MARK: responses and bodies

    static func ref(_ ref: String) -> JSON { ["$ref": .string(ref)] }

    /// Portico answers in JSON only (upstream also in YAML, protobuf and CBOR).
    static func content(_ schema: JSON, watch: Bool = false) -> JSON {
        var content: OrderedDictionary<String, JSON> = ["application/json": ["schema": schema]]
        if watch { content["application/json;stream=watch"] = ["schema": schema] }
        return .object(content)
    }

    static func responses(_ codes: [(String, String)], _ ref: String, watch: Bool = false) -> JSON {
        self.responses(codes, schema: self.ref(ref), watch: watch)
    }

    static func responses(_ codes: [(String, String)], schema: JSON, watch: Bool = false) -> JSON {
        var responses = OrderedDictionary<String, JSON>()
        for (code, description) in codes { responses[code] = ["description": .string(description), "content": self.content(schema, watch: watch)] }
        responses["401"] = ["description": "Unauthorized"]
        return .object(responses)
    }

    static func body(_ ref: String, required: Bool = true) -> JSON {
        ["content": ["*/*": ["schema": ["$ref": .string(ref)]]], "required": .bool(required)]
    }

    /// Strategic merge patch is left out on purpose: kubectl then computes it from its own
    /// compiled-in types, which carry the merge keys.
    static let patchBody: JSON = [
        "content": ["application/apply-patch+yaml": ["schema": ["$ref": .string(patch)]],
                    "application/json-patch+json": ["schema": ["$ref": .string(patch)]],
                    "application/merge-patch+json": ["schema": ["$ref": .string(patch)]]],
        "required": true,
    ]

    func operation(_ id: String, _ action: String, _ description: String, parameters: [JSON] = [], body: JSON? = nil,
                   responses: JSON, kind: JSON? = nil) -> JSON {
        var operation: OrderedDictionary<String, JSON> = [
            "operationId": .string(id), "description": .string(description), "tags": [.string(self.tag)],
        ]
        if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
        if let body { operation["requestBody"] = body }
        operation["responses"] = responses
        operation["x-kubernetes-action"] = .string(action)
        operation["x-kubernetes-group-version-kind"] = kind ?? self.gvk
        return .object(operation)
    }

    // MARK: paths

    func paths() -> OrderedDictionary<String, JSON> {
        var paths = OrderedDictionary<String, JSON>()
        let base = self.info.namespaced ? "\(self.prefix)/namespaces/{namespace}/\(self.info.resource)" : "\(self.prefix)/\(self.info.resource)"
        let scoped: [JSON] = self.info.namespaced ? [Self.namespace, Self.pretty] : [Self.pretty]
        paths[base] = self.collection(scoped)
        paths[base + "/{name}"] = self.item([self.name] + scoped)
        for (sub, subresource) in self.info.subresources.sorted(by: { $0.key < $1.key }) {
            paths[base + "/{name}/" + sub] = self.subresource(sub, subresource, [self.name] + scoped)
        }
        if self.info.resource == "pods" {
            paths[base + "/{name}/exec"] = self.connect("exec", [self.name] + scoped, [
                Self.query("command", "string", "The command and its arguments, one parameter each."),
                Self.query("container", "string", "The container to run it in."),
                Self.query("stderr", "boolean", "Send the command's standard error."), Self.query("stdin", "boolean", "Pass standard input."),
                Self.query("stdout", "boolean", "Send the command's standard output."), Self.query("tty", "boolean", "Give the command a terminal."),
            ])
            paths[base + "/{name}/portforward"] = self.connect("portforward", [self.name] + scoped, [
                Self.query("ports", "integer", "The pod ports to forward."),
            ])
        }
        let watchParameters = Self.listParameters + [Self.pretty]
        if self.info.namespaced {
            paths["\(self.prefix)/\(self.info.resource)"] = [
                "parameters": .array(watchParameters),
                "get": self.operation("list\(self.groupVersionName)\(self.info.kind)ForAllNamespaces", "list",
                                      "list or watch objects of kind \(self.info.kind)",
                                      responses: Self.responses([("200", "OK")], self.list, watch: true)),
            ]
            paths["\(self.prefix)/watch/namespaces/{namespace}/\(self.info.resource)"] = self.watch(
                "watch\(self.groupVersionName)Namespaced\(self.info.kind)List", "watchlist", watchParameters + [Self.namespace])
            paths["\(self.prefix)/watch/namespaces/{namespace}/\(self.info.resource)/{name}"] = self.watch(
                "watch\(self.groupVersionName)Namespaced\(self.info.kind)", "watch", watchParameters + [self.name, Self.namespace])
            paths["\(self.prefix)/watch/\(self.info.resource)"] = self.watch(
                "watch\(self.groupVersionName)\(self.info.kind)ListForAllNamespaces", "watchlist", watchParameters)
        } else {
            paths["\(self.prefix)/watch/\(self.info.resource)"] = self.watch(
                "watch\(self.groupVersionName)\(self.info.kind)List", "watchlist", watchParameters)
            paths["\(self.prefix)/watch/\(self.info.resource)/{name}"] = self.watch(
                "watch\(self.groupVersionName)\(self.info.kind)", "watch", watchParameters + [self.name])
        }
        return paths
    }

    func collection(_ parameters: [JSON]) -> JSON {
        let gv = self.groupVersionName
        let kind = self.info.kind
        var item: OrderedDictionary<String, JSON> = [
            "parameters": .array(parameters),
            "get": self.operation("list\(gv)\(self.scope)\(kind)", "list", "list or watch objects of kind \(kind)",
                                  parameters: Self.listParameters, responses: Self.responses([("200", "OK")], self.list, watch: true)),
            "post": self.operation("create\(gv)\(self.scope)\(kind)", "post", "create a \(kind)",
                                   parameters: [Self.dryRun, Self.fieldManager, Self.fieldValidation], body: Self.body(self.object),
                                   responses: Self.responses([("200", "OK"), ("201", "Created"), ("202", "Accepted")], self.object)),
        ]
        if Discovery.verbs(self.info).contains("deletecollection") {
            // Upstream documents a Status; the answer is the list of what was deleted (as upstream's is).
            item["delete"] = self.operation("delete\(gv)Collection\(self.scope)\(kind)", "deletecollection", "delete collection of \(kind)",
                                            parameters: Self.deleteCollectionParameters, body: Self.body(Self.deleteOptions, required: false),
                                            responses: Self.responses([("200", "OK")], self.list))
        }
        return .object(item)
    }

    func item(_ parameters: [JSON]) -> JSON {
        let gv = self.groupVersionName
        let kind = self.info.kind
        // The answer to a delete is the object while finalizers hold it, else (for most kinds) a Status.
        let deleted: JSON = self.returnsDeletedObject ? Self.ref(self.object) : ["anyOf": [Self.ref(Self.status), Self.ref(self.object)]]
        return [
            "parameters": .array(parameters),
            "get": self.operation("read\(gv)\(self.scope)\(kind)", "get", "read the specified \(kind)",
                                  responses: Self.responses([("200", "OK")], self.object)),
            "put": self.operation("replace\(gv)\(self.scope)\(kind)", "put", "replace the specified \(kind)",
                                  parameters: [Self.dryRun, Self.fieldManager, Self.fieldValidation], body: Self.body(self.object),
                                  responses: Self.responses([("200", "OK"), ("201", "Created")], self.object)),
            "patch": self.operation("patch\(gv)\(self.scope)\(kind)", "patch", "partially update the specified \(kind)",
                                    parameters: [Self.dryRun, Self.fieldManager, Self.fieldValidation, Self.force], body: Self.patchBody,
                                    responses: Self.responses([("200", "OK"), ("201", "Created")], self.object)),
            "delete": self.operation("delete\(gv)\(self.scope)\(kind)", "delete", "delete a \(kind)",
                                     parameters: [Self.dryRun, Self.gracePeriodSeconds, Self.orphanDependents, Self.propagationPolicy],
                                     body: Self.body(Self.deleteOptions, required: false),
                                     responses: Self.responses([("200", "OK"), ("202", "Accepted")], schema: deleted)),
        ]
    }

    func subresource(_ sub: String, _ subresource: ResourceInfo.SubresourceInfo, _ parameters: [JSON]) -> JSON {
        let gv = self.groupVersionName
        let suffix = sub.prefix(1).uppercased() + sub.dropFirst()
        let id = "\(gv)\(self.scope)\(self.info.kind)\(suffix)"
        switch sub {
        case "log":
            return [
                "parameters": .array(parameters),
                "get": self.operation("read" + id, "get", "read log of the specified Pod", parameters: [
                    Self.query("container", "string", "The container whose log to read."), Self.query("follow", "boolean", "Stream the log as it grows."),
                    Self.query("limitBytes", "integer", "At most this many bytes."), Self.query("previous", "boolean", "The log of the previous run."),
                    Self.query("sinceSeconds", "integer", "Only what was written in the last seconds."),
                    Self.query("sinceTime", "string", "Only what was written since this time (RFC 3339)."),
                    Self.query("tailLines", "integer", "Only the last lines."), Self.query("timestamps", "boolean", "Prefix each line with its time."),
                ], responses: ["200": ["description": "OK", "content": ["text/plain": ["schema": ["type": "string"]]]], "401": ["description": "Unauthorized"]],
                kind: ["group": "", "version": "v1", "kind": "Pod"]),
            ]
        case "binding":
            return [
                "parameters": .array(parameters),
                "post": self.operation("create" + id, "post", "create binding of a Pod", parameters: [Self.dryRun, Self.fieldManager, Self.fieldValidation],
                                       body: Self.body(Self.binding),
                                       responses: Self.responses([("200", "OK"), ("201", "Created"), ("202", "Accepted")], Self.binding),
                                       kind: ["group": "", "version": "v1", "kind": "Binding"]),
            ]
        default:
            let ref = sub == "scale" ? Self.scale : self.object
            let kind: JSON = ["group": .string(subresource.group.isEmpty ? self.info.group : subresource.group),
                              "version": .string(subresource.version.isEmpty ? self.info.version : subresource.version),
                              "kind": .string(subresource.kind)]
            return [
                "parameters": .array(parameters),
                "get": self.operation("read" + id, "get", "read \(sub) of the specified \(self.info.kind)",
                                      responses: Self.responses([("200", "OK")], ref), kind: kind),
                "put": self.operation("replace" + id, "put", "replace \(sub) of the specified \(self.info.kind)",
                                      parameters: [Self.dryRun, Self.fieldManager, Self.fieldValidation], body: Self.body(ref),
                                      responses: Self.responses([("200", "OK"), ("201", "Created")], ref), kind: kind),
                "patch": self.operation("patch" + id, "patch", "partially update \(sub) of the specified \(self.info.kind)",
                                        parameters: [Self.dryRun, Self.fieldManager, Self.fieldValidation, Self.force], body: Self.patchBody,
                                        responses: Self.responses([("200", "OK"), ("201", "Created")], ref), kind: kind),
            ]
        }
    }

    /// pods/exec and pods/portforward: WebSocket streams (a plain request is refused).
    func connect(_ sub: String, _ parameters: [JSON], _ query: [JSON]) -> JSON {
        let id = "\(self.groupVersionName)\(self.scope)\(self.info.kind)\(sub == "exec" ? "Exec" : "Portforward")"
        let options: JSON = ["group": "", "version": "v1", "kind": .string(sub == "exec" ? "PodExecOptions" : "PodPortForwardOptions")]
        let responses: JSON = ["200": ["description": "OK", "content": ["*/*": ["schema": ["type": "string"]]]], "401": ["description": "Unauthorized"]]
        return [
            "parameters": .array(parameters),
            "get": self.operation("connectGet" + id, "connect", "connect GET requests to \(sub) of Pod", parameters: query,
                                  responses: responses, kind: options),
            "post": self.operation("connectPost" + id, "connect", "connect POST requests to \(sub) of Pod", parameters: query,
                                   responses: responses, kind: options),
        ]
    }

    func watch(_ id: String, _ action: String, _ parameters: [JSON]) -> JSON {
        let description = action == "watch"
            ? "watch changes to an object of kind \(self.info.kind). deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter."
            : "watch individual changes to a list of \(self.info.kind). deprecated: use the 'watch' parameter with a list operation instead."
        return [
            "parameters": .array(parameters.sorted { ($0["name"]?.stringValue ?? "") < ($1["name"]?.stringValue ?? "") }),
            "get": self.operation(id, action, description, responses: Self.responses([("200", "OK")], Self.watchEvent, watch: true)),
        ]
    }
}
