import Foundation
import PorticoAPI
import Testing

/// A real `portico server` sent what kube-apiserver is known to survive, over TLS: every
/// request is answered as Go answers it and the connection closes; idle connections and
/// connections that never start TLS are closed.
@Suite("Connection limits", .serialized) struct ConnectionLimitsTests {
    @Test func badRequestsAreAnsweredAndClosed() throws {
        let s = try ServerProcess()
        let result = try s.run("python3", [pythonScript("abuse.py"), "probes", String(s.port)])
        #expect(result.status == 0, "\(result.stderr)")
        var answers: [String: (String, Bool)] = [:]
        for line in result.stdout.split(separator: "\n") {
            let json = try JSON.parse(String(line))
            answers[json["kind"]?.stringValue ?? ""] = (json["status"]?.stringValue ?? "no answer", json["closed"]?.boolValue ?? false)
        }
        let expected = [
            "garbage request line": "HTTP/1.1 400 Bad Request",
            "control character in a header": "HTTP/1.1 400 Bad Request",
            "space in a header name": "HTTP/1.1 400 Bad Request",
            "200 KB URL": "HTTP/1.1 414 URI Too Long",
            "1 MB URL": "HTTP/1.1 414 URI Too Long",
            "2 MB header": "HTTP/1.1 431 Request Header Fields Too Large",
            "4 MB body": "HTTP/1.1 413 Payload Too Large",
            "plain HTTP on the TLS port": "HTTP/1.0 400 Bad Request",
        ]
        for (kind, status) in expected {
            #expect(answers[kind]?.0 == status, "\(kind)")
            #expect(answers[kind]?.1 == true, "\(kind): the connection was left open")
        }
        // The server still serves.
        #expect(try s.kubectl("get", "--raw", "/version").status == 0)
    }

    @Test func idleAndSilentConnectionsAreClosed() throws {
        let s = try ServerProcess(arguments: ["--idle-timeout", "2s", "--tls-handshake-timeout", "2s"])
        for mode in ["idle", "silent"] {
            let result = try s.run("python3", [pythonScript("abuse.py"), mode, String(s.port), "20", "8"])
            let json = try JSON.parse(result.stdout)
            #expect(json["closed by the server"] == 20, "\(mode): \(result.stdout) \(result.stderr)")
        }
        #expect(try s.kubectl("get", "--raw", "/version").status == 0)
    }
}
