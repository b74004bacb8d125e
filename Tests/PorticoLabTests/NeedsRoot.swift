import Foundation
import Testing

extension Trait where Self == ConditionTrait {
    /// Tests that make network namespaces, addresses, routes and nftables tables: run as
    /// root (CI is root and runs them all); as anyone else they are reported as skipped,
    /// with this reason.
    static var needsRoot: Self {
        .enabled(if: getuid() == 0, "needs root: it makes network namespaces, links, routes and nftables tables (run swift test as root)")
    }
}
