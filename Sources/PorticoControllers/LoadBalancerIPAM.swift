import PorticoAPI

/// Which LoadBalancer Service holds which external address, and the rules for handing them
/// out, as MetalLB's controller applies them: addresses come from the pools in order; a
/// Service may ask for its own (`spec.loadBalancerIP` or the `portico.dev/load-balancer-ips`
/// annotation); Services that carry the same `portico.dev/allow-shared-ip` key may share an
/// address as long as no port (protocol and number) is used twice on it. Pure: the
/// controller keeps one and writes what it decides.
public struct LoadBalancerIPAM: Sendable, Equatable {
    public static let sharingAnnotation = "portico.dev/allow-shared-ip"
    public static let addressesAnnotation = "portico.dev/load-balancer-ips"

    /// A pool of addresses (`AddressPool`, in PorticoAPI so the lab can check its config
    /// without the controllers).
    public typealias Pool = AddressPool
    public typealias PoolError = AddressPoolError

    /// What a Service needs of an address.
    public struct Claim: Sendable, Equatable {
        public var key: String
        public var shareKey: String?
        /// `TCP/80`, `UDP/53`, ...
        public var ports: Set<String>
        /// Addresses the Service asked for (any one of them will do); empty: any.
        public var requested: [IPAddress]

        public init(key: String, shareKey: String?, ports: Set<String>, requested: [IPAddress]) {
            self.key = key
            self.shareKey = shareKey
            self.ports = ports
            self.requested = requested
        }

        /// The claim a LoadBalancer Service makes, or the reason its request cannot be read.
        public static func of(_ service: Service) -> Result<Claim, Failure> {
            var requested: [IPAddress] = []
            let asked = service.metadata.annotations[LoadBalancerIPAM.addressesAnnotation]
                .map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
                ?? (service.spec.loadBalancerIP.isEmpty ? [] : [service.spec.loadBalancerIP])
            for text in asked where !text.isEmpty {
                guard let ip = IPAddress(text) else { return .failure(.unreadable(text)) }
                if ip.family == .ipv4 { requested.append(ip) }
            }
            let share = service.metadata.annotations[LoadBalancerIPAM.sharingAnnotation].flatMap { $0.isEmpty ? nil : $0 }
            return .success(Claim(key: "\(service.metadata.namespace)/\(service.metadata.name)", shareKey: share,
                                  ports: Set(service.spec.ports.map { "\($0.protocol.rawValue.isEmpty ? "TCP" : $0.protocol.rawValue)/\($0.port)" }),
                                  requested: requested))
        }
    }

    /// Why a Service stays `<pending>`, in words for its Events.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case exhausted(pools: String)
        case notInPool(IPAddress, pools: String)
        case taken(IPAddress, by: String)
        case portClash(IPAddress, port: String, with: String)
        case unreadable(String)
        case noPools

        public var description: String {
            switch self {
            case .noPools: return "no load-balancer address pool is configured (portico server --load-balancer-ip-pool)"
            case .exhausted(let pools): return "no available IPs: every address of the pools (\(pools)) is in use"
            case .notInPool(let ip, let pools): return "\(ip) is not in any pool (\(pools))"
            case .taken(let ip, let by):
                return "\(ip) is in use by \(by); Services share an address only when both carry the same \(LoadBalancerIPAM.sharingAnnotation) key"
            case .portClash(let ip, let port, let with):
                return "\(ip) is shared with \(with), which already uses port \(port); shared Services must use different ports"
            case .unreadable(let text): return "\"\(text)\" (asked for in spec.loadBalancerIP or \(LoadBalancerIPAM.addressesAnnotation)) is not an IP address"
            }
        }
    }

    public var pools: [Pool]
    /// Address → the claims on it.
    public private(set) var holders: [IPAddress: [Claim]] = [:]

    public init(pools: [Pool]) { self.pools = pools }

    var poolText: String { self.pools.map(\.description).joined(separator: ", ") }

    public func address(of key: String) -> IPAddress? {
        self.holders.first { $0.value.contains { $0.key == key } }?.key
    }

    public mutating func release(_ key: String) {
        for (ip, claims) in self.holders where claims.contains(where: { $0.key == key }) {
            let rest = claims.filter { $0.key != key }
            self.holders[ip] = rest.isEmpty ? nil : rest
        }
    }

    /// Whether `claim` may hold `ip` beside the others there.
    func check(_ claim: Claim, at ip: IPAddress) -> Failure? {
        for other in self.holders[ip] ?? [] where other.key != claim.key {
            guard let share = claim.shareKey, other.shareKey == share else { return .taken(ip, by: other.key) }
            if let port = claim.ports.intersection(other.ports).sorted().first { return .portClash(ip, port: port, with: other.key) }
        }
        return nil
    }

    /// Records an address that was already given out (from a Service's status), as the
    /// controller rebuilds its state at start. Refused if it breaks the rules.
    public mutating func restore(_ claim: Claim, at ip: IPAddress) -> Bool {
        guard self.pools.contains(where: { $0.contains(ip) }), self.check(claim, at: ip) == nil else { return false }
        self.release(claim.key)
        self.holders[ip, default: []].append(claim)
        return true
    }

    /// The address for `claim`: the one it has if that still holds, else the one it asked
    /// for, else one shared under its key, else the first free one.
    public mutating func assign(_ claim: Claim) -> Result<IPAddress, Failure> {
        guard !self.pools.isEmpty else { return .failure(.noPools) }
        if let current = self.address(of: claim.key), claim.requested.isEmpty || claim.requested.contains(current) {
            if self.check(claim, at: current) == nil {
                self.holders[current] = (self.holders[current] ?? []).map { $0.key == claim.key ? claim : $0 }
                return .success(current)
            }
        }
        self.release(claim.key)
        if !claim.requested.isEmpty {
            var failure: Failure?
            for ip in claim.requested {
                guard self.pools.contains(where: { $0.contains(ip) }) else {
                    failure = failure ?? .notInPool(ip, pools: self.poolText)
                    continue
                }
                if let problem = self.check(claim, at: ip) {
                    failure = problem
                    continue
                }
                self.holders[ip, default: []].append(claim)
                return .success(ip)
            }
            return .failure(failure ?? .exhausted(pools: self.poolText))
        }
        if claim.shareKey != nil {
            for (ip, claims) in self.holders.sorted(by: { $0.key < $1.key })
            where claims.allSatisfy({ $0.shareKey == claim.shareKey }) && self.check(claim, at: ip) == nil {
                self.holders[ip, default: []].append(claim)
                return .success(ip)
            }
        }
        for pool in self.pools {
            for ip in pool.addresses where self.holders[ip] == nil {
                self.holders[ip] = [claim]
                return .success(ip)
            }
        }
        return .failure(.exhausted(pools: self.poolText))
    }
}
