import PorticoAPI
import PorticoLab
import Testing

/// What each Service type promises, cell by cell (no lab needed).
struct ReachMatrixTests {
    static let nodes = [(name: "node-1", address: "10.10.10.1"), (name: "node-2", address: "10.10.10.2")]
    static let pod = (namespace: "default", name: "client", node: "node-1", ip: "10.244.1.5")

    static func service(_ type: ServiceType, local: Bool = false, lbIP: String = "203.0.113.10") -> Service {
        var service = Service()
        service.metadata.name = "web"
        service.metadata.namespace = "default"
        service.spec.type = type
        service.spec.clusterIP = "10.96.0.20"
        service.spec.ports = [ServicePort(port: 80, targetPort: .int(8080), nodePort: type == .clusterIP ? 0 : 30080)]
        if local { service.spec.externalTrafficPolicy = .local }
        if type == .loadBalancer, !lbIP.isEmpty { service.status.loadBalancer.ingress = [.init(ip: lbIP)] }
        return service
    }

    static func expected(_ service: Service, readyNodes: [String] = ["node-1", "node-2"]) -> [[Bool]] {
        ReachMatrix.plan(service: service, port: service.spec.ports[0], nodes: Self.nodes, readyEndpointNodes: readyNodes,
                         readyEndpoints: readyNodes.count, client: Self.pod, lanAddress: "10.10.10.254",
                         internetAddress: "203.0.113.200").expected
    }

    @Test func eachTypeAddsAWiderCircle() {
        // Rows: pod, LAN, internet. Columns: ClusterIP, node-1, node-2, LB.
        #expect(Self.expected(Self.service(.clusterIP)) == [[true], [false], [false]])
        #expect(Self.expected(Self.service(.nodePort)) == [[true, true, true], [false, true, true], [false, false, false]])
        #expect(Self.expected(Self.service(.loadBalancer)) == [[true, true, true, true], [false, true, true, true], [false, false, false, true]])
    }

    @Test func localPolicyOnlyOnNodesWithEndpoints() {
        #expect(Self.expected(Self.service(.loadBalancer, local: true), readyNodes: ["node-2"])
            == [[true, true, true, true], [false, false, true, true], [false, false, false, true]])
    }

    @Test func sourceRangesCloseTheLoadBalancerToOthers() {
        var service = Self.service(.loadBalancer)
        service.metadata.annotations[ServiceValidation.sourceRangesAnnotation] = " 203.0.113.0/24 ,10.10.10.254/32"
        // The annotation counts while the field is empty; the LAN host and the internet are in, the pod is not.
        #expect(Self.expected(service).map { $0.last } == [false, true, true])
        service.spec.loadBalancerSourceRanges = ["10.244.0.0/16"]
        #expect(service.effectiveLoadBalancerSourceRanges == ["10.244.0.0/16"])
        #expect(Self.expected(service).map { $0.last } == [true, false, false])
    }

    @Test func pendingLoadBalancerHasNoDoor() {
        let matrix = ReachMatrix.plan(service: Self.service(.loadBalancer, lbIP: ""), port: ServicePort(port: 80, nodePort: 30080),
                                      nodes: Self.nodes, readyEndpointNodes: [], readyEndpoints: 0, client: nil,
                                      lanAddress: "10.10.10.254", internetAddress: nil)
        #expect(matrix.columns.last?.target == nil && matrix.columns.last?.missing == "<pending>")
        #expect(matrix.rows.first?.missing == "no running pod to send from")
        #expect(matrix.rows.count == 2)
    }
}
