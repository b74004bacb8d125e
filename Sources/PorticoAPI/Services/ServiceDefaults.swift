/// Static defaulting of a Service (upstream SetDefaults_Service), applied to every create,
/// update and patched object before validation.
public enum ServiceDefaults {
    /// Three hours: upstream's DefaultClientIPServiceAffinitySeconds.
    public static let clientIPAffinitySeconds: Int32 = 10800
    public static let maxClientIPAffinitySeconds: Int32 = 86400

    public static func apply(_ service: inout Service) {
        if service.spec.sessionAffinity.isZeroValue { service.spec.sessionAffinity = .none }
        if service.spec.sessionAffinity == .none {
            service.spec.sessionAffinityConfig = nil
        }
        if service.spec.sessionAffinity == .clientIP,
            service.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds == nil
        {
            service.spec.sessionAffinityConfig = SessionAffinityConfig(
                clientIP: ClientIPConfig(timeoutSeconds: clientIPAffinitySeconds))
        }
        if service.spec.type.isZeroValue { service.spec.type = .clusterIP }
        for i in service.spec.ports.indices {
            if service.spec.ports[i].protocol.isZeroValue { service.spec.ports[i].protocol = .tcp }
            if service.spec.ports[i].targetPort.isUnset {
                service.spec.ports[i].targetPort = .int(service.spec.ports[i].port)
            }
        }
        if service.isExternallyAccessible, service.spec.externalTrafficPolicy.isZeroValue {
            service.spec.externalTrafficPolicy = .cluster
        }
        if service.spec.internalTrafficPolicy == nil,
            [.nodePort, .loadBalancer, .clusterIP].contains(service.spec.type)
        {
            service.spec.internalTrafficPolicy = .cluster
        }
        if service.spec.type == .loadBalancer {
            if service.spec.allocateLoadBalancerNodePorts == nil {
                service.spec.allocateLoadBalancerNodePorts = true
            }
            for i in service.status.loadBalancer.ingress.indices
            where !service.status.loadBalancer.ingress[i].ip.isEmpty && service.status.loadBalancer.ingress[i].ipMode == nil {
                service.status.loadBalancer.ingress[i].ipMode = .vip
            }
        }
    }
}
