import PorticoSystem

/// Where transactions go: `nft -f -` in a network namespace, or `NFTablesFake` in tests.
/// One seam to the kernel's nftables for the node proxy, the load balancer and the lab, so
/// each can be driven in a unit test without root.
public protocol NFTablesRunner: Sendable {
    /// Applies `script` (nft's language, several commands) as one atomic transaction: all of
    /// it or, on an error, none of it.
    func apply(_ script: String) async throws
}

/// Runs transactions through `nft -f -` (one atomic batch, as nft does for a file), in this
/// process's network namespace or, with `netns`, in that named one (`ip netns exec`).
public struct NFTCommand: NFTablesRunner {
    public var netns: String?

    public init(netns: String? = nil) {
        self.netns = netns
    }

    public func apply(_ script: String) async throws {
        try await self.run(["-f", "-"], input: script)
    }

    /// `nft list table <family> <name>`, the kernel's own text of it.
    public func list(family: String, name: String) async throws -> String {
        try await self.run(["list", "table", family, name]).output
    }

    /// Deletes the table if it is there; nothing happens when it is not.
    public func deleteTable(family: String, name: String) async {
        _ = try? await self.run(["delete", "table", family, name], allowFailure: true)
    }

    @discardableResult
    func run(_ arguments: [String], input: String? = nil, allowFailure: Bool = false) async throws -> (status: Int32, output: String) {
        if let netns {
            return try await Shell.run("ip", ["netns", "exec", netns, "nft"] + arguments, input: input, allowFailure: allowFailure)
        }
        return try await Shell.run("nft", arguments, input: input, allowFailure: allowFailure)
    }
}
