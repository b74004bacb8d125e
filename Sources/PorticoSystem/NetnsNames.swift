import Foundation

/// Names of network namespaces that more than one room computes: the agent names a pod's
/// namespace so, and the lab finds a pod's processes by that name.
public enum NetnsNames {
    /// A pod's: the prefix, "pod-" and the first 12 hex digits of its UID (Linux limits
    /// names that become interface names).
    public static func pod(prefix: String, uid: String) -> String {
        "\(prefix)pod-" + String(uid.replacingOccurrences(of: "-", with: "").prefix(12))
    }
}
