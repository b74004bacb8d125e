import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A small HTTP/1.1 server on SwiftNIO for the little endpoints Portico's processes answer
/// (the built-in images, health checks, metrics): one request at a time per connection,
/// keep-alive, the body collected, the client's address known. Our own rather than
/// Hummingbird for these ports because `portico bench http` measured a quarter of the memory
/// per listening port and a plain HTTP/1.0 probe closed after its answer (docs/architecture.md,
/// "Two HTTP stacks, by measurement").
public enum MiniHTTP {
    public struct Request: Sendable {
        public var method: String
        public var target: String
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]
        /// The client as Go's RemoteAddr writes it: `ip:port` or `[ip]:port`.
        public var remote: String

        public init(method: String, target: String, headers: [(name: String, value: String)], body: [UInt8], remote: String) {
            self.method = method
            self.target = target
            self.headers = headers
            self.body = body
            self.remote = remote
        }

        public var path: String { String(self.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]) }

        /// Query parameters, and for a form POST its fields too (as Go's FormValue reads them).
        public var query: [String: String] {
            var result: [String: String] = [:]
            var sources: [Substring] = []
            let parts = self.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2 { sources.append(parts[1]) }
            if self.headers.contains(where: { $0.name.lowercased() == "content-type" && $0.value.hasPrefix("application/x-www-form-urlencoded") }) {
                sources.append(Substring(String(decoding: self.body, as: UTF8.self)))
            }
            for source in sources {
                for pair in source.split(separator: "&") {
                    let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    let key = MiniHTTP.decode(String(kv[0]))
                    if result[key] == nil { result[key] = kv.count == 2 ? MiniHTTP.decode(String(kv[1])) : "" }
                }
            }
            return result
        }
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)] = []
        public var contentType = "text/plain; charset=utf-8"
        public var body: [UInt8]

        public init(status: Int, headers: [(String, String)] = [], contentType: String = "text/plain; charset=utf-8", body: [UInt8]) {
            self.status = status
            self.headers = headers
            self.contentType = contentType
            self.body = body
        }

        public static func text(_ text: String) -> Response { Response(status: 200, body: Array(text.utf8)) }
        public static func error(_ status: Int, _ text: String) -> Response { Response(status: status, body: Array((text + "\n").utf8)) }
    }

    public typealias Server = NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>

    /// Listens for HTTP/1.1 at `host` (every address by default) and `port`.
    public static func bind(host: String = "0.0.0.0", port: Int) async throws -> Server {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// Answers every connection of `server` with `handler`, each in a task of its own.
    public static func serveAll(_ server: Server, handler: @escaping @Sendable (Request) async -> Response) async throws {
        try await server.executeThenClose { connections in
            try await withThrowingDiscardingTaskGroup { connectionTasks in
                for try await connection in connections {
                    connectionTasks.addTask { try? await self.serve(connection, handler: handler) }
                }
            }
        }
    }

    public static func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>,
                      handler: @Sendable (Request) async -> Response) async throws {
        let remote = connection.channel.remoteAddress.map(self.hostPort) ?? ""
        try await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead? = nil
            var body: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let h):
                    head = h
                    body = []
                case .body(var buffer):
                    body += buffer.readBytes(length: buffer.readableBytes) ?? []
                case .end:
                    guard let h = head else { continue }
                    let request = Request(method: h.method.rawValue, target: h.uri, headers: h.headers.map { ($0.name, $0.value) },
                                          body: body, remote: remote)
                    let response = await handler(request)
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: response.contentType)
                    headers.add(name: "Content-Length", value: String(response.body.count))
                    headers.add(name: "Date", value: self.httpDate())
                    for (name, value) in response.headers { headers.add(name: name, value: value) }
                    if !h.isKeepAlive { headers.add(name: "Connection", value: "close") }
                    // Head, body and end in one write: one flush, one segment for a small answer.
                    var parts: [HTTPServerResponsePart] = [.head(HTTPResponseHead(version: h.version, status: HTTPResponseStatus(statusCode: response.status),
                                                                                  headers: headers))]
                    if !response.body.isEmpty, h.method != .HEAD { parts.append(.body(.byteBuffer(ByteBuffer(bytes: response.body)))) }
                    parts.append(.end(nil))
                    try await outbound.write(contentsOf: parts)
                    if !h.isKeepAlive { return }
                    head = nil
                }
            }
        }
    }

    public static func hostPort(_ address: SocketAddress) -> String {
        let ip = address.ipAddress ?? ""
        let port = address.port ?? 0
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    /// Go's CanonicalMIMEHeaderKey: `user-agent` → `User-Agent`.
    public static func canonical(_ name: String) -> String {
        name.split(separator: "-", omittingEmptySubsequences: false).map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }
            .joined(separator: "-")
    }

    public static func decode(_ s: String) -> String {
        s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? s
    }

    /// The `Date` header's value, formatted once a second (a formatter made for each answer
    /// cost more than the rest of a health check's answer).
    static func httpDate() -> String {
        let now = Int(Date().timeIntervalSince1970)
        return self.dateCache.withLock { cache in
            if cache.second != now {
                cache.second = now
                cache.text = self.dateFormatter.string(from: Date(timeIntervalSince1970: TimeInterval(now)))
            }
            return cache.text
        }
    }

    static let dateCache = Mutex<(second: Int, text: String)>((-1, ""))

    /// Used only inside `dateCache`'s lock.
    static let dateFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter
    }()
}
