import Foundation

/// One IPv4 address of an interface.
public struct InterfaceAddress: Sendable, Equatable, Hashable {
    public var interface: String
    public var address: String
    public var prefixLength: Int

    public init(interface: String, address: String, prefixLength: Int) {
        self.interface = interface
        self.address = address
        self.prefixLength = prefixLength
    }
}

/// One IPv4 route of the main (or, when asked, any) table.
public struct Route: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// `10.244.2.0/24`, an address, or `default`.
    public var destination: String
    public var gateway: String?
    public var device: String?
    /// `static`, `kernel`, `boot` (iproute2's default when not given), ...
    public var proto: String
    /// `unicast`, `unreachable`, `local`, `broadcast`, ...
    public var type: String
    public var table: String
    /// `link` for a route straight out of the device; nil: the kernel's choice.
    public var scope: String?

    public init(destination: String, gateway: String? = nil, device: String? = nil, proto: String = "boot",
                type: String = "unicast", table: String = "main", scope: String? = nil) {
        self.destination = destination
        self.gateway = gateway
        self.device = device
        self.proto = proto
        self.type = type
        self.table = table
        self.scope = scope
    }

    /// As `ip route` prints it.
    public var description: String {
        var words = (self.type == "unicast" ? [] : [self.type]) + [self.destination]
        if let gateway = self.gateway { words += ["via", gateway] }
        if let device = self.device { words += ["dev", device] }
        if self.table != "main" { words += ["table", self.table] }
        if self.proto != "boot" { words += ["proto", self.proto] }
        if let scope = self.scope { words += ["scope", scope] }
        return words.joined(separator: " ")
    }
}

/// Links, addresses, routes and sysctls of one network namespace, and the namespaces it names: what the agent, the speaker, the
/// load balancer and the lab ask of the kernel's IP configuration, behind one small protocol
/// with the real one (`IPCommand`: iproute2 with JSON output) and a fake (`NetworkKernelFake`),
/// so their logic is tested without root.
public protocol NetworkKernel: Sendable {
    /// Whether a link of this name exists.
    func linkExists(_ name: String) async throws -> Bool
    /// The IPv4 addresses, of every interface or of `device`.
    func addresses(device: String?) async throws -> [InterfaceAddress]
    func addAddress(_ address: String, prefixLength: Int, device: String) async throws
    /// Removes the address; nothing happens when it is not there.
    func deleteAddress(_ address: String, prefixLength: Int, device: String) async throws
    /// The IPv4 routes of the main table, or of every table.
    func routes(allTables: Bool) async throws -> [Route]
    /// Adds or replaces the route to `route.destination` (its gateway, device, proto, type).
    func replaceRoute(_ route: Route) async throws
    /// Removes the route to `destination` of protocol `proto`; nothing happens when it is not there.
    func deleteRoute(_ destination: String, proto: String) async throws
    /// Makes the changes in order, in one go; the first that the kernel refuses stops the rest
    /// and is the error.
    func apply(_ changes: [IPChange]) async throws
    /// Removes the link (and a veth's peer with it); nothing happens when it is not there.
    func deleteLink(_ name: String) async throws
    /// Adds a named network namespace (under /run/netns).
    func addNamespace(_ name: String) async throws
    /// Removes a named network namespace; nothing happens when it is not there, and it is an
    /// error when it stays.
    func deleteNamespace(_ name: String) async throws
    /// The kernel as seen from inside a named network namespace.
    func namespace(_ name: String) -> any NetworkKernel
    /// Sets a sysctl of this namespace (`net.ipv4.ip_forward` to `1`).
    func setSysctl(_ name: String, to value: String) async throws
}

extension NetworkKernel {
    public func addresses() async throws -> [InterfaceAddress] { try await self.addresses(device: nil) }
    public func routes() async throws -> [Route] { try await self.routes(allTables: false) }
}
