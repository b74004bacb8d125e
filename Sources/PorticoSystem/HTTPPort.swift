import ServiceLifecycle

/// A health, readiness or metrics port as a Service of its process's ServiceGroup: `MiniHTTP`
/// bound at start, and closed when the group shuts down (or the task is cancelled).
public struct HTTPPort: Service {
    public let host: String
    public let port: Int
    let handler: @Sendable (MiniHTTP.Request) async -> MiniHTTP.Response

    public init(host: String, port: Int, _ handler: @escaping @Sendable (MiniHTTP.Request) async -> MiniHTTP.Response) {
        self.host = host
        self.port = port
        self.handler = handler
    }

    public func run() async throws {
        let server = try await MiniHTTP.bind(host: self.host, port: self.port)
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await MiniHTTP.serveAll(server, handler: self.handler)
        } onCancelOrGracefulShutdown: {
            server.channel.close(promise: nil)
        }
    }
}
