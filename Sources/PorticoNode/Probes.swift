import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import PorticoAPI

public enum ProbeKind: String, Sendable {
    case liveness = "Liveness"
    case readiness = "Readiness"
    case startup = "Startup"
}

/// One probe attempt, as the kubelet's prober runs it: httpGet (success for 200-399),
/// tcpSocket (a connection), exec (exit 0, inside the pod's namespaces).
public struct ProbeRunner: Sendable {
    public let podIP: String
    public let container: Container
    public let execInPod: @Sendable ([String], Duration) async -> (exitCode: Int32, output: String)

    public enum Outcome: Sendable, Equatable {
        case success
        case failure(String)
    }

    public func run(_ probe: Probe) async -> Outcome {
        let timeout = Duration.seconds(Int64(max(probe.timeoutSeconds, 1)))
        if let http = probe.httpGet { return await self.http(http, timeout: timeout) }
        if let tcp = probe.tcpSocket { return await self.tcp(tcp, timeout: timeout) }
        if let exec = probe.exec {
            let (code, output) = await self.execInPod(exec.command, timeout)
            return code == 0 ? .success : .failure(output.isEmpty ? "command \(exec.command) exited with \(code)" : output)
        }
        if probe.grpc != nil { return .failure("gRPC probes are not built into Portico's agent") }
        return .failure("probe has no handler")
    }

    func port(_ value: IntOrString) -> Int? {
        switch value {
        case .int(let port): return Int(port)
        case .string(let name):
            if let number = Int(name) { return number }
            return self.container.ports.first { $0.name == name }.map { Int($0.containerPort) }
        }
    }

    func http(_ action: HTTPGetAction, timeout: Duration) async -> Outcome {
        guard let port = self.port(action.port) else { return .failure("port \(action.port) not found in container") }
        let host = action.host.isEmpty ? self.podIP : action.host
        let scheme = action.scheme.isEmpty ? "http" : action.scheme.lowercased()
        let path = action.path.isEmpty ? "/" : (action.path.hasPrefix("/") ? action.path : "/" + action.path)
        let url = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)\(path)"
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: "kube-probe/\(PorticoVersion.kubernetesMajor).\(PorticoVersion.kubernetesMinor)")
        request.headers.add(name: "Accept", value: "*/*")
        for header in action.httpHeaders { request.headers.replaceOrAdd(name: header.name, value: header.value) }
        do {
            let response = try await ProbeHTTP.client.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
            _ = try? await response.body.collect(upTo: 10 * 1024)
            let code = Int(response.status.code)
            return (200..<400).contains(code) ? .success : .failure("HTTP probe failed with statuscode: \(code)")
        } catch {
            return .failure("Get \"\(url)\": \(Self.describe(error))")
        }
    }

    func tcp(_ action: TCPSocketAction, timeout: Duration) async -> Outcome {
        guard let port = self.port(action.port) else { return .failure("port \(action.port) not found in container") }
        let host = action.host.isEmpty ? self.podIP : action.host
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
                .connect(host: host, port: port).get()
            try? await channel.close()
            return .success
        } catch {
            return .failure("dial tcp \(host):\(port): \(Self.describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connect: connection refused" }
        if text.contains("Timeout") || text.contains("timeout") { return "i/o timeout" }
        return text
    }
}

enum ProbeHTTP {
    /// Probes follow no redirects to other hosts and keep no connections, as the kubelet's.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(certificateVerification: .none, redirectConfiguration: .disallow)
        configuration.connectionPool = .init(idleTimeout: .seconds(1), concurrentHTTP1ConnectionsPerHostSoftLimit: 1)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}

/// Counts consecutive results against a probe's thresholds (upstream's prober worker).
public struct ProbeTracker: Sendable, Equatable {
    public let successThreshold: Int32
    public let failureThreshold: Int32
    public private(set) var result: Bool
    var successes: Int32 = 0
    var failures: Int32 = 0

    /// Readiness starts failed; liveness and startup start succeeded.
    public init(_ probe: Probe, kind: ProbeKind) {
        self.successThreshold = max(probe.successThreshold, 1)
        self.failureThreshold = max(probe.failureThreshold, 1)
        self.result = kind != .readiness
    }

    /// Records one attempt; returns true when the result flips.
    public mutating func record(_ success: Bool) -> Bool {
        if success {
            self.successes += 1
            self.failures = 0
            if !self.result, self.successes >= self.successThreshold {
                self.result = true
                return true
            }
        } else {
            self.failures += 1
            self.successes = 0
            if self.result, self.failures >= self.failureThreshold {
                self.result = false
                return true
            }
        }
        return false
    }
}
