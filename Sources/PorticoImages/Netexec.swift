import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PorticoAPI
import PorticoSystem
import Synchronization

/// agnhost's `netexec`, as upstream's test image serves it: HTTP on --http-port with
/// /hostname, /clientip, /echo, /header, /healthz, /readyz, /exit, /redirect, /dial, /shell
/// and /shutdown, and a UDP server on --udp-port answering `hostname`, `echo <text>` and
/// `clientip`. Responses, status codes and log lines follow upstream's netexec.go.
public struct Netexec: Sendable {
    public var httpPort = 8080
    public var udpPort = 8081
    public var udpListenAddresses: [String] = []
    public var delayShutdown = 0
    public var httpOverride = ""

    public init() {}

    final class State: Sendable {
        let udpReady = Atomic<Bool>(false)
        let sigtermReceived = Atomic<Bool>(false)
    }

    public func run() async throws {
        let state = State()
        let hostname = ProcessInfo.processInfo.hostName
        ImageLog.trapTermination { signal in
            state.sigtermReceived.store(true, ordering: .relaxed)
            if signal == SIGTERM {
                if self.delayShutdown > 0 {
                    ImageLog.log("Sleeping \(self.delayShutdown) seconds before terminating...")
                    sleep(UInt32(self.delayShutdown))
                }
                ImageLog.exitNow(0)
            }
            ImageLog.exitNow(0)
        }
        let group = MultiThreadedEventLoopGroup.singleton
        try await withThrowingDiscardingTaskGroup { tasks in
            if self.udpPort != -1 {
                let addresses = self.udpListenAddresses.isEmpty ? ["0.0.0.0"] : Array(Set(self.udpListenAddresses)).sorted()
                for address in addresses {
                    let channel = try await DatagramBootstrap(group: group)
                        .channelOption(.socketOption(.so_reuseaddr), value: 1)
                        .bind(host: address, port: self.udpPort) { channel in
                            channel.eventLoop.makeCompletedFuture {
                                try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                            }
                        }
                    ImageLog.log("Started UDP server on port \(address == "0.0.0.0" ? "" : address) \(self.udpPort)")
                    state.udpReady.store(true, ordering: .relaxed)
                    tasks.addTask { try await Self.serveUDP(channel, hostname: hostname) }
                }
            }
            let server = try await MiniHTTP.bind(port: self.httpPort)
            ImageLog.log("Started HTTP server on port \(self.httpPort)")
            tasks.addTask {
                try await MiniHTTP.serveAll(server) { request in await self.handle(request, state: state, hostname: hostname) }
            }
        }
    }

