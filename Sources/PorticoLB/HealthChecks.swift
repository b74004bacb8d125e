import Foundation
import PorticoSystem
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
    let state = Mutex<[HTTPCheck: Status]>([:])

    public init(interval: Duration = .seconds(2), timeout: Duration = .milliseconds(750), threshold: Int = 2) {
        self.interval = interval
        self.timeout = timeout
        self.threshold = threshold
    }

    /// Unknown targets count as healthy until their first probe.
    public func isHealthy(_ target: HTTPCheck) -> Bool {
        self.state.withLock { $0[target]?.healthy ?? true }
    }

    /// Probes `targets()` every interval until cancelled; `changed` is called with the
    /// targets whose verdict changed (and how).
    public func run(targets: @Sendable () -> Set<HTTPCheck>,
                    changed: @Sendable ([(HTTPCheck, Bool)]) async -> Void) async {
        while !Task.isCancelled {
            let started = ContinuousClock.now
            let current = targets()
            self.state.withLock { state in state = state.filter { current.contains($0.key) } }
            let results = await withTaskGroup(of: (HTTPCheck, Bool).self) { group in
                for target in current { group.addTask { (target, await self.probe(target)) } }
                var all: [(HTTPCheck, Bool)] = []
                for await result in group { all.append(result) }
                return all
            }
            let flipped = self.state.withLock { state in
                results.compactMap { target, pass -> (HTTPCheck, Bool)? in
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

    /// One HTTP/1.1 GET on a fresh connection.
    func probe(_ target: HTTPCheck) async -> Bool {
        await target.probe(timeout: self.timeout)
    }
}
