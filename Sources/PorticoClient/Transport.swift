import PorticoAPI

/// A request to a Kubernetes API server, apart from how it travels.
public struct ClientRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [String: String]
    public var headers: [String: String]
    public var body: [UInt8]

    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

public struct ClientResponse: Sendable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// How requests reach the server: HTTPS for a separate process (`HTTPTransport`), or a direct
/// call for the controllers that run inside the server process.
public protocol APITransport: Sendable {
    func send(_ request: ClientRequest) async throws -> ClientResponse
    /// A watch: the body arrives as it is written, in chunks.
    func stream(_ request: ClientRequest) async throws -> (status: Int, chunks: any AsyncSequence<[UInt8], any Error> & Sendable)
}
