import PorticoAPI
import PorticoDNSWire

/// What the cluster zone says about one question: the DNS-Based Service Discovery
/// specification (schema 1.1.0) as CoreDNS's kubernetes plugin answers it, with
/// `pods insecure`. Pure: a question and the index in, records out.
public struct ClusterResolver: Sendable {
    public var zone: DNSName
    public var ttl: UInt32
    /// The Service whose ClusterIP answers for `ns.dns.<zone>` and the zone's NS record.
    public var dnsServiceKey = "kube-system/kube-dns"

    public init(zone: DNSName, ttl: UInt32 = 5) {
        self.zone = zone
        self.ttl = ttl
    }

    public static let schemaVersion = "1.1.0"
    static let reverseV4 = try! DNSName("in-addr.arpa")
    static let reverseV6 = try! DNSName("ip6.arpa")

    public enum Outcome: Sendable, Equatable {
        /// An authoritative answer (the rcode, records for each section).
        case answer(DNSResponseCode, answers: [DNSResourceRecord], authority: [DNSResourceRecord], additional: [DNSResourceRecord])
        /// The caches have not listed yet.
        case notReady
        /// Not ours: to the upstream resolvers.
        case forward
    }

    /// Whether a name is one this resolver answers for (the cluster zone, or a reverse zone).
    public func isClusterName(_ name: DNSName) -> Bool { name.isSubdomain(of: self.zone) }

    public func resolve(_ question: DNSQuestion, _ index: borrowing ClusterRecords.Index) -> Outcome {
        let name = question.name
        if name.isSubdomain(of: Self.reverseV4) || name.isSubdomain(of: Self.reverseV6) {
            guard index.synced else { return .notReady }
            // PTR for cluster addresses; other addresses fall through to the upstream
            // resolvers (kubeadm's `fallthrough in-addr.arpa ip6.arpa`).
            guard question.type == .ptr || question.type == .any, let ip = Self.address(fromReverse: name) else { return .forward }
            let targets = self.ptrTargets(ip, index)
            if targets.isEmpty { return .forward }
            return .answer(.noError, answers: targets.map { DNSResourceRecord(name: name, type: .ptr, ttl: self.ttl, data: .ptr($0)) },
                           authority: [], additional: [])
        }
        guard name.isSubdomain(of: self.zone) else { return .forward }
        guard index.synced else { return .notReady }
        let before = name.labels(before: self.zone)
        let labels = before.map { String(decoding: $0.map(DNSName.lower), as: UTF8.self) }
        // Negative answers name the zone as the question spelled it, as CoreDNS does.
        var spelled = self
        spelled.zone = name.dropping(before.count)
        return spelled.resolve(question, labels: labels, index)
    }

    func resolve(_ question: DNSQuestion, labels: [String], _ index: borrowing ClusterRecords.Index) -> Outcome {
        let name = question.name
        let type = question.type
        switch labels.count {
        case 0:
            switch type {
            case .soa: return self.answer([DNSResourceRecord(name: name, type: .soa, ttl: self.ttl, data: .soa(self.soa(index)))])
            case .ns:
                // The name server is the kube-dns Service, its ClusterIPs as glue.
                guard let service = index.services[self.dnsServiceKey], case .clusterIP(let ips) = service.kind,
                      let target = try? self.zone.prepending([service.name, service.namespace, "svc"]) else {
                    return self.answer([DNSResourceRecord(name: name, type: .ns, ttl: self.ttl, data: .ns(self.nsName))])
                }
                return self.answer([DNSResourceRecord(name: name, type: .ns, ttl: self.ttl, data: .ns(target))],
                                   additional: self.addressRecords(target, ips, type: .any))
            default: return self.noData(index)
            }
        case 1 where labels[0] == "dns-version":
            guard type == .txt || type == .any else { return self.noData(index) }
            return self.answer([DNSResourceRecord(name: name, type: .txt, ttl: 28800, data: .txt([Array(Self.schemaVersion.utf8)]))])
        case 1 where labels[0] == "svc" || labels[0] == "pod":
            return self.noData(index)
        case 2 where labels == ["ns", "dns"]:
            let records = self.dnsServiceAddresses(name, type: type, index)
            return records.isEmpty ? self.noData(index) : self.answer(records)
        default:
            break
        }
        switch labels.last {
        case "svc": return self.service(question, labels: Array(labels.dropLast()), index)
        case "pod": return self.pod(question, labels: Array(labels.dropLast()), index)
        default: return self.nameError(index)
        }
    }

