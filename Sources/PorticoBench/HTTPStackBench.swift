import Foundation
import Hummingbird
import Logging
import NIOCore
import PorticoSystem

/// `portico bench http`: the two HTTP stacks Portico carries, side by side on the work of a
/// health or metrics port. `MiniHTTP` (ours, on SwiftNIO) answers every port that only says
/// "healthy" or gives metrics (the proxy's, one per Local LoadBalancer Service, the DNS
/// server's, the built-in images); Hummingbird (the API server's and the agent's stack) is the
/// reference. Each stack runs in a process of its own (so one's freed memory does not hide the
/// other's), opens `ports` listening ports on 127.0.0.1, and answers `GET /healthz`; this
/// process measures what a kubelet's or load balancer's probe sees: a request on a new
/// connection, first on every port, then many on one.
public struct HTTPStackBench: Sendable {
    public enum Stack: String, Sendable, CaseIterable {
        case mini, hummingbird
    }

    /// What a serving process reports once its ports listen.
    public struct Opened: Codable, Sendable {
        public var ports: [Int]
        public var rssBeforeKiB: Int
        public var rssAfterKiB: Int
        public var openMilliseconds: Double
    }

    public var porticoPath: String
    public var ports = 200
    public var requests = 2000

    public init(porticoPath: String) {
        self.porticoPath = porticoPath
    }

    public func run(progress: @Sendable (String) -> Void) async throws -> [BenchRow] {
        var figures: [Stack: Figures] = [:]
        for stack in Stack.allCases {
            progress("\(stack.rawValue): \(self.ports) ports, a request on a new connection to each, then \(self.requests) to one")
            figures[stack] = try await self.measure(stack)
        }
        return Figures.rows(mini: figures[.mini]!, hummingbird: figures[.hummingbird]!, ports: self.ports, requests: self.requests)
    }

    /// One stack: start its process, read what it opened, probe, read its memory, stop it.
    func measure(_ stack: Stack) async throws -> Figures {
        let server = try Shell.start(Program(self.porticoPath, ["bench", "http-serve", "--stack", stack.rawValue, "--ports", "\(self.ports)"],
                                             output: .pipe, errors: .null))
        do {
            let figures = try await self.probe(server, stack: stack)
            server.signal(SIGKILL)
            _ = await server.wait()
            return figures
        } catch {
            server.signal(SIGKILL)
            _ = await server.wait()
            throw error
        }
    }

    func probe(_ server: RunningProgram, stack: Stack) async throws -> Figures {
        guard let line = try await Self.firstLine(of: server), let opened = try? JSONDecoder().decode(Opened.self, from: Data(line.utf8)) else {
            throw BenchFailure("the \(stack.rawValue) server did not report its ports")
        }
        var first: [Double] = []
        for port in opened.ports {
            first.append(try await self.latencies(port: port, requests: 1).p50)
        }
        let many = try await self.latencies(port: opened.ports[0], requests: self.requests)
        let closes = await Self.closesPlainHTTP10(port: opened.ports[0])
        return Figures(opened: opened, firstP50: Self.percentile(first, 0.5), firstP99: Self.percentile(first, 0.99),
                       manyP50: many.p50, manyP99: many.p99, rssServingKiB: try Self.rssKiB(pid: server.pid), closesHTTP10: closes)
    }

    /// Latencies from `portico bench-http` (new connection per request, plain sockets).
    func latencies(port: Int, requests: Int) async throws -> (p50: Double, p99: Double) {
        let out = try await Shell.run(self.porticoPath, ["bench-http", "--url", "http://127.0.0.1:\(port)/healthz", "--requests", "\(requests)"])
        struct Result: Decodable { var p50_us: Double; var p99_us: Double; var failures: Int }
        let result = try JSONDecoder().decode(Result.self, from: Data(out.output.utf8))
        guard result.failures == 0 else { throw BenchFailure("\(result.failures) of \(requests) requests to port \(port) failed") }
        return (result.p50_us / 1000, result.p99_us / 1000)
    }

