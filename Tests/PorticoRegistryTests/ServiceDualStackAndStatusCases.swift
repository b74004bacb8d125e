import Testing

private let singleV4 = #"{"clusterIP":"10.96.100.1","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#
private let dualV4V6 = #"{"ipFamilyPolicy":"RequireDualStack","clusterIP":"10.96.100.1","clusterIPs":["10.96.100.1","fd00:10:96::100"],"ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#

private func dualResult(policy: String, ips: String, families: String) -> String {
    let primary = String(ips.dropFirst().split(separator: ",")[0]).replacing("]", "")
    return """
    {"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":80}],"selector":{"app":"web"},"clusterIP":\(primary),
     "clusterIPs":\(ips),"type":"ClusterIP","sessionAffinity":"None","ipFamilies":\(families),"ipFamilyPolicy":"\(policy)",
     "internalTrafficPolicy":"Cluster"}
    """
}

/// IPv6, dual-stack clusters, upgrades and downgrades between one and two families.
let serviceDualStackCases: [ServiceCase] = [
    ServiceCase("IPv6 cluster: an IPv6 cluster IP", cluster: .ipv6, .create(Spec.clusterIP),
                .spec(Spec.clusterIPResult.replacing("$ip", "$ip6").replacing("IPv4", "IPv6"))),
    ServiceCase("IPv6 cluster: a requested IPv6 address", cluster: .ipv6,
                .create(#"{"clusterIP":"fd00:10:96::a","ports":[{"port":80}],"selector":{"app":"web"}}"#),
                .spec(Spec.clusterIPResult.replacing("\"$ip\"", "\"fd00:10:96::a\"").replacing("IPv4", "IPv6"))),
    ServiceCase("IPv6 cluster: NodePort", cluster: .ipv6, .create(Spec.nodePort),
                .spec(Spec.nodePortResult.replacing("$ip", "$ip6").replacing("IPv4", "IPv6"))),
    ServiceCase("dual-stack cluster: SingleStack by default, IPv4 first", cluster: .dual, .create(Spec.clusterIP), .spec(Spec.clusterIPResult)),
    ServiceCase("dual-stack cluster with IPv6 first: IPv6 by default", cluster: .dualV6First, .create(Spec.clusterIP),
                .spec(Spec.clusterIPResult.replacing("$ip", "$ip6").replacing("IPv4", "IPv6"))),
    ServiceCase("dual-stack cluster: PreferDualStack gets both", cluster: .dual,
                .create(#"{"ipFamilyPolicy":"PreferDualStack","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(dualResult(policy: "PreferDualStack", ips: #"["$ip","$ip6"]"#, families: #"["IPv4","IPv6"]"#))),
    ServiceCase("dual-stack cluster: RequireDualStack gets both", cluster: .dual,
                .create(#"{"ipFamilyPolicy":"RequireDualStack","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(dualResult(policy: "RequireDualStack", ips: #"["$ip","$ip6"]"#, families: #"["IPv4","IPv6"]"#))),
    ServiceCase("dual-stack cluster: RequireDualStack with IPv6 first", cluster: .dual,
                .create(#"{"ipFamilyPolicy":"RequireDualStack","ipFamilies":["IPv6"],"ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(dualResult(policy: "RequireDualStack", ips: #"["$ip6","$ip"]"#, families: #"["IPv6","IPv4"]"#))),
    ServiceCase("dual-stack cluster: IPv6 only, asked", cluster: .dual,
                .create(#"{"ipFamilies":["IPv6"],"ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(dualResult(policy: "SingleStack", ips: #"["$ip6"]"#, families: #"["IPv6"]"#))),
    ServiceCase("dual-stack cluster: both addresses requested", cluster: .dual, .create(dualV4V6),
                .spec(dualResult(policy: "RequireDualStack", ips: #"["10.96.100.1","fd00:10:96::100"]"#, families: #"["IPv4","IPv6"]"#))),
    ServiceCase("dual-stack cluster: families inferred from requested addresses", cluster: .dual,
                .create(#"{"ipFamilyPolicy":"PreferDualStack","clusterIP":"fd00:10:96::100","clusterIPs":["fd00:10:96::100","10.96.100.1"],"ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(dualResult(policy: "PreferDualStack", ips: #"["fd00:10:96::100","10.96.100.1"]"#, families: #"["IPv6","IPv4"]"#))),
    ServiceCase("dual-stack cluster: headless with a selector and PreferDualStack", cluster: .dual,
                .create(#"{"clusterIP":"None","ipFamilyPolicy":"PreferDualStack","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(#"""
                    {"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":80}],"selector":{"app":"web"},"clusterIP":"None",
                     "clusterIPs":["None"],"type":"ClusterIP","sessionAffinity":"None","ipFamilies":["IPv4","IPv6"],
                     "ipFamilyPolicy":"PreferDualStack","internalTrafficPolicy":"Cluster"}
                    """#)),
    ServiceCase("dual-stack cluster: the second address taken", cluster: .dual,
                existing: [#"{"ipFamilies":["IPv6"],"clusterIP":"fd00:10:96::100","ports":[{"port":80}]}"#],
                .create(dualV4V6),
                .invalid(["spec.clusterIPs: Invalid value: [\"10.96.100.1\",\"fd00:10:96::100\"]: failed to allocate IP fd00:10:96::100: provided IP is already allocated"])),
    ServiceCase("upgrade to dual-stack allocates the second address", cluster: .dual,
                .update(old: singleV4, new: #"{"ipFamilyPolicy":"RequireDualStack","ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(dualResult(policy: "RequireDualStack", ips: #"["10.96.100.1","$ip6"]"#, families: #"["IPv4","IPv6"]"#))),
    ServiceCase("upgrade to PreferDualStack with a requested second address", cluster: .dual,
                .update(old: singleV4, new: #"{"ipFamilyPolicy":"PreferDualStack","clusterIP":"10.96.100.1","clusterIPs":["10.96.100.1","fd00:10:96::7"],"ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(dualResult(policy: "PreferDualStack", ips: #"["10.96.100.1","fd00:10:96::7"]"#, families: #"["IPv4","IPv6"]"#))),
    ServiceCase("downgrade to SingleStack as stored drops the second address", cluster: .dual,
                .update(old: dualV4V6, new: #"{"ipFamilyPolicy":"SingleStack","clusterIP":"10.96.100.1","clusterIPs":["10.96.100.1","fd00:10:96::100"],"ipFamilies":["IPv4","IPv6"],"ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(dualResult(policy: "SingleStack", ips: #"["10.96.100.1"]"#, families: #"["IPv4"]"#))),
    ServiceCase("releasing the second address needs SingleStack", cluster: .dual,
                .update(old: dualV4V6, new: #"{"ipFamilyPolicy":"RequireDualStack","clusterIP":"10.96.100.1","clusterIPs":["10.96.100.1"],"ipFamilies":["IPv4","IPv6"],"ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .invalid(["spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": must be 'SingleStack' to release the secondary cluster IP"])),
    ServiceCase("releasing the second family needs SingleStack", cluster: .dual,
                .update(old: dualV4V6, new: #"{"ipFamilyPolicy":"PreferDualStack","clusterIP":"10.96.100.1","clusterIPs":["10.96.100.1","fd00:10:96::100"],"ipFamilies":["IPv4"],"ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .invalid(["spec.ipFamilyPolicy: Invalid value: \"PreferDualStack\": must be 'SingleStack' to release the secondary IP family"])),
    ServiceCase("a dual-stack Service re-submitted unchanged", cluster: .dual,
                .update(old: dualV4V6, new: #"{"ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .spec(dualResult(policy: "RequireDualStack", ips: #"["10.96.100.1","fd00:10:96::100"]"#, families: #"["IPv4","IPv6"]"#))),
    ServiceCase("swapping the addresses of a dual-stack Service is refused", cluster: .dual,
                .update(old: dualV4V6, new: #"{"ipFamilyPolicy":"RequireDualStack","clusterIP":"fd00:10:96::100","clusterIPs":["fd00:10:96::100","10.96.100.1"],"ipFamilies":["IPv6","IPv4"],"ports":[{"name":"http","port":80}],"selector":{"app":"web"}}"#),
                .invalid(["spec.clusterIPs[0]: Invalid value: [\"fd00:10:96::100\",\"10.96.100.1\"]: may not change once set",
                          "spec.clusterIPs[1]: Invalid value: [\"fd00:10:96::100\",\"10.96.100.1\"]: may not change once set",
                          "spec.ipFamilies[0]: Invalid value: [\"IPv6\",\"IPv4\"]: may not change once set"])),
]

private let lbSpec = #""type":"LoadBalancer","ports":[{"port":80}],"selector":{"app":"web"}"#

/// Writes to /status: the load balancer's ingress.
let serviceStatusCases: [ServiceCase] = [
    ServiceCase("an ingress IP gets ipMode VIP",
                .status(old: Spec.loadBalancer, new: "{\"spec\":{\(lbSpec)},\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"203.0.113.10\"}]}}}"),
                .status(#"{"loadBalancer":{"ingress":[{"ip":"203.0.113.10","ipMode":"VIP"}]}}"#)),
    ServiceCase("ipMode Proxy is kept",
                .status(old: Spec.loadBalancer, new: "{\"spec\":{\(lbSpec)},\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"203.0.113.10\",\"ipMode\":\"Proxy\"}]}}}"),
                .status(#"{"loadBalancer":{"ingress":[{"ip":"203.0.113.10","ipMode":"Proxy"}]}}"#)),
    ServiceCase("a hostname ingress",
                .status(old: Spec.loadBalancer, new: "{\"spec\":{\(lbSpec)},\"status\":{\"loadBalancer\":{\"ingress\":[{\"hostname\":\"lb.example.com\"}]}}}"),
                .status(#"{"loadBalancer":{"ingress":[{"hostname":"lb.example.com"}]}}"#)),
    ServiceCase("ingress ports are kept",
                .status(old: Spec.loadBalancer, new: "{\"spec\":{\(lbSpec)},\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"203.0.113.10\",\"ports\":[{\"port\":80,\"protocol\":\"TCP\"}]}]}}}"),
                .status(#"{"loadBalancer":{"ingress":[{"ip":"203.0.113.10","ipMode":"VIP","ports":[{"port":80,"protocol":"TCP"}]}]}}"#)),
    ServiceCase("ingress on a ClusterIP Service is refused",
                .status(old: Spec.clusterIP, new: #"{"spec":{"ports":[{"port":80}]},"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.10"}]}}}"#),
                .invalid(["status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'"])),
    ServiceCase("an ingress IP that is not an IP",
                .status(old: Spec.loadBalancer, new: "{\"spec\":{\(lbSpec)},\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"abc\"}]}}}"),
                .invalid(["status.loadBalancer.ingress[0].ip: Invalid value: \"abc\": \(Msg.ip)"])),
    ServiceCase("an unknown ipMode",
                .status(old: Spec.loadBalancer, new: "{\"spec\":{\(lbSpec)},\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"203.0.113.10\",\"ipMode\":\"Tunnel\"}]}}}"),
                .invalid(["status.loadBalancer.ingress[0].ipMode: Unsupported value: \"Tunnel\": supported values: \"Proxy\", \"VIP\""])),
    ServiceCase("an ipMode without an IP",
                .status(old: Spec.loadBalancer, new: "{\"spec\":{\(lbSpec)},\"status\":{\"loadBalancer\":{\"ingress\":[{\"hostname\":\"lb.example.com\",\"ipMode\":\"VIP\"}]}}}"),
                .invalid(["status.loadBalancer.ingress[0].ipMode: Forbidden: may not be specified when `ip` is not set"])),
    ServiceCase("a hostname that is an IP",
                .status(old: Spec.loadBalancer, new: "{\"spec\":{\(lbSpec)},\"status\":{\"loadBalancer\":{\"ingress\":[{\"hostname\":\"203.0.113.10\"}]}}}"),
                .invalid(["status.loadBalancer.ingress[0].hostname: Invalid value: \"203.0.113.10\": must be a DNS name, not an IP address"])),
    ServiceCase("a hostname that is no DNS name",
                .status(old: Spec.loadBalancer, new: "{\"spec\":{\(lbSpec)},\"status\":{\"loadBalancer\":{\"ingress\":[{\"hostname\":\"LB_1\"}]}}}"),
                .invalid(["status.loadBalancer.ingress[0].hostname: Invalid value: \"LB_1\": \(Msg.dns1123Subdomain)"])),
    ServiceCase("a status body without a spec gets no ipMode default (as upstream)",
                .status(old: Spec.loadBalancer, new: #"{"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.10"}]}}}"#),
                .invalid(["status.loadBalancer.ingress[0].ipMode: Required value: must be specified when `ip` is set"])),
    ServiceCase("the spec of a status write is ignored",
                .status(old: Spec.loadBalancer, new: #"{"spec":{"type":"LoadBalancer","ports":[{"port":9999}]},"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.10"}]}}}"#),
                .spec(Spec.loadBalancerResult)),
]

@Suite("Service dual-stack") struct ServiceDualStackTests {
    @Test(arguments: serviceDualStackCases) func dualStack(_ c: ServiceCase) throws { try check(c) }
}

@Suite("Service status") struct ServiceStatusTests {
    @Test(arguments: serviceStatusCases) func status(_ c: ServiceCase) throws { try check(c) }
}

@Suite("Service case count") struct ServiceCaseCountTests {
    /// The issue asks for at least 150 table-driven Service cases.
    @Test func atLeast150Cases() {
        let total = serviceCreateCases.count + serviceCreateErrorCases.count + serviceNameCases.count + serviceUpdateCases.count
            + serviceDualStackCases.count + serviceStatusCases.count
        #expect(total >= 150, "only \(total) cases")
    }
}
