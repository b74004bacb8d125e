import Crypto
import Foundation

/// Which node announces a LoadBalancer address in L2 mode (see `L2Speaker`).
public enum L2Election {
    /// The owner of `ip` among `candidates`, the same on every node.
    public static func owner(of ip: String, among candidates: [String]) -> String? {
        candidates.min { Self.rank($0, ip) < Self.rank($1, ip) }
    }

    static func rank(_ node: String, _ ip: String) -> String {
        SHA256.hash(data: Data("\(node)#\(ip)".utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
