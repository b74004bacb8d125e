import PorticoAPI

/// The server side of a Service write, in upstream's order (genericregistry.Store with the
/// Service REST hooks): contextual defaulting and allocation first, then the strategy's
/// preparation and validation, so an allocation error hides validation errors exactly as
/// on a real cluster. The result is the object to store plus the allocation transaction
/// to commit once it is stored (or revert when the write fails).
///
/// Static defaulting (`ServiceDefaults.apply`) happens before, when the body is decoded.
public struct ServiceRegistry: Sendable {
    public let allocators: ServiceAllocators

    public init(allocators: ServiceAllocators) {
        self.allocators = allocators
    }

    /// A write ready to be stored.
    public struct PendingWrite: Sendable {
        public var service: Service
        public let transaction: AllocationTransaction
    }

    // MARK: create

    public func create(_ input: Service) throws(APIError) -> PendingWrite {
        var service = input
        let txn = AllocationTransaction(self.allocators)
        do throws(APIError) {
            Self.normalizeClusterIPs(&service, old: nil)
            try self.initIPFamilyFields(&service, old: nil)
            try self.allocateClusterIPs(&service, txn: txn)
            if service.hasNodePorts { try self.initNodePorts(&service, txn: txn) }
            if service.needsHealthCheck { try self.allocateHealthCheckNodePort(&service, txn: txn) }
            // PrepareForCreate: status is the server's to write.
            service.status = ServiceStatus()
            let errors = ServiceValidation.validateCreate(service)
            if !errors.isEmpty { throw APIError.invalid(kind: "Service", name: service.metadata.name, errors: errors) }
        } catch {
            txn.revert()
            throw error
        }
        return PendingWrite(service: service, transaction: txn)
    }

    // MARK: update

    /// `old` is the stored object; `input` the new one after static defaulting.
    public func update(_ input: Service, old storedOld: Service) throws(APIError) -> PendingWrite {
        var service = input
        let old = self.defaultOnRead(storedOld)
        let txn = AllocationTransaction(self.allocators)
        do throws(APIError) {
            Self.patchAllocatedValues(&service, old: old)
            Self.normalizeClusterIPs(&service, old: old)
            try self.initIPFamilyFields(&service, old: old)
            try self.updateClusterIPs(&service, old: old, txn: txn)
            try self.updateNodePorts(&service, old: old, txn: txn)
            try self.updateHealthCheckNodePort(&service, old: old, txn: txn)
            // PrepareForUpdate: status comes from the stored object; fields that no longer apply go.
            service.status = old.status
            Self.dropTypeDependentFields(&service, old: old)
            let errors = ServiceValidation.validateUpdate(service, old: old)
            if !errors.isEmpty { throw APIError.invalid(kind: "Service", name: service.metadata.name, errors: errors) }
        } catch {
            txn.revert()
            throw error
        }
        return PendingWrite(service: service, transaction: txn)
    }

    /// A write to `/status`: the spec stays as stored, only the load balancer status may change.
    public func updateStatus(_ input: Service, old storedOld: Service) throws(APIError) -> Service {
        var service = input
        let old = self.defaultOnRead(storedOld)
        service.spec = old.spec
        let errors = ServiceValidation.validateStatusUpdate(service, old: old)
        if !errors.isEmpty { throw APIError.invalid(kind: "Service", name: service.metadata.name, errors: errors) }
        return service
    }

    // MARK: delete

    /// Gives back every cluster IP, node port and health check node port the Service held.
    public func release(_ service: Service) {
        let service = self.defaultOnRead(service)
        if service.needsClusterIP, !service.isHeadless {
            for text in service.spec.clusterIPs {
                if let ip = IPAddress(text) { self.allocators.clusterIPs[ip.family]?.release(ip) }
            }
        }
        for port in service.spec.ports where port.nodePort != 0 {
            self.allocators.nodePorts.release(Int(port.nodePort))
        }
        if service.spec.healthCheckNodePort != 0 {
            self.allocators.nodePorts.release(Int(service.spec.healthCheckNodePort))
        }
    }

    // MARK: read

