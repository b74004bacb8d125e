import PorticoAPI

/// Which API servers are alive, from the Leases each renews in kube-system (as
/// kube-apiserver's identity leases, labelled `apiserver.kubernetes.io/identity:
/// kube-apiserver`, and its lease endpoint reconciler): the `kubernetes` Service's endpoints
/// are the advertised addresses of the servers whose lease has not run out. Pure: the leases
/// and the time in, the addresses out.
enum APIServerLeases {
    static let namespace = "kube-system"
    static let identityLabel = "apiserver.kubernetes.io/identity"
    static let identityValue = "kube-apiserver"
    /// Where a server's lease says which address it serves on.
    static let addressAnnotation = "portico.dev/advertise-address"
    /// How long a lease holds without a renewal (upstream's endpoint reconciler: 15 s), and
    /// how often each server renews (10 s).
    static let duration: Int32 = 15
    static let renewEvery: Duration = .seconds(10)

    /// The lease's name for a server at `address:port`: one per server, stable across restarts.
    static func name(address: String, port: Int) -> String {
        "apiserver-" + address.map { $0.isLetter || $0.isNumber ? String($0).lowercased() : "-" }.joined() + "-\(port)"
    }

    /// This server's lease, renewed at `now`.
    static func lease(address: String, port: Int, identity: String, now: MicroTime, existing: Lease?) -> Lease {
        var lease = existing ?? Lease(metadata: ObjectMeta(name: Self.name(address: address, port: port), namespace: Self.namespace))
        lease.metadata.labels[Self.identityLabel] = Self.identityValue
        lease.metadata.annotations[Self.addressAnnotation] = address
        lease.spec.holderIdentity = identity
        lease.spec.leaseDurationSeconds = Self.duration
        lease.spec.renewTime = now
        return lease
    }

    /// The addresses of the servers whose lease is still running at `now`, sorted, each once.
    static func liveAddresses(_ leases: [Lease], now: MicroTime) -> [String] {
        let live = leases.compactMap { lease -> String? in
            guard let (address, expires) = Self.expiry(lease) else { return nil }
            return expires > now.microsecondsSinceEpoch ? address : nil
        }
        return Array(Set(live)).sorted { a, b in
            if let x = IPAddress(a), let y = IPAddress(b) { return x < y }
            return a < b
        }
    }

    /// How long until the first of the live leases runs out, so a dead server is taken out
    /// when its lease ends rather than at the next renewal; nil when none is live.
    static func untilNextExpiry(_ leases: [Lease], now: MicroTime) -> Duration? {
        let next = leases.compactMap { Self.expiry($0)?.expires }.filter { $0 > now.microsecondsSinceEpoch }.min()
        return next.map { .microseconds($0 - now.microsecondsSinceEpoch) }
    }

    /// A server's lease: its address and when it runs out (microseconds since the epoch).
    static func expiry(_ lease: Lease) -> (address: String, expires: Int64)? {
        guard lease.metadata.labels[Self.identityLabel] == Self.identityValue,
              let address = lease.metadata.annotations[Self.addressAnnotation],
              let renewed = lease.spec.renewTime else { return nil }
        return (address, renewed.microsecondsSinceEpoch + Int64(lease.spec.leaseDurationSeconds ?? Self.duration) * 1_000_000)
    }
}
