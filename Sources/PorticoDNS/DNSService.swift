import Logging
import ServiceLifecycle

/// The DNS server's UDP and TCP sockets as a Service: bound at start (`onBound` gets the
/// port), closed when the group shuts down or the task is cancelled, so a SIGTERM to
/// `portico dns` ends it cleanly.
public struct DNSService: Service {
    let server: DNSServer
    let host: String
    let port: Int
    let logger: Logger
    let onBound: @Sendable (Int) -> Void

    public init(server: DNSServer, host: String, port: Int, logger: Logger, onBound: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.server = server
        self.host = host
        self.port = port
        self.logger = logger
        self.onBound = onBound
    }

    public func run() async throws {
        let bound = try await self.server.bind(host: self.host, port: self.port)
        self.onBound(bound.port)
        // Until the group shuts down; cancellation ends the wait the same way.
        try? await gracefulShutdown()
        await bound.close()
        self.logger.info("portico dns: stopped serving \(self.host):\(bound.port)")
    }
}