    /// How a stored Service is presented on GET, LIST and WATCH (upstream defaultOnRead):
    /// old objects get clusterIPs, ipFamilies and ipFamilyPolicy filled in.
    public func defaultOnRead(_ input: Service) -> Service {
        var service = input
        Self.normalizeClusterIPs(&service, old: nil)
        if service.needsClusterIP, service.spec.ipFamilies.isEmpty {
            if service.spec.clusterIP == "None" {
                if service.spec.selector.isEmpty {
                    service.spec.ipFamilyPolicy = .requireDualStack
                    service.spec.ipFamilies = [.ipv4, .ipv6]
                } else {
                    service.spec.ipFamilyPolicy = .singleStack
                    service.spec.ipFamilies = [self.allocators.defaultFamily]
                }
            } else {
                service.spec.ipFamilyPolicy = .singleStack
                for (i, ip) in service.spec.clusterIPs.enumerated() {
                    if i > 0 { service.spec.ipFamilyPolicy = .requireDualStack }
                    if let family = IPAddress(ip)?.family { service.spec.ipFamilies.append(family.ipFamily) }
                }
            }
        }
        if service.spec.type == .externalName { service.spec.internalTrafficPolicy = nil }
        return service
    }

    // MARK: the steps

    /// A client that sets only the singular `clusterIP` (or changes it) gets a matching `clusterIPs`.
    static func normalizeClusterIPs(_ service: inout Service, old: Service?) {
        guard let old else {
            if !service.spec.clusterIP.isEmpty, service.spec.clusterIPs.isEmpty {
                service.spec.clusterIPs = [service.spec.clusterIP]
            }
            return
        }
        let sameIPs = service.spec.clusterIPs == old.spec.clusterIPs
        if service.spec.clusterIP == old.spec.clusterIP {
            if service.spec.clusterIPs.isEmpty, !old.spec.clusterIPs.isEmpty {
                service.spec.clusterIPs = old.spec.clusterIPs
            }
            return
        }
        if service.spec.clusterIP.isEmpty {
            if sameIPs { service.spec.clusterIPs = [] }
            return
        }
        if sameIPs { service.spec.clusterIPs = [service.spec.clusterIP] }
    }

    /// A re-submitted manifest without the allocated values keeps them (upstream patchAllocatedValues).
    static func patchAllocatedValues(_ service: inout Service, old: Service) {
        if old.needsClusterIP, service.needsClusterIP {
            if service.spec.clusterIP.isEmpty { service.spec.clusterIP = old.spec.clusterIP }
            if service.spec.clusterIPs.isEmpty, !old.spec.clusterIPs.isEmpty { service.spec.clusterIPs = old.spec.clusterIPs }
        }
        if old.allocatesNodePorts, service.allocatesNodePorts {
            let oldUsed = Set(old.spec.ports.map(\.nodePort).filter { $0 != 0 })
            let newUsed = Set(service.spec.ports.map(\.nodePort).filter { $0 != 0 })
            let used = oldUsed.intersection(newUsed)
            var byName: [String: Int32] = [:]
            for port in old.spec.ports { byName[port.name] = port.nodePort }
            for i in service.spec.ports.indices where service.spec.ports[i].nodePort == 0 {
                let oldValue = byName[service.spec.ports[i].name] ?? 0
                if !used.contains(oldValue) { service.spec.ports[i].nodePort = oldValue }
            }
        }
        if old.needsHealthCheck, service.needsHealthCheck, service.spec.healthCheckNodePort == 0 {
            service.spec.healthCheckNodePort = old.spec.healthCheckNodePort
        }
    }

    /// PreferDualStack Services are left as they are when nothing about their addresses changed.
    static func isUnchangedPreferDualStack(_ service: Service, old: Service?) -> Bool {
        guard let old, let policy = service.spec.ipFamilyPolicy, old.spec.type == service.spec.type,
            old.spec.ipFamilyPolicy == .preferDualStack, policy == .preferDualStack
        else { return false }
        return old.spec.clusterIPs == service.spec.clusterIPs && old.spec.ipFamilies == service.spec.ipFamilies
    }

    func invalid(_ service: Service, _ errors: [FieldError]) -> APIError {
        APIError.invalid(kind: "Service", name: service.metadata.name, errors: errors)
    }

