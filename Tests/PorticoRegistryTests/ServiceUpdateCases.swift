import Testing

private enum Old {
    static let clusterIP = #"{"clusterIP":"10.96.100.1","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#
    static let nodePort = #"{"type":"NodePort","clusterIP":"10.96.100.1","ports":[{"name":"http","port":80,"nodePort":30100}],"selector":{"app":"web"}}"#
    static let loadBalancer = #"{"type":"LoadBalancer","clusterIP":"10.96.100.1","ports":[{"name":"http","port":80,"nodePort":30100}],"selector":{"app":"web"}}"#
    static let lbLocal = #"{"type":"LoadBalancer","externalTrafficPolicy":"Local","healthCheckNodePort":30500,"clusterIP":"10.96.100.1","ports":[{"name":"http","port":80,"nodePort":30100}],"selector":{"app":"web"}}"#
    static let lbClass = #"{"type":"LoadBalancer","loadBalancerClass":"a.example/lb","clusterIP":"10.96.100.1","ports":[{"name":"http","port":80,"nodePort":30100}],"selector":{"app":"web"}}"#
    static let externalName = #"{"type":"ExternalName","externalName":"db.example.com","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#
    static let headless = #"{"clusterIP":"None","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#
}

private enum Result {
    static let clusterIP = #"""
        {"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":80}],"selector":{"app":"web"},"clusterIP":"10.96.100.1",
         "clusterIPs":["10.96.100.1"],"type":"ClusterIP","sessionAffinity":"None","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack",
         "internalTrafficPolicy":"Cluster"}
        """#
    static let nodePort = #"""
        {"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":80,"nodePort":30100}],"selector":{"app":"web"},"clusterIP":"10.96.100.1",
         "clusterIPs":["10.96.100.1"],"type":"NodePort","sessionAffinity":"None","externalTrafficPolicy":"Cluster","ipFamilies":["IPv4"],
         "ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
        """#
    static let loadBalancer = #"""
        {"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":80,"nodePort":30100}],"selector":{"app":"web"},"clusterIP":"10.96.100.1",
         "clusterIPs":["10.96.100.1"],"type":"LoadBalancer","sessionAffinity":"None","externalTrafficPolicy":"Cluster","ipFamilies":["IPv4"],
         "ipFamilyPolicy":"SingleStack","allocateLoadBalancerNodePorts":true,"internalTrafficPolicy":"Cluster"}
        """#
}

/// Updates: what a re-submitted or changed Service keeps, clears, allocates and refuses.
let serviceUpdateCases: [ServiceCase] = [
    ServiceCase("ClusterIP re-submitted without clusterIP keeps it",
                .update(old: Old.clusterIP, new: #"{"ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#), .spec(Result.clusterIP)),
    ServiceCase("ClusterIP re-submitted as stored is unchanged", .update(old: Old.clusterIP, new: Result.clusterIP), .spec(Result.clusterIP)),
    ServiceCase("a new selector is taken", .update(old: Old.clusterIP, new: #"{"ports":[{"name":"http","port":80}],"selector":{"app":"api"}}"#),
                .spec(Result.clusterIP.replacing("\"web\"", "\"api\""))),
    ServiceCase("changing the clusterIP is refused",
                .update(old: Old.clusterIP, new: #"{"clusterIP":"10.96.100.2","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .invalid(["spec.clusterIPs[0]: Invalid value: [\"10.96.100.2\"]: may not change once set"])),
    ServiceCase("changing both clusterIP and clusterIPs is refused",
                .update(old: Old.clusterIP, new: #"{"clusterIP":"10.96.100.2","clusterIPs":["10.96.100.2"],"ports":[{"name":"http","port":80}]}"#),
                .invalid(["spec.clusterIPs[0]: Invalid value: [\"10.96.100.2\"]: may not change once set"])),
    ServiceCase("an omitted clusterIP is filled from the stored one before clusterIPs is checked",
                .update(old: Old.clusterIP, new: #"{"clusterIP":"","clusterIPs":["10.96.100.2"],"ports":[{"name":"http","port":80}]}"#),
                .invalid(["spec.clusterIPs: Invalid value: [\"10.96.100.2\"]: first value must match `clusterIP`"])),
    ServiceCase("headless to an IP is refused",
                .update(old: Old.headless, new: #"{"clusterIP":"10.96.100.5","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .invalid(["spec.clusterIPs[0]: Invalid value: [\"10.96.100.5\"]: may not change once set"])),
    ServiceCase("an IP to headless is refused",
                .update(old: Old.clusterIP, new: #"{"clusterIP":"None","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .invalid(["spec.clusterIPs[0]: Invalid value: [\"None\"]: may not change once set"])),
    ServiceCase("an update without resourceVersion is refused",
                .update(old: Old.clusterIP, new: #"{"metadata":{"name":"svc","resourceVersion":""},"spec":{"ports":[{"name":"http","port":80}]}}"#),
                .invalid(["metadata.resourceVersion: Invalid value: \"\": must be specified for an update"])),
    ServiceCase("NodePort re-submitted without nodePort keeps it (matched by port name)",
                .update(old: Old.nodePort, new: #"{"type":"NodePort","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#), .spec(Result.nodePort)),
    ServiceCase("NodePort with a port renamed gets a new nodePort",
                .update(old: Old.nodePort, new: #"{"type":"NodePort","ports":[{"name":"web","port":80}],"selector":{"app":"web"}}"#),
                .spec(Result.nodePort.replacing("\"name\":\"http\"", "\"name\":\"web\"").replacing("30100", "\"$np\""))),
    ServiceCase("NodePort moved to another nodePort",
                .update(old: Old.nodePort, new: #"{"type":"NodePort","ports":[{"name":"http","port":80,"nodePort":30101}],"selector":{"app":"web"}}"#),
                .spec(Result.nodePort.replacing("30100", "30101"))),
    ServiceCase("NodePort moved to a nodePort outside the range",
                .update(old: Old.nodePort, new: #"{"type":"NodePort","ports":[{"name":"http","port":80,"nodePort":8080}],"selector":{"app":"web"}}"#),
                .invalid(["spec.ports[0].nodePort: Invalid value: 8080: \(Msg.nodePortRange)"])),
    ServiceCase("NodePort moved to a nodePort another Service holds",
                existing: [#"{"type":"NodePort","ports":[{"port":80,"nodePort":30200}]}"#],
                .update(old: Old.nodePort, new: #"{"type":"NodePort","ports":[{"name":"http","port":80,"nodePort":30200}],"selector":{"app":"web"}}"#),
                .invalid(["spec.ports[0].nodePort: Invalid value: 30200: provided port is already allocated"])),
    ServiceCase("NodePort gains a port: it gets its own nodePort",
                .update(old: Old.nodePort, new: #"{"type":"NodePort","ports":[{"name":"http","port":80},{"name":"https","port":443}],"selector":{"app":"web"}}"#),
                .spec(Result.nodePort.replacing(#"{"name":"http","protocol":"TCP","port":80,"targetPort":80,"nodePort":30100}"#,
                                                #"{"name":"http","protocol":"TCP","port":80,"targetPort":80,"nodePort":30100},{"name":"https","protocol":"TCP","port":443,"targetPort":443,"nodePort":"$np"}"#))),
    ServiceCase("on update, the same nodePort twice is a plain server error (as upstream)",
                .update(old: Old.nodePort, new: #"{"type":"NodePort","ports":[{"name":"http","port":80,"nodePort":30100},{"name":"https","port":443,"nodePort":30100}],"selector":{"app":"web"}}"#),
                .failure(500, "duplicate nodePort: {TCP 30100}")),
    ServiceCase("ClusterIP to NodePort: a nodePort and externalTrafficPolicy Cluster",
                .update(old: Old.clusterIP, new: #"{"type":"NodePort","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(Result.nodePort.replacing("30100", "\"$np\""))),
    ServiceCase("ClusterIP to NodePort with a requested nodePort",
                .update(old: Old.clusterIP, new: #"{"type":"NodePort","ports":[{"name":"http","port":80,"nodePort":31852}],"selector":{"app":"web"}}"#),
                .spec(Result.nodePort.replacing("30100", "31852"))),
    ServiceCase("NodePort to ClusterIP as stored: nodePort and externalTrafficPolicy are cleared",
                .update(old: Old.nodePort, new: #"{"type":"ClusterIP","clusterIP":"10.96.100.1","externalTrafficPolicy":"Cluster","ports":[{"name":"http","port":80,"nodePort":30100}],"selector":{"app":"web"}}"#),
                .spec(Result.clusterIP)),
    ServiceCase("NodePort to ClusterIP without the nodePort",
                .update(old: Old.nodePort, new: #"{"type":"ClusterIP","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(Result.clusterIP)),
    ServiceCase("NodePort to ClusterIP with a new nodePort is refused",
                .update(old: Old.nodePort, new: #"{"type":"ClusterIP","ports":[{"name":"http","port":80,"nodePort":30200}],"selector":{"app":"web"}}"#),
                .invalid(["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"])),
    ServiceCase("NodePort to ClusterIP with a changed externalTrafficPolicy is refused",
                .update(old: Old.nodePort, new: #"{"type":"ClusterIP","externalTrafficPolicy":"Local","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .invalid(["spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for externally-accessible services"])),
    ServiceCase("NodePort to LoadBalancer keeps the nodePort",
                .update(old: Old.nodePort, new: #"{"type":"LoadBalancer","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(Result.loadBalancer)),
    ServiceCase("LoadBalancer to NodePort as stored: allocateLoadBalancerNodePorts is cleared",
                .update(old: Old.loadBalancer, new: #"{"type":"NodePort","allocateLoadBalancerNodePorts":true,"externalTrafficPolicy":"Cluster","ports":[{"name":"http","port":80,"nodePort":30100}],"selector":{"app":"web"}}"#),
                .spec(Result.nodePort)),
    ServiceCase("LoadBalancer to NodePort with allocateLoadBalancerNodePorts changed is refused",
                .update(old: Old.loadBalancer, new: #"{"type":"NodePort","allocateLoadBalancerNodePorts":false,"ports":[{"name":"http","port":80,"nodePort":30100}],"selector":{"app":"web"}}"#),
                .invalid(["spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'"])),
    ServiceCase("LoadBalancer to ClusterIP as stored: every LoadBalancer field is cleared",
                .update(old: Old.loadBalancer, new: #"{"type":"ClusterIP","allocateLoadBalancerNodePorts":true,"externalTrafficPolicy":"Cluster","clusterIP":"10.96.100.1","clusterIPs":["10.96.100.1"],"ports":[{"name":"http","port":80,"nodePort":30100}],"selector":{"app":"web"}}"#),
                .spec(Result.clusterIP)),
    ServiceCase("LoadBalancer to ClusterIP clears the class when unchanged",
                .update(old: Old.lbClass, new: #"{"type":"ClusterIP","loadBalancerClass":"a.example/lb","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(Result.clusterIP)),
    ServiceCase("LoadBalancer to ClusterIP with a new class is refused",
                .update(old: Old.lbClass, new: #"{"type":"ClusterIP","loadBalancerClass":"b.example/lb","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .invalid(["spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'"])),
    ServiceCase("LoadBalancer to ClusterIP clears the load balancer status",
                .update(old: Old.loadBalancer, new: #"{"spec":{"type":"ClusterIP","ports":[{"name":"http","port":80}]},"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.10"}]}}}"#),
                .status(#"{"loadBalancer":{}}"#)),
    ServiceCase("the loadBalancerClass may not change",
                .update(old: Old.lbClass, new: #"{"type":"LoadBalancer","loadBalancerClass":"b.example/lb","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .invalid(["spec.loadBalancerClass: Invalid value: \"b.example/lb\": may not change once set"])),
    ServiceCase("a loadBalancerClass may not be added",
                .update(old: Old.loadBalancer, new: #"{"type":"LoadBalancer","loadBalancerClass":"b.example/lb","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .invalid(["spec.loadBalancerClass: Invalid value: \"b.example/lb\": may not change once set"])),
    ServiceCase("a loadBalancerClass may not be removed",
                .update(old: Old.lbClass, new: #"{"type":"LoadBalancer","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .invalid(["spec.loadBalancerClass: Invalid value: null: may not change once set"])),
    ServiceCase("an invalid new class is reported once in the message",
                .update(old: Old.clusterIP, new: #"{"loadBalancerClass":"a b","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .invalid(["spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'"])),
    ServiceCase("LoadBalancer Cluster to Local: a healthCheckNodePort",
                .update(old: Old.loadBalancer, new: #"{"type":"LoadBalancer","externalTrafficPolicy":"Local","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(Result.loadBalancer.replacing("\"externalTrafficPolicy\":\"Cluster\"", "\"externalTrafficPolicy\":\"Local\",\"healthCheckNodePort\":\"$hc\""))),
    ServiceCase("LoadBalancer Cluster to Local with a requested healthCheckNodePort",
                .update(old: Old.loadBalancer, new: #"{"type":"LoadBalancer","externalTrafficPolicy":"Local","healthCheckNodePort":30600,"ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(Result.loadBalancer.replacing("\"externalTrafficPolicy\":\"Cluster\"", "\"externalTrafficPolicy\":\"Local\",\"healthCheckNodePort\":30600"))),
    ServiceCase("LoadBalancer Local re-submitted without healthCheckNodePort keeps it",
                .update(old: Old.lbLocal, new: #"{"type":"LoadBalancer","externalTrafficPolicy":"Local","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(Result.loadBalancer.replacing("\"externalTrafficPolicy\":\"Cluster\"", "\"externalTrafficPolicy\":\"Local\",\"healthCheckNodePort\":30500"))),
    ServiceCase("LoadBalancer Local to Cluster as stored: the healthCheckNodePort goes",
                .update(old: Old.lbLocal, new: #"{"type":"LoadBalancer","externalTrafficPolicy":"Cluster","healthCheckNodePort":30500,"ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(Result.loadBalancer)),
    ServiceCase("the healthCheckNodePort may not change",
                .update(old: Old.lbLocal, new: #"{"type":"LoadBalancer","externalTrafficPolicy":"Local","healthCheckNodePort":30501,"ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .invalid(["spec.healthCheckNodePort: Forbidden: field is immutable"])),
    ServiceCase("ClusterIP to ExternalName as stored: cluster IP, families and policy cleared",
                .update(old: Old.clusterIP, new: #"{"type":"ExternalName","externalName":"db.example.com","clusterIP":"10.96.100.1","clusterIPs":["10.96.100.1"],"ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(#"""
                    {"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":80}],"selector":{"app":"web"},"type":"ExternalName",
                     "externalName":"db.example.com","sessionAffinity":"None"}
                    """#)),
    ServiceCase("ClusterIP to ExternalName with a new clusterIP is refused",
                .update(old: Old.clusterIP, new: #"{"type":"ExternalName","externalName":"db.example.com","clusterIP":"10.96.100.2","clusterIPs":["10.96.100.2"]}"#),
                .invalid(["spec.clusterIPs: Forbidden: may not be set for ExternalName services"])),
    ServiceCase("NodePort to ExternalName: nodePorts, policy and IPs cleared",
                .update(old: Old.nodePort, new: #"{"type":"ExternalName","externalName":"db.example.com","clusterIP":"10.96.100.1","externalTrafficPolicy":"Cluster","ports":[{"name":"http","port":80,"nodePort":30100}],"selector":{"app":"web"}}"#),
                .spec(#"""
                    {"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":80}],"selector":{"app":"web"},"type":"ExternalName",
                     "externalName":"db.example.com","sessionAffinity":"None"}
                    """#)),
    ServiceCase("ExternalName to ClusterIP: a new cluster IP",
                .update(old: Old.externalName, new: #"{"ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(Result.clusterIP.replacing("\"10.96.100.1\"", "\"$ip\""))),
    ServiceCase("ExternalName to ClusterIP with a requested IP",
                .update(old: Old.externalName, new: #"{"clusterIP":"10.96.0.20","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(Result.clusterIP.replacing("10.96.100.1", "10.96.0.20"))),
    ServiceCase("ExternalName to NodePort: an IP and a nodePort",
                .update(old: Old.externalName, new: #"{"type":"NodePort","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(Result.nodePort.replacing("\"10.96.100.1\"", "\"$ip\"").replacing("30100", "\"$np\""))),
    ServiceCase("ExternalName renamed", .update(old: Old.externalName, new: #"{"type":"ExternalName","externalName":"db2.example.com","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(#"""
                    {"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":80}],"selector":{"app":"web"},"type":"ExternalName",
                     "externalName":"db2.example.com","sessionAffinity":"None"}
                    """#)),
    ServiceCase("ExternalName to ClusterIP with an IP another Service holds",
                existing: [#"{"clusterIP":"10.96.0.20","ports":[{"port":80}]}"#],
                .update(old: Old.externalName, new: #"{"clusterIP":"10.96.0.20","ports":[{"name":"http","port":80}]}"#),
                .invalid(["spec.clusterIPs: Invalid value: [\"10.96.0.20\"]: failed to allocate IP 10.96.0.20: provided IP is already allocated"])),
    ServiceCase("changing the primary family is refused", cluster: .dual,
                .update(old: Old.clusterIP, new: #"{"ipFamilies":["IPv6"],"ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .invalid(["spec.clusterIPs[0]: Invalid value: \"10.96.100.1\": expected an IPv6 value as indicated by `ipFamilies[0]`"])),
]

@Suite("Service update") struct ServiceUpdateTests {
    @Test(arguments: serviceUpdateCases) func update(_ c: ServiceCase) throws { try check(c) }
}
