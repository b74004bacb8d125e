import PorticoAPI

/// client-go's leader election over a Lease, as a pure machine: the lease as read and the
/// time in, what to write out. A candidate takes a lease that is absent, or whose record has
/// not changed for `leaseDuration` on its own clock (so clocks that disagree do not matter);
/// the leader renews every `retryPeriod` and stops leading when no renewal has succeeded for
/// `renewDeadline`. Defaults are kube-controller-manager's: 15 s, 10 s, 2 s.
public struct LeaderElection: Sendable {
    public struct Timing: Sendable {
        public var leaseDuration: Duration = .seconds(15)
        public var renewDeadline: Duration = .seconds(10)
        public var retryPeriod: Duration = .seconds(2)

        public init(leaseDuration: Duration = .seconds(15), renewDeadline: Duration = .seconds(10), retryPeriod: Duration = .seconds(2)) {
            self.leaseDuration = leaseDuration
            self.renewDeadline = renewDeadline
            self.retryPeriod = retryPeriod
        }
    }

    /// What to write: a new Lease, the read one updated (at the revision read), or nothing
    /// (another holds it).
    public enum Write: Sendable, Equatable {
        case create(LeaseSpec)
        case update(LeaseSpec)
        case none
    }

    public let identity: String
    public let timing: Timing
    /// The other holder's record as last seen, and when (on this clock) it last changed.
    var observed: LeaseSpec?
    var observedAt: ContinuousClock.Instant?
    /// When this candidate last wrote the lease successfully as its holder.
    var renewedAt: ContinuousClock.Instant?

    public init(identity: String, timing: Timing = Timing()) {
        self.identity = identity
        self.timing = timing
    }

    /// Whether this candidate leads at `now`: its last renewal is within the renew deadline.
    public func isLeader(at now: ContinuousClock.Instant) -> Bool {
        guard let renewedAt = self.renewedAt else { return false }
        return now - renewedAt < self.timing.renewDeadline
    }

    /// Given the lease as read (nil: there is none), what to write.
    public mutating func decide(_ current: LeaseSpec?, now: ContinuousClock.Instant, wall: MicroTime) -> Write {
        let seconds = Int32(self.timing.leaseDuration.components.seconds)
        guard let current else {
            return .create(LeaseSpec(holderIdentity: self.identity, leaseDurationSeconds: seconds, acquireTime: wall, renewTime: wall)
                .withTransitions(0))
        }
        if current != self.observed {
            self.observed = current
            self.observedAt = now
        }
        let holder = current.holderIdentity ?? ""
        if !holder.isEmpty, holder != self.identity, let observedAt = self.observedAt, now - observedAt < self.timing.leaseDuration {
            return .none
        }
        var next = current
        next.holderIdentity = self.identity
        next.leaseDurationSeconds = seconds
        next.renewTime = wall
        if holder != self.identity {
            next.acquireTime = wall
            next.leaseTransitions = (current.leaseTransitions ?? 0) + 1
        }
        return .update(next)
    }

    /// How long a candidate waits before it tries again: the retry period, or less when the
    /// holder's lease, as this candidate last saw it change, runs out sooner, so it takes over
    /// as soon as it may rather than up to a retry period later.
    public func untilNextTry(at now: ContinuousClock.Instant) -> Duration {
        guard !self.isLeader(at: now), let holder = self.observed?.holderIdentity, !holder.isEmpty, holder != self.identity,
              let observedAt = self.observedAt else { return self.timing.retryPeriod }
        let left = observedAt + self.timing.leaseDuration - now
        return max(.milliseconds(10), min(self.timing.retryPeriod, left + .milliseconds(10)))
    }

    /// The write of `spec` succeeded at `now`.
    public mutating func wrote(_ spec: LeaseSpec, now: ContinuousClock.Instant) {
        self.observed = spec
        self.observedAt = now
        self.renewedAt = now
    }

    /// What a leader that stops writes, so another takes over at once (client-go's
    /// ReleaseOnCancel): no holder, a one-second lease.
    public func release(_ current: LeaseSpec, wall: MicroTime) -> LeaseSpec? {
        guard current.holderIdentity == self.identity else { return nil }
        var released = current
        released.holderIdentity = nil
        released.leaseDurationSeconds = 1
        released.renewTime = wall
        return released
    }
}

extension LeaseSpec {
    func withTransitions(_ count: Int32) -> LeaseSpec {
        var spec = self
        spec.leaseTransitions = count
        return spec
    }
}
