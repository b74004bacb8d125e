import PorticoAPI

/// A typed Kubernetes client over any transport; errors are the server's `Status` as `APIError`.
public struct KubeClient: Sendable {
    public let transport: any APITransport
    /// Sent as `?fieldManager=` and the user agent's program.
    public let fieldManager: String

    public init(transport: any APITransport, fieldManager: String) {
        self.transport = transport
        self.fieldManager = fieldManager
    }

    func check(_ response: ClientResponse) throws -> JSON {
        let json = (try? JSON.parse(bytes: response.body)) ?? .null
        guard (200..<300).contains(response.status) else {
            if let status = try? json.decode(as: Status.self), status.kind == "Status" { throw APIError(status) }
            throw APIError(Status(message: String(decoding: response.body, as: UTF8.self), code: Int32(response.status)))
        }
        return json
    }

    func send(_ method: String, _ path: String, query: [String: String] = [:], body: JSON? = nil,
              contentType: String = "application/json") async throws -> JSON {
        var headers = ["user-agent": self.fieldManager]
        if body != nil { headers["content-type"] = contentType }
        return try self.check(try await self.transport.send(
            ClientRequest(method: method, path: path, query: query, headers: headers, body: body?.serializedBytes() ?? [])))
    }

    public func get<T: APIResource>(_ type: T.Type, namespace: String? = nil, name: String) async throws -> T? {
        do {
            return try await self.send("GET", T.path(namespace: namespace, name: name)).decode(as: T.self)
        } catch let error as APIError where error.code == 404 {
            return nil
        }
    }

    public func list<T: APIResource>(_ type: T.Type, namespace: String? = nil, labelSelector: String? = nil,
                                     fieldSelector: String? = nil) async throws -> (items: [T], resourceVersion: String) {
        var query: [String: String] = [:]
        if let labelSelector { query["labelSelector"] = labelSelector }
        if let fieldSelector { query["fieldSelector"] = fieldSelector }
        let json = try await self.send("GET", T.path(namespace: namespace), query: query)
        let items = try (json["items"]?.arrayValue ?? []).map { try $0.decode(as: T.self) }
        return (items, json["metadata"]?["resourceVersion"]?.stringValue ?? "0")
    }

    public func create<T: APIResource>(_ object: T) async throws -> T {
        var object = object
        object.setTypeMeta()
        return try await self.send("POST", T.path(namespace: object.metadata.namespace), query: ["fieldManager": self.fieldManager],
                                   body: try object.toJSON()).decode(as: T.self)
    }

    public func update<T: APIResource>(_ object: T) async throws -> T {
        var object = object
        object.setTypeMeta()
        return try await self.send("PUT", T.path(namespace: object.metadata.namespace, name: object.metadata.name),
                                   query: ["fieldManager": self.fieldManager], body: try object.toJSON()).decode(as: T.self)
    }

    public func updateStatus<T: APIResource>(_ object: T) async throws -> T {
        var object = object
        object.setTypeMeta()
        return try await self.send("PUT", T.path(namespace: object.metadata.namespace, name: object.metadata.name, subresource: "status"),
                                   query: ["fieldManager": self.fieldManager], body: try object.toJSON()).decode(as: T.self)
    }

    public enum PatchType: String, Sendable {
        case merge = "application/merge-patch+json"
        case strategic = "application/strategic-merge-patch+json"
        case json = "application/json-patch+json"
    }

    public func patch<T: APIResource>(_ type: T.Type, namespace: String? = nil, name: String, _ patch: JSON,
                                      type patchType: PatchType = .merge, subresource: String? = nil) async throws -> T {
        try await self.send("PATCH", T.path(namespace: namespace, name: name, subresource: subresource),
                            query: ["fieldManager": self.fieldManager], body: patch, contentType: patchType.rawValue).decode(as: T.self)
    }

