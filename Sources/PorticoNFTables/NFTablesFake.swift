import Synchronization

/// An `NFTablesRunner` for tests: transactions are applied to an `NFTRuleset` in memory, with
/// the kernel's refusals, and kept in order, so a test sees both what was sent and what a
/// kernel would hold after it. `failNext` makes the next transactions fail as a busy kernel
/// would, to drive a sender's recovery.
public final class NFTablesFake: NFTablesRunner {
    struct State {
        var ruleset = NFTRuleset()
        var scripts: [String] = []
        var failures = 0
    }

    let state = Mutex(State())

    public init() {}

    public func apply(_ script: String) async throws {
        try self.state.withLock { state in
            if state.failures > 0 {
                state.failures -= 1
                throw NFTTransaction.Failure("Operation not permitted (a failure the test asked for)")
            }
            try state.ruleset.apply(script)
            state.scripts.append(script)
        }
    }

    /// The table as a kernel would hold it now.
    public func table(family: String = "ip", name: String) -> NFTTable? {
        self.state.withLock { $0.ruleset.table(family: family, name: name) }
    }

    /// Every transaction applied, in order.
    public var scripts: [String] { self.state.withLock { $0.scripts } }

    /// The next `count` transactions fail (and change nothing).
    public func failNext(_ count: Int = 1) {
        self.state.withLock { $0.failures += count }
    }
}
