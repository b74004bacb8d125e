import NIOCore
import NIOPosix

/// An HTTP health check as cloud load balancers and MetalLB's speakers make them: one GET of
/// `path` on a fresh connection, 2xx is healthy. A refused or reset connection fails at once,
/// a silent host after the timeout. The load balancer, the L2 speaker and `portico trace` ask
/// the same question, so it lives here.
public struct HTTPCheck: Sendable, Hashable, CustomStringConvertible {
    public var ip: String
    public var port: Int32
    public var path: String
    public var description: String { "http://\(self.ip):\(self.port)\(self.path)" }

    public init(ip: String, port: Int32, path: String) {
        self.ip = ip
        self.port = port
        self.path = path
    }

    /// Whether the target answers 2xx within `timeout`.
    public func probe(timeout: Duration, userAgent: String = "portico-lb-health-check") async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await self.get(timeout: timeout, userAgent: userAgent)) ?? false }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    func get(timeout: Duration, userAgent: String) async throws -> Bool {
        let milliseconds = Int64(timeout.components.seconds) * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(milliseconds))
            .connect(host: self.ip, port: Int(self.port)) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "GET \(self.path) HTTP/1.1\r\nHost: \(self.ip):\(self.port)\r\nUser-Agent: \(userAgent)\r\nConnection: close\r\n\r\n"))
            var head = ByteBuffer()
            for try await chunk in inbound {
                var chunk = chunk
                head.writeBuffer(&chunk)
                if head.readableBytes >= 12 { break }
            }
            return Self.isSuccess(statusLine: head.getString(at: head.readerIndex, length: min(12, head.readableBytes)) ?? "")
        }
    }

    /// "HTTP/1.1 200" and any other 2xx.
    static func isSuccess(statusLine line: String) -> Bool {
        guard line.hasPrefix("HTTP/1."), let code = Int(line.dropFirst(9).prefix(3)) else { return false }
        return (200..<300).contains(code)
    }
}
