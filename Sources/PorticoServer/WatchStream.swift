import Foundation
import PorticoAPI
import PorticoStore

/// What the one writer of a watch response takes, in order.
enum WatchItem: Sendable {
    case event(StoreEvent)
    case bookmark
    case end(StoreError?)
}

/// A watch response: newline-separated `WatchEvent`s, each flushed when it happens, as
/// kube-apiserver streams them. Handles the starting points (`resourceVersion` unset, "0",
/// or N), `sendInitialEvents` (WatchList), bookmarks, selectors (an object that stops
/// matching is sent as DELETED, one that starts as ADDED), tables and `timeoutSeconds`.
enum WatchStream {
    static func serve<Object: TablePrintable>(_ resource: TypedResource<Object>, _ request: APIRequest,
                                              _ requestInfo: RequestInfo) async throws -> APIResponse {
        let query = request.query
        let selectors = try resource.selectors(request, requestInfo)
        let format = try ResponseFormat.parse(accept: request.header("accept"), query: query)
        let namespace = resource.info.namespaced && !requestInfo.namespace.isEmpty ? requestInfo.namespace : nil
        let bookmarks = query["allowWatchBookmarks"] == "true"
        let options = try WatchOptions.parse(query)
        var startRV = resource.store.currentResourceVersion
        var initial: [Object] = []
        var startError: APIError? = nil
        if let read = options.initialState {
            // A state not older than a revision the store has not reached: an ERROR event, as upstream's watch cache sends.
            if case .notOlderThan(let revision) = read {
                do { try await resource.store.waitForRevision(revision) } catch let error as APIError { startError = error }
            }
            let (items, rv) = try await resource.store.list(resource: resource.info.storageResource, namespace: namespace)
            startRV = rv
            for item in items where startError == nil {
                let object = try resource.decodeStored(item.object)
                if resource.matches(object, selectors) { initial.append(object) }
            }
        } else if let after = options.after {
            startRV = after
        }
        let timeout = Double(query["timeoutSeconds"] ?? "") ?? Double.random(in: 1800...3600)

        let events: AsyncThrowingStream<StoreEvent, any Error>
        var expired: StoreError? = nil
        do {
            events = try await resource.store.watch(resource: resource.info.storageResource, namespace: namespace, after: startRV)
        } catch {
            expired = error
            events = AsyncThrowingStream { $0.finish() }
        }

        let encoder = EventEncoder(resource: resource, format: format)
        let (expiredError, initialObjects, fromRV, startFailure) = (expired, initial, startRV, startError)
        let sendInitialEventsEnd = options.initialEventsEndBookmark
        let body: @Sendable (_ write: @Sendable ([UInt8]) async throws -> Void) async throws -> Void = { write in
            if case .expired(let requested, let oldest) = expiredError {
                let status = Status(message: "too old resource version: \(requested) (\(oldest))", reason: .expired, code: 410)
                try await write(encoder.line(type: .error, object: try status.toJSON()))
                return
            }
            if let startFailure {
                try await write(encoder.line(type: .error, object: try startFailure.status.toJSON()))
                return
            }
            for object in initialObjects {
                try await write(encoder.line(type: .added, object: try encoder.encode(object)))
            }
            if sendInitialEventsEnd {
                try await write(encoder.bookmark(rv: fromRV, initialEventsEnd: true))
            }
            // One writer: store events and bookmark ticks are merged into one stream.
            let (merged, input) = AsyncStream<WatchItem>.makeStream()
            let deadline = ContinuousClock.now + .seconds(timeout)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while ContinuousClock.now < deadline {
                        try await Task.sleep(until: min(deadline, ContinuousClock.now + .seconds(60)))
                        if bookmarks, ContinuousClock.now < deadline { input.yield(.bookmark) }
                    }
                    input.yield(.end(nil))
                }
                group.addTask {
                    do {
                        for try await event in events { input.yield(.event(event)) }
                        input.yield(.end(nil))
                    } catch let error as StoreError {
                        input.yield(.end(error))
                    } catch {
                        input.yield(.end(nil))
                    }
                }
                defer { group.cancelAll() }
                var lastRV = fromRV
                loop: for await item in merged {
                    switch item {
                    case .event(let event):
                        lastRV = event.resourceVersion
                        if let line = try encoder.convert(event, selectors: selectors) { try await write(line) }
                    case .bookmark:
                        // Only what this watch has been sent: events still queued for it may be newer.
                        try await write(encoder.bookmark(rv: lastRV, initialEventsEnd: false))
                    case .end(let error):
                        if error == .watcherTooSlow {
                            let status = Status(message: "too old resource version: \(lastRV) (the watch fell behind)", reason: .expired, code: 410)
                            try await write(encoder.line(type: .error, object: try status.toJSON()))
                        }
                        break loop
                    }
                }
            }
        }
        return APIResponse(status: 200, headers: [("Content-Type", "application/json"), ("Cache-Control", "no-cache, private")],
                           body: .stream(body))
    }

    /// Turns objects into event lines; tables carry their column definitions only once.
    final class EventEncoder<Object: TablePrintable>: @unchecked Sendable {
        // Used by one producer task at a time.
        let resource: TypedResource<Object>
        let format: ResponseFormat
        var sentHeaders = false

        init(resource: TypedResource<Object>, format: ResponseFormat) {
            self.resource = resource
            self.format = format
        }

        func encode(_ object: Object) throws -> JSON {
            guard self.format.shape == .table else { return try self.resource.present(object) }
            let table = try TablePrinter.table([object], metadata: ListMeta(resourceVersion: object.metadata.resourceVersion),
                                               now: .now(), includeObject: self.format.includeObject, withHeaders: !self.sentHeaders)
            var json = try self.resource.tableJSON(table, self.format)
            if self.sentHeaders { json["columnDefinitions"] = .null }
            self.sentHeaders = true
            return json
        }

        func line(type: WatchEvent.EventType, object: JSON) -> [UInt8] {
            var bytes = (try? WatchEvent(type: type, object: object).toJSON().serializedBytes()) ?? []
            bytes.append(0x0A)
            return bytes
        }

        func bookmark(rv: Int64, initialEventsEnd: Bool) -> [UInt8] {
            var metadata: JSON = ["resourceVersion": .string(String(rv))]
            if initialEventsEnd { metadata["annotations"] = ["k8s.io/initial-events-end": "true"] }
            let object: JSON = ["kind": .string(self.resource.info.kind), "apiVersion": .string(self.resource.info.groupVersion),
                                "metadata": metadata]
            return self.line(type: .bookmark, object: object)
        }

        func convert(_ event: StoreEvent, selectors: TypedResource<Object>.Selectors) throws -> [UInt8]? {
            let object = try self.resource.decodeStored(event.object)
            let matchesNow = self.resource.matches(object, selectors)
            let matchedBefore = try event.previous.map { self.resource.matches(try self.resource.decodeStored($0), selectors) } ?? false
            let type: WatchEvent.EventType
            switch event.kind {
            case .added:
                guard matchesNow else { return nil }
                type = .added
            case .modified:
                if matchesNow && matchedBefore { type = .modified }
                else if matchesNow { type = .added }
                else if matchedBefore { type = .deleted }
                else { return nil }
            case .deleted:
                guard matchedBefore || matchesNow else { return nil }
                type = .deleted
            }
            return self.line(type: type, object: try self.encode(object))
        }
    }
}
