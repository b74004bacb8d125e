import Foundation
import PorticoSystem
import NIOCore
import NIOHTTP1
import NIOPosix

/// agnhost's `serve-hostname`: answers every HTTP request (or, with --tcp / --udp and
/// --http=false, every connection or datagram) with the hostname; on SIGTERM keeps serving
/// for 60 s ("Awaiting pod deletion."), then exits 0, as upstream does.
public struct ServeHostname: Sendable {
    public var port = 9376
    public var http = true
    public var tcp = false
    public var udp = false
    public var close = false

    public init() {}

    public struct Conflict: Error, CustomStringConvertible {
        public var description: String { "Can't server TCP/UDP mode and HTTP mode at the same time" }
    }

    public func run() async throws {
        if self.http && (self.tcp || self.udp) { throw Conflict() }
        let hostname = ProcessInfo.processInfo.hostName
        ImageLog.trapTermination { signal in
            ImageLog.log("Shutting down after receiving signal: \(signal == SIGTERM ? "terminated" : "interrupt").")
            ImageLog.log("Awaiting pod deletion.")
            sleep(60)
            ImageLog.exitNow(0)
        }
        let group = MultiThreadedEventLoopGroup.singleton
        try await withThrowingDiscardingTaskGroup { tasks in
            if self.udp {
                let channel = try await DatagramBootstrap(group: group).bind(host: "0.0.0.0", port: self.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                    }
                }
                tasks.addTask {
                    try await channel.executeThenClose { inbound, outbound in
                        for try await envelope in inbound {
                            try await outbound.write(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(string: hostname)))
                        }
                    }
                }
            }
            if self.tcp {
                let server = try await ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .bind(host: "0.0.0.0", port: self.port) { channel in
                        channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                    }
                tasks.addTask {
                    try await server.executeThenClose { connections in
                        for try await connection in connections {
                            try? await connection.executeThenClose { _, outbound in try await outbound.write(ByteBuffer(string: hostname)) }
                        }
                    }
                }
            }
            if self.http {
                let close = self.close
                let server = try await MiniHTTP.bind(port: self.port)
                tasks.addTask {
                    try await MiniHTTP.serveAll(server) { request in
                        ImageLog.log("HTTP request from \(request.remote)")
                        return MiniHTTP.Response(status: 200, headers: close ? [("Connection", "close")] : [], body: Array(hostname.utf8))
                    }
                }
            }
            ImageLog.log("Serving on port \(self.port).")
        }
    }
}

/// Both pause programs: agnhost's `pause` (exits 1 on SIGINT and 2 on SIGTERM, saying why in
/// the termination message) and the registry.k8s.io/pause image (exits 0 on either).
public enum Pause {
    public static func agnhost(terminationMessagePath: String) async -> Never {
        FileHandle.standardOutput.write(Data("Paused\nSignals registered\n".utf8))
        ImageLog.trapTermination { signal in
            let line = "exiting because of signal \"\(signal == SIGTERM ? "terminated" : "interrupt")\"\n"
            _ = FileManager.default.createFile(atPath: terminationMessagePath, contents: Data(line.utf8))
            FileHandle.standardOutput.write(Data(line.utf8))
            ImageLog.exitNow(signal == SIGTERM ? 2 : 1)
        }
        await self.sleepForever()
    }

    public static func image() async -> Never {
        if getpid() != 1 { FileHandle.standardError.write(Data("Warning: pause should be the first process\n".utf8)) }
        ImageLog.trapTermination { signal in
            FileHandle.standardError.write(Data("Shutting down, got signal: \(signal == SIGTERM ? "Terminated" : "Interrupt")\n".utf8))
            ImageLog.exitNow(0)
        }
        await self.sleepForever()
    }

    /// Waits until a signal handler ends the process.
    static func sleepForever() async -> Never {
        while true { try? await Task.sleep(for: .seconds(3600)) }
    }
}
