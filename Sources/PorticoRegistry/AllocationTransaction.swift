import PorticoAPI

/// What one create, update or delete took from the allocators and what it will give back,
/// so that the write is all-or-nothing: `commit()` after the object is stored releases what
/// the old object held; `revert()` after a failure returns what this request took.
public final class AllocationTransaction: @unchecked Sendable {
    // Only the request that owns the transaction touches it; it is not shared between tasks.
    private let allocators: ServiceAllocators
    private var takenIPs: [IPAddress] = []
    private var takenPorts: [Int] = []
    private var releaseIPs: [IPAddress] = []
    private var releasePorts: [Int] = []
    private var finished = false

    init(_ allocators: ServiceAllocators) {
        self.allocators = allocators
    }

    func allocate(_ ip: IPAddress) throws(AllocationError) {
        guard let allocator = self.allocators.clusterIPs[ip.family] else { throw .mismatchedNetwork }
        try allocator.allocate(ip)
        self.takenIPs.append(ip)
    }

    func allocateNextIP(_ family: IPFamily) throws(AllocationError) -> IPAddress {
        guard let allocator = self.allocators.allocator(for: family) else { throw .mismatchedNetwork }
        let ip = try allocator.allocateNext()
        self.takenIPs.append(ip)
        return ip
    }

    func allocatePort(_ port: Int) throws(AllocationError) {
        try self.allocators.nodePorts.allocate(port)
        self.takenPorts.append(port)
    }

    func allocateNextPort() throws(AllocationError) -> Int {
        let port = try self.allocators.nodePorts.allocateNext()
        self.takenPorts.append(port)
        return port
    }

    func releaseOnCommit(ip: IPAddress) { self.releaseIPs.append(ip) }
    func releaseOnCommit(port: Int) { self.releasePorts.append(port) }

    /// The values this transaction took (for tests and diagnostics).
    public var allocatedIPs: [IPAddress] { self.takenIPs }
    public var allocatedPorts: [Int] { self.takenPorts }

    /// Commits (`stored`) or reverts in every server's view: with a shared record, what is
    /// given back goes through it (`ServiceAllocators.release`); alone, as `commit()`/`revert()`.
    public func finish(stored: Bool) async throws {
        guard self.allocators.shared != nil else { return stored ? self.commit() : self.revert() }
        guard !self.finished else { return }
        self.finished = true
        try await self.allocators.release(ips: stored ? self.releaseIPs : self.takenIPs,
                                          ports: stored ? self.releasePorts : self.takenPorts)
    }

    /// The object is stored: keep what was taken, give back what the old object no longer uses.
    public func commit() {
        guard !self.finished else { return }
        self.finished = true
        for ip in self.releaseIPs { self.allocators.clusterIPs[ip.family]?.release(ip) }
        for port in self.releasePorts { self.allocators.nodePorts.release(port) }
    }

    /// The write failed: give back everything this request took.
    public func revert() {
        guard !self.finished else { return }
        self.finished = true
        for ip in self.takenIPs { self.allocators.clusterIPs[ip.family]?.release(ip) }
        for port in self.takenPorts { self.allocators.nodePorts.release(port) }
    }
}
