import Synchronization

/// A `NetworkKernel` in memory, for tests: links, addresses and routes as the kernel would
/// hold them after the calls made, and every change in order. Deleting what is not there does
/// nothing, as `IPCommand`'s deletions do.
public final class NetworkKernelFake: NetworkKernel {
    public struct State: Sendable, Equatable {
        public var links: Set<String> = []
        public var addresses: [InterfaceAddress] = []
        public var routes: [Route] = []
        /// Each change, as `ip` would be asked for it (`addr add 10.0.0.1/32 dev eth1`).
        public var changes: [String] = []
    }

    let state: Mutex<State>

    public init(links: Set<String> = [], addresses: [InterfaceAddress] = [], routes: [Route] = []) {
        self.state = Mutex(State(links: links.union(addresses.map(\.interface)), addresses: addresses, routes: routes))
    }

    public var current: State { self.state.withLock { $0 } }

    public func linkExists(_ name: String) async throws -> Bool {
        self.state.withLock { $0.links.contains(name) }
    }

    public func addresses(device: String?) async throws -> [InterfaceAddress] {
        self.state.withLock { state in state.addresses.filter { device == nil || $0.interface == device } }
    }

    public func addAddress(_ address: String, prefixLength: Int, device: String) async throws {
        try self.state.withLock { state in
            guard state.links.contains(device) else { throw Shell.Failure(description: "Cannot find device \"\(device)\"") }
            let entry = InterfaceAddress(interface: device, address: address, prefixLength: prefixLength)
            if !state.addresses.contains(entry) { state.addresses.append(entry) }
            state.changes.append("addr add \(address)/\(prefixLength) dev \(device)")
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
        self.state.withLock { state in
            state.routes.removeAll { $0.destination == route.destination && $0.table == route.table }
            state.routes.append(route)
            state.changes.append("route replace \(route.destination)" + (route.gateway.map { " via \($0)" } ?? "") + " proto \(route.proto)")
        }
    }

    public func deleteRoute(_ destination: String, proto: String) async throws {
        self.state.withLock { state in
            state.routes.removeAll { $0.destination == destination && $0.proto == proto && $0.table == "main" }
            state.changes.append("route del \(destination) proto \(proto)")
        }
    }
}