    static func serveUDP(_ channel: NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>,
                         hostname: String) async throws {
        try await channel.executeThenClose { inbound, outbound in
            for try await envelope in inbound {
                let text = String(buffer: envelope.data).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
                let client = MiniHTTP.hostPort(envelope.remoteAddress)
                var reply: String? = nil
                if text == "hostname" {
                    reply = hostname
                } else if text.hasPrefix("echo ") {
                    reply = String(text.dropFirst(5))
                } else if text == "clientip" {
                    reply = client
                } else if !text.isEmpty {
                    ImageLog.log("Unknown UDP command received from \(client): \(text)")
                }
                if let reply {
                    try await outbound.write(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(string: reply)))
                }
            }
        }
    }

    func handle(_ original: MiniHTTP.Request, state: State, hostname: String) async -> MiniHTTP.Response {
        var request = original
        if !self.httpOverride.isEmpty { request = MiniHTTP.Request(method: "GET", target: self.httpOverride, headers: request.headers,
                                                                    body: request.body, remote: request.remote) }
        let query = request.query
        switch request.path {
        case "/clientip":
            return .text(request.remote)
        case "/hostname", "/hostName":
            return .text(hostname)
        case "/echo":
            let message = query["msg"] ?? ""
            if let code = query["code"], !code.isEmpty {
                guard let status = Int(code) else { return .text("argument 'code' must be an integer or empty, got \(GoQuote.quote(code))\n") }
                return MiniHTTP.Response(status: status, body: Array(message.utf8))
            }
            return .text(message)
        case "/header":
            if let key = query["key"] {
                return .text(request.headers.first { $0.name.lowercased() == key.lowercased() }?.value ?? "")
            }
            var grouped: [String: [String]] = [:]
            for (name, value) in request.headers where name.lowercased() != "host" { grouped[MiniHTTP.canonical(name), default: []].append(value) }
            let body = (try? JSONSerialization.data(withJSONObject: grouped, options: [.sortedKeys])) ?? Data("{}".utf8)
            return MiniHTTP.Response(status: 200, contentType: "application/json", body: Array(body))
        case "/healthz":
            return MiniHTTP.Response(status: state.udpReady.load(ordering: .relaxed) ? 200 : 412, body: [])
        case "/readyz":
            if state.sigtermReceived.load(ordering: .relaxed) { return MiniHTTP.Response(status: 503, body: Array("shutting down".utf8)) }
            return state.udpReady.load(ordering: .relaxed) ? .text("ok") : MiniHTTP.Response(status: 412, body: [])
        case "/exit":
            return await self.exitHandler(query)
        case "/shutdown":
            ImageLog.exitNow(0)
        case "/redirect":
            let location = query["location"] ?? ""
            var status = 302
            if let code = query["code"], !code.isEmpty {
                guard let parsed = Int(code) else { return .text("argument 'code' must be an integer or empty, got \(GoQuote.quote(code))\n") }
                status = parsed
            }
            return MiniHTTP.Response(status: status, headers: [("Location", location)], body: [])
        case "/dial":
            return await NetexecDial.handle(query)
        case "/shell":
            return await Self.shell(query["shellCommand"] ?? query["cmd"] ?? "")
        case "/upload":
            return MiniHTTP.Response(status: 501, body: Array("/upload is not built into Portico's agnhost netexec\n".utf8))
        default:
            return .text("NOW: \(Date())")
        }
    }

    func exitHandler(_ query: [String: String]) async -> MiniHTTP.Response {
        var code: Int32 = 0
        var wait = 0.0
        if let text = query["timeout"], !text.isEmpty, (try? GoDuration.parse(text)) == nil {
            return .text("argument 'timeout' must be a valid golang duration or empty, got \(GoQuote.quote(text))\n")
        }
        if let text = query["wait"], !text.isEmpty {
            guard let value = try? GoDuration.parse(text) else {
                return .text("argument 'wait' must be a valid golang duration or empty, got \(GoQuote.quote(text))\n")
            }
            wait = value
        }
        if let text = query["code"], !text.isEmpty {
            guard let value = Int32(text), (0...127).contains(value) else {
                return .text("argument 'code' must be an integer [0-127] or empty, got \(GoQuote.quote(text))\n")
            }
            code = value
        }
        ImageLog.log("Will begin shutdown in \(wait)s, allowing \(query["timeout"] ?? "0s") for connections to close, then will exit with \(code)")
        if wait > 0 { try? await Task.sleep(for: .milliseconds(Int64(wait * 1000))) }
        ImageLog.exitNow(code)
    }

    static func shell(_ command: String) async -> MiniHTTP.Response {
        var result: [String: String] = [:]
        do {
            let (status, output) = try await Shell.run("/bin/sh", ["-c", command], allowFailure: true)
            if !output.isEmpty { result["output"] = output }
            if status != 0 { result["error"] = "exit status \(status)" }
        } catch {
            result["error"] = "\(error)"
        }
        let body = (try? JSONSerialization.data(withJSONObject: result, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return MiniHTTP.Response(status: 200, contentType: "application/json", body: Array(body))
    }
}

/// `/dial`: connectivity from this pod to another, the way e2e tests probe Services.
enum NetexecDial {
    static func handle(_ query: [String: String]) async -> MiniHTTP.Response {
        let tries = Int(query["tries"] ?? "1") ?? -1
        guard tries > 0 else { return .error(400, "tries parameter is invalid. \(query["tries"] ?? "")") }
        guard let request = query["request"], !request.isEmpty else { return .error(400, "request parameter not specified. ") }
        let proto = query["protocol"] ?? "http"
        guard ["", "http", "udp"].contains(proto) else { return .error(400, "unsupported protocol. \(proto)") }
        guard let host = query["host"], !host.isEmpty, let port = Int(query["port"] ?? "") else {
            return .error(400, "host and/or port param are invalid. \(query["host"] ?? ""):\(query["port"] ?? "")")
        }
        var responses: [String] = []
        var errors: [String] = []
        var last = ""
        for _ in 0..<tries {
            do {
                last = proto == "udp" ? try await self.udp(host: host, port: port, request: request)
                    : try await self.http(host: host, port: port, request: request)
                if !last.isEmpty { responses.append(last) }
            } catch {
                last = ""
                errors.append("\(error)")
            }
        }
        var result: [String: [String]] = [:]
        if !last.isEmpty { result["responses"] = responses }
        if !errors.isEmpty { result["errors"] = errors }
        let body = (try? JSONSerialization.data(withJSONObject: result, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return MiniHTTP.Response(status: 200, contentType: "application/json", body: Array(body))
    }

    static func http(host: String, port: Int, request: String) async throws -> String {
        let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/\(request.hasPrefix("/") ? String(request.dropFirst()) : request)"
        // A connection of its own per try, as upstream's dial makes a new transport each time:
        // through a Service, each try may reach another endpoint.
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Connection", value: "close")
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 1 << 20)
            return String(buffer: body)
        } catch {
            throw DialError(description: "Get \"\(url)\": \(self.goWords(error, host: host, port: port))")
        }
    }

    /// A failure as Go's net/http prints it, which is what callers of agnhost's /dial read.
    static func goWords(_ error: Error, host: String, port: Int) -> String {
        let text = "\(error)"
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let reasons: [(String, String)] = [("errno: 111", "connection refused"), ("errno: 113", "no route to host"),
                                           ("errno: 101", "network is unreachable"), ("errno: 110", "connection timed out")]
        if let reason = reasons.first(where: { text.contains($0.0) })?.1 {
            return "dial tcp \(address): connect: \(reason)"
        }
        if let client = error as? HTTPClientError, client == .deadlineExceeded || client == .connectTimeout || client == .readTimeout {
            return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
        }
        return text
    }

    static func udp(host: String, port: Int, request: String) async throws -> String {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: host.contains(":") ? "::" : "0.0.0.0", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                }
            }
        let remote = try SocketAddress.makeAddressResolvingHost(host, port: port)
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(AddressedEnvelope(remoteAddress: remote, data: ByteBuffer(string: request)))
            return try await withThrowingTaskGroup(of: String.self) { group in
                group.addTask {
                    var iterator = inbound.makeAsyncIterator()
                    guard let reply = try await iterator.next() else { return "" }
                    return String(buffer: reply.data)
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(5))
                    throw DialError(description: "reading from udp connection failed. err:'read udp: i/o timeout'")
                }
                let first = try await group.next() ?? ""
                group.cancelAll()
                return first
            }
        }
    }

    struct DialError: Error, CustomStringConvertible { var description: String }
}
