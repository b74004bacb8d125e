/// Service validation as upstream's ValidateServiceCreate / ValidateServiceUpdate /
/// ValidateServiceStatusUpdate (Kubernetes 1.34): every rule, in upstream's order, with its
/// field path, error type and words.
public enum ServiceValidation {
    static let supportedTypes = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
    static let supportedProtocols = ["SCTP", "TCP", "UDP"]
    static let supportedTrafficPolicies = ["Cluster", "Local"]
    static let supportedIPFamilyPolicies = ["PreferDualStack", "RequireDualStack", "SingleStack"]
    /// Upstream passes this list unsorted, so it is printed in this order.
    static let supportedTrafficDistributions = ["PreferClose", "PreferSameZone", "PreferSameNode"]
    static let topologyModeAnnotation = "service.kubernetes.io/topology-mode"
    static let topologyHintsAnnotation = "service.kubernetes.io/topology-aware-hints"
    public static let sourceRangesAnnotation = "service.beta.kubernetes.io/load-balancer-source-ranges"

    public static func validateCreate(_ service: Service) -> [FieldError] {
        ObjectMetaValidation.validate(service.metadata, namespaced: true, name: ObjectMetaValidation.dns1035Name)
            + self.validateService(service, old: nil)
    }

    public static func validateUpdate(_ service: Service, old: Service) -> [FieldError] {
        var errs = ObjectMetaValidation.validateUpdate(service.metadata, old.metadata)
        errs += self.validateUpgradeDowngradeClusterIPs(old: old, new: service)
        errs += self.validateUpgradeDowngradeIPFamilies(old: old, new: service)
        errs += self.validateLoadBalancerClass(old: old, new: service)
        if old.needsHealthCheck, service.needsHealthCheck, old.spec.healthCheckNodePort != service.spec.healthCheckNodePort {
            errs.append(.forbidden("spec.healthCheckNodePort", "field is immutable"))
        }
        errs += self.validateService(service, old: old)
        return errs
    }

    public static func validateStatusUpdate(_ service: Service, old: Service) -> [FieldError] {
        ObjectMetaValidation.validateUpdate(service.metadata, old.metadata)
            + self.validateLoadBalancerStatus(service.status.loadBalancer, old: old.status.loadBalancer,
                                              spec: service.spec, path: "status.loadBalancer")
    }

    static func validateService(_ service: Service, old: Service?) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = service.spec
        let specPath = FieldPath("spec")
        let annotations = service.metadata.annotations

        if let mode = annotations[topologyModeAnnotation], let hints = annotations[topologyHintsAnnotation], mode != hints {
            errs.append(.invalid(FieldPath("metadata.annotations").key(topologyModeAnnotation), .string(mode),
                                 "must match annotations[\(topologyHintsAnnotation)] when both are specified"))
        }
        if spec.ports.isEmpty && !service.isHeadless && spec.type != .externalName {
            errs.append(.required(specPath.child("ports")))
        }
        switch spec.type {
        case .loadBalancer where service.isHeadless:
            errs.append(.invalid(specPath.child("clusterIPs").index(0), .string("None"),
                                 "may not be set to 'None' for LoadBalancer services"))
        case .nodePort where service.isHeadless:
            errs.append(.invalid(specPath.child("clusterIPs").index(0), .string("None"),
                                 "may not be set to 'None' for NodePort services"))
        case .externalName:
            if !spec.clusterIPs.isEmpty {
                errs.append(.forbidden(specPath.child("clusterIPs"), "may not be set for ExternalName services"))
            }
            if !spec.ipFamilies.isEmpty {
                errs.append(.forbidden(specPath.child("ipFamilies"), "may not be set for ExternalName services"))
            }
            if spec.ipFamilyPolicy != nil {
                errs.append(.forbidden(specPath.child("ipFamilyPolicy"), "may not be set for ExternalName services"))
            }
            let cname = spec.externalName.hasSuffix(".") ? String(spec.externalName.dropLast()) : spec.externalName
            if cname.isEmpty {
                errs.append(.required(specPath.child("externalName")))
            } else {
                for message in NameRules.isDNS1123Subdomain(cname) {
                    errs.append(.invalid(specPath.child("externalName"), .string(cname), message))
                }
            }
        default:
            break
        }

