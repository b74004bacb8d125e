/// Which Portico this is, and which Kubernetes release's API behaviour it follows.
public enum PorticoVersion {
    public static let portico = "0.1.0"
    /// Defaulting, validation, messages and feature gates follow this Kubernetes release.
    public static let kubernetes = "v1.34.0"
    public static let kubernetesMajor = "1"
    public static let kubernetesMinor = "34"
}
