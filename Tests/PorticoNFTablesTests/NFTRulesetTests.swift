import PorticoNFTables
import Testing

/// The in-memory kernel: transactions build what they say, all or nothing, and are refused
/// where nft refuses them.
struct NFTRulesetTests {
    /// A table like the proxy's: a verdict map whose values go to chains, a base chain that
    /// reads the map, and a set a rule reads.
    static func table(backends: [String]) -> NFTTable {
        var table = NFTTable(family: "ip", name: "t")
        var map = NFTSet(name: "services", keyType: "ipv4_addr . inet_proto . inet_service", valueType: "verdict")
        map.elements["10.96.0.1 . tcp . 80"] = "goto service-a"
        var local = NFTSet(name: "local", keyType: "ipv4_addr")
        local.elements["10.10.10.1"] = ""
        table.sets = [map, local]
        table.chains = [
            NFTChain(name: "prerouting", base: NFTBaseChain(type: "nat", hook: "prerouting", priority: -100),
                     rules: [NFTRule([.vmap([.daddr, .l4proto, .dport], map: "services")])]),
            NFTChain(name: "service-a", rules: backends.map { NFTRule([.compare(.saddr, negated: true, .named("local")), .dnat(proto: "tcp", address: $0, port: 8080)]) }),
        ]
        return table
    }

    @Test func aWholeTableWrittenIsTheTableHeld() throws {
        var kernel = NFTRuleset()
        let table = Self.table(backends: ["10.244.1.2"])
        try kernel.apply(table.replacementTransaction)
        #expect(kernel.table(name: "t") == table)
        // Written again whole: replaced, not added to.
        try kernel.apply(table.replacementTransaction)
        #expect(kernel.table(name: "t") == table)
    }

    @Test func aDifferenceAppliedGivesTheNewTable() throws {
        var kernel = NFTRuleset()
        let old = Self.table(backends: ["10.244.1.2"])
        try kernel.apply(old.replacementTransaction)
        var new = Self.table(backends: ["10.244.1.3", "10.244.2.3"])
        new.sets[0].elements["10.96.0.2 . udp . 53"] = "goto service-b"
        new.chains.append(NFTChain(name: "service-b", rules: [NFTRule([.drop])]))
        try kernel.apply(new.transaction(from: old))
        #expect(kernel.table(name: "t")?.canonical == new.canonical)
        // And back: the chain emptied, its map element gone, then the chain deleted.
        try kernel.apply(old.transaction(from: new))
        #expect(kernel.table(name: "t")?.canonical == old.canonical)
    }

    @Test func theKernelsRefusalsAndNothingChangedAfterOne() throws {
        var kernel = NFTRuleset()
        let table = Self.table(backends: ["10.244.1.2"])
        try kernel.apply(table.replacementTransaction)
        let refused = [
            "delete chain ip t service-a",                                      // it has rules
            "flush chain ip t service-a\ndelete chain ip t service-a",          // a map element goes to it
            "add element ip t services { 10.96.0.1 . tcp . 80 : goto prerouting }", // same key, another value
            "delete element ip t local { 10.10.10.9 }",                         // not there
            "add rule ip t service-z drop",                                     // no such chain
            "add rule ip t service-a ip saddr @nowhere drop",                   // no such set
            "delete set ip t local",                                            // a rule reads it
            "add set ip t local { type ipv4_addr; flags interval; }",           // declared differently
            "delete table ip nothing",
        ]
        for script in refused {
            #expect(throws: NFTTransaction.Failure.self, "\(script)") { try kernel.apply("flush chain ip t prerouting\n" + script) }
            #expect(kernel.table(name: "t") == table, "after \(script)")
        }
        // What nft accepts again: an element added with the value it has, a chain declared again.
        try kernel.apply("add element ip t services { 10.96.0.1 . tcp . 80 : goto service-a }\nadd chain ip t service-a")
        #expect(kernel.table(name: "t") == table)
    }

    @Test func linesItCannotReadAreErrors() {
        #expect(throws: NFTTransaction.Failure.self) { try NFTTransaction.parse("add element ip t services 10.96.0.1") }
        #expect(throws: NFTTransaction.Failure.self) { try NFTTransaction.parse("replace rule ip t c handle 4 drop") }
        #expect(throws: (any Error).self) { try NFTTransaction.parse("add rule ip t c frobnicate") }
    }

    @Test func theFakeKeepsWhatWasSentAndFailsWhenAsked() async throws {
        let fake = NFTablesFake()
        let table = Self.table(backends: ["10.244.1.2"])
        fake.failNext()
        await #expect(throws: NFTTransaction.Failure.self) { try await fake.apply(table.replacementTransaction) }
        #expect(fake.table(name: "t") == nil)
        try await fake.apply(table.replacementTransaction)
        #expect(fake.table(name: "t") == table)
        #expect(fake.scripts == [table.replacementTransaction])
    }
}
