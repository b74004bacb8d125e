import CPorticoSandbox
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOPosix
import PorticoAPI
import PorticoStreams
import Synchronization

/// The kubelet's `/portforward/{namespace}/{pod}` on the node's port: SPDY/3.1 carried in
/// WebSocket messages (`SPDY/3.1+portforward.k8s.io`), relayed by the API server from
/// `kubectl port-forward`. `PortForwardSession` speaks the protocol; this file only moves
/// bytes: WebSocket messages in, actions out, and a TCP connection per forwarded request
/// to 127.0.0.1:<port> inside the pod's network namespace, as the kubelet connects.
struct PortForwardServer: Sendable {
    let manager: PodManager
    let logger: Logger

    func register(on router: Router<BasicWebSocketRequestContext>) {
        router.ws("/portforward/:namespace/:pod", shouldUpgrade: { request, _ in
            guard let chosen = PodStreamProtocol.choose(request.headers[.secWebSocketProtocol], from: PodStreamProtocol.portForward) else {
                return .dontUpgrade
            }
            return .upgrade([.secWebSocketProtocol: chosen])
        }, onUpgrade: { inbound, outbound, context in
            let namespace = context.requestContext.parameters.get("namespace") ?? ""
            let pod = context.requestContext.parameters.get("pod") ?? ""
            guard let worker = await self.manager.worker(namespace: namespace, name: pod) else {
                try? await outbound.close(.unexpectedServerError, reason: "pod \(namespace)/\(pod) does not run on this node")
                return
            }
            guard let sandbox = await worker.networkSandbox() else {
                try? await outbound.close(.unexpectedServerError, reason: "pod \(namespace)/\(pod) has no network namespace yet")
                return
            }
            guard let session = try? PortForwardSession(configuration: .init(podName: pod)) else {
                try? await outbound.close(.unexpectedServerError, reason: "the port-forward session could not start (zlib)")
                return
            }
            let forwarder = PortForwarder(session: session, netnsPath: sandbox.netnsPath, outbound: outbound, logger: self.logger)
            await forwarder.run(inbound)
        })
    }
}

/// One port-forward connection: the session behind a lock, its actions carried out in order
/// by one task (so frames reach the client in the order the session made them), and the
/// pod connections by request. Back-pressure: while more than `limit` bytes wait to be
/// written to the pods (or to the client), the WebSocket (or the pods) is not read, so TCP
/// slows the fast side down.
final class PortForwarder: Sendable {
    let session: Mutex<PortForwardSession?>
    let netnsPath: String
    let outbound: WebSocketOutboundWriter
    let logger: Logger
    let actions: AsyncStream<PortForwardSession.Action>
    let queue: AsyncStream<PortForwardSession.Action>.Continuation
    let pods = Mutex<[String: PodConnection]>([:])
    /// Set when the client is gone: a pod connection made after that is closed at once.
    let finished = Mutex(false)
    /// Bytes queued for the pods and for the client, not yet written.
    let toPods = Atomic<Int>(0)
    let toClient = Atomic<Int>(0)
    static let limit = 4 << 20

    struct PodConnection: Sendable {
        var channel: any Channel
        var writer: NIOAsyncChannelOutboundWriter<ByteBuffer>?
    }

    init(session: sending PortForwardSession, netnsPath: String, outbound: WebSocketOutboundWriter, logger: Logger) {
        self.session = Mutex(session)
        self.netnsPath = netnsPath
        self.outbound = outbound
        self.logger = logger
        (self.actions, self.queue) = AsyncStream.makeStream(of: PortForwardSession.Action.self)
    }

    /// Feeds an event to the session and queues what it says to do.
    func handle(_ event: PortForwardSession.Event) {
        self.session.withLock { session in
            guard session != nil else { return }
            for action in session!.handle(event) {
                switch action {
                case .writeToPod(_, let bytes): self.toPods.add(bytes.readableBytes, ordering: .relaxed)
                case .sendToClient(let bytes): self.toClient.add(bytes.readableBytes, ordering: .relaxed)
                default: break
                }
                self.queue.yield(action)
            }
        }
    }

    /// Waits while more than `limit` bytes are queued on `counter` (and the connection lives).
    func drain(_ counter: borrowing Atomic<Int>) async {
        while counter.load(ordering: .relaxed) > Self.limit, !self.finished.withLock({ $0 }) {
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    func run(_ inbound: WebSocketInboundStream) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.perform() }
            do {
                for try await message in inbound.messages(maxSize: 1 << 22) {
                    guard case .binary(let bytes) = message else { continue }
                    self.handle(.clientBytes(bytes))
                    await self.drain(self.toPods)
                }
            } catch {}
            self.handle(.clientClosed)
            self.queue.finish()
        }
        self.finished.withLock { $0 = true }
        for connection in self.pods.withLock({ Array($0.values) }) { try? await connection.channel.close() }
    }

    func perform() async {
        for await action in self.actions {
            switch action {
            case .sendToClient(let bytes):
                try? await self.outbound.write(.binary(bytes))
                self.toClient.subtract(bytes.readableBytes, ordering: .relaxed)
            case .connectToPod(let requestID, let port):
                Task { await self.connect(requestID: requestID, port: port) }
            case .writeToPod(let requestID, let bytes):
                try? await self.pods.withLock { $0[requestID]?.writer }?.write(bytes)
                self.toPods.subtract(bytes.readableBytes, ordering: .relaxed)
            case .halfClosePod(let requestID):
                self.pods.withLock { $0[requestID]?.writer }?.finish()
            case .closePod(let requestID):
                if let connection = self.pods.withLock({ $0.removeValue(forKey: requestID) }) { try? await connection.channel.close() }
            case .closeConnection(let error):
                if let error { self.logger.info("port-forward ended: \(error)") }
                try? await self.outbound.close(.normalClosure, reason: nil)
            }
        }
    }

    /// Connects inside the pod, then reads from it until it ends.
    func connect(requestID: String, port: UInt16) async {
        let fd = portico_connect_in_netns(self.netnsPath, port)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            self.handle(.podConnectFailed(requestID: requestID, error: "failed to connect to localhost:\(port) inside the pod's network namespace: dial tcp 127.0.0.1:\(port): connect: \(reason.lowercased())"))
            return
        }
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .withConnectedSocket(fd) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel,
                                                                    configuration: .init(isOutboundHalfClosureEnabled: true))
                    }
                }
            if self.finished.withLock({ $0 }) {
                try await channel.channel.close()
                return
            }
            try await channel.executeThenClose { inbound, outbound in
                self.pods.withLock { $0[requestID] = PodConnection(channel: channel.channel, writer: outbound) }
                self.handle(.podConnected(requestID: requestID))
                var failure: String?
                do {
                    for try await bytes in inbound {
                        self.handle(.podData(requestID: requestID, bytes))
                        await self.drain(self.toClient)
                    }
                } catch {
                    failure = "\(error)"
                }
                self.handle(.podClosed(requestID: requestID, error: failure))
            }
        } catch {
            self.handle(.podConnectFailed(requestID: requestID, error: "\(error)"))
        }
        self.pods.withLock { _ = $0.removeValue(forKey: requestID) }
    }
}
