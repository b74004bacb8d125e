import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import Synchronization

/// A client of etcd's v3 API through its JSON gateway (`POST /v3/kv/range`, `/v3/kv/txn`,
/// `/v3/watch`, ...), which every etcd 3.4+ member serves on its client port next to gRPC.
/// The gateway and not gRPC, by measurement on Debian's etcd 3.4: a put or a create-if-absent
/// takes the same time either way (0.7 ms), and grpc-swift's HTTP/2 connection is closed by
/// swift-nio-http2's flood protection after about 200 requests in 30 s, because etcd 3.4
/// answers nearly every request with a PING (docs/architecture.md, "etcd"). Requests go to
/// the first endpoint that answers; one that cannot be reached sends the next request to the
/// following one, as etcd's own client balances.
public final class EtcdClient: Sendable {
    public struct Configuration: Sendable {
        /// Client URLs of the members: `https://10.0.0.1:2379`.
        public var endpoints: [String]
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?
        /// How long one request may take (not a watch), all its tries together.
        public var requestTimeout: TimeAmount = .seconds(10)
        /// How long one try of a write at one member may take: a member whose leader just
        /// died holds a request until etcd's own timeout (5 s and two election timeouts),
        /// while another member may already answer. Reads, which may be large, get the
        /// whole `requestTimeout`.
        public var attemptTimeout: TimeAmount = .milliseconds(1500)

        public init(endpoints: [String], caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
            self.endpoints = endpoints
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
        }
    }

    /// What etcd refused, or why it could not be asked.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// The revision asked for has been compacted away (gRPC OutOfRange, "required revision has been compacted").
        case compacted(String)
        /// The revision asked for is not there yet.
        case futureRevision(String)
        /// Any other refusal: HTTP status, gRPC code, message.
        case refused(status: Int, code: Int?, message: String)
        /// No endpoint could be reached.
        case unreachable(String)

        /// A member that has no leader for now (it died, an election is on) or timed out
        /// waiting for one: another member, or this one a moment later, may answer.
        var isTransient: Bool {
            guard case .refused(let status, let code, let message) = self else { return false }
            return status == 503 || code == 14
                || ["leader changed", "no leader", "request timed out", "timed out waiting for read index"].contains { message.contains($0) }
        }