    /// The program's first line of output, read off the concurrency pool (the read blocks).
    static func firstLine(of program: RunningProgram) async throws -> String? {
        guard let output = program.output else { return nil }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var bytes = Data()
                while !bytes.contains(UInt8(ascii: "\n")) {
                    let chunk = output.availableData
                    if chunk.isEmpty { break }
                    bytes.append(chunk)
                }
                let line = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).first
                continuation.resume(returning: bytes.contains(UInt8(ascii: "\n")) ? line.map { String(decoding: $0, as: UTF8.self) } : nil)
            }
        }
    }

    /// Whether the server closes the connection after answering a plain HTTP/1.0 request (no
    /// `Connection` header), as HTTP/1.0 requires: a probe that reads to the end (HAProxy's
    /// default `httpchk`, a shell's `printf | nc`) otherwise waits for its timeout.
    static func closesPlainHTTP10(port: Int) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(fd) }
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = UInt16(port).bigEndian
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                var timeout = timeval(tv_sec: 1, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                let request = Array("GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
                guard connected == 0, write(fd, request, request.count) == request.count else { return continuation.resume(returning: false) }
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = read(fd, &buffer, buffer.count)
                    if n == 0 { return continuation.resume(returning: true) }
                    if n < 0 { return continuation.resume(returning: false) }
                }
            }
        }
    }

    /// The resident set of a process, from /proc (VmRSS, KiB).
    public static func rssKiB(pid: Int32 = getpid()) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Int(line.split(separator: " ").dropFirst().first ?? "") else {
            throw BenchFailure("no VmRSS in /proc/\(pid)/status")
        }
        return kib
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
}

extension HTTPStackBench {
    /// One stack's figures, and the table that sets MiniHTTP's beside Hummingbird's.
    struct Figures: Sendable {
        var opened: Opened
        var firstP50: Double
        var firstP99: Double
        var manyP50: Double
        var manyP99: Double
        var rssServingKiB: Int
        var closesHTTP10: Bool

        var perPortKiB: Double { Double(self.opened.rssAfterKiB - self.opened.rssBeforeKiB) / Double(max(1, self.opened.ports.count)) }

        static func rows(mini: Figures, hummingbird: Figures, ports: Int, requests: Int) -> [BenchRow] {
            let reference = "Hummingbird 2, same ports and handler"
            func row(_ what: String, _ value: (Figures) -> Double, _ format: String) -> BenchRow {
                let (ours, theirs) = (value(mini), value(hummingbird))
                return BenchRow(what: what, portico: String(format: format, ours), reference: String(format: format, theirs),
                                ratio: theirs > 0 ? String(format: "%.2f", ours / theirs) : "-", referenceIs: reference)
            }
            return [
                row("memory per listening port (KiB)", \.perPortKiB, "%.1f"),
                row("open \(ports) ports (ms)", \.opened.openMilliseconds, "%.1f"),
                row("first request on each port, p50 (ms)", \.firstP50, "%.3f"),
                row("first request on each port, p99 (ms)", \.firstP99, "%.3f"),
                row("\(requests) requests, new connection each, p50 (ms)", \.manyP50, "%.3f"),
                row("\(requests) requests, new connection each, p99 (ms)", \.manyP99, "%.3f"),
                row("process memory while serving (MiB)", { Double($0.rssServingKiB) / 1024 }, "%.1f"),
                BenchRow(what: "plain HTTP/1.0 probe: closed after the answer", portico: mini.closesHTTP10 ? "yes" : "no (open after 1 s)",
                         reference: hummingbird.closesHTTP10 ? "yes" : "no (open after 1 s)", ratio: "-", referenceIs: reference),
            ]
        }
    }

    /// Hummingbird says "Server started" for each port; the report is the only line wanted.
    static var quiet: Logger {
        var logger = Logger(label: "bench-http-serve")
        logger.logLevel = .error
        return logger
    }

    /// The serving side (`portico bench http-serve`): opens `ports` ports of one stack on
    /// 127.0.0.1, each answering `GET /healthz` with `ok`, prints one `Opened` line, and serves
    /// until it is killed.
    public static func serve(_ stack: Stack, ports: Int) async throws {
        let before = try Self.rssKiB()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            let opened = AsyncStream<Int>.makeStream()
            for _ in 0..<ports {
                switch stack {
                case .mini:
                    let server = try await MiniHTTP.bind(host: "127.0.0.1", port: 0)
                    opened.continuation.yield(server.channel.localAddress?.port ?? 0)
                    group.addTask { try await MiniHTTP.serveAll(server) { _ in .text("ok") } }
                case .hummingbird:
                    let router = Router()
                    router.get("healthz") { _, _ in "ok" }
                    let continuation = opened.continuation
                    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                          onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: Self.quiet)
                    group.addTask { try await app.run() }
                }
            }
            var listening: [Int] = []
            for await port in opened.stream {
                listening.append(port)
                if listening.count == ports { break }
            }
            let elapsed = ContinuousClock.now - start
            let report = Opened(ports: listening, rssBeforeKiB: before, rssAfterKiB: try Self.rssKiB(),
                                openMilliseconds: Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
            FileHandle.standardOutput.write(try JSONEncoder().encode(report) + Data("\n".utf8))
            try await group.next()
        }
    }
}
