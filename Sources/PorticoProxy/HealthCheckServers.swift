import Foundation
import Logging
import PorticoSystem
import Synchronization

/// The healthCheckNodePort servers of Local-policy Services, as kube-proxy runs them: on
/// every address of the node, any path, 200 when the node has endpoints of the Service (and
/// the proxy is healthy), else 503, with the count in `X-Load-Balancing-Endpoint-Weight` and
/// kube-proxy's JSON body. Load balancers ask them which nodes to send to.
final class HealthCheckServers: Sendable {
    struct Service: Sendable, Equatable {
        var port: Int32
        var namespace: String
        var name: String
        var localEndpoints: Int
    }

    enum Command: Sendable {
        case start(Int32)
        case stop(Int32)
    }

    struct State {
        var services: [Int32: Service] = [:]
        var healthy: @Sendable () -> Bool = { true }
        var listening: [Int32: MiniHTTP.Server] = [:]
    }

    let state = Mutex(State())
    let commands: AsyncStream<Command>
    let inbox: AsyncStream<Command>.Continuation
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
        (self.commands, self.inbox) = AsyncStream.makeStream(of: Command.self)
    }

    /// The Services that want a health server now; servers start and stop to match.
    func update(_ services: [Service], proxyHealthy: @escaping @Sendable () -> Bool) {
        let wanted = Dictionary(services.map { ($0.port, $0) }, uniquingKeysWith: { a, _ in a })
        let (start, stop) = self.state.withLock { state -> ([Int32], [Int32]) in
            let before = Set(state.services.keys)
            state.services = wanted
            state.healthy = proxyHealthy
            return (Array(Set(wanted.keys).subtracting(before)), Array(before.subtracting(wanted.keys)))
        }
        for port in start { self.inbox.yield(.start(port)) }
        for port in stop { self.inbox.yield(.stop(port)) }
    }

    func run() async {
        await withDiscardingTaskGroup { group in
            for await command in self.commands {
                switch command {
                case .start(let port):
                    do {
                        let server = try await MiniHTTP.bind(port: Int(port))
                        self.state.withLock { $0.listening[port] = server }
                        group.addTask {
                            try? await MiniHTTP.serveAll(server) { _ in self.answer(port) }
                        }
                    } catch {
                        self.logger.warning("health check server not started", metadata: ["port": "\(port)", "error": "\(error)"])
                    }
                case .stop(let port):
                    let server = self.state.withLock { $0.listening.removeValue(forKey: port) }
                    server?.channel.close(promise: nil)
                }
            }
            for server in self.state.withLock({ Array($0.listening.values) }) { server.channel.close(promise: nil) }
        }
    }

    func answer(_ port: Int32) -> MiniHTTP.Response {
        let (service, healthy) = self.state.withLock { ($0.services[port], $0.healthy()) }
        guard let service else { return .error(503, "no service") }
        let body = "{\"service\":{\"namespace\":\"\(service.namespace)\",\"name\":\"\(service.name)\"},\"localEndpoints\":\(service.localEndpoints),\"serviceProxyHealthy\":\(healthy)}"
        return MiniHTTP.Response(status: service.localEndpoints > 0 && healthy ? 200 : 503,
                                 headers: [("X-Content-Type-Options", "nosniff"),
                                           ("X-Load-Balancing-Endpoint-Weight", String(service.localEndpoints))],
                                 contentType: "application/json", body: Array(body.utf8))
    }
}
