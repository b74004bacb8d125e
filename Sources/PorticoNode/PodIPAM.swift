import Foundation
import PorticoSystem
import PorticoAPI
import Synchronization

/// Pod addresses from the node's pod CIDR, as CNI's host-local IPAM keeps them: one file per
/// address in a directory, holding the pod's UID, so an agent that restarts knows which
/// address each pod had. The first address is the bridge's gateway; the last is broadcast.
public final class PodIPAM: Sendable {
    let directory: String
    let network: IPNetwork
    let lock = Mutex(())

    public init(directory: String, podCIDR: String) throws {
        guard let network = IPNetwork(podCIDR), network.address.family == .ipv4 else {
            throw Shell.Failure(description: "pod CIDR \(podCIDR) is not an IPv4 network")
        }
        self.directory = directory
        self.network = network
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    public var gateway: IPAddress { IPAddress(ipv4: self.network.address.ipv4Value + 1) }
    public var prefixLength: Int { self.network.prefixLength }

    /// The pod's address: the one it already holds, or the first free one.
    public func allocate(uid: String) throws -> String {
        try self.lock.withLock { _ in
            if let held = self.address(of: uid) { return held }
            let base = self.network.address.ipv4Value
            let size = UInt32(1) << UInt32(32 - self.network.prefixLength)
            for offset in UInt32(2)..<(size - 1) {
                let ip = IPAddress(ipv4: base + offset).description
                let fd = open(self.directory + "/" + ip, O_WRONLY | O_CREAT | O_EXCL, 0o644)
                if fd < 0 { continue }
                _ = uid.withCString { write(fd, $0, strlen($0)) }
                close(fd)
                return ip
            }
            throw Shell.Failure(description: "no free address left in \(self.network)")
        }
    }

    public func address(of uid: String) -> String? {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: self.directory)) ?? []
        return files.first { (try? String(contentsOfFile: self.directory + "/" + $0, encoding: .utf8)) == uid }
    }

    public func release(uid: String) {
        self.lock.withLock { _ in
            if let ip = self.address(of: uid) { try? FileManager.default.removeItem(atPath: self.directory + "/" + ip) }
        }
    }

    /// Every UID holding an address.
    public var holders: [String: String] {
        var result: [String: String] = [:]
        for file in (try? FileManager.default.contentsOfDirectory(atPath: self.directory)) ?? [] {
            if let uid = try? String(contentsOfFile: self.directory + "/" + file, encoding: .utf8) { result[uid] = file }
        }
        return result
    }
}
