import PorticoAPI
import PorticoClient

/// The API called directly, for the controllers that run inside the server process: the
/// same handlers, authentication and admission as over HTTPS, without the sockets.
public struct InProcessTransport: APITransport {
    let server: APIServer

    public init(server: APIServer) {
        self.server = server
    }

    func request(_ request: ClientRequest) -> APIRequest {
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.lowercased()] = value }
        if headers["content-type"] == nil, !request.body.isEmpty { headers["content-type"] = "application/json" }
        headers["accept"] = headers["accept"] ?? "application/json"
        return APIRequest(method: request.method, path: request.path, query: request.query, headers: headers, body: request.body)
    }

    public func send(_ request: ClientRequest) async throws -> ClientResponse {
        let response = await self.server.handle(self.request(request))
        switch response.body {
        case .bytes(let bytes): return ClientResponse(status: response.status, body: bytes)
        case .stream(let writer):
            var collected: [UInt8] = []
            let box = ByteCollector()
            try await writer { bytes in await box.append(bytes) }
            collected = await box.bytes
            return ClientResponse(status: response.status, body: collected)
        }
    }

    public func stream(_ request: ClientRequest) async throws -> (status: Int, chunks: any AsyncSequence<[UInt8], any Error> & Sendable) {
        let response = await self.server.handle(self.request(request))
        switch response.body {
        case .bytes(let bytes):
            return (response.status, AsyncThrowingStream { continuation in
                continuation.yield(bytes)
                continuation.finish()
            })
        case .stream(let writer):
            let (chunks, continuation) = AsyncThrowingStream.makeStream(of: [UInt8].self, bufferingPolicy: .unbounded)
            // The writer runs as long as the reader iterates: the reader's end cancels it,
            // and the writer's end finishes the reader.
            let producer = Task {
                do {
                    try await writer { bytes in
                        if case .terminated = continuation.yield(bytes) { throw CancellationError() }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error is CancellationError ? nil : error)
                }
            }
            continuation.onTermination = { _ in producer.cancel() }
            return (response.status, chunks)
        }
    }
}

actor ByteCollector {
    var bytes: [UInt8] = []
    func append(_ more: [UInt8]) { self.bytes += more }
}
