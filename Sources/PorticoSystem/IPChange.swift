/// One change to a network namespace's links, addresses or routes, as a plain value: a list
/// of them is what `NetworkKernel.apply` makes in one go (one `ip -batch` for the real kernel,
/// so a pod's plumbing costs two program starts, not seven), and what a test reads to see
/// exactly what the kernel was asked for.
public enum IPChange: Sendable, Equatable, CustomStringConvertible {
    case addBridge(String)
    /// A veth pair: `name` in this namespace, `peer` inside the named one.
    case addVeth(String, peer: String, peerNamespace: String)
    /// The link up; with `bridge`, as a port of that bridge.
    case setUp(String, bridge: String? = nil)
    /// A bridge port that may send a frame back out of the port it came in on: a pod that
    /// reaches itself through a Service (kubenet's hairpin-veth mode).
    case hairpin(String)
    case addAddress(InterfaceAddress)
    case replaceRoute(Route)

    /// The change as a line of `ip -batch`.
    public var description: String {
        switch self {
        case .addBridge(let name): "link add \(name) type bridge"
        case .addVeth(let name, let peer, let namespace): "link add \(name) type veth peer name \(peer) netns \(namespace)"
        case .setUp(let name, nil): "link set \(name) up"
        case .setUp(let name, let bridge?): "link set \(name) master \(bridge) up"
        case .hairpin(let name): "link set \(name) type bridge_slave hairpin on"
        case .addAddress(let address): "addr add \(address.address)/\(address.prefixLength) dev \(address.interface)"
        case .replaceRoute(let route): "route replace \(route)"
        }
    }
}