    /// Deletes; a missing object is not an error.
    public func delete<T: APIResource>(_ type: T.Type, namespace: String? = nil, name: String,
                                       options: DeleteOptions = DeleteOptions()) async throws {
        do {
            _ = try await self.send("DELETE", T.path(namespace: namespace, name: name), body: try options.toJSON())
        } catch let error as APIError where error.code == 404 {
            return
        }
    }

    /// The changes after `resourceVersion`, decoded. Ends when the server ends the watch; a
    /// `410 Expired` arrives as an `APIError` thrown from the sequence.
    public func watch<T: APIResource>(_ type: T.Type, namespace: String? = nil, resourceVersion: String,
                                      labelSelector: String? = nil, fieldSelector: String? = nil,
                                      timeoutSeconds: Int = 300) async throws -> WatchStream<T> {
        var query = ["watch": "true", "resourceVersion": resourceVersion, "allowWatchBookmarks": "true",
                     "timeoutSeconds": String(timeoutSeconds)]
        if let labelSelector { query["labelSelector"] = labelSelector }
        if let fieldSelector { query["fieldSelector"] = fieldSelector }
        let (status, chunks) = try await self.transport.stream(
            ClientRequest(method: "GET", path: T.path(namespace: namespace), query: query, headers: ["user-agent": self.fieldManager]))
        guard status == 200 else {
            var body: [UInt8] = []
            for try await chunk in chunks { body += chunk }
            _ = try self.check(ClientResponse(status: status, body: body))
            throw APIError(Status(message: "watch failed with \(status)", code: Int32(status)))
        }
        return WatchStream(chunks: chunks)
    }
}

extension KubeClient {
    /// POST pods/<name>/binding: assigns the pod to a node.
    public func bind(_ pod: Pod, to node: String) async throws {
        let binding: JSON = ["apiVersion": "v1", "kind": "Binding",
                             "metadata": ["name": .string(pod.metadata.name), "namespace": .string(pod.metadata.namespace),
                                          "uid": .string(pod.metadata.uid)],
                             "target": ["apiVersion": "v1", "kind": "Node", "name": .string(node)]]
        let response = try await self.transport.send(ClientRequest(
            method: "POST", path: Pod.path(namespace: pod.metadata.namespace, name: pod.metadata.name, subresource: "binding"),
            headers: ["content-type": "application/json", "user-agent": self.fieldManager], body: binding.serializedBytes()))
        _ = try self.check(response)
    }
}

public enum ObjectEvent<T: Sendable>: Sendable {
    case added(T)
    case modified(T)
    case deleted(T)
    /// All events up to this resourceVersion have been delivered.
    case bookmark(String)
}

/// Watch events decoded from the line-separated body.
public struct WatchStream<T: APIResource>: AsyncSequence, Sendable {
    public typealias Element = ObjectEvent<T>
    let chunks: any AsyncSequence<[UInt8], any Error> & Sendable

    public struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: any AsyncIteratorProtocol
        var pending: [UInt8] = []

        public mutating func next() async throws -> ObjectEvent<T>? {
            while true {
                if let newline = self.pending.firstIndex(of: 0x0A) {
                    let line = Array(self.pending[..<newline])
                    self.pending.removeFirst(newline + 1)
                    if line.isEmpty { continue }
                    let event = try JSON.parse(bytes: line)
                    let object = event["object"] ?? .null
                    switch event["type"]?.stringValue {
                    case "ADDED": return .added(try object.decode(as: T.self))
                    case "MODIFIED": return .modified(try object.decode(as: T.self))
                    case "DELETED": return .deleted(try object.decode(as: T.self))
                    case "BOOKMARK": return .bookmark(object["metadata"]?["resourceVersion"]?.stringValue ?? "")
                    case "ERROR": throw APIError(try object.decode(as: Status.self))
                    default: continue
                    }
                }
                guard let chunk = try await self.chunks.next() as? [UInt8] else { return nil }
                self.pending += chunk
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunks: self.chunks.makeAsyncIterator())
    }
}