    /// Upstream initIPFamilyFields: settle ipFamilyPolicy and ipFamilies against the cluster's families.
    func initIPFamilyFields(_ service: inout Service, old: Service?) throws(APIError) {
        if service.spec.type == .externalName { return }
        if Self.isUnchangedPreferDualStack(service, old: old) { return }
        if service.spec.ipFamilyPolicy == nil {
            if let oldPolicy = old?.spec.ipFamilyPolicy {
                service.spec.ipFamilyPolicy = oldPolicy
            } else if service.spec.clusterIP == "None" && service.spec.selector.isEmpty {
                service.spec.ipFamilyPolicy = .requireDualStack
            } else {
                service.spec.ipFamilyPolicy = .singleStack
            }
        }
        let related = ServiceValidation.validateClusterIPsRelatedFields(service, old: old)
        if !related.isEmpty { throw self.invalid(service, related) }

        let policy = service.spec.ipFamilyPolicy!
        let policyValue = FieldValue.named(policy.rawValue)
        var errs: [FieldError] = []
        if let old, policy == .singleStack {
            if old.spec.clusterIPs == service.spec.clusterIPs, service.spec.clusterIPs.count > 1 {
                service.spec.clusterIPs = Array(service.spec.clusterIPs.prefix(1))
            }
            if old.spec.ipFamilies == service.spec.ipFamilies, service.spec.ipFamilies.count > 1 {
                service.spec.ipFamilies = Array(service.spec.ipFamilies.prefix(1))
            }
        } else if let old {
            if !service.spec.clusterIPs.isEmpty, service.spec.clusterIPs.count < old.spec.clusterIPs.count {
                errs.append(.invalid("spec.ipFamilyPolicy", policyValue, "must be 'SingleStack' to release the secondary cluster IP"))
            }
            if !service.spec.ipFamilies.isEmpty, service.spec.ipFamilies.count < old.spec.ipFamilies.count {
                errs.append(.invalid("spec.ipFamilyPolicy", policyValue, "must be 'SingleStack' to release the secondary IP family"))
            }
        }
        if policy == .singleStack {
            if service.spec.clusterIPs.count == 2 {
                errs.append(.invalid("spec.ipFamilyPolicy", policyValue,
                                     "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"))
            }
            if service.spec.ipFamilies.count == 2 {
                errs.append(.invalid("spec.ipFamilyPolicy", policyValue,
                                     "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"))
            }
        }
        for (i, text) in service.spec.clusterIPs.enumerated() {
            if text == "None" { break }
            guard let family = IPAddress(text)?.family.ipFamily else { continue }
            if i >= service.spec.ipFamilies.count {
                if self.allocators.allocator(for: family) == nil {
                    errs.append(.invalid(FieldPath("spec.clusterIPs").index(i), .strings(service.spec.clusterIPs),
                                         "\(family.rawValue) is not configured on this cluster"))
                } else {
                    service.spec.ipFamilies.append(family)
                }
            }
        }
        if !errs.isEmpty { throw self.invalid(service, errs) }

        if service.spec.clusterIP == "None" && service.spec.selector.isEmpty {
            if service.spec.ipFamilies.isEmpty { service.spec.ipFamilies = [self.allocators.defaultFamily] }
            if service.spec.ipFamilies.count < 2, policy != .singleStack {
                service.spec.ipFamilies.append(service.spec.ipFamilies[0] == .ipv4 ? .ipv6 : .ipv4)
            }
            return
        }
        if policy == .requireDualStack, self.allocators.clusterIPs.count < 2 {
            errs.append(.invalid("spec.ipFamilyPolicy", policyValue, "this cluster is not configured for dual-stack services"))
        }
        for (i, family) in service.spec.ipFamilies.enumerated() where self.allocators.allocator(for: family) == nil {
            errs.append(.invalid(FieldPath("spec.ipFamilies").index(i), .named(family.rawValue), "not configured on this cluster"))
        }
        if !errs.isEmpty { throw self.invalid(service, errs) }
        if service.spec.ipFamilies.isEmpty { service.spec.ipFamilies = [self.allocators.defaultFamily] }
        if policy != .singleStack, service.spec.ipFamilies.count == 1, self.allocators.clusterIPs.count == 2 {
            service.spec.ipFamilies.append(service.spec.ipFamilies[0] == .ipv4 ? .ipv6 : .ipv4)
        }
    }

    /// Allocates the cluster IP of each family in `ipFamilies` (the requested one or the next free one).
    func allocateClusterIPs(_ service: inout Service, txn: AllocationTransaction) throws(APIError) {
        if service.spec.type == .externalName || service.isHeadless { return }
        var allocated: [String] = []
        for (i, family) in service.spec.ipFamilies.enumerated() {
            let requested = i < service.spec.clusterIPs.count ? service.spec.clusterIPs[i] : ""
            allocated.append(try self.allocateIP(requested, family: family, service: service, txn: txn))
        }
        service.spec.clusterIPs = allocated
        service.spec.clusterIP = allocated.first ?? ""
    }

