/// One IPv4 address of an interface, as `ip -o -4 addr show` lists it.
public struct InterfaceAddress: Sendable, Equatable {
    public var interface: String
    public var address: String
    public var prefixLength: Int
}

extension Shell {
    /// The IPv4 addresses of this network namespace (or `netns`), of every interface or of `device`.
    public static func ipv4Addresses(netns: String? = nil, device: String? = nil) async throws -> [InterfaceAddress] {
        var arguments = (netns.map { ["-n", $0] } ?? []) + ["-o", "-4", "addr", "show"]
        if let device { arguments += ["dev", device] }
        return self.parseAddresses(try await self.run("ip", arguments).output)
    }

    static func parseAddresses(_ output: String) -> [InterfaceAddress] {
        output.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard words.count > 1, let i = words.firstIndex(of: "inet"), i + 1 < words.count else { return nil }
            let cidr = words[i + 1].split(separator: "/")
            guard cidr.count == 2, let prefix = Int(cidr[1]) else { return nil }
            let name = words[1].split(separator: "@").first.map(String.init) ?? String(words[1])
            return InterfaceAddress(interface: name, address: String(cidr[0]), prefixLength: prefix)
        }
    }
}
