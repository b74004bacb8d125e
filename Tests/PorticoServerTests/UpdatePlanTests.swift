import PorticoAPI
import Testing

@testable import PorticoServer

/// The decisions of an update and a create that need no store: the resourceVersion
/// precondition, the metadata the server owns, and whether an update changes anything.
@Suite("Update and create plans") struct UpdatePlanTests {
    @Test func theResourceVersionDecidesWhatTheWriteIsCheckedAgainst() {
        #expect(UpdatePlan.checkResourceVersion("7", stored: 7, allowUnconditionalUpdate: false) == .matches)
        #expect(UpdatePlan.checkResourceVersion("6", stored: 7, allowUnconditionalUpdate: true) == .conflict)
        #expect(UpdatePlan.checkResourceVersion("", stored: 7, allowUnconditionalUpdate: true) == .unconditional)
        #expect(UpdatePlan.checkResourceVersion("", stored: 7, allowUnconditionalUpdate: false) == .missing)
    }

    @Test func theURLFillsInThePlaceTheBodyLeftOut() {
        var metadata = ObjectMeta()
        UpdatePlan.fillPlace(&metadata, name: "web", namespace: "default", namespaced: true)
        #expect(metadata.name == "web" && metadata.namespace == "default")
        var given = ObjectMeta(name: "web", namespace: "default")
        UpdatePlan.fillPlace(&given, name: "other", namespace: "other", namespaced: true)
        #expect(given.name == "web" && given.namespace == "default")
        var clusterScoped = ObjectMeta(name: "n1", namespace: "default")
        UpdatePlan.fillPlace(&clusterScoped, name: "n1", namespace: "", namespaced: false)
        #expect(clusterScoped.namespace == "")
    }

    @Test func anUpdateKeepsTheMetadataTheServerOwns() {
        var old = ObjectMeta(name: "web")
        old.uid = "u1"
        old.creationTimestamp = Time(secondsSinceEpoch: 100)
        old.deletionTimestamp = Time(secondsSinceEpoch: 200)
        old.deletionGracePeriodSeconds = 30
        old.generation = 4
        var new = ObjectMeta(name: "web")
        new.creationTimestamp = Time(secondsSinceEpoch: 5)
        new.generation = 9
        UpdatePlan.keepServerOwned(&new, stored: old)
        #expect(new.uid == "u1")
        #expect(new.creationTimestamp == Time(secondsSinceEpoch: 100))
        #expect(new.deletionTimestamp == Time(secondsSinceEpoch: 200) && new.deletionGracePeriodSeconds == 30)
        #expect(new.generation == 4)
        // A uid the client sent is left for validation to refuse.
        var other = ObjectMeta(name: "web")
        other.uid = "u2"
        UpdatePlan.keepServerOwned(&other, stored: old)
        #expect(other.uid == "u2")
    }

    @Test func anUpdateThatChangesNothingButManagedFieldsTimesIsANoOp() {
        let stored: JSON = ["metadata": ["name": "cm", "resourceVersion": "7",
                                         "managedFields": [["manager": "kubectl", "operation": "Update", "time": "2024-01-01T00:00:00Z"]]],
                            "data": ["a": "1"]]
        var again = stored
        again["metadata"]?["managedFields"] = [["manager": "kubectl", "operation": "Update", "time": "2025-06-01T00:00:00Z"]]
        #expect(UpdatePlan.isNoOp(candidate: again, stored: stored))
        var changed = stored
        changed["data"]?["a"] = "2"
        #expect(!UpdatePlan.isNoOp(candidate: changed, stored: stored))
        var otherManager = stored
        otherManager["metadata"]?["managedFields"] = [["manager": "helm", "operation": "Update", "time": "2024-01-01T00:00:00Z"]]
        #expect(!UpdatePlan.isNoOp(candidate: otherManager, stored: stored))
    }

    @Test func aCreateGoesIntoTheRequestsNamespace() throws {
        #expect(try CreatePlan.namespace("", requested: "default", namespaced: true) == "default")
        #expect(try CreatePlan.namespace("default", requested: "default", namespaced: true) == "default")
        #expect(try CreatePlan.namespace("kube-system", requested: "", namespaced: false) == "")
        #expect(throws: APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")) {
            try CreatePlan.namespace("other", requested: "default", namespaced: true)
        }
    }

    @Test func aCreateSetsTheMetadataTheServerOwns() {
        var metadata = ObjectMeta(name: "web")
        metadata.uid = "client-chosen"
        metadata.resourceVersion = "5"
        metadata.deletionTimestamp = Time(secondsSinceEpoch: 1)
        metadata.deletionGracePeriodSeconds = 3
        metadata.selfLink = "/api/v1/x"
        CreatePlan.setServerOwned(&metadata, uid: "u1", now: Time(secondsSinceEpoch: 100), countsGenerations: true)
        #expect(metadata.uid == "u1" && metadata.creationTimestamp == Time(secondsSinceEpoch: 100))
        #expect(metadata.resourceVersion == "" && metadata.selfLink == "")
        #expect(metadata.deletionTimestamp == nil && metadata.deletionGracePeriodSeconds == nil)
        #expect(metadata.generation == 1)
        var uncounted = ObjectMeta(name: "cm")
        CreatePlan.setServerOwned(&uncounted, uid: "u2", now: Time(secondsSinceEpoch: 100), countsGenerations: false)
        #expect(uncounted.generation == 0)
    }
}
