import Foundation

/// A pool: `203.0.113.10-203.0.113.99` or a CIDR (its network and broadcast addresses left out).
public struct AddressPool: Sendable, Equatable, CustomStringConvertible {
    public var first: IPAddress
    public var last: IPAddress
    public var description: String

    public init(_ text: String) throws(AddressPoolError) {
        let parts = text.split(separator: "-", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.count == 2 {
            guard let first = IPAddress(parts[0]), let last = IPAddress(parts[1]), first.family == .ipv4, last.family == .ipv4,
                  first.ipv4Value <= last.ipv4Value else { throw AddressPoolError(text: text) }
            self.first = first
            self.last = last
        } else if let network = IPNetwork(text), network.address.family == .ipv4, network.prefixLength <= 30 {
            let size = UInt32(1) << UInt32(32 - network.prefixLength)
            self.first = IPAddress(ipv4: network.address.ipv4Value + 1)
            self.last = IPAddress(ipv4: network.address.ipv4Value + size - 2)
        } else if let single = IPAddress(text), single.family == .ipv4 {
            self.first = single
            self.last = single
        } else {
            throw AddressPoolError(text: text)
        }
        self.description = text
    }

    public func contains(_ ip: IPAddress) -> Bool {
        ip.family == .ipv4 && (self.first.ipv4Value...self.last.ipv4Value).contains(ip.ipv4Value)
    }

    public var addresses: some Sequence<IPAddress> {
        (self.first.ipv4Value...self.last.ipv4Value).lazy.map { IPAddress(ipv4: $0) }
    }
}

public struct AddressPoolError: Error, CustomStringConvertible {
    public var text: String
    public var description: String {
        "load-balancer pool \"\(self.text)\" is neither first-last IPv4 addresses nor an IPv4 CIDR of /30 or larger"
    }
}