        var portNames = Set<String>()
        for (i, port) in spec.ports.enumerated() {
            errs += self.validatePort(port, requireName: spec.ports.count > 1, names: &portNames,
                                      path: specPath.child("ports").index(i))
        }

        errs += ObjectMetaValidation.validateLabels(spec.selector, path: specPath.child("selector"))

        if spec.sessionAffinity.isZeroValue {
            errs.append(.required(specPath.child("sessionAffinity")))
        } else if spec.sessionAffinity != .clientIP && spec.sessionAffinity != .none {
            errs.append(.notSupported(specPath.child("sessionAffinity"), .named(spec.sessionAffinity.rawValue),
                                      ["ClientIP", "None"]))
        }
        if spec.sessionAffinity == .clientIP {
            errs += self.validateClientIPAffinity(spec.sessionAffinityConfig, path: specPath.child("sessionAffinityConfig"))
        } else if spec.sessionAffinity == .none, spec.sessionAffinityConfig != nil {
            errs.append(.forbidden(specPath.child("sessionAffinityConfig"), "must not be set when session affinity is None"))
        }

        errs += self.validateClusterIPsRelatedFields(service, old: old)

        for (i, ip) in spec.externalIPs.enumerated() {
            let path = specPath.child("externalIPs").index(i)
            let ipErrors = IPRules.validateIP(ip, path: path, validOld: old?.spec.externalIPs ?? [])
            errs += ipErrors.isEmpty ? IPRules.validateEndpointIP(ip, path: path) : ipErrors
        }

        if spec.type.isZeroValue {
            errs.append(.required(specPath.child("type")))
        } else if !supportedTypes.contains(spec.type.rawValue) {
            errs.append(.notSupported(specPath.child("type"), .named(spec.type.rawValue), supportedTypes))
        }

        if spec.type == .clusterIP {
            for (i, port) in spec.ports.enumerated() where port.nodePort != 0 {
                errs.append(.forbidden(specPath.child("ports").index(i).child("nodePort"),
                                       "may not be used when `type` is 'ClusterIP'"))
            }
        }

        var nodePortsSeen = Set<String>()
        for (i, port) in spec.ports.enumerated() where port.nodePort != 0 {
            let key = "\(port.protocol.rawValue)/\(port.nodePort)"
            if !nodePortsSeen.insert(key).inserted {
                errs.append(.duplicate(specPath.child("ports").index(i).child("nodePort"), .int(Int64(port.nodePort))))
            }
        }

        var portsSeen = Set<String>()
        for (i, port) in spec.ports.enumerated() {
            let key = "\(port.protocol.rawValue)/\(port.port)"
            if !portsSeen.insert(key).inserted {
                // Upstream's key is an internal ServicePort holding only Protocol and Port, and
                // internal types have no json tags: the value prints with Go field names.
                let value: JSON = [
                    "Name": "", "Protocol": .string(port.protocol.rawValue), "AppProtocol": nil,
                    "Port": .integer(Int64(port.port)), "TargetPort": 0, "NodePort": 0,
                ]
                errs.append(.duplicate(specPath.child("ports").index(i), .json(value)))
            }
        }

