import Testing

private func named(_ name: String, _ spec: String = Spec.clusterIP) -> String {
    "{\"metadata\":{\"name\":\"\(name)\"},\"spec\":\(spec)}"
}

/// The single error or error list a create must get, with upstream's exact words.
let serviceCreateErrorCases: [ServiceCase] = [
    // Names and metadata
    ServiceCase("missing namespace", .create(#"{"metadata":{"name":"svc","namespace":""},"spec":{"ports":[{"port":80}]}}"#),
                .invalid(["metadata.namespace: Required value"])),
    ServiceCase("invalid label value", .create(#"{"metadata":{"name":"svc","labels":{"app":"-x"}},"spec":{"ports":[{"port":80}]}}"#),
                .invalid(["metadata.labels: Invalid value: \"-x\": \(Msg.labelValue)"])),
    ServiceCase("invalid label key", .create(#"{"metadata":{"name":"svc","labels":{"a/b/c":"x"}},"spec":{"ports":[{"port":80}]}}"#),
                .invalid(["metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"])),
    ServiceCase("invalid annotation key", .create(#"{"metadata":{"name":"svc","annotations":{"bad key":"x"}},"spec":{"ports":[{"port":80}]}}"#),
                .invalid(["metadata.annotations: Invalid value: \"bad key\": \(Msg.qualifiedNamePart)"])),
    ServiceCase("annotation with an empty prefix", .create(#"{"metadata":{"name":"svc","annotations":{"/x":"y"}},"spec":{"ports":[{"port":80}]}}"#),
                .invalid(["metadata.annotations: Invalid value: \"/x\": prefix part must be non-empty"])),
    ServiceCase("a non-qualified finalizer", .create(#"{"metadata":{"name":"svc","finalizers":["custom"]},"spec":{"ports":[{"port":80}]}}"#),
                .invalid(["metadata.finalizers[0]: Invalid value: \"custom\": name is neither a standard finalizer name nor is it fully qualified"])),
    ServiceCase("owner reference without uid",
                .create(#"{"metadata":{"name":"svc","ownerReferences":[{"apiVersion":"v1","kind":"Pod","name":"p"}]},"spec":{"ports":[{"port":80}]}}"#),
                .invalid(["metadata.ownerReferences.uid: Invalid value: \"\": uid must not be empty"])),
    ServiceCase("two controller owner references",
                .create(#"{"metadata":{"name":"svc","ownerReferences":[{"apiVersion":"v1","kind":"Pod","name":"a","uid":"1","controller":true},{"apiVersion":"v1","kind":"Pod","name":"b","uid":"2","controller":true}]},"spec":{"ports":[{"port":80}]}}"#),
                .invalid([#"metadata.ownerReferences: Invalid value: [{"apiVersion":"v1","kind":"Pod","name":"a","uid":"1","controller":true},{"apiVersion":"v1","kind":"Pod","name":"b","uid":"2","controller":true}]: Only one reference can have Controller set to true. Found "true" in references for Pod/a and Pod/b"#])),
    ServiceCase("generateName that is no DNS-1035 prefix",
                .create(#"{"metadata":{"name":"svc","generateName":"Web-"},"spec":{"ports":[{"port":80}]}}"#),
                .invalid(["metadata.generateName: Invalid value: \"Web-\": \(Msg.dns1035)"])),
    ServiceCase("topology annotations that disagree",
                .create(#"{"metadata":{"name":"svc","annotations":{"service.kubernetes.io/topology-mode":"Auto","service.kubernetes.io/topology-aware-hints":"Disabled"}},"spec":{"ports":[{"port":80}]}}"#),
                .invalid(["metadata.annotations[service.kubernetes.io/topology-mode]: Invalid value: \"Auto\": must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified"])),

    // Ports
    ServiceCase("no ports", .create(#"{"selector":{"app":"web"}}"#), .invalid(["spec.ports: Required value"])),
    ServiceCase("port 0", .create(#"{"ports":[{"port":0}]}"#),
                .invalid(["spec.ports[0].port: Invalid value: 0: \(Msg.portRange)", "spec.ports[0].targetPort: Invalid value: 0: \(Msg.portRange)"])),
    ServiceCase("port 70000", .create(#"{"ports":[{"port":70000}]}"#),
                .invalid(["spec.ports[0].port: Invalid value: 70000: \(Msg.portRange)", "spec.ports[0].targetPort: Invalid value: 70000: \(Msg.portRange)"])),
    ServiceCase("two unnamed ports", .create(#"{"ports":[{"port":80},{"port":443}]}"#),
                .invalid(["spec.ports[0].name: Required value", "spec.ports[1].name: Required value"])),
    ServiceCase("second port unnamed", .create(#"{"ports":[{"name":"http","port":80},{"port":443}]}"#),
                .invalid(["spec.ports[1].name: Required value"])),
    ServiceCase("port names repeated", .create(#"{"ports":[{"name":"http","port":80},{"name":"http","port":443}]}"#),
                .invalid(["spec.ports[1].name: Duplicate value: \"http\""])),
    ServiceCase("port name with capitals", .create(#"{"ports":[{"name":"HTTP","port":80}]}"#),
                .invalid(["spec.ports[0].name: Invalid value: \"HTTP\": \(Msg.dns1123Label)"])),
    ServiceCase("port name with dots", .create(#"{"ports":[{"name":"a.b","port":80}]}"#),
                .invalid(["spec.ports[0].name: Invalid value: \"a.b\": must not contain dots"])),
    ServiceCase("port name too long", .create(#"{"ports":[{"name":"\#(String(repeating: "a", count: 64))","port":80}]}"#),
                .invalid(["spec.ports[0].name: Invalid value: \"\(String(repeating: "a", count: 64))\": must be no more than 63 characters"])),
    ServiceCase("protocol HTTP", .create(#"{"ports":[{"port":80,"protocol":"HTTP"}]}"#),
                .invalid(["spec.ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\""])),
    ServiceCase("protocol in lower case", .create(#"{"ports":[{"port":80,"protocol":"tcp"}]}"#),
                .invalid(["spec.ports[0].protocol: Unsupported value: \"tcp\": supported values: \"SCTP\", \"TCP\", \"UDP\""])),
    ServiceCase("targetPort \"0\" is a name without letters", .create(#"{"ports":[{"port":80,"targetPort":"0"}]}"#),
                .invalid(["spec.ports[0].targetPort: Invalid value: \"0\": must contain at least one letter (a-z)"])),
    ServiceCase("targetPort name with an underscore", .create(#"{"ports":[{"port":80,"targetPort":"http_port"}]}"#),
                .invalid(["spec.ports[0].targetPort: Invalid value: \"http_port\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"])),
    ServiceCase("targetPort name longer than 15", .create(#"{"ports":[{"port":80,"targetPort":"very-long-port-name"}]}"#),
                .invalid(["spec.ports[0].targetPort: Invalid value: \"very-long-port-name\": must be no more than 15 characters"])),
    ServiceCase("targetPort name with consecutive hyphens", .create(#"{"ports":[{"port":80,"targetPort":"a--b"}]}"#),
                .invalid(["spec.ports[0].targetPort: Invalid value: \"a--b\": must not contain consecutive hyphens"])),
    ServiceCase("targetPort name starting with a hyphen", .create(#"{"ports":[{"port":80,"targetPort":"-ab"}]}"#),
                .invalid(["spec.ports[0].targetPort: Invalid value: \"-ab\": must not begin or end with a hyphen"])),
    ServiceCase("targetPort name breaking every rule", .create(#"{"ports":[{"port":80,"targetPort":"-A--B_C-D-E-F-G-"}]}"#),
                .invalid([
                    "spec.ports[0].targetPort: Invalid value: \"-A--B_C-D-E-F-G-\": must be no more than 15 characters",
                    "spec.ports[0].targetPort: Invalid value: \"-A--B_C-D-E-F-G-\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                    "spec.ports[0].targetPort: Invalid value: \"-A--B_C-D-E-F-G-\": must contain at least one letter (a-z)",
                    "spec.ports[0].targetPort: Invalid value: \"-A--B_C-D-E-F-G-\": must not contain consecutive hyphens",
                    "spec.ports[0].targetPort: Invalid value: \"-A--B_C-D-E-F-G-\": must not begin or end with a hyphen",
                ])),
    ServiceCase("targetPort 70000", .create(#"{"ports":[{"port":80,"targetPort":70000}]}"#),
                .invalid(["spec.ports[0].targetPort: Invalid value: 70000: \(Msg.portRange)"])),
    ServiceCase("appProtocol with a space", .create(#"{"ports":[{"port":80,"appProtocol":"a b"}]}"#),
                .invalid(["spec.ports[0].appProtocol: Invalid value: \"a b\": \(Msg.qualifiedNamePart)"])),
    ServiceCase("the same port and protocol twice", .create(#"{"ports":[{"name":"a","port":80},{"name":"b","port":80}]}"#),
                .invalid([#"spec.ports[1]: Duplicate value: {"Name":"","Protocol":"TCP","AppProtocol":null,"Port":80,"TargetPort":0,"NodePort":0}"#])),

    // Type
    ServiceCase("unknown type", .create(#"{"type":"Foo","ports":[{"port":80}]}"#),
                .invalid(["spec.type: Unsupported value: \"Foo\": \(Msg.types)"])),
    ServiceCase("nodePort on a ClusterIP Service", .create(#"{"ports":[{"port":80,"nodePort":30080}]}"#),
                .invalid(["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"])),
    ServiceCase("the same nodePort twice on a ClusterIP Service",
                .create(#"{"ports":[{"name":"a","port":80,"nodePort":30080},{"name":"b","port":81,"nodePort":30080}]}"#),
                .invalid(["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
                          "spec.ports[1].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
                          "spec.ports[1].nodePort: Duplicate value: 30080"])),

    // Node ports (the allocator answers first)
    ServiceCase("nodePort outside the range", .create(#"{"type":"NodePort","ports":[{"port":80,"nodePort":80}]}"#),
                .invalid(["spec.ports[0].nodePort: Invalid value: 80: \(Msg.nodePortRange)"])),
    ServiceCase("nodePort just above the range", .create(#"{"type":"NodePort","ports":[{"port":80,"nodePort":32768}]}"#),
                .invalid(["spec.ports[0].nodePort: Invalid value: 32768: \(Msg.nodePortRange)"])),
    ServiceCase("nodePort taken by another Service",
                existing: [#"{"type":"NodePort","ports":[{"port":80,"nodePort":30080}]}"#],
                .create(#"{"type":"NodePort","ports":[{"port":80,"nodePort":30080}]}"#),
                .invalid(["spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated"])),
    ServiceCase("the same nodePort for two port numbers, even across protocols",
                .create(#"{"type":"NodePort","ports":[{"name":"a","port":80,"nodePort":30080},{"name":"b","port":81,"protocol":"UDP","nodePort":30080}]}"#),
                .invalid(["spec.ports[1].nodePort: Invalid value: 30080: provided port is already allocated"])),
    ServiceCase("an allocation error hides validation errors",
                .create(#"{"metadata":{"name":"svc"},"spec":{"type":"NodePort","sessionAffinity":"Sticky","ports":[{"port":80,"nodePort":1}]}}"#),
                .invalid(["spec.ports[0].nodePort: Invalid value: 1: \(Msg.nodePortRange)"])),
    ServiceCase("LoadBalancer nodePort outside the range", .create(#"{"type":"LoadBalancer","ports":[{"port":80,"nodePort":29999}]}"#),
                .invalid(["spec.ports[0].nodePort: Invalid value: 29999: \(Msg.nodePortRange)"])),
    ServiceCase("node port range full", cluster: .tiny(cidr: "10.0.0.0/24", ports: "30000-30001"),
                existing: [#"{"type":"NodePort","ports":[{"name":"a","port":80},{"name":"b","port":81}]}"#],
                .create(Spec.nodePort), .failure(500, "Internal error occurred: failed to allocate a nodePort: range is full")),
    ServiceCase("requested healthCheckNodePort outside the range", .create(#"{"type":"LoadBalancer","externalTrafficPolicy":"Local","healthCheckNodePort":80,"ports":[{"port":80}]}"#),
                .failure(500, "Internal error occurred: failed to allocate requested HealthCheck NodePort 80: \(Msg.nodePortRange)")),
    ServiceCase("requested healthCheckNodePort taken",
                existing: [#"{"type":"NodePort","ports":[{"port":80,"nodePort":30500}]}"#],
                .create(#"{"type":"LoadBalancer","externalTrafficPolicy":"Local","healthCheckNodePort":30500,"ports":[{"port":80}]}"#),
                .failure(500, "Internal error occurred: failed to allocate requested HealthCheck NodePort 30500: provided port is already allocated")),
    ServiceCase("no port left for the health check", cluster: .tiny(cidr: "10.0.0.0/24", ports: "30000-30001"),
                existing: [#"{"type":"NodePort","ports":[{"port":80}]}"#],
                .create(Spec.lbLocal), .failure(500, "Internal error occurred: failed to allocate a HealthCheck NodePort 0: range is full")),

    // Cluster IPs
    ServiceCase("clusterIP outside the service CIDR", .create(#"{"clusterIP":"192.168.0.1","ports":[{"port":80}]}"#),
                .invalid(["spec.clusterIPs: Invalid value: [\"192.168.0.1\"]: failed to allocate IP 192.168.0.1: the provided network does not match the current range"])),
    ServiceCase("clusterIP is the network address", .create(#"{"clusterIP":"10.96.0.0","ports":[{"port":80}]}"#),
                .invalid(["spec.clusterIPs: Invalid value: [\"10.96.0.0\"]: failed to allocate IP 10.96.0.0: the provided network does not match the current range"])),
    ServiceCase("clusterIP is the broadcast address", .create(#"{"clusterIP":"10.111.255.255","ports":[{"port":80}]}"#),
                .invalid(["spec.clusterIPs: Invalid value: [\"10.111.255.255\"]: failed to allocate IP 10.111.255.255: the provided network does not match the current range"])),
    ServiceCase("clusterIP taken by another Service", existing: [#"{"clusterIP":"10.96.0.10","ports":[{"port":53}]}"#],
                .create(#"{"clusterIP":"10.96.0.10","ports":[{"port":80}]}"#),
                .invalid(["spec.clusterIPs: Invalid value: [\"10.96.0.10\"]: failed to allocate IP 10.96.0.10: provided IP is already allocated"])),
    ServiceCase("clusterIP that is not an IP", .create(#"{"clusterIP":"abc","ports":[{"port":80}]}"#),
                .invalid(["spec.clusterIPs[0]: Invalid value: \"abc\": \(Msg.ip)"])),
    ServiceCase("clusterIPs[0] differs from clusterIP", .create(#"{"clusterIP":"10.96.0.10","clusterIPs":["10.96.0.11"],"ports":[{"port":80}]}"#),
                .invalid(["spec.clusterIPs: Invalid value: [\"10.96.0.11\"]: first value must match `clusterIP`"])),
    ServiceCase("clusterIPs without clusterIP", .create(#"{"clusterIPs":["10.96.0.11"],"ports":[{"port":80}]}"#),
                .invalid(["spec.clusterIPs: Invalid value: [\"10.96.0.11\"]: must be empty when `clusterIP` is not specified"])),
    ServiceCase("None followed by an IP", .create(#"{"clusterIP":"None","clusterIPs":["None","10.96.0.11"],"ports":[{"port":80}]}"#),
                .invalid(["spec.clusterIPs: Invalid value: [\"None\",\"10.96.0.11\"]: 'None' must be the first and only value"])),
    ServiceCase("None as the second value", .create(#"{"clusterIP":"10.96.0.11","clusterIPs":["10.96.0.11","None"],"ports":[{"port":80}]}"#),
                .invalid(["spec.clusterIPs[1]: Invalid value: \"None\": \(Msg.ip)"])),
    ServiceCase("three clusterIPs", .create(#"{"clusterIP":"10.96.0.11","clusterIPs":["10.96.0.11","fd00::1","10.96.0.12"],"ports":[{"port":80}]}"#),
                .invalid(["spec.clusterIPs: Invalid value: [\"10.96.0.11\",\"fd00::1\",\"10.96.0.12\"]: may only hold up to 2 values"])),
    ServiceCase("two IPv4 clusterIPs", .create(#"{"clusterIP":"10.96.0.11","clusterIPs":["10.96.0.11","10.96.0.12"],"ports":[{"port":80}]}"#),
                .invalid(["spec.clusterIPs: Invalid value: [\"10.96.0.11\",\"10.96.0.12\"]: may specify no more than one IP for each IP family"])),
    ServiceCase("LoadBalancer may not be headless", .create(#"{"type":"LoadBalancer","clusterIP":"None","ports":[{"port":80}]}"#),
                .invalid(["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for LoadBalancer services"])),
    ServiceCase("NodePort may not be headless", .create(#"{"type":"NodePort","clusterIP":"None","ports":[{"port":80}]}"#),
                .invalid(["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"])),

    // ExternalName
    ServiceCase("ExternalName with a clusterIP", .create(#"{"type":"ExternalName","externalName":"db.example.com","clusterIP":"10.96.0.10"}"#),
                .invalid(["spec.clusterIPs: Forbidden: may not be set for ExternalName services"])),
    ServiceCase("ExternalName without externalName", .create(#"{"type":"ExternalName"}"#), .invalid(["spec.externalName: Required value"])),
    ServiceCase("ExternalName of only a dot", .create(#"{"type":"ExternalName","externalName":"."}"#), .invalid(["spec.externalName: Required value"])),
    ServiceCase("ExternalName that is no DNS name", .create(#"{"type":"ExternalName","externalName":"Bad_Name"}"#),
                .invalid(["spec.externalName: Invalid value: \"Bad_Name\": \(Msg.dns1123Subdomain)"])),
    ServiceCase("ExternalName with ipFamilies and ipFamilyPolicy",
                .create(#"{"type":"ExternalName","externalName":"db.example.com","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack"}"#),
                .invalid(["spec.ipFamilies: Forbidden: may not be set for ExternalName services",
                          "spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName services"])),

    // IP families
    ServiceCase("unknown IP family", .create(#"{"ipFamilies":["IPv5"],"ports":[{"port":80}]}"#),
                .invalid(["spec.ipFamilies[0]: Unsupported value: \"IPv5\": supported values: \"IPv4\", \"IPv6\""])),
    ServiceCase("the same family twice", .create(#"{"ipFamilies":["IPv4","IPv4"],"ipFamilyPolicy":"PreferDualStack","ports":[{"port":80}]}"#),
                .invalid(["spec.ipFamilies[1]: Duplicate value: \"IPv4\""])),
    ServiceCase("unknown ipFamilyPolicy", .create(#"{"ipFamilyPolicy":"Foo","ports":[{"port":80}]}"#),
                .invalid(["spec.ipFamilyPolicy: Unsupported value: \"Foo\": supported values: \"PreferDualStack\", \"RequireDualStack\", \"SingleStack\""])),
    ServiceCase("RequireDualStack on a single-stack cluster", .create(#"{"ipFamilyPolicy":"RequireDualStack","ports":[{"port":80}]}"#),
                .invalid(["spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": this cluster is not configured for dual-stack services"])),
    ServiceCase("IPv6 asked of an IPv4 cluster", .create(#"{"ipFamilies":["IPv6"],"ports":[{"port":80}]}"#),
                .invalid(["spec.ipFamilies[0]: Invalid value: \"IPv6\": not configured on this cluster"])),
    ServiceCase("an IPv6 clusterIP on an IPv4 cluster", .create(#"{"clusterIP":"fd00::1","ports":[{"port":80}]}"#),
                .invalid(["spec.clusterIPs[0]: Invalid value: [\"fd00::1\"]: IPv6 is not configured on this cluster"])),
    ServiceCase("an IPv4 clusterIP on an IPv6 cluster", cluster: .ipv6, .create(#"{"clusterIP":"10.96.0.1","ports":[{"port":80}]}"#),
                .invalid(["spec.clusterIPs[0]: Invalid value: [\"10.96.0.1\"]: IPv4 is not configured on this cluster"])),
    ServiceCase("SingleStack with two families", cluster: .dual,
                .create(#"{"ipFamilyPolicy":"SingleStack","ipFamilies":["IPv4","IPv6"],"ports":[{"port":80}]}"#),
                .invalid(["spec.ipFamilyPolicy: Invalid value: \"SingleStack\": must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"])),
    ServiceCase("SingleStack with two clusterIPs", cluster: .dual,
                .create(#"{"ipFamilyPolicy":"SingleStack","clusterIP":"10.96.0.11","clusterIPs":["10.96.0.11","fd00:10:96::11"],"ports":[{"port":80}]}"#),
                .invalid(["spec.ipFamilyPolicy: Invalid value: \"SingleStack\": must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"])),
    ServiceCase("an IPv4 clusterIP under an IPv6 family", cluster: .dual,
                .create(#"{"ipFamilies":["IPv6"],"clusterIP":"10.96.0.10","ports":[{"port":80}]}"#),
                .invalid(["spec.clusterIPs[0]: Invalid value: \"10.96.0.10\": expected an IPv6 value as indicated by `ipFamilies[0]`"])),
    ServiceCase("an IPv6 clusterIP under an IPv4 family", cluster: .dual,
                .create(#"{"ipFamilies":["IPv4"],"clusterIP":"fd00:10:96::10","ports":[{"port":80}]}"#),
                .invalid(["spec.clusterIPs[0]: Invalid value: \"fd00:10:96::10\": expected an IPv4 value as indicated by `ipFamilies[0]`"])),

    // Session affinity
    ServiceCase("unknown sessionAffinity", .create(#"{"sessionAffinity":"Sticky","ports":[{"port":80}]}"#),
                .invalid(["spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\""])),
    ServiceCase("ClientIP timeout 0", .create(#"{"sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":0}},"ports":[{"port":80}]}"#),
                .invalid(["spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400"])),
    ServiceCase("ClientIP timeout above a day", .create(#"{"sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":86401}},"ports":[{"port":80}]}"#),
                .invalid(["spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400"])),

    // External IPs
    ServiceCase("externalIP that is not an IP", .create(#"{"externalIPs":["abc"],"ports":[{"port":80}]}"#),
                .invalid(["spec.externalIPs[0]: Invalid value: \"abc\": \(Msg.ip)"])),
    ServiceCase("loopback externalIP", .create(#"{"externalIPs":["127.0.0.1"],"ports":[{"port":80}]}"#),
                .invalid(["spec.externalIPs[0]: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)"])),
    ServiceCase("IPv6 loopback externalIP", .create(#"{"externalIPs":["::1"],"ports":[{"port":80}]}"#),
                .invalid(["spec.externalIPs[0]: Invalid value: \"::1\": may not be in the loopback range (127.0.0.0/8, ::1/128)"])),
    ServiceCase("unspecified externalIP", .create(#"{"externalIPs":["0.0.0.0"],"ports":[{"port":80}]}"#),
                .invalid(["spec.externalIPs[0]: Invalid value: \"0.0.0.0\": may not be unspecified (0.0.0.0)"])),
    ServiceCase("unspecified IPv6 externalIP", .create(#"{"externalIPs":["::"],"ports":[{"port":80}]}"#),
                .invalid(["spec.externalIPs[0]: Invalid value: \"::\": may not be unspecified (::)"])),
    ServiceCase("link-local externalIP", .create(#"{"externalIPs":["169.254.1.1"],"ports":[{"port":80}]}"#),
                .invalid(["spec.externalIPs[0]: Invalid value: \"169.254.1.1\": may not be in the link-local range (169.254.0.0/16, fe80::/10)"])),
    ServiceCase("IPv6 link-local externalIP", .create(#"{"externalIPs":["fe80::1"],"ports":[{"port":80}]}"#),
                .invalid(["spec.externalIPs[0]: Invalid value: \"fe80::1\": may not be in the link-local range (169.254.0.0/16, fe80::/10)"])),
    ServiceCase("link-local multicast externalIP", .create(#"{"externalIPs":["224.0.0.1"],"ports":[{"port":80}]}"#),
                .invalid(["spec.externalIPs[0]: Invalid value: \"224.0.0.1\": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"])),

    // Traffic policies
    ServiceCase("externalTrafficPolicy on a ClusterIP Service", .create(#"{"externalTrafficPolicy":"Local","ports":[{"port":80}]}"#),
                .invalid(["spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for externally-accessible services"])),
    ServiceCase("unknown externalTrafficPolicy", .create(#"{"type":"NodePort","externalTrafficPolicy":"Nearest","ports":[{"port":80}]}"#),
                .invalid(["spec.externalTrafficPolicy: Unsupported value: \"Nearest\": supported values: \"Cluster\", \"Local\""])),
    ServiceCase("healthCheckNodePort on a NodePort Service", .create(#"{"type":"NodePort","healthCheckNodePort":30500,"ports":[{"port":80}]}"#),
                .invalid(["spec.healthCheckNodePort: Invalid value: 30500: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"])),
    ServiceCase("healthCheckNodePort on a Cluster-policy LoadBalancer", .create(#"{"type":"LoadBalancer","healthCheckNodePort":30500,"ports":[{"port":80}]}"#),
                .invalid(["spec.healthCheckNodePort: Invalid value: 30500: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"])),
    ServiceCase("unknown internalTrafficPolicy", .create(#"{"internalTrafficPolicy":"Nearest","ports":[{"port":80}]}"#),
                .invalid(["spec.internalTrafficPolicy: Unsupported value: \"Nearest\": supported values: \"Cluster\", \"Local\""])),
    ServiceCase("unknown trafficDistribution, listed unsorted as upstream",
                .create(#"{"trafficDistribution":"Nope","ports":[{"port":80}]}"#),
                .invalid(["spec.trafficDistribution: Unsupported value: \"Nope\": supported values: \"PreferClose\", \"PreferSameZone\", \"PreferSameNode\""])),

    // Load balancer fields
    ServiceCase("loadBalancerSourceRanges on a NodePort Service",
                .create(#"{"type":"NodePort","loadBalancerSourceRanges":["10.0.0.0/8"],"ports":[{"port":80}]}"#),
                .invalid(["spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"])),
    ServiceCase("an invalid source range", .create(#"{"type":"LoadBalancer","loadBalancerSourceRanges":["10.0.0.0/33"],"ports":[{"port":80}]}"#),
                .invalid(["spec.LoadBalancerSourceRanges[0]: Invalid value: \"10.0.0.0/33\": \(Msg.cidr)"])),
    ServiceCase("the source ranges annotation on a NodePort Service",
                .create(#"{"metadata":{"name":"svc","annotations":{"service.beta.kubernetes.io/load-balancer-source-ranges":"10.0.0.0/8"}},"spec":{"type":"NodePort","ports":[{"port":80}]}}"#),
                .invalid(["metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: Forbidden: may only be used when `type` is 'LoadBalancer'"])),
    ServiceCase("an invalid range in the source ranges annotation",
                .create(#"{"metadata":{"name":"svc","annotations":{"service.beta.kubernetes.io/load-balancer-source-ranges":"10.0.0.0/8, bad"}},"spec":{"type":"LoadBalancer","ports":[{"port":80}]}}"#),
                .invalid(["metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: Invalid value: \"bad\": \(Msg.cidr)"])),
    ServiceCase("allocateLoadBalancerNodePorts on a NodePort Service",
                .create(#"{"type":"NodePort","allocateLoadBalancerNodePorts":true,"ports":[{"port":80}]}"#),
                .invalid(["spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'"])),
    ServiceCase("loadBalancerClass on a ClusterIP Service", .create(#"{"loadBalancerClass":"portico.dev/lb","ports":[{"port":80}]}"#),
                .invalid(["spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'"])),
    ServiceCase("loadBalancerClass that is not a qualified name", .create(#"{"type":"LoadBalancer","loadBalancerClass":"a b","ports":[{"port":80}]}"#),
                .invalid(["spec.loadBalancerClass: Invalid value: \"a b\": \(Msg.qualifiedNamePart)"])),

    // Selector
    ServiceCase("selector key with a space", .create(#"{"selector":{"bad key":"x"},"ports":[{"port":80}]}"#),
                .invalid(["spec.selector: Invalid value: \"bad key\": \(Msg.qualifiedNamePart)"])),
    ServiceCase("selector value with a bang", .create(#"{"selector":{"app":"bad value!"},"ports":[{"port":80}]}"#),
                .invalid(["spec.selector: Invalid value: \"bad value!\": \(Msg.labelValue)"])),

    // Several at once
    ServiceCase("several errors in one message",
                .create(#"{"metadata":{"name":"svc"},"spec":{"sessionAffinity":"Sticky","type":"Foo","ports":[{"port":80,"protocol":"HTTP"}]}}"#),
                .invalid(["spec.ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
                          "spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\"",
                          "spec.type: Unsupported value: \"Foo\": \(Msg.types)"])),
    ServiceCase("cluster IP range full", cluster: .tiny(cidr: "10.0.0.0/30", ports: "30000-32767"),
                existing: [#"{"ports":[{"port":80}]}"#, #"{"ports":[{"port":80}]}"#],
                .create(Spec.clusterIP), .failure(500, "Internal error occurred: failed to allocate a serviceIP: range is full")),
]

/// The Service name rules (DNS-1035 label), each a case of its own.
let serviceNameCases: [ServiceCase] = [
    ("My-Svc", Msg.dns1035), ("1svc", Msg.dns1035), ("svc-", Msg.dns1035), ("a.b", Msg.dns1035), ("svc_1", Msg.dns1035),
    (String(repeating: "a", count: 64), "must be no more than 63 characters"),
].map { name, message in
    ServiceCase("Service name \(name.count > 20 ? "of 64 characters" : name)", .create(named(name)),
                .invalid(["metadata.name: Invalid value: \"\(name)\": \(message)"]))
}

@Suite("Service create errors") struct ServiceCreateErrorTests {
    @Test(arguments: serviceCreateErrorCases) func createError(_ c: ServiceCase) throws { try check(c) }

    /// These cases name the Service, so the message is checked against that name.
    @Test(arguments: serviceNameCases) func name(_ c: ServiceCase) throws {
        let result = try run(c)
        guard case .invalid(let errors) = c.expectation, let error = result.error else {
            Issue.record("expected an error")
            return
        }
        let name = try serviceDocument({ if case .create(let t) = c.operation { return t }; return "" }()).metadata.name
        #expect(error.code == 422)
        #expect(error.message == "Service \(GoQuoteForTests.quote(name)) is invalid: \(errors[0])")
    }
}

enum GoQuoteForTests {
    static func quote(_ s: String) -> String { "\"" + s + "\"" }
}
