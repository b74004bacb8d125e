import Foundation
import PorticoAPI
import Synchronization

/// What DNS needs of a Service, slimmed at ingest as CoreDNS's object converters do: the
/// rest of the object is dropped, so 10,000 Services cost little memory.
public struct ServiceRecord: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case clusterIP([IPAddress])
        case headless
        case externalName(String)
    }

    public struct Port: Sendable, Equatable {
        public var name: String
        public var proto: String
        public var port: Int32
    }

    public var namespace: String
    public var name: String
    public var kind: Kind
    public var ports: [Port]
    /// Also answered by PTR with the Service's name, as CoreDNS indexes them.
    public var externalIPs: [IPAddress]

    public init(_ service: Service) {
        self.externalIPs = service.spec.externalIPs.compactMap(IPAddress.init)
        self.namespace = service.metadata.namespace
        self.name = service.metadata.name
        self.ports = service.spec.ports.map { Port(name: $0.name, proto: $0.protocol.rawValue.isEmpty ? "tcp" : $0.protocol.rawValue.lowercased(), port: $0.port) }
        if service.spec.type == ServiceType.externalName {
            self.kind = .externalName(service.spec.externalName)
        } else if service.spec.clusterIP == "None" {
            self.kind = .headless
        } else {
            let ips = (service.spec.clusterIPs.isEmpty ? [service.spec.clusterIP] : service.spec.clusterIPs).compactMap(IPAddress.init)
            self.kind = .clusterIP(ips)
        }
    }
}

extension ServiceRecord {
    var reverseIPs: [IPAddress] {
        guard case .clusterIP(let ips) = self.kind else { return self.externalIPs }
        return ips + self.externalIPs
    }
}

/// An EndpointSlice's endpoints as DNS uses them.
public struct SliceRecord: Sendable, Equatable {
    public struct Endpoint: Sendable, Equatable {
        public var ip: IPAddress
        public var hostname: String?
        public var ready: Bool
    }

    public var namespace: String
    public var service: String
    public var endpoints: [Endpoint]
    public var ports: [ServiceRecord.Port]

    public init?(_ slice: EndpointSlice) {
        guard let service = slice.metadata.labels["kubernetes.io/service-name"], !service.isEmpty else { return nil }
        self.namespace = slice.metadata.namespace
        self.service = service
        self.endpoints = slice.endpoints.flatMap { endpoint in
            endpoint.addresses.compactMap(IPAddress.init).map {
                Endpoint(ip: $0, hostname: endpoint.hostname, ready: endpoint.conditions.ready ?? true)
            }
        }
        self.ports = slice.ports.compactMap { port in
            port.port.map { ServiceRecord.Port(name: port.name ?? "", proto: (port.protocol?.rawValue ?? "TCP").lowercased(), port: $0) }
        }
    }

    /// The endpoint's name under its Service: its hostname, else its address with dashes
    /// (`10-244-1-2`), as CoreDNS names endpoints.
    static func label(_ endpoint: Endpoint) -> String {
        if let hostname = endpoint.hostname, !hostname.isEmpty { return hostname }
        let text = endpoint.ip.description
        if text.contains(":") {
            let dashed = text.replacingOccurrences(of: ":", with: "-")
            return dashed.hasSuffix("-") ? dashed + "0" : dashed
        }
        return text.replacingOccurrences(of: ".", with: "-")
    }
}

/// The cluster's names, kept from watch events: Services, EndpointSlices and Namespaces,
/// slimmed, with the indexes lookups need (by name, slices by Service, addresses for PTR).
/// Writers are the informers' handlers; readers are the server's event loops.
public final class ClusterRecords: Sendable {
    public struct Index: Sendable {
        public var services: [String: ServiceRecord] = [:]
        public var slices: [String: SliceRecord] = [:]
        public var slicesByService: [String: [String]] = [:]
        public var namespaces: Set<String> = []
        /// Addresses → Services (by key) that have them as a ClusterIP.
        public var serviceIPs: [IPAddress: [String]] = [:]
        /// Addresses → slices (by key) that list them.
        public var endpointIPs: [IPAddress: [String]] = [:]
        /// Set when every informer has listed once; before, the cluster zone is SERVFAIL.
        public var synced = false
        /// Unix time of the last change: the SOA serial, as CoreDNS takes it.
        public var modified = UInt32(Date().timeIntervalSince1970)

        public init() {}

        public func slices(ofService key: String) -> [SliceRecord] {
            (self.slicesByService[key] ?? []).sorted().compactMap { self.slices[$0] }
        }

        public mutating func upsert(_ service: ServiceRecord) {
            let key = "\(service.namespace)/\(service.name)"
            self.removeService(key: key)
            for ip in service.reverseIPs { Self.add(key, at: ip, to: &self.serviceIPs) }
            self.services[key] = service
            self.touch()
        }

        public mutating func removeService(key: String) {
            guard let old = self.services.removeValue(forKey: key) else { return }
            for ip in old.reverseIPs { Self.remove(key, at: ip, from: &self.serviceIPs) }
            self.touch()
        }

        public mutating func upsert(_ slice: SliceRecord, key: String) {
            self.removeSlice(key: key)
            self.slices[key] = slice
            Self.add(key, at: "\(slice.namespace)/\(slice.service)", to: &self.slicesByService)
            for endpoint in slice.endpoints { Self.add(key, at: endpoint.ip, to: &self.endpointIPs) }
            self.touch()
        }

        public mutating func removeSlice(key: String) {
            guard let old = self.slices.removeValue(forKey: key) else { return }
            let service = "\(old.namespace)/\(old.service)"
            Self.remove(key, at: service, from: &self.slicesByService)
            for endpoint in old.endpoints { Self.remove(key, at: endpoint.ip, from: &self.endpointIPs) }
            self.touch()
        }

        // Small arrays, not sets: nearly every address and Service has one entry, and 10,000
        // Services' worth of sets cost megabytes.
        static func add<K: Hashable>(_ key: String, at index: K, to map: inout [K: [String]]) {
            if map[index]?.contains(key) == true { return }
            map[index, default: []].append(key)
        }

        static func remove<K: Hashable>(_ key: String, at index: K, from map: inout [K: [String]]) {
            map[index]?.removeAll { $0 == key }
            if map[index]?.isEmpty == true { map[index] = nil }
        }

        mutating func touch() { self.modified = UInt32(Date().timeIntervalSince1970) }
    }

    let index = Mutex(Index())

    public init() {}

    public func read<R>(_ body: (borrowing Index) throws -> R) rethrows -> R {
        try self.index.withLock { try body($0) }
    }

    public func update(_ body: (inout Index) -> Void) {
        self.index.withLock { body(&$0) }
    }

    // MARK: informer events

    public func apply(_ service: Service, deleted: Bool) {
        let key = "\(service.metadata.namespace)/\(service.metadata.name)"
        self.update { deleted ? $0.removeService(key: key) : $0.upsert(ServiceRecord(service)) }
    }

    public func apply(_ slice: EndpointSlice, deleted: Bool) {
        let key = "\(slice.metadata.namespace)/\(slice.metadata.name)"
        self.update { index in
            if !deleted, let record = SliceRecord(slice) {
                index.upsert(record, key: key)
            } else {
                index.removeSlice(key: key)
            }
        }
    }

    public func apply(_ namespace: Namespace, deleted: Bool) {
        self.update { index in
            if deleted { index.namespaces.remove(namespace.metadata.name) } else { index.namespaces.insert(namespace.metadata.name) }
        }
    }

    public func markSynced() { self.update { $0.synced = true } }
}
