import Foundation
import PorticoTestSupport
import Testing

/// The built-in agnhost programs as processes on loopback: what netexec and serve-hostname
/// answer, over HTTP and UDP, as upstream's test image does.
@Suite(.serialized)
struct BuiltInImageTests {
    /// Runs `portico <arguments>` until the body is done, then stops it.
    func withProgram(_ arguments: [String], _ body: () throws -> Void) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: PorticoBinary.path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try body()
    }

    static func freePort() -> Int { Int.random(in: 30000..<40000) }

    func curl(_ url: String) throws -> (code: String, body: String) {
        for _ in 0..<100 {
            let out = try Command.run("curl", ["-s", "--max-time", "2", "-w", "\n%{http_code}", url])
            if out.status == 0 {
                let parts = out.stdout.split(separator: "\n", omittingEmptySubsequences: false)
                return (String(parts.last ?? ""), parts.dropLast().joined(separator: "\n"))
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw HarnessFailure(description: "no answer from \(url)")
    }

    struct HarnessFailure: Error, CustomStringConvertible { var description: String }

    @Test func netexecAnswersAsAgnhost() throws {
        let http = Self.freePort()
        let udp = http + 1
        try self.withProgram(["agnhost", "netexec", "--http-port=\(http)", "--udp-port=\(udp)"]) {
            let hostname = ProcessInfo.processInfo.hostName
            let name = try self.curl("http://127.0.0.1:\(http)/hostname")
            #expect(name.code == "200" && name.body == hostname)
            let echo = try self.curl("http://127.0.0.1:\(http)/echo?msg=hello%20there")
            #expect(echo.code == "200" && echo.body == "hello there")
            let gone = try self.curl("http://127.0.0.1:\(http)/echo?msg=gone&code=503")
            #expect(gone.code == "503" && gone.body == "gone")
            let clientIP = try self.curl("http://127.0.0.1:\(http)/clientip")
            #expect(clientIP.body.hasPrefix("127.0.0.1:"))
            #expect(try self.curl("http://127.0.0.1:\(http)/healthz").code == "200")
            #expect(try self.curl("http://127.0.0.1:\(http)/header?key=X-Test").body == "")
            #expect(try self.curl("http://127.0.0.1:\(http)/").body.hasPrefix("NOW: "))
            // UDP: hostname and clientip, one datagram each.
            let reply = try Command.run("python3", ["-c", """
                import socket
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
                for m in (b"hostname", b"echo Hi", b"clientip"):
                    s.sendto(m, ("127.0.0.1", \(udp))); print(s.recvfrom(2048)[0].decode())
                """])
            let lines = reply.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 3, "\(reply.combined)")
            #expect(lines.first == hostname)
            #expect(lines.dropFirst().first == "hi")
            #expect(lines.last?.hasPrefix("127.0.0.1:") == true)
        }
    }

    @Test func netexecWithoutUDPIsNotHealthy() throws {
        let http = Self.freePort()
        try self.withProgram(["agnhost", "netexec", "--http-port=\(http)", "--udp-port=-1"]) {
            let health = try self.curl("http://127.0.0.1:\(http)/healthz")
            #expect(health.code == "412")
        }
    }

    @Test func serveHostnameAnswersEveryRequest() throws {
        let port = Self.freePort()
        try self.withProgram(["agnhost", "serve-hostname", "--port=\(port)"]) {
            let answer = try self.curl("http://127.0.0.1:\(port)/anything")
            #expect(answer.code == "200")
            #expect(answer.body == ProcessInfo.processInfo.hostName)
        }
    }

    @Test func unknownAgnhostSubcommandSaysWhatIsBuiltIn() throws {
        let output = try Command.run(PorticoBinary.path, ["agnhost", "dns-suffix"])
        #expect(output.status == 1)
        #expect(output.stderr.contains("agnhost subcommand \"dns-suffix\" is not built into Portico; built in: netexec, serve-hostname, pause"))
    }

    @Test func pauseExitsOnTerm() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: PorticoBinary.path)
        process.arguments = ["pause"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 0.3)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
