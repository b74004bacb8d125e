import PorticoAPI
import PorticoStore

/// The state a read is served from: what a store gives at the revision the options ask for.
/// Objects stay as their stored text until a page looks at them, one at a time.
struct ListSnapshot {
    enum Stored {
        case text(String)
        case tree(JSON)

        func parsed() throws -> JSON {
            switch self {
            case .text(let text): return try JSON.parse(text)
            case .tree(let json): return json
            }
        }
    }

    var objects: [(key: ObjectKey, stored: Stored)]
    var resourceVersion: Int64
}

/// How long a read of a revision the store has not reached yet waits for it before a 504,
/// as kube-apiserver's watch cache waits (`blockTimeout`).
let futureRevisionWait: Duration = .seconds(3)

extension APIError {
    /// 504 `Timeout: Too large resource version: N, current: M`, with upstream's cause and a
    /// one-second Retry-After.
    static func tooLargeResourceVersion(_ requested: Int64, current: Int64) -> APIError {
        APIError(Status(message: "Timeout: Too large resource version: \(requested), current: \(current)", reason: .timeout,
                        details: StatusDetails(causes: [StatusCause(reason: "ResourceVersionTooLarge", message: "Too large resource version")],
                                               retryAfterSeconds: 1),
                        code: 504))
    }

    static let listTooOld = APIError.gone("The resourceVersion for the provided list is too old.")

    /// 410 for a continue token whose revision is no longer kept, with a token that continues
    /// at the newest revision (inconsistently, as the message says).
    static func continueTooOld(start: String) -> APIError {
        var status = Status(
            message: "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
            reason: .expired, code: 410)
        status.metadata.continue = ContinueToken(resourceVersion: -1, start: start).encoded
        return APIError(status)
    }
}

