import Synchronization

/// A `NetworkKernel` in memory, for tests: links, addresses, routes and sysctls as the kernel
/// would hold them after the calls made, the named namespaces (each a fake of its own), and
/// every change in order. It refuses what the kernel refuses (a link added twice, an address
/// on a missing device, a veth into a missing namespace); deleting what is not there does
/// nothing, as `IPCommand`'s deletions do.
public final class NetworkKernelFake: NetworkKernel {
    /// The other end of a veth, in another namespace.
    public struct VethPeer: Sendable, Hashable {
        public var namespace: String
        public var name: String
    }

    public struct State: Sendable, Equatable {
        public var links: Set<String> = []
        /// Links that are up, and the bridge each port belongs to.
        public var up: Set<String> = []
        public var masters: [String: String] = [:]
        public var hairpins: Set<String> = []
        /// Each veth here whose peer is in another namespace, and that namespace: removing
        /// either end, or the namespace, removes both ends, as in the kernel.
        public var vethPeers: [String: VethPeer] = [:]
        public var addresses: [InterfaceAddress] = []
        public var routes: [Route] = []
        public var sysctls: [String: String] = [:]
        /// Each change, as `ip` would be asked for it (`addr add 10.0.0.1/32 dev eth1`).
        public var changes: [String] = []
    }

    let state: Mutex<State>
    let namespaces: Mutex<[String: NetworkKernelFake]> = Mutex([:])

    public init(links: Set<String> = [], addresses: [InterfaceAddress] = [], routes: [Route] = []) {
        self.state = Mutex(State(links: links.union(addresses.map(\.interface)), addresses: addresses, routes: routes))
    }

    public var current: State { self.state.withLock { $0 } }

    /// The names of the namespaces that exist.
    public var namespaceNames: Set<String> { Set(self.namespaces.withLock { $0.keys }) }

    public func linkExists(_ name: String) async throws -> Bool {
        self.state.withLock { $0.links.contains(name) }
    }

    public func addresses(device: String?) async throws -> [InterfaceAddress] {
        try self.state.withLock { state in
            if let device { try Self.require(device, in: state) }
            return state.addresses.filter { device == nil || $0.interface == device }
        }
    }

    public func addAddress(_ address: String, prefixLength: Int, device: String) async throws {
        try self.state.withLock { state in
            let entry = InterfaceAddress(interface: device, address: address, prefixLength: prefixLength)
            try Self.require(device, in: state)
            if !state.addresses.contains(entry) { state.addresses.append(entry) }
            state.changes.append(IPChange.addAddress(entry).description)
        }
    }

    public func deleteAddress(_ address: String, prefixLength: Int, device: String) async throws {
        self.state.withLock { state in
            state.addresses.removeAll { $0 == InterfaceAddress(interface: device, address: address, prefixLength: prefixLength) }
            state.changes.append("addr del \(address)/\(prefixLength) dev \(device)")
        }
    }

    public func routes(allTables: Bool) async throws -> [Route] {
        self.state.withLock { state in state.routes.filter { allTables || $0.table == "main" } }
    }

    public func replaceRoute(_ route: Route) async throws {
        try self.state.withLock { state in try Self.replace(route, in: &state) }
    }

    public func deleteRoute(_ destination: String, proto: String) async throws {
        self.state.withLock { state in
            state.routes.removeAll { $0.destination == destination && $0.proto == proto && $0.table == "main" }
            state.changes.append("route del \(destination) proto \(proto)")
        }
    }

    public func apply(_ changes: [IPChange]) async throws {
        for change in changes {
            if case .addVeth(let name, let peer, let namespace) = change {
                guard let inside = self.namespaces.withLock({ $0[namespace] }) else {
                    throw Shell.Failure(description: "Cannot find netns \"\(namespace)\"")
                }
                try inside.state.withLock { state in try Self.addLink(peer, to: &state) }
                self.state.withLock { $0.vethPeers[name] = VethPeer(namespace: namespace, name: peer) }
            }
            try self.state.withLock { state in
                try Self.make(change, in: &state)
                state.changes.append(change.description)
            }
        }
    }

    public func deleteLink(_ name: String) async throws {
        let peer = self.state.withLock { state -> VethPeer? in
            guard state.links.contains(name) else { return nil }
            state.changes.append("link del \(name)")
            return Self.remove(name, from: &state)
        }
        if let peer, let inside = self.namespaces.withLock({ $0[peer.namespace] }) {
            inside.state.withLock { state in _ = Self.remove(peer.name, from: &state) }
        }
    }

    public func addNamespace(_ name: String) async throws {
        try self.namespaces.withLock { namespaces in
            guard namespaces[name] == nil else { throw Shell.Failure(description: "Cannot create namespace file \"/run/netns/\(name)\": File exists") }
            namespaces[name] = NetworkKernelFake(links: ["lo"])
        }
        self.state.withLock { $0.changes.append("netns add \(name)") }
    }

