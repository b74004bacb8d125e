import PorticoAPI
import Testing

@testable import PorticoServer

/// A finalizer taken off a stored object, as garbage collection and the namespace
/// controller do when their work is done.
@Suite("Finalizer removal") struct FinalizerRemovalTests {
    @Test func theFinalizerGoesFromMetadataAndTheRestStays() {
        let stored: JSON = ["metadata": ["name": "cm", "finalizers": ["orphan", "example.com/keep"]], "data": ["a": "1"]]
        let updated = FinalizerRemoval.removing("orphan", from: stored)
        #expect(updated?["metadata"]?["finalizers"] == ["example.com/keep"])
        #expect(updated?["data"] == ["a": "1"])
    }

    @Test func theLastFinalizerTakesTheListWithIt() {
        let stored: JSON = ["metadata": ["name": "cm", "finalizers": ["orphan"]]]
        let updated = FinalizerRemoval.removing("orphan", from: stored)
        #expect(updated != nil)
        #expect(updated?["metadata"]?["finalizers"] == nil)
    }

    @Test func aNamespacesSpecFinalizerIsFoundToo() {
        let stored: JSON = ["metadata": ["name": "team"], "spec": ["finalizers": ["kubernetes"]]]
        let updated = FinalizerRemoval.removing("kubernetes", from: stored)
        #expect(updated?["spec"]?["finalizers"] == nil)
        #expect(updated?["metadata"]?["name"] == "team")
    }

    @Test func aFinalizerTheObjectDoesNotCarryMeansNoWrite() {
        let stored: JSON = ["metadata": ["name": "cm", "finalizers": ["x"]]]
        #expect(FinalizerRemoval.removing("orphan", from: stored) == nil)
        #expect(FinalizerRemoval.removing("orphan", from: ["metadata": ["name": "cm"]]) == nil)
    }
}