    func allocateIP(_ requested: String, family: IPFamily, service: Service, txn: AllocationTransaction) throws(APIError)
        -> String
    {
        if requested.isEmpty {
            do {
                return try txn.allocateNextIP(family).description
            } catch {
                throw APIError.internalError("failed to allocate a serviceIP: \(error)")
            }
        }
        guard let ip = IPAddress(requested) else {
            throw APIError.internalError("failed to parse service IP \(GoQuote.quote(requested))")
        }
        do {
            try txn.allocate(ip)
        } catch {
            throw self.invalid(service, [.invalid("spec.clusterIPs", .strings(service.spec.clusterIPs),
                                                  "failed to allocate IP \(requested): \(error)")])
        }
        return requested
    }

    /// Upstream updateClusterIPs: allocate on ExternalName → other and on a dual-stack upgrade,
    /// release on → ExternalName and on a downgrade.
    func updateClusterIPs(_ service: inout Service, old: Service, txn: AllocationTransaction) throws(APIError) {
        if Self.isUnchangedPreferDualStack(service, old: old) { return }
        if service.spec.type == .externalName {
            if old.needsClusterIP, !old.isHeadless {
                for text in old.spec.clusterIPs { if let ip = IPAddress(text) { txn.releaseOnCommit(ip: ip) } }
            }
            return
        }
        if old.spec.type == .externalName {
            try self.allocateClusterIPs(&service, txn: txn)
            return
        }
        if service.isHeadless { return }
        let upgraded = old.spec.ipFamilies.count == 1 && service.spec.ipFamilies.count == 2
        let downgraded = old.spec.ipFamilies.count == 2 && service.spec.ipFamilies.count == 1
        if upgraded {
            let requested = service.spec.clusterIPs.count > 1 ? service.spec.clusterIPs[1] : ""
            let secondary = try self.allocateIP(requested, family: service.spec.ipFamilies[1], service: service, txn: txn)
            if service.spec.clusterIPs.count > 1 {
                service.spec.clusterIPs[1] = secondary
            } else {
                service.spec.clusterIPs.append(secondary)
            }
        } else if downgraded, old.spec.clusterIPs.count > 1, let ip = IPAddress(old.spec.clusterIPs[1]) {
            txn.releaseOnCommit(ip: ip)
        }
    }

    func nodePortError(_ service: Service, index: Int, port: Int, _ error: AllocationError) -> APIError {
        self.invalid(service, [.invalid(FieldPath("spec.ports").index(index).child("nodePort"), .int(Int64(port)), "\(error)")])
    }

    /// Create: ports with the same port number share one nodePort (53/TCP and 53/UDP).
    func initNodePorts(_ service: inout Service, txn: AllocationTransaction) throws(APIError) {
        var byPortNumber: [Int32: Int32] = [:]
        let shouldAllocate = service.allocatesNodePorts
        for i in service.spec.ports.indices {
            let port = service.spec.ports[i]
            if port.nodePort == 0 && !shouldAllocate { continue }
            if let shared = byPortNumber[port.port] {
                if port.nodePort == 0 {
                    service.spec.ports[i].nodePort = shared
                } else if port.nodePort != shared {
                    do { try txn.allocatePort(Int(port.nodePort)) } catch {
                        throw self.nodePortError(service, index: i, port: Int(port.nodePort), error)
                    }
                }
                continue
            }
            if let requested = service.spec.ports.first(where: { $0.port == port.port && $0.nodePort != 0 })?.nodePort {
                do { try txn.allocatePort(Int(requested)) } catch {
                    throw self.nodePortError(service, index: i, port: Int(requested), error)
                }
                service.spec.ports[i].nodePort = requested
                byPortNumber[port.port] = requested
            } else {
                do {
                    let next = Int32(try txn.allocateNextPort())
                    service.spec.ports[i].nodePort = next
                    byPortNumber[port.port] = next
                } catch {
                    throw APIError.internalError("failed to allocate a nodePort: \(error)")
                }
            }
        }
    }

    func allocateHealthCheckNodePort(_ service: inout Service, txn: AllocationTransaction) throws(APIError) {
        let requested = Int(service.spec.healthCheckNodePort)
        if requested != 0 {
            do { try txn.allocatePort(requested) } catch {
                throw APIError.internalError("failed to allocate requested HealthCheck NodePort \(requested): \(error)")
            }
        } else {
            do {
                service.spec.healthCheckNodePort = Int32(try txn.allocateNextPort())
            } catch {
                // Upstream prints the zero it failed to fill in.
                throw APIError.internalError("failed to allocate a HealthCheck NodePort 0: \(error)")
            }
        }
    }