    // MARK: <...>.<ns>.svc.<zone>

    func service(_ question: DNSQuestion, labels: [String], _ index: borrowing ClusterRecords.Index) -> Outcome {
        let name = question.name
        let type = question.type
        guard let namespace = labels.last else { return self.noData(index) }
        if labels.count == 1 {
            return index.namespaces.contains(namespace) ? self.noData(index) : self.nameError(index)
        }
        let serviceName = labels[labels.count - 2]
        let key = "\(namespace)/\(serviceName)"
        guard let service = index.services[key] else { return self.nameError(index) }
        let serviceDomain = name.dropping(labels.count - 2)
        // Endpoints matter for headless Services and endpoint names, not for a ClusterIP's own name.
        var needsEndpoints = labels.count == 3
        if case .headless = service.kind { needsEndpoints = true }
        let ready = needsEndpoints
            ? index.slices(ofService: key).flatMap { slice in slice.endpoints.filter(\.ready).map { (slice, $0) } } : []

        switch labels.count {
        case 2:
            switch service.kind {
            case .externalName(let target):
                // An address in externalName is not a name: CoreDNS publishes nothing for it.
                guard IPAddress(target) == nil, let cname = try? DNSName(target), !cname.labels.isEmpty else { return self.nameError(index) }
                if type == .srv { return self.noData(index) }
                return self.answer([DNSResourceRecord(name: name, type: .cname, ttl: self.ttl, data: .cname(cname))])
            case .clusterIP(let ips):
                if type == .srv {
                    guard !service.ports.isEmpty else { return self.noData(index) }
                    return self.clusterIPSRV(owner: name, serviceDomain: serviceDomain, ips: ips, ports: service.ports)
                }
                let records = self.addressRecords(name, ips, type: type)
                return records.isEmpty ? self.noData(index) : self.answer(records)
            case .headless:
                guard !ready.isEmpty else { return self.nameError(index) }
                if type == .srv {
                    return self.headlessSRV(owner: name, serviceDomain: serviceDomain, ready: ready, only: nil, index)
                }
                var seen = Set<IPAddress>()
                let ips = ready.map(\.1.ip).filter { seen.insert($0).inserted }
                let records = self.addressRecords(name, ips, type: type)
                return records.isEmpty ? self.noData(index) : self.answer(records)
            }
        case 3:
            // <hostname>.<svc>.<ns>.svc: an endpoint by its hostname (or dashed address).
            if case .externalName = service.kind { return self.nameError(index) }
            let host = labels[0]
            let matches = ready.filter { SliceRecord.label($0.1).lowercased() == host }
            guard !matches.isEmpty else { return self.nameError(index) }
            var seen = Set<IPAddress>()
            let records = self.addressRecords(name, matches.map(\.1.ip).filter { seen.insert($0).inserted }, type: type)
            return records.isEmpty ? self.noData(index) : self.answer(records)
        case 4:
            // _<port>._<proto>.<svc>.<ns>.svc: SRV for one named port (CoreDNS also takes the
            // labels without their underscores).
            let portName = labels[0].hasPrefix("_") ? String(labels[0].dropFirst()) : labels[0]
            let proto = labels[1].hasPrefix("_") ? String(labels[1].dropFirst()) : labels[1]
            guard let port = service.ports.first(where: { $0.name.lowercased() == portName && $0.proto == proto }) else {
                return self.nameError(index)
            }
            switch service.kind {
            case .clusterIP(let ips):
                guard type == .srv || type == .any else { return self.noData(index) }
                return self.clusterIPSRV(owner: name, serviceDomain: serviceDomain, ips: ips, ports: [port])
            case .headless:
                guard !ready.isEmpty else { return self.nameError(index) }
                guard type == .srv || type == .any else { return self.noData(index) }
                return self.headlessSRV(owner: name, serviceDomain: serviceDomain, ready: ready, only: port, index)
            case .externalName:
                return self.nameError(index)
            }
        default:
            return self.nameError(index)
        }
    }

