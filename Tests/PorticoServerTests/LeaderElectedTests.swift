import Foundation
import Logging
import PorticoAPI
import PorticoClient
import PorticoControllers
import PorticoServer
import ServiceLifecycle
import Synchronization
import Testing

/// Two candidates for one Lease against a real API server: one runs the work; when it dies
/// without a word the other takes over once the lease has gone a whole duration unchanged,
/// and one that shuts down gives the lease up so the other takes over at once.
struct LeaderElectedTests {
    /// Work that says who runs it, for as long as it runs.
    struct Work: ServiceLifecycle.Service {
        let identity: String
        let running: Running

        func run() async throws {
            self.running.value.withLock { _ = $0.insert(self.identity) }
            defer { self.running.value.withLock { _ = $0.remove(self.identity) } }
            try? await gracefulShutdown()
            while !Task.isCancelled, !Task.isShuttingDownGracefully { try? await Task.sleep(for: .milliseconds(20)) }
        }
    }

    final class Running: Sendable {
        let value = Mutex<Set<String>>([])
        var now: Set<String> { self.value.withLock { $0 } }
    }

    static let timing = LeaderElection.Timing(leaseDuration: .milliseconds(1500), renewDeadline: .milliseconds(1000), retryPeriod: .milliseconds(200))

    func candidate(_ identity: String, _ client: KubeClient, _ running: Running, timing: LeaderElection.Timing = Self.timing) -> LeaderElected {
        LeaderElected(client: client, name: "test-controllers", identity: identity, timing: timing,
                      logger: Logger(label: "leader-test")) { Work(identity: identity, running: running) }
    }

    func wait(until condition: () -> Bool, within limit: Duration) async -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < limit {
            if condition() { return ContinuousClock.now - start }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    @Test func oneLeadsAndAnotherTakesOverWhenItDies() async throws {
        let server = try await TestServer()
        let client = KubeClient(transport: InProcessTransport(server: server.server), fieldManager: "leader-test")
        let running = Running()
        let first = Task { try await self.candidate("server-1", client, running).run() }
        #expect(await self.wait(until: { running.now == ["server-1"] }, within: .seconds(3)) != nil)
        let second = Task { try await self.candidate("server-2", client, running).run() }
        try await Task.sleep(for: .seconds(1))
        #expect(running.now == ["server-1"])
        // The leader dies without releasing (its task is cancelled): the other waits out the lease.
        first.cancel()
        _ = await first.result
        let took = await self.wait(until: { running.now == ["server-2"] }, within: .seconds(5))
        #expect(took != nil, "server-2 did not take over: \(running.now)")
        let lease = try #require(try await client.get(Lease.self, namespace: "kube-system", name: "test-controllers"))
        #expect(lease.spec.holderIdentity == "server-2" && lease.spec.leaseTransitions == 1)
        second.cancel()
        _ = await second.result
    }

    @Test func aLeaderThatShutsDownHandsOverAtOnce() async throws {
        let server = try await TestServer()
        let client = KubeClient(transport: InProcessTransport(server: server.server), fieldManager: "leader-test")
        let running = Running()
        // A lease long enough that only a release explains a quick takeover.
        let long = LeaderElection.Timing(leaseDuration: .seconds(20), renewDeadline: .seconds(10), retryPeriod: .milliseconds(200))
        let first = self.candidate("server-1", client, running, timing: long)
        let group = ServiceGroup(configuration: .init(services: [first], logger: Logger(label: "leader-test")))
        let leading = Task { try await group.run() }
        #expect(await self.wait(until: { running.now == ["server-1"] }, within: .seconds(3)) != nil)
        let second = Task { try await self.candidate("server-2", client, running, timing: long).run() }
        try await Task.sleep(for: .milliseconds(500))
        await group.triggerGracefulShutdown()
        _ = await leading.result
        // Released: taken on one of the next tries, long before the 20 s lease would run out.
        let took = await self.wait(until: { running.now == ["server-2"] }, within: .seconds(8))
        #expect(took != nil, "server-2 did not take over at once: \(running.now)")
        second.cancel()
        _ = await second.result
    }
}
