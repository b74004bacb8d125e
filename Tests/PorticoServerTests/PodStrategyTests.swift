import PorticoAPI
import Testing

@testable import PorticoServer

/// What the pod's strategy decides that the generic flow does not: graceful deletion, the
/// old name of a selectable field, and which subresources the pod answers itself.
@Suite("Pod strategy") struct PodStrategyTests {
    func pod(node: String = "node-1", phase: PodPhase = .running, grace: Int64? = nil) -> Pod {
        var pod = Pod(metadata: ObjectMeta(name: "web", namespace: "default"), spec: PodSpec(nodeName: node), status: PodStatus(phase: phase))
        pod.spec.terminationGracePeriodSeconds = grace
        return pod
    }

    @Test func aPodOnANodeIsGivenItsGracePeriod() {
        #expect(PodStrategy.gracePeriod(self.pod(), DeleteOptions()) == 30)
        #expect(PodStrategy.gracePeriod(self.pod(grace: 5), DeleteOptions()) == 5)
        #expect(PodStrategy.gracePeriod(self.pod(grace: 5), DeleteOptions(gracePeriodSeconds: 12)) == 12)
    }

    @Test func aPodWithNothingToStopGoesAtOnce() {
        #expect(PodStrategy.gracePeriod(self.pod(), DeleteOptions(gracePeriodSeconds: 0)) == nil)
        #expect(PodStrategy.gracePeriod(self.pod(node: ""), DeleteOptions()) == nil)  // never scheduled
        #expect(PodStrategy.gracePeriod(self.pod(phase: .succeeded), DeleteOptions()) == nil)
        #expect(PodStrategy.gracePeriod(self.pod(phase: .failed), DeleteOptions()) == nil)
        #expect(PodStrategy.gracePeriod(self.pod(grace: 0), DeleteOptions()) == nil)
    }

    @Test func aPodAlreadyMarkedKeepsThePeriodItWasGiven() {
        var marked = self.pod()
        marked.metadata.deletionTimestamp = Time(secondsSinceEpoch: 100)
        marked.metadata.deletionGracePeriodSeconds = 30
        #expect(PodStrategy.gracePeriod(marked, DeleteOptions(gracePeriodSeconds: 1)) == 30)
        #expect(PodStrategy.gracePeriod(marked, DeleteOptions(gracePeriodSeconds: 0)) == nil)  // forced
    }

    @Test func specHostSelectsByNodeName() {
        #expect(PodStrategy.convertFieldLabel("spec.host") == "spec.nodeName")
        #expect(PodStrategy.convertFieldLabel("spec.nodeName") == "spec.nodeName")
        #expect(PodStrategy.convertFieldLabel("status.phase") == "status.phase")
    }

    @Test func thePodAnswersItsOwnSubresources() {
        for stream in ["exec", "attach", "portforward"] {
            #expect(PodStrategy.route(stream, .get) == .stream)
            #expect(PodStrategy.route(stream, .create) == .stream)
        }
        #expect(PodStrategy.route("binding", .create) == .binding)
        #expect(PodStrategy.route("log", .get) == .log)
        // Other verbs are left to the generic handlers, which answer 405.
        #expect(PodStrategy.route("binding", .get) == nil)
        #expect(PodStrategy.route("log", .update) == nil)
        #expect(PodStrategy.route("status", .get) == nil)
        #expect(PodStrategy.route("scale", .get) == nil)
    }

    @Test func theStrategyCarriesThePodsHooks() {
        let strategy = PodStrategy.make(info: Catalog.pods)
        #expect(strategy.gracePeriod(self.pod(), DeleteOptions()) == 30)
        #expect(strategy.convertFieldLabel("spec.host") == "spec.nodeName")
        #expect(strategy.subresourceHandler("binding", .create) != nil)
        #expect(strategy.subresourceHandler("status", .get) == nil)
        #expect(strategy.returnsDeletedObject)
        // Other kinds have none of it.
        let configMaps = ResourceStrategy<ConfigMap>(info: Catalog.configMaps, validateCreate: { _ in [] }, validateUpdate: { _, _ in [] })
        #expect(configMaps.gracePeriod(ConfigMap(), DeleteOptions()) == nil)
        #expect(configMaps.convertFieldLabel("spec.host") == "spec.host")
        #expect(configMaps.subresourceHandler("exec", .get) == nil)
    }
}
