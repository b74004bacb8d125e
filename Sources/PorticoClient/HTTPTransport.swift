import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import PorticoAPI

/// HTTPS to the API server, trusting the kubeconfig's CA and sending its bearer token.
public final class HTTPTransport: APITransport {
    let client: HTTPClient
    let base: String
    let token: String?

    public init(_ config: Kubeconfig) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let pem = config.certificateAuthorityPEM {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))
        }
        if config.insecureSkipTLSVerify { tls.certificateVerification = .none }
        // Closing a connection (a cancelled watch, the client's shutdown) sends close_notify and
        // waits for the server's; a server busy streaming may never send it. Do not wait 5 s.
        tls.shutdownTimeout = .milliseconds(200)
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(5))
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.base = config.server.hasSuffix("/") ? String(config.server.dropLast()) : config.server
        self.token = config.token
    }

    public func shutdown() async throws {
        try await self.client.shutdown()
    }

    func makeRequest(_ request: ClientRequest) -> HTTPClientRequest {
        var url = self.base + request.path
        if !request.query.isEmpty {
            url += "?" + request.query.sorted { $0.key < $1.key }.map { "\(Self.escape($0.key))=\(Self.escape($0.value))" }.joined(separator: "&")
        }
        var http = HTTPClientRequest(url: url)
        http.method = HTTPMethod(rawValue: request.method)
        if let token = self.token { http.headers.add(name: "Authorization", value: "Bearer \(token)") }
        http.headers.add(name: "Accept", value: "application/json")
        http.headers.add(name: "User-Agent", value: "portico/\(PorticoVersion.portico)")
        for (name, value) in request.headers { http.headers.replaceOrAdd(name: name, value: value) }
        if !request.body.isEmpty {
            if request.headers["content-type"] == nil { http.headers.replaceOrAdd(name: "Content-Type", value: "application/json") }
            http.body = .bytes(ByteBuffer(bytes: request.body))
        }
        return http
    }

    static func escape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    public func send(_ request: ClientRequest) async throws -> ClientResponse {
        let response = try await self.client.execute(self.makeRequest(request), timeout: .seconds(60))
        var body = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return ClientResponse(status: Int(response.status.code), body: body.readBytes(length: body.readableBytes) ?? [])
    }

    public func stream(_ request: ClientRequest) async throws -> (status: Int, chunks: any AsyncSequence<[UInt8], any Error> & Sendable) {
        let response = try await self.client.execute(self.makeRequest(request), timeout: .hours(2))
        let chunks = response.body.map { buffer -> [UInt8] in
            var copy = buffer
            return copy.readBytes(length: copy.readableBytes) ?? []
        }
        return (Int(response.status.code), chunks)
    }
}