extension ObjectStore {
    /// Waits (at most `futureRevisionWait`) until the store has reached `revision`; throws
    /// upstream's 504 when it has not.
    func waitForRevision(_ revision: Int64) async throws {
        let deadline = ContinuousClock.now + futureRevisionWait
        while self.currentResourceVersion < revision {
            guard ContinuousClock.now < deadline else {
                throw APIError.tooLargeResourceVersion(revision, current: self.currentResourceVersion)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

extension TypedResource {
    func sortKey(_ key: ObjectKey) -> String {
        (self.info.namespaced ? key.namespace + "/" : "") + key.name
    }

    /// The objects (sorted as etcd's keys sort) at the revision `read` asks for.
    func snapshot(_ read: ReadSemantics, namespace: String?, continued: Bool, start: String) async throws -> ListSnapshot {
        let snapshot: ListSnapshot
        switch read {
        case .mostRecent, .any:
            snapshot = try await self.current(namespace: namespace)
        case .notOlderThan(let revision):
            try await self.store.waitForRevision(revision)
            snapshot = try await self.current(namespace: namespace)
        case .exact(let revision):
            try await self.store.waitForRevision(revision)
            snapshot = try await self.objects(asOf: revision, namespace: namespace, continued: continued, start: start)
        }
        return ListSnapshot(objects: snapshot.objects.sorted { self.sortKey($0.key) < self.sortKey($1.key) },
                            resourceVersion: snapshot.resourceVersion)
    }

    func current(namespace: String?) async throws -> ListSnapshot {
        let (items, rv) = try await self.store.listText(resource: self.info.storageResource, namespace: namespace)
        return ListSnapshot(objects: items.map { ($0.key, .text($0.text)) }, resourceVersion: rv)
    }

    /// The objects at revision `rv`: the current state with the kept changes since `rv`
    /// undone (read in that order, so a write in between is undone too).
    func objects(asOf rv: Int64, namespace: String?, continued: Bool, start: String) async throws -> ListSnapshot {
        let current = try await self.current(namespace: namespace)
        let events: [StoreEvent]
        do {
            events = try await self.store.events(after: rv, resource: self.info.storageResource, namespace: namespace)
        } catch {
            guard case .expired = error else { throw error }
            throw continued ? APIError.continueTooOld(start: start) : APIError.listTooOld
        }
        var objects = Dictionary(uniqueKeysWithValues: current.objects.map { ($0.key, $0.stored) })
        for event in events.reversed() {
            switch event.kind {
            case .added: objects[event.key] = nil
            case .modified, .deleted: objects[event.key] = event.previous.map { .tree($0) }
            }
        }
        return ListSnapshot(objects: objects.map { ($0.key, $0.value) }, resourceVersion: rv)
    }

    func list(_ request: APIRequest, _ requestInfo: RequestInfo) async throws -> APIResponse {
        let selectors = try self.selectors(request, requestInfo)
        let options = try ListOptions.parse(request.query)
        let namespace = self.info.namespaced && !requestInfo.namespace.isEmpty ? requestInfo.namespace : nil
        let snapshot = try await self.snapshot(options.read, namespace: namespace, continued: options.continued, start: options.start)
        let format = try ResponseFormat.parse(accept: request.header("accept"), query: request.query)
        if format.shape == .table {
            var rows: [TableRow] = []
            let now = MicroTime.now()
            let meta = try self.page(snapshot, options, selectors) { rows.append(try TablePrinter.row($0, now: now, includeObject: format.includeObject)) }
            let table = Table(metadata: meta, columnDefinitions: Object.columnDefinitions, rows: rows)
            return .json(200, try self.tableJSON(table, format))
        }
        // Each item is written as soon as it is found, so a list holds the answer's bytes and
        // one object's trees, not every object's.
        var items: [UInt8] = []
        let meta = try self.page(snapshot, options, selectors) { object in
            var json = try object.toJSON()
            json["kind"] = nil
            json["apiVersion"] = nil
            if !items.isEmpty { items.append(UInt8(ascii: ",")) }
            items += json.serializedBytes()
        }
        let head: JSON = ["kind": .string(self.info.kind + "List"), "apiVersion": .string(self.info.groupVersion), "metadata": try meta.toJSON()]
        var body = head.serializedBytes()
        body.removeLast()  // the closing brace: the items follow
        body += Array(",\"items\":[".utf8) + items + Array("]}\n".utf8)
        return APIResponse(status: 200, headers: [("Content-Type", "application/json")], body: .bytes(body))
    }

    /// One page: the matching objects after the start key, at most `limit`, each handed to
    /// `emit` as it is found; a continue token when more objects follow (matching or not, as
    /// upstream's paging over etcd keys), and how many follow when nothing is filtered.
    /// Labels are checked before an object is decoded.
    func page(_ snapshot: ListSnapshot, _ options: ListOptions, _ selectors: Selectors, emit: (Object) throws -> Void) throws -> ListMeta {
        var meta = ListMeta(resourceVersion: String(snapshot.resourceVersion))
        let first = options.start.isEmpty ? 0 : snapshot.objects.firstIndex { self.sortKey($0.key) > options.start } ?? snapshot.objects.count
        var count = 0
        var last: ObjectKey? = nil
        for index in first..<snapshot.objects.count {
            if options.limit > 0, count == options.limit, let last {
                meta.continue = ContinueToken(resourceVersion: snapshot.resourceVersion, start: self.sortKey(last) + "\u{0}").encoded
                if selectors.isEverything { meta.remainingItemCount = Int64(snapshot.objects.count - index) }
                break
            }
            let json = try snapshot.objects[index].stored.parsed()
            guard selectors.labels.matches(Self.labels(json)) else { continue }
            let object = try self.decodeStored(json)
            guard self.matches(object, selectors) else { continue }
            try emit(object)
            count += 1
            last = snapshot.objects[index].key
        }
        return meta
    }

    /// `metadata.labels` of a stored object, read without decoding the whole object.
    static func labels(_ json: JSON) -> [String: String] {
        guard let members = json["metadata"]?["labels"]?.objectValue else { return [:] }
        var labels: [String: String] = [:]
        for (key, value) in members { labels[key] = value.stringValue ?? "" }
        return labels
    }
}
