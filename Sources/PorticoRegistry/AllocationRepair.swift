import PorticoAPI

/// A problem found while rebuilding the allocators from stored Services, worded as the
/// Event upstream's repair controllers record on the Service.
public struct RepairFinding: Sendable, Hashable, CustomStringConvertible {
    public var namespace: String
    public var name: String
    /// The Event reason: ClusterIPNotValid, ClusterIPOutOfRange, ClusterIPAlreadyAllocated,
    /// PortOutOfRange, PortAlreadyAllocated.
    public var reason: String
    public var message: String

    public var description: String { "\(self.namespace)/\(self.name): \(self.reason): \(self.message)" }
}

extension ServiceAllocators {
    /// Forgets every allocation and takes again what the stored Services hold, so the
    /// allocators match the store after a restart or a crash (upstream's repair loops).
    /// Values that cannot be taken are reported, not fixed: the Service must be recreated.
    @discardableResult
    public func rebuild(from services: [Service]) -> [RepairFinding] {
        for allocator in self.clusterIPs.values { allocator.reset() }
        self.nodePorts.reset()
        var findings: [RepairFinding] = []
        func report(_ service: Service, _ reason: String, _ message: String) {
            findings.append(RepairFinding(namespace: service.metadata.namespace, name: service.metadata.name,
                                          reason: reason, message: message))
        }
        for service in services {
            if service.needsClusterIP, !service.isHeadless {
                let ips = service.spec.clusterIPs.isEmpty && !service.spec.clusterIP.isEmpty
                    ? [service.spec.clusterIP] : service.spec.clusterIPs
                for text in ips {
                    guard let ip = IPAddress(text) else {
                        report(service, "ClusterIPNotValid", "Cluster IP \(text) is not a valid IP; please recreate service")
                        continue
                    }
                    guard let allocator = self.clusterIPs[ip.family], allocator.contains(ip) else {
                        let cidrs = self.config.serviceCIDRs.map(\.description).joined(separator: ",")
                        report(service, "ClusterIPOutOfRange",
                               "Cluster IP \(text) is not within the service CIDR \(cidrs); please recreate service")
                        continue
                    }
                    do {
                        try allocator.allocate(ip)
                    } catch {
                        report(service, "ClusterIPAlreadyAllocated",
                               "Cluster IP \(text) was assigned to multiple services; please recreate service")
                    }
                }
            }
            // The same nodePort on two protocols of one Service is one allocation.
            var ports: [Int32] = []
            for port in service.spec.ports where port.nodePort != 0 && !ports.contains(port.nodePort) {
                ports.append(port.nodePort)
            }
            if service.spec.healthCheckNodePort != 0 { ports.append(service.spec.healthCheckNodePort) }
            for port in ports {
                do {
                    try self.nodePorts.allocate(Int(port))
                } catch AllocationError.portNotInRange {
                    report(service, "PortOutOfRange",
                           "Port \(port) is not within the port range \(self.nodePorts.range); please recreate service")
                } catch {
                    report(service, "PortAlreadyAllocated", "Port \(port) was assigned to multiple services; please recreate service")
                }
            }
        }
        return findings
    }
}