        let rangesPath = specPath.child("LoadBalancerSourceRanges")
        if !spec.loadBalancerSourceRanges.isEmpty {
            if spec.type != .loadBalancer {
                errs.append(.forbidden(rangesPath, "may only be used when `type` is 'LoadBalancer'"))
            }
            let oldRanges = (old?.spec.loadBalancerSourceRanges ?? []).map { $0.trimmingSpaces }
            for (i, value) in spec.loadBalancerSourceRanges.enumerated() {
                errs += IPRules.validateCIDR(value.trimmingSpaces, path: rangesPath.index(i), validOld: oldRanges)
            }
        } else if let annotation = annotations[sourceRangesAnnotation] {
            let path = FieldPath("metadata.annotations").key(sourceRangesAnnotation)
            if spec.type != .loadBalancer {
                errs.append(.forbidden(path, "may only be used when `type` is 'LoadBalancer'"))
            }
            if old == nil || old!.metadata.annotations[sourceRangesAnnotation] != annotation {
                let trimmed = annotation.trimmingSpaces
                if !trimmed.isEmpty {
                    for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
                        errs += IPRules.validateCIDR(String(part).trimmingSpaces, path: path)
                    }
                }
            }
        }

        if spec.allocateLoadBalancerNodePorts != nil, spec.type != .loadBalancer {
            errs.append(.forbidden(specPath.child("allocateLoadBalancerNodePorts"),
                                   "may only be used when `type` is 'LoadBalancer'"))
        }
        if spec.type == .loadBalancer, spec.allocateLoadBalancerNodePorts == nil {
            // Upstream's path really lacks "spec." here; defaulting makes it unreachable.
            errs.append(.required("allocateLoadBalancerNodePorts"))
        }
        errs += self.validateLoadBalancerClass(old: nil, new: service)
        errs += self.validateExternalTrafficPolicy(service)
        errs += self.validateInternalTrafficPolicy(service)
        if let distribution = spec.trafficDistribution, !supportedTrafficDistributions.contains(distribution) {
            let detail = "supported values: " + supportedTrafficDistributions.map(GoQuote.quote).joined(separator: ", ")
            errs.append(FieldError(.notSupported, specPath.child("trafficDistribution"), .string(distribution), detail))
        }
        return errs
    }

    static func validatePort(_ port: ServicePort, requireName: Bool, names: inout Set<String>, path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        if requireName && port.name.isEmpty {
            errs.append(.required(path.child("name")))
        } else if !port.name.isEmpty {
            for message in NameRules.isDNS1123Label(port.name) {
                errs.append(.invalid(path.child("name"), .string(port.name), message))
            }
            if !names.insert(port.name).inserted {
                errs.append(.duplicate(path.child("name"), .string(port.name)))
            }
        }
        for message in NameRules.isValidPortNum(Int64(port.port)) {
            errs.append(.invalid(path.child("port"), .int(Int64(port.port)), message))
        }
        if port.protocol.isZeroValue {
            errs.append(.required(path.child("protocol")))
        } else if !supportedProtocols.contains(port.protocol.rawValue) {
            errs.append(.notSupported(path.child("protocol"), .named(port.protocol.rawValue), supportedProtocols))
        }
        switch port.targetPort {
        case .int(let n):
            for message in NameRules.isValidPortNum(Int64(n)) {
                errs.append(.invalid(path.child("targetPort"), .int(Int64(n)), message))
            }
        case .string(let s):
            for message in NameRules.isValidPortName(s) {
                errs.append(.invalid(path.child("targetPort"), .string(s), message))
            }
        }
        if let appProtocol = port.appProtocol {
            for message in NameRules.isQualifiedName(appProtocol) {
                errs.append(.invalid(path.child("appProtocol"), .string(appProtocol), message))
            }
        }
        return errs
    }

    static func validateClientIPAffinity(_ config: SessionAffinityConfig?, path: FieldPath) -> [FieldError] {
        let detail = "when session affinity type is ClientIP"
        guard let config else { return [.required(path, detail)] }
        guard let clientIP = config.clientIP else { return [.required(path.child("clientIP"), detail)] }
        let timeoutPath = path.child("clientIP").child("timeoutSeconds")
        guard let timeout = clientIP.timeoutSeconds else { return [.required(timeoutPath, detail)] }
        if timeout <= 0 || timeout > ServiceDefaults.maxClientIPAffinitySeconds {
            return [.invalid(timeoutPath, .int(Int64(timeout)),
                             "must be greater than 0 and less than \(ServiceDefaults.maxClientIPAffinitySeconds)")]
        }
        return []
    }

    /// The clusterIP(s), ipFamilies and ipFamilyPolicy rules; the allocator runs them too.
    public static func validateClusterIPsRelatedFields(_ service: Service, old: Service?) -> [FieldError] {
        let spec = service.spec
        if spec.type == .externalName { return [] }
        var errs: [FieldError] = []
        let ipsPath = FieldPath("spec.clusterIPs")
        if !spec.clusterIP.isEmpty {
            if spec.clusterIPs.isEmpty {
                errs.append(.required(ipsPath))
            } else if spec.clusterIPs[0] != spec.clusterIP {
                errs.append(.invalid(ipsPath, .strings(spec.clusterIPs), "first value must match `clusterIP`"))
            }
        } else if !spec.clusterIPs.isEmpty {
            errs.append(.invalid(ipsPath, .strings(spec.clusterIPs), "must be empty when `clusterIP` is not specified"))
        }
        var familiesSeen = Set<IPFamily>()
        for (i, family) in spec.ipFamilies.enumerated() {
            let path = FieldPath("spec.ipFamilies").index(i)
            if family != .ipv4 && family != .ipv6 {
                errs.append(.notSupported(path, .named(family.rawValue), ["IPv4", "IPv6"]))
            }
            if !familiesSeen.insert(family).inserted {
                errs.append(.duplicate(path, .named(family.rawValue)))
            }
        }
        if let policy = spec.ipFamilyPolicy, ![.singleStack, .preferDualStack, .requireDualStack].contains(policy) {
            errs.append(.notSupported("spec.ipFamilyPolicy", .named(policy.rawValue), supportedIPFamilyPolicies))
        }
        var ipsInvalid = false
        for (i, ip) in spec.clusterIPs.enumerated() {
            if i == 0 && ip == "None" {
                if spec.clusterIPs.count > 1 {
                    errs.append(.invalid(ipsPath, .strings(spec.clusterIPs), "'None' must be the first and only value"))
                    ipsInvalid = true
                }
                continue
            }
            let ipErrors = IPRules.validateIP(ip, path: ipsPath.index(i), validOld: old?.spec.clusterIPs ?? [])
            if !ipErrors.isEmpty {
                errs += ipErrors
                ipsInvalid = true
            }
        }
        if spec.clusterIPs.count > 2 {
            errs.append(.invalid(ipsPath, .strings(spec.clusterIPs), "may only hold up to 2 values"))
            ipsInvalid = true
        }
        if ipsInvalid { return errs }
        if spec.clusterIPs.count > 1 {
            let families = spec.clusterIPs.compactMap { IPAddress($0)?.family }
            if families.count != 2 || families[0] == families[1] {
                errs.append(.invalid(ipsPath, .strings(spec.clusterIPs), "may specify no more than one IP for each IP family"))
            }
        }
        if !service.isHeadless, !spec.clusterIPs.isEmpty, !spec.ipFamilies.isEmpty {
            for (i, family) in spec.ipFamilies.enumerated() where i < spec.clusterIPs.count {
                let isV6 = IPAddress(spec.clusterIPs[i])?.family == .ipv6
                if family == .ipv4 && isV6 {
                    errs.append(.invalid(ipsPath.index(i), .string(spec.clusterIPs[i]),
                                         "expected an IPv4 value as indicated by `ipFamilies[\(i)]`"))
                }
                if family == .ipv6 && !isV6 {
                    errs.append(.invalid(ipsPath.index(i), .string(spec.clusterIPs[i]),
                                         "expected an IPv6 value as indicated by `ipFamilies[\(i)]`"))
                }
            }
        }
        return errs
    }

    static func validateExternalTrafficPolicy(_ service: Service) -> [FieldError] {
        var errs: [FieldError] = []
        let policy = service.spec.externalTrafficPolicy
        let path = FieldPath("spec.externalTrafficPolicy")
        if !service.isExternallyAccessible {
            if !policy.isZeroValue {
                errs.append(.invalid(path, .named(policy.rawValue), "may only be set for externally-accessible services"))
            }
        } else if policy.isZeroValue {
            errs.append(.required(path))
        } else if policy != .cluster && policy != .local {
            errs.append(.notSupported(path, .named(policy.rawValue), supportedTrafficPolicies))
        }
        let hcPath = FieldPath("spec.healthCheckNodePort")
        let hc = service.spec.healthCheckNodePort
        if !service.needsHealthCheck {
            if hc != 0 {
                errs.append(.invalid(hcPath, .int(Int64(hc)),
                                     "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
            }
        } else if hc == 0 {
            errs.append(.required(hcPath))
        } else {
            for message in NameRules.isValidPortNum(Int64(hc)) { errs.append(.invalid(hcPath, .int(Int64(hc)), message)) }
        }
        return errs
    }

    static func validateInternalTrafficPolicy(_ service: Service) -> [FieldError] {
        let path = FieldPath("spec.internalTrafficPolicy")
        guard let policy = service.spec.internalTrafficPolicy else {
            if [.nodePort, .loadBalancer, .clusterIP].contains(service.spec.type) { return [.required(path)] }
            return []
        }
        if policy != .cluster && policy != .local {
            return [.notSupported(path, .named(policy.rawValue), supportedTrafficPolicies)]
        }
        return []
    }

    static func validateLoadBalancerClass(old: Service?, new: Service) -> [FieldError] {
        var errs: [FieldError] = []
        let path = FieldPath("spec.loadBalancerClass")
        if let old, old.spec.type == .loadBalancer, new.spec.type == .loadBalancer,
            old.spec.loadBalancerClass != new.spec.loadBalancerClass
        {
            errs.append(.invalid(path, .pointer(new.spec.loadBalancerClass), "may not change once set"))
        }
        if let lbClass = new.spec.loadBalancerClass {
            if new.spec.type == .loadBalancer {
                for message in NameRules.isQualifiedName(lbClass) { errs.append(.invalid(path, .string(lbClass), message)) }
            } else {
                errs.append(.forbidden(path, "may only be used when `type` is 'LoadBalancer'"))
            }
        }
        return errs
    }

    static func validateUpgradeDowngradeClusterIPs(old: Service, new: Service) -> [FieldError] {
        if old.spec.type == .externalName || new.spec.type == .externalName { return [] }
        if old.isHeadless && new.isHeadless { return [] }
        let oldIPs = old.spec.clusterIPs
        let newIPs = new.spec.clusterIPs
        let path = FieldPath("spec.clusterIPs")
        var errs: [FieldError] = []
        if oldIPs.count == newIPs.count {
            for i in oldIPs.indices where oldIPs[i] != newIPs[i] {
                errs.append(.invalid(path.index(i), .strings(newIPs), "may not change once set"))
            }
        } else if newIPs.count < oldIPs.count {
            if newIPs.isEmpty {
                errs.append(.invalid(path.index(0), .strings(newIPs), "primary clusterIP can not be unset"))
            }
            if !newIPs.isEmpty, !oldIPs.isEmpty, newIPs[0] != oldIPs[0] {
                errs.append(.invalid(path.index(0), .strings(newIPs), "may not change once set"))
            }
            if newIPs.count == 1, new.spec.ipFamilyPolicy != .singleStack {
                errs.append(.invalid("spec.ipFamilyPolicy", .pointer(new.spec.ipFamilyPolicy?.rawValue),
                                     "must be set to 'SingleStack' when releasing the secondary clusterIP"))
            }
        } else if !oldIPs.isEmpty, newIPs[0] != oldIPs[0] {
            errs.append(.invalid(path.index(0), .strings(newIPs), "may not change once set"))
        }
        return errs
    }

    /// Reproduces upstream's quirks: errors always at `ipFamilies[0]`, and some carry the
    /// clusterIPs as their value.
    static func validateUpgradeDowngradeIPFamilies(old: Service, new: Service) -> [FieldError] {
        if old.spec.type == .externalName || new.spec.type == .externalName { return [] }
        if old.isHeadless != new.isHeadless || new.isHeadless { return [] }
        let oldFamilies = old.spec.ipFamilies.map(\.rawValue)
        let newFamilies = new.spec.ipFamilies.map(\.rawValue)
        let path = FieldPath("spec.ipFamilies").index(0)
        var errs: [FieldError] = []
        if oldFamilies.count == newFamilies.count {
            for i in oldFamilies.indices where oldFamilies[i] != newFamilies[i] {
                errs.append(.invalid(path, .strings(newFamilies), "may not change once set"))
            }
        } else if newFamilies.count < oldFamilies.count {
            if new.spec.clusterIPs.isEmpty {
                errs.append(.invalid(path, .strings(newFamilies), "primary ipFamily can not be unset"))
            }
            if !newFamilies.isEmpty, newFamilies[0] != oldFamilies[0] {
                errs.append(.invalid(path, .strings(new.spec.clusterIPs), "may not change once set"))
            }
            if newFamilies.count == 1, new.spec.ipFamilyPolicy != .singleStack {
                errs.append(.invalid("spec.ipFamilyPolicy", .pointer(new.spec.ipFamilyPolicy?.rawValue),
                                     "must be set to 'SingleStack' when releasing the secondary ipFamily"))
            }
        } else if !oldFamilies.isEmpty, !newFamilies.isEmpty, newFamilies[0] != oldFamilies[0] {
            errs.append(.invalid(path, .strings(new.spec.clusterIPs), "may not change once set"))
        }
        return errs
    }

    public static func validateLoadBalancerStatus(_ status: LoadBalancerStatus, old: LoadBalancerStatus, spec: ServiceSpec,
                                                  path: FieldPath) -> [FieldError] {
        let ingressPath = path.child("ingress")
        if spec.type != .loadBalancer, !status.ingress.isEmpty {
            return [.forbidden(ingressPath, "may only be used when `spec.type` is 'LoadBalancer'")]
        }
        var errs: [FieldError] = []
        let oldIPs = old.ingress.map(\.ip).filter { !$0.isEmpty }
        for (i, ingress) in status.ingress.enumerated() {
            let p = ingressPath.index(i)
            if !ingress.ip.isEmpty {
                errs += IPRules.validateIP(ingress.ip, path: p.child("ip"), validOld: oldIPs)
            }
            if ingress.ipMode == nil, !ingress.ip.isEmpty {
                errs.append(.required(p.child("ipMode"), "must be specified when `ip` is set"))
            } else if ingress.ipMode != nil, ingress.ip.isEmpty {
                errs.append(.forbidden(p.child("ipMode"), "may not be specified when `ip` is not set"))
            } else if let mode = ingress.ipMode, mode != .vip, mode != .proxy {
                errs.append(.notSupported(p.child("ipMode"), .named(mode.rawValue), ["Proxy", "VIP"]))
            }
            if !ingress.hostname.isEmpty {
                for message in NameRules.isDNS1123Subdomain(ingress.hostname) {
                    errs.append(.invalid(p.child("hostname"), .string(ingress.hostname), message))
                }
                if IPAddress(ingress.hostname) != nil {
                    errs.append(.invalid(p.child("hostname"), .string(ingress.hostname), "must be a DNS name, not an IP address"))
                }
            }
        }
        return errs
    }
}

extension String {
    /// Go's strings.TrimSpace for the ASCII whitespace that matters in field values.
    public var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0B}" || $0 == "\u{0C}" }
        guard let start = self.firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = self.lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }
}
