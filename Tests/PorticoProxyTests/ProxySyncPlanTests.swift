import PorticoAPI
import PorticoNFTables
@testable import PorticoProxy
import Testing

/// The sync's plan, pure: when the whole table is written, what a partial sync sends, and
/// that what it sends brings a kernel to the whole table.
struct ProxySyncPlanTests {
    static let config = ProxyConfig(nodeName: "node-1", nodeIPs: ["10.10.10.1"])

    static func inputs(_ services: [Service], _ slices: [EndpointSlice]) -> ProxySyncPlan.Inputs {
        ProxySyncPlan.Inputs(
            services: services,
            service: { namespace, name in services.first { $0.metadata.namespace == namespace && $0.metadata.name == name } },
            slices: { namespace, name in
                slices.filter { $0.metadata.namespace == namespace && $0.metadata.labels[EndpointSlice.serviceNameLabel] == name }
            },
            allSlices: slices)
    }

    static let services = (0..<5).map { RulesetTests.service("s\($0)", clusterIP: "10.96.4.\($0 + 1)") }
    static let slices = (0..<5).map { RulesetTests.slice("s\($0)", [("10.244.1.\($0 + 2)", "node-1")]) }

    static func first() -> ProxySyncPlan {
        ProxySyncPlan.make(config: Self.config, inputs: Self.inputs(Self.services, Self.slices), dirty: [], previous: nil,
                           previousEntries: [:], wantFull: false)
    }

    @Test func theFirstSyncWritesTheWholeTable() {
        let plan = Self.first()
        #expect(plan.full)
        #expect(plan.script == plan.program.table().replacementTransaction)
        #expect(plan.entries.count == 5)
    }

    @Test func aChangedServiceIsSentAloneAndTheKernelEndsWithTheWholeTable() async throws {
        let first = Self.first()
        let kernel = NFTablesFake()
        try await kernel.apply(first.script)
        var slices = Self.slices
        slices[2] = RulesetTests.slice("s2", [("10.244.2.9", "node-2")])
        let plan = ProxySyncPlan.make(config: Self.config, inputs: Self.inputs(Self.services, slices), dirty: ["default/s2"],
                                      previous: first.program, previousEntries: first.entries, wantFull: false)
        #expect(!plan.full)
        #expect(plan.changedServices == ["default/s2"])
        #expect(plan.script.contains("10.244.2.9") && !plan.script.contains("10.244.1.5") && !plan.script.contains("add table"))
        try await kernel.apply(plan.script)
        let whole = ProxyRuleset.table(ProxyState.build(services: Self.services, slices: slices, config: Self.config))
        #expect(kernel.table(name: "portico")?.canonical == whole.canonical)
    }

    @Test func aGoneServiceLeavesItsEntriesAndItsChains() {
        let first = Self.first()
        let plan = ProxySyncPlan.make(config: Self.config, inputs: Self.inputs(Array(Self.services.dropLast()), Self.slices),
                                      dirty: ["default/s4"], previous: first.program, previousEntries: first.entries, wantFull: false)
        #expect(plan.entries["default/s4"] == nil)
        #expect(plan.script.contains("delete element ip portico service-ips { 10.96.4.5 . tcp . 80 }"))
    }

    @Test func theWholeTableWhenAskedWhenWhatAllShareChangesOrWhenTooMuchChanged() {
        let first = Self.first()
        let inputs = Self.inputs(Self.services, Self.slices)
        let asked = ProxySyncPlan.make(config: Self.config, inputs: inputs, dirty: [], previous: first.program,
                                       previousEntries: first.entries, wantFull: true)
        #expect(asked.full)
        var moved = Self.config
        moved.nodeIPs = ["10.10.10.2"]
        let context = ProxySyncPlan.make(config: moved, inputs: inputs, dirty: [], previous: first.program,
                                         previousEntries: first.entries, wantFull: false)
        #expect(context.full)
        let many = Set((0...ProxySyncPlan.partialLimit).map { "default/x\($0)" })
        let tooMuch = ProxySyncPlan.make(config: Self.config, inputs: inputs, dirty: many, previous: first.program,
                                         previousEntries: first.entries, wantFull: false)
        #expect(tooMuch.full)
        // Nothing dirty and nothing asked: nothing to send.
        let idle = ProxySyncPlan.make(config: Self.config, inputs: inputs, dirty: [], previous: first.program,
                                      previousEntries: first.entries, wantFull: false)
        #expect(!idle.full && idle.script.isEmpty)
    }
}