    /// One SRV record per ready endpoint and named port, each endpoint's address as glue.
    func headlessSRV(owner: DNSName, serviceDomain: DNSName, ready: [(SliceRecord, SliceRecord.Endpoint)],
                     only: ServiceRecord.Port?, _ index: borrowing ClusterRecords.Index) -> Outcome {
        var records: [DNSResourceRecord] = []
        var glue: [DNSResourceRecord] = []
        var seenTargets = Set<DNSName>()
        var pairs: [(ServiceRecord.Port, DNSName, IPAddress)] = []
        for (slice, endpoint) in ready {
            guard let target = try? serviceDomain.prepending(SliceRecord.label(endpoint)) else { continue }
            for port in slice.ports {
                if let only, !(port.name.lowercased() == only.name.lowercased() && port.proto == only.proto) { continue }
                pairs.append((port, target, endpoint.ip))
            }
        }
        guard !pairs.isEmpty else { return self.noData(index) }
        let weight = UInt16(max(1, 100 / pairs.count))
        for (port, target, ip) in pairs {
            let record = self.srv(owner: owner, port: port, target: target, weight: weight)
            if !records.contains(record) { records.append(record) }
            if seenTargets.insert(target).inserted { glue += self.addressRecords(target, [ip], type: .any) }
        }
        return self.answer(records, additional: glue)
    }

    /// One SRV per port, all to the Service's name; CoreDNS weighs each (address, port) pair
    /// 100/N, so a dual-stack Service's records weigh 50.
    func clusterIPSRV(owner: DNSName, serviceDomain: DNSName, ips: [IPAddress], ports: [ServiceRecord.Port]) -> Outcome {
        let weight = UInt16(max(1, 100 / max(1, ips.count * ports.count)))
        var records: [DNSResourceRecord] = []
        for port in ports {
            let record = self.srv(owner: owner, port: port, target: serviceDomain, weight: weight)
            if !records.contains(record) { records.append(record) }
        }
        return self.answer(records, additional: self.addressRecords(serviceDomain, ips, type: .any))
    }

    func srv(owner: DNSName, port: ServiceRecord.Port, target: DNSName, weight: UInt16) -> DNSResourceRecord {
        DNSResourceRecord(name: owner, type: .srv, ttl: self.ttl,
                          data: .srv(SRVData(priority: 0, weight: weight, port: UInt16(clamping: port.port), target: target)))
    }

    // MARK: <a-b-c-d>.<ns>.pod.<zone>

    func pod(_ question: DNSQuestion, labels: [String], _ index: borrowing ClusterRecords.Index) -> Outcome {
        guard labels.count == 2 else {
            if labels.count == 1 { return index.namespaces.contains(labels[0]) ? self.noData(index) : self.nameError(index) }
            return self.nameError(index)
        }
        let dashed = labels[0]
        let text = dashed.contains("--") || dashed.filter({ $0 == "-" }).count > 3
            ? dashed.replacingOccurrences(of: "-", with: ":") : dashed.replacingOccurrences(of: "-", with: ".")
        guard let ip = IPAddress(text), index.namespaces.contains(labels[1]) else { return self.nameError(index) }
        let records = self.addressRecords(question.name, [ip], type: question.type)
        return records.isEmpty ? self.noData(index) : self.answer(records)
    }

    // MARK: PTR