    public func deleteNamespace(_ name: String) async throws {
        guard self.namespaces.withLock({ $0.removeValue(forKey: name) }) != nil else { return }
        self.state.withLock { state in
            state.changes.append("netns del \(name)")
            for (link, peer) in state.vethPeers where peer.namespace == name { _ = Self.remove(link, from: &state) }
        }
    }

    /// The namespace's own fake; one that does not exist refuses everything, as `ip -n` does.
    public func namespace(_ name: String) -> any NetworkKernel {
        self.namespaces.withLock { $0[name] } ?? MissingNamespace(name: name)
    }

    public func setSysctl(_ name: String, to value: String) async throws {
        self.state.withLock { state in
            state.sysctls[name] = value
            state.changes.append("sysctl \(name)=\(value)")
        }
    }

    // MARK: the kernel's rules

    static func make(_ change: IPChange, in state: inout State) throws {
        switch change {
        case .addBridge(let name), .addVeth(let name, _, _):
            try Self.addLink(name, to: &state)
        case .setUp(let name, let bridge):
            try Self.require(name, in: state)
            if let bridge {
                try Self.require(bridge, in: state)
                state.masters[name] = bridge
            }
            state.up.insert(name)
        case .hairpin(let name):
            guard state.masters[name] != nil else { throw Shell.Failure(description: "\(name) is not a bridge port: Operation not supported") }
            state.hairpins.insert(name)
        case .addAddress(let entry):
            try Self.require(entry.interface, in: state)
            guard !state.addresses.contains(entry) else { throw Shell.Failure(description: "RTNETLINK answers: File exists") }
            state.addresses.append(entry)
        case .replaceRoute(let route):
            try Self.replace(route, in: &state, log: false)
        }
    }

    /// Removes the link and what hangs on it; its veth peer in another namespace, if any.
    static func remove(_ name: String, from state: inout State) -> VethPeer? {
        state.links.remove(name)
        state.up.remove(name)
        state.masters[name] = nil
        state.hairpins.remove(name)
        state.addresses.removeAll { $0.interface == name }
        state.routes.removeAll { $0.device == name }
        return state.vethPeers.removeValue(forKey: name)
    }

    static func addLink(_ name: String, to state: inout State) throws {
        guard state.links.insert(name).inserted else { throw Shell.Failure(description: "RTNETLINK answers: File exists") }
    }

    static func require(_ device: String, in state: State) throws {
        guard state.links.contains(device) else { throw Shell.Failure(description: "Cannot find device \"\(device)\"") }
    }

    /// A route through a device needs the device; one via a gateway needs the gateway on a
    /// subnet of an address here (the kernel's "Nexthop has invalid gateway").
    static func replace(_ route: Route, in state: inout State, log: Bool = true) throws {
        if let device = route.device { try Self.require(device, in: state) }
        if let gateway = route.gateway, route.device != nil,
           !state.addresses.contains(where: { $0.interface == route.device && Self.sameSubnet($0, gateway) }) {
            throw Shell.Failure(description: "Error: Nexthop has invalid gateway.")
        }
        state.routes.removeAll { $0.destination == route.destination && $0.table == route.table }
        state.routes.append(route)
        if log { state.changes.append(IPChange.replaceRoute(route).description) }
    }

    static func sameSubnet(_ address: InterfaceAddress, _ other: String) -> Bool {
        guard let mine = Self.ipv4Value(address.address), let theirs = Self.ipv4Value(other) else { return false }
        let mask: UInt32 = address.prefixLength == 0 ? 0 : ~UInt32(0) << UInt32(32 - address.prefixLength)
        return mine & mask == theirs & mask
    }

    static func ipv4Value(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".").compactMap { UInt32($0) }
        guard parts.count == 4, parts.allSatisfy({ $0 < 256 }) else { return nil }
        return parts.reduce(0) { $0 << 8 | $1 }
    }
}

/// What `ip -n` does for a namespace that does not exist: refuses everything.
struct MissingNamespace: NetworkKernel {
    let name: String

    var failure: Shell.Failure { Shell.Failure(description: "Cannot open network namespace \"\(self.name)\": No such file or directory") }
    func linkExists(_ name: String) async throws -> Bool { throw self.failure }
    func addresses(device: String?) async throws -> [InterfaceAddress] { throw self.failure }
    func addAddress(_ address: String, prefixLength: Int, device: String) async throws { throw self.failure }
    func deleteAddress(_ address: String, prefixLength: Int, device: String) async throws { throw self.failure }
    func routes(allTables: Bool) async throws -> [Route] { throw self.failure }
    func replaceRoute(_ route: Route) async throws { throw self.failure }
    func deleteRoute(_ destination: String, proto: String) async throws { throw self.failure }
    func apply(_ changes: [IPChange]) async throws { throw self.failure }
    func deleteLink(_ name: String) async throws { throw self.failure }
    func addNamespace(_ name: String) async throws { throw self.failure }
    func deleteNamespace(_ name: String) async throws { throw self.failure }
    func namespace(_ name: String) -> any NetworkKernel { self }
    func setSysctl(_ name: String, to value: String) async throws { throw self.failure }
}
