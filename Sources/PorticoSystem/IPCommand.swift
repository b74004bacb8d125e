import Foundation

/// `NetworkKernel` through iproute2: changes with `ip addr|route|link ...` (a list of them as
/// one `ip -batch`), sysctls through /proc/sys, questions with `ip -j`
/// (JSON, so nothing depends on the layout of `ip`'s text), in this process's network
/// namespace or, with `netns`, in that named one (`ip -n`).
public struct IPCommand: NetworkKernel {
    public var netns: String?

    public init(netns: String? = nil) {
        self.netns = netns
    }

    public func linkExists(_ name: String) async throws -> Bool {
        try await self.ip(["link", "show", "dev", name], allowFailure: true).status == 0
    }

    public func addresses(device: String?) async throws -> [InterfaceAddress] {
        try Self.parseAddresses(try await self.ip(["-j", "-4", "addr", "show"] + (device.map { ["dev", $0] } ?? [])).output)
    }

    public func addAddress(_ address: String, prefixLength: Int, device: String) async throws {
        try await self.ip(["addr", "replace", "\(address)/\(prefixLength)", "dev", device])
    }

    public func deleteAddress(_ address: String, prefixLength: Int, device: String) async throws {
        try await self.ip(["addr", "del", "\(address)/\(prefixLength)", "dev", device], allowFailure: true)
    }

    public func routes(allTables: Bool) async throws -> [Route] {
        try Self.parseRoutes(try await self.ip(["-j", "-4", "route", "show"] + (allTables ? ["table", "all"] : [])).output)
    }

    public func replaceRoute(_ route: Route) async throws {
        var arguments = ["route", "replace"] + (route.type == "unicast" ? [] : [route.type]) + [route.destination]
        if let gateway = route.gateway { arguments += ["via", gateway] }
        if let device = route.device { arguments += ["dev", device] }
        if route.proto != "boot" { arguments += ["proto", route.proto] }
        if let scope = route.scope { arguments += ["scope", scope] }
        try await self.ip(arguments)
    }

    public func deleteRoute(_ destination: String, proto: String) async throws {
        try await self.ip(["route", "del", destination, "proto", proto], allowFailure: true)
    }

    public func apply(_ changes: [IPChange]) async throws {
        guard !changes.isEmpty else { return }
        try await Shell.run("ip", (self.netns.map { ["-n", $0] } ?? []) + ["-batch", "-"],
                            input: changes.map { "\($0)\n" }.joined())
    }

    public func deleteLink(_ name: String) async throws {
        try await self.ip(["link", "del", name], allowFailure: true)
    }

    public func addNamespace(_ name: String) async throws {
        try await Shell.run("ip", ["netns", "add", name])
    }

    public func deleteNamespace(_ name: String) async throws {
        let result = try await Shell.run("ip", ["netns", "del", name], allowFailure: true)
        if result.status != 0, FileManager.default.fileExists(atPath: "/run/netns/\(name)") {
            throw Shell.Failure(description: "ip netns del \(name): \(result.output)")
        }
    }

    public func namespace(_ name: String) -> any NetworkKernel {
        IPCommand(netns: name)
    }

    /// Written to /proc/sys, from inside the namespace when this is another one. A bridge
    /// setting whose file is missing loads `br_netfilter` first, as kubeadm's preflight asks.
    public func setSysctl(_ name: String, to value: String) async throws {
        let path = "/proc/sys/" + name.replacingOccurrences(of: ".", with: "/")
        if let netns = self.netns {
            try await Shell.run("ip", ["netns", "exec", netns, "sh", "-c", "echo \(value) > \(path)"])
            return
        }
        if name.hasPrefix("net.bridge."), !FileManager.default.fileExists(atPath: path) {
            _ = try? await Shell.run("modprobe", ["br_netfilter"], allowFailure: true)
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw Shell.Failure(description: "the kernel has no \(path)" + (name.hasPrefix("net.bridge.") ? " (load br_netfilter: `modprobe br_netfilter`)" : ""))
        }
        try "\(value)\n".write(toFile: path, atomically: false, encoding: .utf8)
    }

    @discardableResult
    func ip(_ arguments: [String], allowFailure: Bool = false) async throws -> (status: Int32, output: String) {
        try await Shell.run("ip", (self.netns.map { ["-n", $0] } ?? []) + arguments, allowFailure: allowFailure)
    }

    // MARK: reading `ip -j`

    struct JSONLink: Decodable {
        struct Address: Decodable {
            var family: String
            var local: String
            var prefixlen: Int
        }

        var ifname: String
        var addr_info: [Address]?
    }

    struct JSONRoute: Decodable {
        var dst: String
        var gateway: String?
        var dev: String?
        var `protocol`: String?
        var type: String?
        var table: String?
        var scope: String?
    }

    /// `ip -j -4 addr show`: every IPv4 address of every link listed.
    static func parseAddresses(_ json: String) throws -> [InterfaceAddress] {
        let links = try JSONDecoder().decode([JSONLink].self, from: Data(Self.nonEmpty(json).utf8))
        return links.flatMap { link in
            (link.addr_info ?? []).filter { $0.family == "inet" }.map {
                InterfaceAddress(interface: link.ifname, address: $0.local, prefixLength: $0.prefixlen)
            }
        }
    }

    /// `ip -j -4 route show [table all]`.
    static func parseRoutes(_ json: String) throws -> [Route] {
        try JSONDecoder().decode([JSONRoute].self, from: Data(Self.nonEmpty(json).utf8)).map {
            Route(destination: $0.dst, gateway: $0.gateway, device: $0.dev, proto: $0.protocol ?? "boot",
                  type: $0.type ?? "unicast", table: $0.table ?? "main", scope: $0.scope)
        }
    }

    /// `ip -j` prints nothing at all (not `[]`) for an empty list in some versions.
    static func nonEmpty(_ json: String) -> String {
        json.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? "[]" : json
    }
}