    func ptrTargets(_ ip: IPAddress, _ index: borrowing ClusterRecords.Index) -> [DNSName] {
        var names: [DNSName] = []
        for key in (index.serviceIPs[ip] ?? []).sorted() {
            guard let service = index.services[key], let name = try? self.zone.prepending([service.name, service.namespace, "svc"]) else { continue }
            names.append(name)
        }
        for sliceKey in (index.endpointIPs[ip] ?? []).sorted() {
            guard let slice = index.slices[sliceKey], let service = index.services["\(slice.namespace)/\(slice.service)"],
                  case .headless = service.kind else { continue }
            for endpoint in slice.endpoints where endpoint.ip == ip && endpoint.ready {
                if let name = try? self.zone.prepending([SliceRecord.label(endpoint), slice.service, slice.namespace, "svc"]),
                   !names.contains(name)
                {
                    names.append(name)
                }
            }
        }
        return names
    }

    /// `4.3.2.1.in-addr.arpa` → 1.2.3.4; the 32 nibbles of `ip6.arpa` → the IPv6 address.
    static func address(fromReverse name: DNSName) -> IPAddress? {
        let labels = name.labels.map { String(decoding: $0, as: UTF8.self).lowercased() }
        if name.isSubdomain(of: reverseV4) {
            guard labels.count == 6 else { return nil }
            let octets = labels[0..<4].reversed()
            guard octets.allSatisfy({ UInt8($0) != nil && ($0 == "0" || !$0.hasPrefix("0")) }) else { return nil }
            return IPAddress(octets.joined(separator: "."))
        }
        guard labels.count == 34, labels[0..<32].allSatisfy({ $0.count == 1 && $0.first!.isHexDigit }) else { return nil }
        let nibbles = labels[0..<32].reversed().joined()
        var groups: [String] = []
        var rest = Substring(nibbles)
        while !rest.isEmpty {
            groups.append(String(rest.prefix(4)))
            rest = rest.dropFirst(4)
        }
        return IPAddress(groups.joined(separator: ":"))
    }

    // MARK: helpers

    var nsName: DNSName { (try? self.zone.prepending(["ns", "dns"])) ?? self.zone }

    func dnsServiceAddresses(_ owner: DNSName, type: DNSType, _ index: borrowing ClusterRecords.Index) -> [DNSResourceRecord] {
        guard let service = index.services[self.dnsServiceKey], case .clusterIP(let ips) = service.kind else { return [] }
        return self.addressRecords(owner, ips, type: type)
    }

    /// A records for a question of type A, AAAA for AAAA, both for ANY; nothing for other types.
    func addressRecords(_ owner: DNSName, _ ips: [IPAddress], type: DNSType) -> [DNSResourceRecord] {
        ips.compactMap { ip in
            switch ip.family {
            case .ipv4 where type == .a || type == .any: return .a(owner, ttl: self.ttl, ip.bytes)
            case .ipv6 where type == .aaaa || type == .any: return .aaaa(owner, ttl: self.ttl, ip.bytes)
            default: return nil
            }
        }
    }

    func soa(_ index: borrowing ClusterRecords.Index) -> SOAData {
        SOAData(mname: self.nsName, rname: (try? self.zone.prepending("hostmaster")) ?? self.zone, serial: index.modified,
                refresh: 7200, retry: 1800, expire: 86400, minimum: self.ttl)
    }

    func answer(_ records: [DNSResourceRecord], additional: [DNSResourceRecord] = []) -> Outcome {
        .answer(.noError, answers: records, authority: [], additional: additional)
    }

    func soaRecord(_ index: borrowing ClusterRecords.Index) -> DNSResourceRecord {
        DNSResourceRecord(name: self.zone, type: .soa, ttl: self.ttl, data: .soa(self.soa(index)))
    }

    func noData(_ index: borrowing ClusterRecords.Index) -> Outcome {
        .answer(.noError, answers: [], authority: [self.soaRecord(index)], additional: [])
    }

    func nameError(_ index: borrowing ClusterRecords.Index) -> Outcome {
        .answer(.nameError, answers: [], authority: [self.soaRecord(index)], additional: [])
    }
}