        public var description: String {
            switch self {
            case .compacted(let message), .futureRevision(let message): "etcd: \(message)"
            case .refused(let status, let code, let message): "etcd refused the request (HTTP \(status), code \(code.map(String.init) ?? "-")): \(message)"
            case .unreachable(let message): "etcd is unreachable: \(message)"
            }
        }
    }

    public let configuration: Configuration
    let http: HTTPClient
    let current = Mutex(0)

    public init(_ configuration: Configuration) throws {
        guard !configuration.endpoints.isEmpty else { throw Failure.unreachable("no endpoints given") }
        self.configuration = configuration
        var http = HTTPClient.Configuration()
        if configuration.endpoints.contains(where: { $0.hasPrefix("https://") }) {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let ca = configuration.caFile { tls.trustRoots = .file(ca) }
            if let cert = configuration.certFile {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
            }
            if let key = configuration.keyFile { tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)) }
            http.tlsConfiguration = tls
        }
        http.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(2))
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
    }

    deinit {
        // Not syncShutdown: the last reference may go on one of the client's own threads.
        let http = self.http
        Task { try? await http.shutdown() }
    }

    // MARK: requests

    public func range(_ request: Etcd.RangeRequest) async throws -> Etcd.RangeResponse {
        try await self.call("/v3/kv/range", request, attemptTimeout: self.configuration.requestTimeout).response
    }

    public func txn(_ request: Etcd.TxnRequest) async throws -> Etcd.TxnResponse {
        try await self.call("/v3/kv/txn", request).response
    }

    /// A transaction, and whether it was sent more than once (so an earlier try may have
    /// been applied: see `call`).
    public func write(_ request: Etcd.TxnRequest) async throws -> (response: Etcd.TxnResponse, retried: Bool) {
        try await self.call("/v3/kv/txn", request)
    }

    public func put(_ key: String, _ value: Data) async throws -> Etcd.PutResponse {
        try await self.call("/v3/kv/put", Etcd.PutRequest(key: Data(key.utf8), value: value)).response
    }

    /// Drops the history before `revision`; one already compacted away is not an error.
    public func compact(_ revision: Int64) async throws {
        do {
            let _: (response: Etcd.CompactionResponse, retried: Bool) = try await self.call(
                "/v3/kv/compaction", Etcd.CompactionRequest(revision: Etcd.Int64String(revision), physical: true))
        } catch Failure.compacted {}
    }

    /// One JSON request to the gateway: to the current endpoint and, when it cannot be
    /// reached, does not answer within `attemptTimeout` or answers that it has no leader for
    /// now, to the next, round after round, until `requestTimeout`. A write tried twice may
    /// have been applied by the first try: the caller's transactions read the key back on
    /// failure, so a second try that finds its own write counts as done (`EtcdStore`).
    func call<Request: Encodable, Response: Decodable>(_ path: String, _ body: Request, attemptTimeout: TimeAmount? = nil) async throws
        -> (response: Response, retried: Bool)
    {
        let attemptTimeout = attemptTimeout ?? self.configuration.attemptTimeout
        let payload = try JSONEncoder().encode(body)
        let endpoints = self.configuration.endpoints
        let deadline = NIODeadline.now() + self.configuration.requestTimeout
        var lastFailure = Failure.unreachable("no endpoint was tried")
        var sent = 0
        while true {
            for _ in 0..<endpoints.count {
                let remaining = deadline - NIODeadline.now()
                guard remaining > .zero else { throw lastFailure }
                let index = self.current.withLock { $0 } % endpoints.count
                var request = HTTPClientRequest(url: endpoints[index] + path)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(data: payload))
                do {
                    sent += 1
                    let response = try await self.http.execute(request, timeout: min(attemptTimeout, remaining))
                    let data = Data(buffer: try await response.body.collect(upTo: 256 << 20))
                    if response.status == .ok { return (try JSONDecoder().decode(Response.self, from: data), sent > 1) }
                    let failure = Self.failure(status: Int(response.status.code), data)
                    guard failure.isTransient else { throw failure }
                    lastFailure = failure
                } catch let failure as Failure {
                    throw failure
                } catch is DecodingError {
                    throw Failure.refused(status: 200, code: nil, message: "an answer that is not \(Response.self)")
                } catch {
                    lastFailure = .unreachable("\(endpoints[index]): \(error)")
                }
                self.current.withLock { $0 = (index + 1) % endpoints.count }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    static func failure(status: Int, _ data: Data) -> Failure {
        let body = try? JSONDecoder().decode(Etcd.ErrorBody.self, from: data)
        let message = body?.message ?? body?.error ?? String(decoding: data, as: UTF8.self)
        if message.contains("required revision has been compacted") { return .compacted(message) }
        if message.contains("required revision is a future revision") { return .futureRevision(message) }
        return .refused(status: status, code: body?.code, message: message)
    }

    // MARK: watch

    /// The changes to keys in [`key`, `rangeEnd`) after `startRevision` - 1, as etcd sends
    /// them (one message per revision or batch), until the task is cancelled or the stream
    /// ends. A start before the compacted revision ends the stream with `Failure.compacted`.
    public func watch(_ create: Etcd.WatchCreateRequest) -> AsyncThrowingStream<Etcd.WatchResponse, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await self.streamWatch(create, into: continuation)
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    func streamWatch(_ create: Etcd.WatchCreateRequest, into continuation: AsyncThrowingStream<Etcd.WatchResponse, any Error>.Continuation) async throws {
        let endpoint = self.configuration.endpoints[self.current.withLock { $0 } % self.configuration.endpoints.count]
        var request = HTTPClientRequest(url: endpoint + "/v3/watch")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(Etcd.WatchRequest(create_request: create))))
        let response: HTTPClientResponse
        do {
            response = try await self.http.execute(request, deadline: .distantFuture)
        } catch {
            self.current.withLock { $0 = ($0 + 1) % self.configuration.endpoints.count }
            throw Failure.unreachable("\(endpoint): \(error)")
        }
        guard response.status == .ok else {
            throw Self.failure(status: Int(response.status.code), Data(buffer: try await response.body.collect(upTo: 1 << 20)))
        }
        var pending = Data()
        for try await chunk in response.body {
            pending.append(contentsOf: chunk.readableBytesView)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[pending.startIndex..<newline]
                pending = Data(pending[(newline + 1)...])
                guard !line.isEmpty else { continue }
                let message = try JSONDecoder().decode(Etcd.WatchLine.self, from: line)
                if let error = message.error { throw Self.failure(status: 200, try JSONEncoder().encode(error)) }
                guard let result = message.result else { continue }
                if result.canceled == true {
                    if let compacted = result.compact_revision, compacted.value > 0 {
                        throw Failure.compacted("required revision has been compacted (compact revision \(compacted.value))")
                    }
                    throw Failure.refused(status: 200, code: nil, message: "watch canceled: \(result.cancel_reason ?? "no reason given")")
                }
                continuation.yield(result)
            }
        }
    }
}
