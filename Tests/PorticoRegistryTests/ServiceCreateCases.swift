import Testing

/// Creates that succeed: the exact stored spec after defaulting and allocation.
let serviceCreateCases: [ServiceCase] = [
    ServiceCase("ClusterIP: defaults and one IP from the upper band", .create(Spec.clusterIP), .spec(Spec.clusterIPResult)),
    ServiceCase("NodePort: a nodePort from the range and externalTrafficPolicy Cluster", .create(Spec.nodePort), .spec(Spec.nodePortResult)),
    ServiceCase("LoadBalancer: nodePort, allocateLoadBalancerNodePorts true", .create(Spec.loadBalancer), .spec(Spec.loadBalancerResult)),
    ServiceCase("LoadBalancer Local: a healthCheckNodePort", .create(Spec.lbLocal), .spec(Spec.lbLocalResult)),
    ServiceCase("ExternalName: no cluster IP, families or traffic policy", .create(Spec.externalName), .spec(Spec.externalNameResult)),
    ServiceCase("ExternalName with a trailing dot is kept as given",
                .create(#"{"type":"ExternalName","externalName":"db.example.com."}"#),
                .spec(#"{"type":"ExternalName","externalName":"db.example.com.","sessionAffinity":"None"}"#)),
    ServiceCase("requested clusterIP is used", .create(#"{"clusterIP":"10.96.0.10","ports":[{"port":53,"protocol":"UDP"}]}"#),
                .spec(#"""
                    {"ports":[{"protocol":"UDP","port":53,"targetPort":53}],"clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10"],
                     "type":"ClusterIP","sessionAffinity":"None","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("requested clusterIPs (plural only with singular) is used",
                .create(#"{"clusterIP":"10.100.1.2","clusterIPs":["10.100.1.2"],"ports":[{"port":80}]}"#),
                .spec(#"""
                    {"ports":[{"protocol":"TCP","port":80,"targetPort":80}],"clusterIP":"10.100.1.2","clusterIPs":["10.100.1.2"],
                     "type":"ClusterIP","sessionAffinity":"None","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("a requested IP in the upper band is allowed", .create(#"{"clusterIP":"10.111.255.254","ports":[{"port":80}]}"#),
                .spec(#"""
                    {"ports":[{"protocol":"TCP","port":80,"targetPort":80}],"clusterIP":"10.111.255.254","clusterIPs":["10.111.255.254"],
                     "type":"ClusterIP","sessionAffinity":"None","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("headless with a selector: SingleStack, the primary family",
                .create(#"{"clusterIP":"None","selector":{"app":"db"},"ports":[{"port":5432}]}"#),
                .spec(#"""
                    {"ports":[{"protocol":"TCP","port":5432,"targetPort":5432}],"selector":{"app":"db"},"clusterIP":"None","clusterIPs":["None"],
                     "type":"ClusterIP","sessionAffinity":"None","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("headless without selector: RequireDualStack, both families even on a single-stack cluster",
                .create(#"{"clusterIP":"None"}"#),
                .spec(#"""
                    {"clusterIP":"None","clusterIPs":["None"],"type":"ClusterIP","sessionAffinity":"None","ipFamilies":["IPv4","IPv6"],
                     "ipFamilyPolicy":"RequireDualStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("headless without selector, SingleStack asked: one family",
                .create(#"{"clusterIP":"None","ipFamilyPolicy":"SingleStack"}"#),
                .spec(#"""
                    {"clusterIP":"None","clusterIPs":["None"],"type":"ClusterIP","sessionAffinity":"None","ipFamilies":["IPv4"],
                     "ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("headless without selector on an IPv6 cluster: IPv6 first", cluster: .ipv6, .create(#"{"clusterIP":"None"}"#),
                .spec(#"""
                    {"clusterIP":"None","clusterIPs":["None"],"type":"ClusterIP","sessionAffinity":"None","ipFamilies":["IPv6","IPv4"],
                     "ipFamilyPolicy":"RequireDualStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("headless with ports and a named targetPort",
                .create(#"{"clusterIP":"None","selector":{"app":"db"},"ports":[{"name":"pg","port":5432,"targetPort":"postgres"}]}"#),
                .spec(#"""
                    {"ports":[{"name":"pg","protocol":"TCP","port":5432,"targetPort":"postgres"}],"selector":{"app":"db"},"clusterIP":"None",
                     "clusterIPs":["None"],"type":"ClusterIP","sessionAffinity":"None","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack",
                     "internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("sessionAffinity ClientIP gets 10800 seconds",
                .create(#"{"sessionAffinity":"ClientIP","ports":[{"port":80}]}"#),
                .spec(#"""
                    {"ports":[{"protocol":"TCP","port":80,"targetPort":80}],"clusterIP":"$ip","clusterIPs":["$ip"],"type":"ClusterIP",
                     "sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":10800}},"ipFamilies":["IPv4"],
                     "ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("sessionAffinity ClientIP keeps a given timeout",
                .create(#"{"sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":60}},"ports":[{"port":80}]}"#),
                .spec(#"""
                    {"ports":[{"protocol":"TCP","port":80,"targetPort":80}],"clusterIP":"$ip","clusterIPs":["$ip"],"type":"ClusterIP",
                     "sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":60}},"ipFamilies":["IPv4"],
                     "ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("sessionAffinity ClientIP with an empty clientIP gets the default",
                .create(#"{"sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{}},"ports":[{"port":80}]}"#),
                .spec(#"""
                    {"ports":[{"protocol":"TCP","port":80,"targetPort":80}],"clusterIP":"$ip","clusterIPs":["$ip"],"type":"ClusterIP",
                     "sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":10800}},"ipFamilies":["IPv4"],
                     "ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("sessionAffinity ClientIP with 86400 (the maximum) is valid",
                .create(#"{"sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":86400}},"ports":[{"port":80}]}"#),
                .spec(#"""
                    {"ports":[{"protocol":"TCP","port":80,"targetPort":80}],"clusterIP":"$ip","clusterIPs":["$ip"],"type":"ClusterIP",
                     "sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":86400}},"ipFamilies":["IPv4"],
                     "ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("sessionAffinity None silently drops a config",
                .create(#"{"sessionAffinity":"None","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":60}},"ports":[{"port":80}]}"#),
                .spec(Spec.clusterIPResult.replacingSelector())),
    ServiceCase("targetPort given as a number is kept",
                .create(#"{"ports":[{"port":80,"targetPort":8080}],"selector":{"app":"web"}}"#),
                .spec(Spec.clusterIPResult.replacing("\"targetPort\":80", "\"targetPort\":8080"))),
    ServiceCase("targetPort given as a name is kept",
                .create(#"{"ports":[{"port":80,"targetPort":"http"}],"selector":{"app":"web"}}"#),
                .spec(Spec.clusterIPResult.replacing("\"targetPort\":80", "\"targetPort\":\"http\""))),
    ServiceCase("targetPort \"\" becomes the port",
                .create(#"{"ports":[{"port":80,"targetPort":""}],"selector":{"app":"web"}}"#), .spec(Spec.clusterIPResult)),
    ServiceCase("targetPort 0 becomes the port",
                .create(#"{"ports":[{"port":80,"targetPort":0}],"selector":{"app":"web"}}"#), .spec(Spec.clusterIPResult)),
    ServiceCase("protocol UDP", .create(#"{"ports":[{"port":80,"protocol":"UDP"}],"selector":{"app":"web"}}"#),
                .spec(Spec.clusterIPResult.replacing("\"protocol\":\"TCP\"", "\"protocol\":\"UDP\""))),
    ServiceCase("protocol SCTP", .create(#"{"ports":[{"port":80,"protocol":"SCTP"}],"selector":{"app":"web"}}"#),
                .spec(Spec.clusterIPResult.replacing("\"protocol\":\"TCP\"", "\"protocol\":\"SCTP\""))),
    ServiceCase("appProtocol kept", .create(#"{"ports":[{"port":80,"appProtocol":"kubernetes.io/h2c"}],"selector":{"app":"web"}}"#),
                .spec(Spec.clusterIPResult.replacing("\"protocol\":\"TCP\"", "\"protocol\":\"TCP\",\"appProtocol\":\"kubernetes.io/h2c\""))),
    ServiceCase("NodePort: 53/TCP and 53/UDP share one nodePort",
                .create(#"{"type":"NodePort","ports":[{"name":"dns","port":53,"protocol":"UDP"},{"name":"dns-tcp","port":53,"protocol":"TCP"}]}"#),
                .spec(#"""
                    {"ports":[{"name":"dns","protocol":"UDP","port":53,"targetPort":53,"nodePort":"$np"},
                              {"name":"dns-tcp","protocol":"TCP","port":53,"targetPort":53,"nodePort":"$np"}],
                     "clusterIP":"$ip","clusterIPs":["$ip"],"type":"NodePort","sessionAffinity":"None","externalTrafficPolicy":"Cluster",
                     "ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("NodePort: the later port's requested nodePort is shared with the earlier one",
                .create(#"{"type":"NodePort","ports":[{"name":"a","port":53,"protocol":"UDP"},{"name":"b","port":53,"protocol":"TCP","nodePort":30053}]}"#),
                .spec(#"""
                    {"ports":[{"name":"a","protocol":"UDP","port":53,"targetPort":53,"nodePort":30053},
                              {"name":"b","protocol":"TCP","port":53,"targetPort":53,"nodePort":30053}],
                     "clusterIP":"$ip","clusterIPs":["$ip"],"type":"NodePort","sessionAffinity":"None","externalTrafficPolicy":"Cluster",
                     "ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("NodePort: same port number, two different requested nodePorts, both taken",
                .create(#"{"type":"NodePort","ports":[{"name":"a","port":53,"protocol":"UDP","nodePort":30053},{"name":"b","port":53,"protocol":"TCP","nodePort":30054}]}"#),
                .spec(#"""
                    {"ports":[{"name":"a","protocol":"UDP","port":53,"targetPort":53,"nodePort":30053},
                              {"name":"b","protocol":"TCP","port":53,"targetPort":53,"nodePort":30054}],
                     "clusterIP":"$ip","clusterIPs":["$ip"],"type":"NodePort","sessionAffinity":"None","externalTrafficPolicy":"Cluster",
                     "ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("NodePort: two port numbers get two nodePorts",
                .create(#"{"type":"NodePort","ports":[{"name":"http","port":80},{"name":"https","port":443}]}"#),
                .spec(#"""
                    {"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":80,"nodePort":"$np"},
                              {"name":"https","protocol":"TCP","port":443,"targetPort":443,"nodePort":"$np2"}],
                     "clusterIP":"$ip","clusterIPs":["$ip"],"type":"NodePort","sessionAffinity":"None","externalTrafficPolicy":"Cluster",
                     "ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("NodePort: the seed's 31852 requested", .create(#"{"type":"NodePort","ports":[{"port":80,"nodePort":31852}],"selector":{"app":"web"}}"#),
                .spec(Spec.nodePortResult.replacing("\"$np\"", "31852"))),
    ServiceCase("NodePort: the first port of the range", .create(#"{"type":"NodePort","ports":[{"port":80,"nodePort":30000}],"selector":{"app":"web"}}"#),
                .spec(Spec.nodePortResult.replacing("\"$np\"", "30000"))),
    ServiceCase("NodePort: the last port of the range", .create(#"{"type":"NodePort","ports":[{"port":80,"nodePort":32767}],"selector":{"app":"web"}}"#),
                .spec(Spec.nodePortResult.replacing("\"$np\"", "32767"))),
    ServiceCase("NodePort with externalTrafficPolicy Local: no health check port",
                .create(#"{"type":"NodePort","externalTrafficPolicy":"Local","ports":[{"port":80}],"selector":{"app":"web"}}"#),
                .spec(Spec.nodePortResult.replacing("\"externalTrafficPolicy\":\"Cluster\"", "\"externalTrafficPolicy\":\"Local\""))),
    ServiceCase("LoadBalancer: the seed's nodePort 30222",
                .create(#"{"type":"LoadBalancer","ports":[{"port":80,"nodePort":30222}],"selector":{"app":"web"}}"#),
                .spec(Spec.loadBalancerResult.replacing("\"$np\"", "30222"))),
    ServiceCase("LoadBalancer Local with a requested healthCheckNodePort",
                .create(#"{"type":"LoadBalancer","externalTrafficPolicy":"Local","healthCheckNodePort":30500,"ports":[{"port":80}],"selector":{"app":"web"}}"#),
                .spec(Spec.lbLocalResult.replacing("\"$hc\"", "30500"))),
    ServiceCase("LoadBalancer with allocateLoadBalancerNodePorts false: no nodePorts",
                .create(#"{"type":"LoadBalancer","allocateLoadBalancerNodePorts":false,"ports":[{"port":80}],"selector":{"app":"web"}}"#),
                .spec(#"""
                    {"ports":[{"protocol":"TCP","port":80,"targetPort":80}],"selector":{"app":"web"},"clusterIP":"$ip","clusterIPs":["$ip"],
                     "type":"LoadBalancer","sessionAffinity":"None","externalTrafficPolicy":"Cluster","ipFamilies":["IPv4"],
                     "ipFamilyPolicy":"SingleStack","allocateLoadBalancerNodePorts":false,"internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("LoadBalancer with allocateLoadBalancerNodePorts false keeps a requested nodePort",
                .create(#"{"type":"LoadBalancer","allocateLoadBalancerNodePorts":false,"ports":[{"name":"a","port":80,"nodePort":30080},{"name":"b","port":81}]}"#),
                .spec(#"""
                    {"ports":[{"name":"a","protocol":"TCP","port":80,"targetPort":80,"nodePort":30080},{"name":"b","protocol":"TCP","port":81,"targetPort":81}],
                     "clusterIP":"$ip","clusterIPs":["$ip"],"type":"LoadBalancer","sessionAffinity":"None","externalTrafficPolicy":"Cluster",
                     "ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","allocateLoadBalancerNodePorts":false,"internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("LoadBalancer Local with allocateLoadBalancerNodePorts false still gets a health check port",
                .create(#"{"type":"LoadBalancer","externalTrafficPolicy":"Local","allocateLoadBalancerNodePorts":false,"ports":[{"port":80}]}"#),
                .spec(#"""
                    {"ports":[{"protocol":"TCP","port":80,"targetPort":80}],"clusterIP":"$ip","clusterIPs":["$ip"],"type":"LoadBalancer",
                     "sessionAffinity":"None","externalTrafficPolicy":"Local","healthCheckNodePort":"$hc","ipFamilies":["IPv4"],
                     "ipFamilyPolicy":"SingleStack","allocateLoadBalancerNodePorts":false,"internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("LoadBalancer: loadBalancerIP, class, source ranges and traffic fields kept",
                .create(#"""
                    {"type":"LoadBalancer","loadBalancerIP":"203.0.113.10","loadBalancerClass":"portico.dev/lb",
                     "loadBalancerSourceRanges":["203.0.113.0/24"," 10.0.0.0/8 "],"internalTrafficPolicy":"Local",
                     "trafficDistribution":"PreferClose","ports":[{"port":80}],"selector":{"app":"web"}}
                    """#),
                .spec(#"""
                    {"ports":[{"protocol":"TCP","port":80,"targetPort":80,"nodePort":"$np"}],"selector":{"app":"web"},"clusterIP":"$ip",
                     "clusterIPs":["$ip"],"type":"LoadBalancer","sessionAffinity":"None","loadBalancerIP":"203.0.113.10",
                     "loadBalancerSourceRanges":["203.0.113.0/24"," 10.0.0.0/8 "],"externalTrafficPolicy":"Cluster","ipFamilies":["IPv4"],
                     "ipFamilyPolicy":"SingleStack","allocateLoadBalancerNodePorts":true,"loadBalancerClass":"portico.dev/lb",
                     "internalTrafficPolicy":"Local","trafficDistribution":"PreferClose"}
                    """#)),
    ServiceCase("LoadBalancer: the source ranges annotation is accepted",
                .create(#"{"metadata":{"name":"svc","annotations":{"service.beta.kubernetes.io/load-balancer-source-ranges":"203.0.113.0/24, 10.0.0.0/8"}},"spec":{"type":"LoadBalancer","ports":[{"port":80}],"selector":{"app":"web"}}}"#),
                .spec(Spec.loadBalancerResult)),
    ServiceCase("LoadBalancer: status sent on create is dropped",
                .create(#"{"spec":{"type":"LoadBalancer","ports":[{"port":80}]},"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.10"}]}}}"#),
                .status(#"{"loadBalancer":{}}"#)),
    ServiceCase("ClusterIP with externalIPs gets externalTrafficPolicy Cluster",
                .create(#"{"externalIPs":["198.51.100.7"],"ports":[{"port":80}],"selector":{"app":"web"}}"#),
                .spec(#"""
                    {"ports":[{"protocol":"TCP","port":80,"targetPort":80}],"selector":{"app":"web"},"clusterIP":"$ip","clusterIPs":["$ip"],
                     "type":"ClusterIP","externalIPs":["198.51.100.7"],"sessionAffinity":"None","externalTrafficPolicy":"Cluster",
                     "ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("ClusterIP with externalIPs may be Local",
                .create(#"{"externalIPs":["198.51.100.7"],"externalTrafficPolicy":"Local","ports":[{"port":80}]}"#),
                .spec(#"""
                    {"ports":[{"protocol":"TCP","port":80,"targetPort":80}],"clusterIP":"$ip","clusterIPs":["$ip"],
                     "type":"ClusterIP","externalIPs":["198.51.100.7"],"sessionAffinity":"None","externalTrafficPolicy":"Local",
                     "ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("global multicast externalIP is allowed (as upstream)",
                .create(#"{"externalIPs":["239.1.2.3"],"ports":[{"port":80}]}"#),
                .spec(#"""
                    {"ports":[{"protocol":"TCP","port":80,"targetPort":80}],"clusterIP":"$ip","clusterIPs":["$ip"],
                     "type":"ClusterIP","externalIPs":["239.1.2.3"],"sessionAffinity":"None","externalTrafficPolicy":"Cluster",
                     "ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("publishNotReadyAddresses kept",
                .create(#"{"clusterIP":"None","publishNotReadyAddresses":true,"selector":{"app":"db"},"ports":[{"port":80}]}"#),
                .spec(#"""
                    {"ports":[{"protocol":"TCP","port":80,"targetPort":80}],"selector":{"app":"db"},"clusterIP":"None","clusterIPs":["None"],
                     "type":"ClusterIP","sessionAffinity":"None","publishNotReadyAddresses":true,"ipFamilies":["IPv4"],
                     "ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("trafficDistribution PreferSameNode is accepted",
                .create(#"{"trafficDistribution":"PreferSameNode","ports":[{"port":80}],"selector":{"app":"web"}}"#),
                .spec(Spec.clusterIPResult.replacing("\"internalTrafficPolicy\":\"Cluster\"", "\"internalTrafficPolicy\":\"Cluster\",\"trafficDistribution\":\"PreferSameNode\""))),
    ServiceCase("PreferDualStack on a single-stack cluster: one family",
                .create(#"{"ipFamilyPolicy":"PreferDualStack","ports":[{"port":80}],"selector":{"app":"web"}}"#),
                .spec(Spec.clusterIPResult.replacing("\"SingleStack\"", "\"PreferDualStack\""))),
    ServiceCase("a selector with qualified keys", .create(#"{"selector":{"app.kubernetes.io/name":"web","tier":""},"ports":[{"port":80}]}"#),
                .spec(Spec.clusterIPResult.replacing("{\"app\":\"web\"}", "{\"app.kubernetes.io/name\":\"web\",\"tier\":\"\"}"))),
    ServiceCase("a Service with 16 ports", .create(sixteenPorts), .spec(sixteenPortsResult)),
    ServiceCase("existing Services' IPs are not handed out again",
                cluster: .tiny(cidr: "10.0.0.0/29", ports: "30000-30001"),
                existing: [#"{"ports":[{"port":80}]}"#, #"{"ports":[{"port":80}]}"#, #"{"ports":[{"port":80}]}"#,
                           #"{"ports":[{"port":80}]}"#, #"{"ports":[{"port":80}]}"#],
                .create(#"{"ports":[{"port":80}]}"#),
                .spec(#"""
                    {"ports":[{"protocol":"TCP","port":80,"targetPort":80}],"clusterIP":"$ip","clusterIPs":["$ip"],
                     "type":"ClusterIP","sessionAffinity":"None","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
                    """#)),
]

let sixteenPorts = "{\"type\":\"NodePort\",\"ports\":[" + (1...16).map { "{\"name\":\"p\($0)\",\"port\":\(8000 + $0)}" }.joined(separator: ",") + "]}"
let sixteenPortsResult = "{\"ports\":[" + (1...16).map {
    "{\"name\":\"p\($0)\",\"protocol\":\"TCP\",\"port\":\(8000 + $0),\"targetPort\":\(8000 + $0),\"nodePort\":\"$np\($0)\"}"
}.joined(separator: ",") + #"],"clusterIP":"$ip","clusterIPs":["$ip"],"type":"NodePort","sessionAffinity":"None","externalTrafficPolicy":"Cluster","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}"#

extension String {
    func replacing(_ target: String, _ replacement: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }

    /// The ClusterIP result without the selector (for cases that send none).
    func replacingSelector() -> String {
        self.replacing("\"selector\":{\"app\":\"web\"},", "")
    }
}

@Suite("Service create") struct ServiceCreateTests {
    @Test(arguments: serviceCreateCases) func create(_ c: ServiceCase) throws { try check(c) }
}