    /// Update: allocate new nodePorts, keep held ones, release the ones no longer used.
    func updateNodePorts(_ service: inout Service, old: Service, txn: AllocationTransaction) throws(APIError) {
        let oldNumbers = old.spec.ports.map(\.nodePort).filter { $0 != 0 }
        if old.hasNodePorts, service.spec.type == .externalName || service.spec.type == .clusterIP {
            for port in oldNumbers { txn.releaseOnCommit(port: Int(port)) }
        }
        guard service.hasNodePorts else { return }
        var seen: [(PortProtocol, Int32)] = []
        var allocatedHere = Set<Int32>()
        let shouldAllocate = service.allocatesNodePorts
        for i in service.spec.ports.indices {
            let port = service.spec.ports[i]
            if port.nodePort == 0 && !shouldAllocate { continue }
            if port.nodePort != 0 {
                if !oldNumbers.contains(port.nodePort), !allocatedHere.contains(port.nodePort) {
                    do { try txn.allocatePort(Int(port.nodePort)) } catch {
                        throw self.nodePortError(service, index: i, port: Int(port.nodePort), error)
                    }
                    allocatedHere.insert(port.nodePort)
                }
            } else {
                do {
                    service.spec.ports[i].nodePort = Int32(try txn.allocateNextPort())
                } catch {
                    throw APIError.internalError("failed to allocate a nodePort: \(error)")
                }
            }
            let key = (port.protocol, service.spec.ports[i].nodePort)
            if seen.contains(where: { $0 == key }) {
                throw APIError.unknown("duplicate nodePort: {\(key.0.rawValue) \(key.1)}")
            }
            seen.append(key)
        }
        let newNumbers = Set(service.spec.ports.map(\.nodePort).filter { $0 != 0 })
        for port in oldNumbers where !newNumbers.contains(port) { txn.releaseOnCommit(port: Int(port)) }
    }

    func updateHealthCheckNodePort(_ service: inout Service, old: Service, txn: AllocationTransaction) throws(APIError) {
        if !old.needsHealthCheck, service.needsHealthCheck {
            try self.allocateHealthCheckNodePort(&service, txn: txn)
        } else if old.needsHealthCheck, !service.needsHealthCheck, old.spec.healthCheckNodePort != 0 {
            txn.releaseOnCommit(port: Int(old.spec.healthCheckNodePort))
        }
    }

    /// Upstream dropTypeDependentFields: after a type change, fields that no longer apply are
    /// cleared, but only when the request left them as they were (a changed one fails validation).
    static func dropTypeDependentFields(_ service: inout Service, old: Service) {
        if old.needsClusterIP, !service.needsClusterIP {
            if service.spec.clusterIP == old.spec.clusterIP, service.spec.clusterIPs == old.spec.clusterIPs {
                service.spec.clusterIP = ""
                service.spec.clusterIPs = []
            }
            if service.spec.ipFamilies == old.spec.ipFamilies { service.spec.ipFamilies = [] }
            if (service.spec.ipFamilyPolicy?.rawValue ?? "") == (old.spec.ipFamilyPolicy?.rawValue ?? "") {
                service.spec.ipFamilyPolicy = nil
            }
        }
        if old.hasNodePorts, !service.hasNodePorts {
            let oldSet = Set(old.spec.ports.map(\.nodePort).filter { $0 != 0 })
            let newSet = Set(service.spec.ports.map(\.nodePort).filter { $0 != 0 })
            if oldSet.isSuperset(of: newSet) {
                for i in service.spec.ports.indices { service.spec.ports[i].nodePort = 0 }
            }
        }
        if old.needsHealthCheck, !service.needsHealthCheck,
            service.spec.healthCheckNodePort == old.spec.healthCheckNodePort
        {
            service.spec.healthCheckNodePort = 0
        }
        if old.spec.type == .loadBalancer, service.spec.type != .loadBalancer {
            if let a = service.spec.allocateLoadBalancerNodePorts, let b = old.spec.allocateLoadBalancerNodePorts, a == b {
                service.spec.allocateLoadBalancerNodePorts = nil
            }
            if service.spec.loadBalancerClass == old.spec.loadBalancerClass {
                service.spec.loadBalancerClass = nil
            }
        }
        if old.isExternallyAccessible, !service.isExternallyAccessible,
            service.spec.externalTrafficPolicy == old.spec.externalTrafficPolicy
        {
            service.spec.externalTrafficPolicy = ""
        }
        if service.spec.type != .loadBalancer {
            service.status.loadBalancer = LoadBalancerStatus()
        }
    }
}
