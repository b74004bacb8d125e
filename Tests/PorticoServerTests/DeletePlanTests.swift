import PorticoAPI
import Testing

@testable import PorticoServer

/// What a DELETE does to one object, decided without a store: preconditions, the finalizers
/// the propagation policy adds, graceful deletion, dry runs, and the deletion mark.
@Suite("Delete plan") struct DeletePlanTests {
    @Test func preconditionsCheckTheUIDFirstThenTheResourceVersion() {
        let both = DeleteOptions(preconditions: .init(uid: "other", resourceVersion: "9"))
        #expect(DeletePlan.preconditionFailure(both, uid: "u1", resourceVersion: 7)
                == "Precondition failed: UID in precondition: other, UID in object meta: u1")
        let version = DeleteOptions(preconditions: .init(uid: "u1", resourceVersion: "9"))
        #expect(DeletePlan.preconditionFailure(version, uid: "u1", resourceVersion: 7)
                == "Precondition failed: ResourceVersion in precondition: 9, ResourceVersion in object meta: 7")
        #expect(DeletePlan.preconditionFailure(DeleteOptions(preconditions: .init(uid: "u1", resourceVersion: "7")),
                                               uid: "u1", resourceVersion: 7) == nil)
        #expect(DeletePlan.preconditionFailure(DeleteOptions(), uid: "u1", resourceVersion: 7) == nil)
    }

    @Test func thePropagationPolicyAddsItsFinalizerOnce() {
        #expect(DeletePlan.finalizers(["a"], options: DeleteOptions(propagationPolicy: .orphan)) == ["a", "orphan"])
        #expect(DeletePlan.finalizers(["orphan"], options: DeleteOptions(propagationPolicy: .orphan)) == ["orphan"])
        #expect(DeletePlan.finalizers([], options: DeleteOptions(propagationPolicy: .foreground)) == ["foregroundDeletion"])
        #expect(DeletePlan.finalizers(["a"], options: DeleteOptions(propagationPolicy: .background)) == ["a"])
        var legacy = DeleteOptions()
        legacy.orphanDependents = true
        #expect(DeletePlan.finalizers([], options: legacy) == ["orphan"])
        legacy.orphanDependents = false
        #expect(DeletePlan.finalizers([], options: legacy) == [])
    }

    @Test func nothingHoldingTheObjectDeletesItNow() {
        #expect(DeletePlan.decide(DeleteOptions(), finalizers: [], extraFinalizers: [], gracePeriod: nil) == .deleteNow)
        #expect(DeletePlan.decide(DeleteOptions(propagationPolicy: .background), finalizers: [], extraFinalizers: [], gracePeriod: nil)
                == .deleteNow)
    }

    @Test func finalizersOrAGracePeriodMarkItInstead() {
        #expect(DeletePlan.decide(DeleteOptions(), finalizers: ["x"], extraFinalizers: [], gracePeriod: nil)
                == .mark(finalizers: ["x"], gracePeriodSeconds: nil))
        // A Namespace's spec.finalizers hold it without being written to metadata.
        #expect(DeletePlan.decide(DeleteOptions(), finalizers: [], extraFinalizers: ["kubernetes"], gracePeriod: nil)
                == .mark(finalizers: [], gracePeriodSeconds: nil))
        #expect(DeletePlan.decide(DeleteOptions(), finalizers: [], extraFinalizers: [], gracePeriod: 30)
                == .mark(finalizers: [], gracePeriodSeconds: 30))
        #expect(DeletePlan.decide(DeleteOptions(propagationPolicy: .foreground), finalizers: [], extraFinalizers: [], gracePeriod: nil)
                == .mark(finalizers: ["foregroundDeletion"], gracePeriodSeconds: nil))
    }

    @Test func aDryRunWritesNothingAndSaysWhetherTheObjectWouldGo() {
        let dry = DeleteOptions(dryRun: ["All"])
        #expect(DeletePlan.decide(dry, finalizers: [], extraFinalizers: [], gracePeriod: nil) == .dryRun(gone: true))
        #expect(DeletePlan.decide(dry, finalizers: ["x"], extraFinalizers: [], gracePeriod: nil) == .dryRun(gone: false))
        #expect(DeletePlan.decide(dry, finalizers: [], extraFinalizers: [], gracePeriod: 5) == .dryRun(gone: false))
        // As before the split: a dry run weighs the metadata finalizers and the grace period only.
        #expect(DeletePlan.decide(dry, finalizers: [], extraFinalizers: ["kubernetes"], gracePeriod: nil) == .dryRun(gone: true))
    }

    @Test func theFirstMarkSetsWhenTheGracePeriodEndsALaterOneKeepsIt() {
        var metadata = ObjectMeta(name: "p")
        DeletePlan.mark(&metadata, finalizers: ["orphan"], gracePeriodSeconds: 30, now: Time(secondsSinceEpoch: 1000))
        #expect(metadata.deletionTimestamp == Time(secondsSinceEpoch: 1030))
        #expect(metadata.deletionGracePeriodSeconds == 30)
        #expect(metadata.finalizers == ["orphan"])
        DeletePlan.mark(&metadata, finalizers: ["orphan", "foregroundDeletion"], gracePeriodSeconds: 0, now: Time(secondsSinceEpoch: 2000))
        #expect(metadata.deletionTimestamp == Time(secondsSinceEpoch: 1030))
        #expect(metadata.deletionGracePeriodSeconds == 30)
        #expect(metadata.finalizers == ["orphan", "foregroundDeletion"])

        var now = ObjectMeta(name: "cm")
        DeletePlan.mark(&now, finalizers: ["x"], gracePeriodSeconds: nil, now: Time(secondsSinceEpoch: 1000))
        #expect(now.deletionTimestamp == Time(secondsSinceEpoch: 1000))
        #expect(now.deletionGracePeriodSeconds == 0)
    }

    @Test func aMarkedObjectWithNothingLeftHoldingItIsFinished() {
        var metadata = ObjectMeta(name: "cm")
        #expect(!DeletePlan.finishesDeletion(metadata, extraFinalizers: []))  // not marked
        metadata.deletionTimestamp = Time(secondsSinceEpoch: 1)
        #expect(DeletePlan.finishesDeletion(metadata, extraFinalizers: []))
        #expect(!DeletePlan.finishesDeletion(metadata, extraFinalizers: ["kubernetes"]))
        metadata.finalizers = ["x"]
        #expect(!DeletePlan.finishesDeletion(metadata, extraFinalizers: []))
    }
}
