import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Health of the backends as cloud load balancers judge it: an HTTP GET every `interval`
/// with a short timeout; a backend goes out after `threshold` failures in a row and comes
/// back after `threshold` passes. Its first answer decides at once, so a new node or
/// Service does not wait for two rounds.
public final class HealthChecks: Sendable {
    public struct Status: Sendable, Equatable {
        public var healthy: Bool?
        var passes = 0
        var failures = 0

        public init() {}

        /// Records one probe; returns whether the verdict changed.
        public mutating func record(pass: Bool, threshold: Int) -> Bool {
            let before = self.healthy
            if pass {
                self.passes += 1
                self.failures = 0
                if self.healthy == nil || self.passes >= threshold { self.healthy = true }
            } else {
                self.failures += 1
                self.passes = 0
                if self.healthy == nil || self.failures >= threshold { self.healthy = false }
            }
            return self.healthy != before
        }
    }

    public let interval: Duration
    public let timeout: Duration
    public let threshold: Int
    let state = Mutex<[LoadBalancerModel.HealthTarget: Status]>([:])

    public init(interval: Duration = .seconds(2), timeout: Duration = .milliseconds(750), threshold: Int = 2) {
        self.interval = interval
        self.timeout = timeout
        self.threshold = threshold
    }

    /// Unknown targets count as healthy until their first probe.
    public func isHealthy(_ target: LoadBalancerModel.HealthTarget) -> Bool {
        self.state.withLock { $0[target]?.healthy ?? true }
    }

    /// Probes `targets()` every interval until cancelled; `changed` is called with the
    /// targets whose verdict changed (and how).
    public func run(targets: @Sendable () -> Set<LoadBalancerModel.HealthTarget>,
                    changed: @Sendable ([(LoadBalancerModel.HealthTarget, Bool)]) async -> Void) async {
        while !Task.isCancelled {
            let started = ContinuousClock.now
            let current = targets()
            self.state.withLock { state in state = state.filter { current.contains($0.key) } }
            let results = await withTaskGroup(of: (LoadBalancerModel.HealthTarget, Bool).self) { group in
                for target in current { group.addTask { (target, await self.probe(target)) } }
                var all: [(LoadBalancerModel.HealthTarget, Bool)] = []
                for await result in group { all.append(result) }
                return all
            }
            let flipped = self.state.withLock { state in
                results.compactMap { target, pass -> (LoadBalancerModel.HealthTarget, Bool)? in
                    var status = state[target] ?? Status()
                    let didChange = status.record(pass: pass, threshold: self.threshold)
                    state[target] = status
                    return didChange ? (target, status.healthy ?? false) : nil
                }
            }
            if !flipped.isEmpty { await changed(flipped) }
            try? await Task.sleep(until: started + self.interval)
        }
    }

    /// One HTTP/1.1 GET on a fresh connection: a refused or reset connection fails at once,
    /// a silent node after the timeout. 2xx passes.
    func probe(_ target: LoadBalancerModel.HealthTarget) async -> Bool {
        await Self.probe(target, timeout: self.timeout)
    }

    /// One check, as the load balancer makes it (`portico trace` asks the same question).
    public static func probe(_ target: LoadBalancerModel.HealthTarget, timeout: Duration) async -> Bool {
        let attempt: @Sendable () async throws -> Bool = {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(Int64(timeout.components.seconds) * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
                .connect(host: target.ip, port: Int(target.port)) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: "GET \(target.path) HTTP/1.1\r\nHost: \(target.ip):\(target.port)\r\nUser-Agent: portico-lb-health-check\r\nConnection: close\r\n\r\n"))
                var head = ByteBuffer()
                for try await chunk in inbound {
                    var chunk = chunk
                    head.writeBuffer(&chunk)
                    if head.readableBytes >= 12 { break }
                }
                // "HTTP/1.1 200"
                guard let line = head.getString(at: head.readerIndex, length: min(12, head.readableBytes)), line.hasPrefix("HTTP/1."),
                      let code = Int(line.dropFirst(9).prefix(3)) else { return false }
                return (200..<300).contains(code)
            }
        }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await attempt()) ?? false }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
