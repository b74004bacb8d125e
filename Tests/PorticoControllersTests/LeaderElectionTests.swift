import PorticoAPI
import Testing

@testable import PorticoControllers

/// client-go's leader election as a pure machine: who may take the lease and when, what a
/// renewal keeps, when leading ends, and what a leader that stops leaves behind.
struct LeaderElectionTests {
    static let start = ContinuousClock.now
    static let wall = MicroTime(microsecondsSinceEpoch: 1_765_000_000_000_000)

    static func at(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int64(seconds * 1000)) }
    static func wall(_ seconds: Double) -> MicroTime { MicroTime(microsecondsSinceEpoch: wall.microsecondsSinceEpoch + Int64(seconds * 1_000_000)) }

    @Test func theFirstCandidateCreatesTheLeaseAndLeads() {
        var election = LeaderElection(identity: "server-1")
        let write = election.decide(nil, now: Self.at(0), wall: Self.wall(0))
        guard case .create(let spec) = write else { Issue.record("expected a create, got \(write)"); return }
        #expect(spec.holderIdentity == "server-1" && spec.leaseDurationSeconds == 15 && spec.leaseTransitions == 0)
        #expect(spec.acquireTime == Self.wall(0) && spec.renewTime == Self.wall(0))
        #expect(!election.isLeader(at: Self.at(0)))
        election.wrote(spec, now: Self.at(0))
        #expect(election.isLeader(at: Self.at(9.9)) && !election.isLeader(at: Self.at(10)))
    }

    @Test func aHeldLeaseIsTakenOnlyAfterItStopsChangingForALeaseDuration() {
        var election = LeaderElection(identity: "server-2")
        var held = LeaseSpec(holderIdentity: "server-1", leaseDurationSeconds: 15, acquireTime: Self.wall(0), renewTime: Self.wall(0))
        held.leaseTransitions = 3
        #expect(election.decide(held, now: Self.at(0), wall: Self.wall(0)) == .none)
        // The holder renews at 10 s: the clock starts again from when the change was seen.
        held.renewTime = Self.wall(10)
        #expect(election.decide(held, now: Self.at(10), wall: Self.wall(10)) == .none)
        #expect(election.decide(held, now: Self.at(24.9), wall: Self.wall(24.9)) == .none)
        guard case .update(let taken) = election.decide(held, now: Self.at(25), wall: Self.wall(25)) else {
            Issue.record("expected the lease to be taken after 15 s without a change"); return
        }
        #expect(taken.holderIdentity == "server-2" && taken.leaseTransitions == 4)
        #expect(taken.acquireTime == Self.wall(25) && taken.renewTime == Self.wall(25))
    }

    /// A candidate tries again after the retry period, or right when the holder's lease (as
    /// last seen changing) runs out, whichever is sooner.
    @Test func aCandidateTriesAgainWhenTheHoldersLeaseRunsOut() {
        var election = LeaderElection(identity: "server-2")
        #expect(election.untilNextTry(at: Self.at(0)) == .seconds(2))
        let held = LeaseSpec(holderIdentity: "server-1", leaseDurationSeconds: 15, acquireTime: Self.wall(0), renewTime: Self.wall(0))
        #expect(election.decide(held, now: Self.at(1), wall: Self.wall(1)) == .none)
        #expect(election.untilNextTry(at: Self.at(3)) == .seconds(2))
        #expect(election.untilNextTry(at: Self.at(15)) == .milliseconds(1010))
        #expect(election.untilNextTry(at: Self.at(16.5)) == .milliseconds(10))
    }

    @Test func aRenewalKeepsTheAcquireTimeAndMissedRenewalsEndLeading() {
        var election = LeaderElection(identity: "server-1")
        guard case .create(let created) = election.decide(nil, now: Self.at(0), wall: Self.wall(0)) else { return }
        election.wrote(created, now: Self.at(0))
        guard case .update(let renewed) = election.decide(created, now: Self.at(2), wall: Self.wall(2)) else {
            Issue.record("a leader renews its own lease"); return
        }
        #expect(renewed.acquireTime == Self.wall(0) && renewed.renewTime == Self.wall(2) && renewed.leaseTransitions == 0)
        election.wrote(renewed, now: Self.at(2))
        // Every renewal from here fails (the API is away): leading ends 10 s after the last success.
        #expect(election.isLeader(at: Self.at(11.9)))
        #expect(!election.isLeader(at: Self.at(12)))
    }

    @Test func aReleasedLeaseIsTakenAtOnce() {
        let leader = LeaderElection(identity: "server-1")
        let held = LeaseSpec(holderIdentity: "server-1", leaseDurationSeconds: 15, acquireTime: Self.wall(0), renewTime: Self.wall(4))
        let released = leader.release(held, wall: Self.wall(5))
        #expect(released?.holderIdentity == nil && released?.leaseDurationSeconds == 1)
        #expect(LeaderElection(identity: "server-2").release(held, wall: Self.wall(5)) == nil)
        var next = LeaderElection(identity: "server-2")
        guard case .update(let taken) = next.decide(released, now: Self.at(5), wall: Self.wall(5)) else {
            Issue.record("a lease without a holder is taken at once"); return
        }
        #expect(taken.holderIdentity == "server-2" && taken.leaseTransitions == 1)
    }
}
