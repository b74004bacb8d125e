/// The WebSocket subprotocols of `pods/exec` and `pods/portforward`, in the order Portico
/// prefers them: the API server picks one from what kubectl offers and asks the node agent
/// for the same, so both sides read them from here.
public enum PodStreamProtocol {
    /// The channel protocol: v5 adds the close signal (stream 255) to v4.
    public static let exec = ["v5.channel.k8s.io", "v4.channel.k8s.io"]
    /// SPDY/3.1 tunnelled in WebSocket binary messages (kubectl 1.31+).
    public static let portForward = ["SPDY/3.1+portforward.k8s.io"]

    /// The first of `ours` that a `Sec-WebSocket-Protocol` header offers, as the kubelet picks.
    public static func choose(_ offered: String?, from ours: [String]) -> String? {
        let list = (offered ?? "").split(separator: ",").map { String($0).trimmingSpaces }
        return ours.first { list.contains($0) }
    }
}
