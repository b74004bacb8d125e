/// The questions upstream's code asks of a Service (pkg/api/service/util.go and the registry),
/// answered in one place so defaulting, validation and allocation agree.
extension Service {
    /// `clusterIPs == ["None"]`.
    /// The `loadBalancerClass` of Portico's own load balancer.
    public static let porticoLoadBalancerClass = "portico.dev/load-balancer"

    /// The client ranges a load balancer admits, as upstream's `GetLoadBalancerSourceRanges`
    /// reads them: `spec.loadBalancerSourceRanges`, else the
    /// `service.beta.kubernetes.io/load-balancer-source-ranges` annotation (comma-separated);
    /// trimmed, IPv4 only (Portico's data planes are IPv4). Empty: everyone.
    public var effectiveLoadBalancerSourceRanges: [String] {
        var ranges = self.spec.loadBalancerSourceRanges
        if ranges.isEmpty, let annotation = self.metadata.annotations[ServiceValidation.sourceRangesAnnotation] {
            ranges = annotation.split(separator: ",").map(String.init)
        }
        return ranges.map(\.trimmingSpaces).filter { IPNetwork($0)?.address.family == .ipv4 }.sorted()
    }

    /// Whether a load balancer of this Service admits a client at `address`.
    public func loadBalancerAdmits(_ address: String) -> Bool {
        let ranges = self.effectiveLoadBalancerSourceRanges
        guard !ranges.isEmpty else { return true }
        guard let client = IPAddress(address) else { return false }
        return ranges.contains { IPNetwork($0)?.contains(client) == true }
    }

    /// A LoadBalancer Service for Portico's load balancer: no class, or Portico's (other
    /// classes belong to other controllers, as upstream's service controller leaves them).
    public var usesPorticoLoadBalancer: Bool {
        self.spec.type == .loadBalancer && (self.spec.loadBalancerClass ?? Self.porticoLoadBalancerClass) == Self.porticoLoadBalancerClass
    }

    public var isHeadless: Bool { self.spec.clusterIPs.count == 1 && self.spec.clusterIPs[0] == "None" }

    /// Reachable from outside the cluster: LoadBalancer, NodePort, or ClusterIP with externalIPs.
    public var isExternallyAccessible: Bool {
        self.spec.type == .loadBalancer || self.spec.type == .nodePort
            || (self.spec.type == .clusterIP && !self.spec.externalIPs.isEmpty)
    }

    /// A LoadBalancer with `externalTrafficPolicy: Local` gets a healthCheckNodePort.
    public var needsHealthCheck: Bool { self.spec.type == .loadBalancer && self.spec.externalTrafficPolicy == .local }

    /// Every type but ExternalName has a cluster IP (or is headless).
    public var needsClusterIP: Bool { self.spec.type != .externalName }

    /// NodePort, and LoadBalancer unless `allocateLoadBalancerNodePorts: false` (the allocator's view).
    public var allocatesNodePorts: Bool {
        self.spec.type == .nodePort
            || (self.spec.type == .loadBalancer && self.spec.allocateLoadBalancerNodePorts != false)
    }

    /// NodePort or LoadBalancer, whatever allocateLoadBalancerNodePorts says (the strategy's view).
    public var hasNodePorts: Bool { self.spec.type == .nodePort || self.spec.type == .loadBalancer }
}
