/// Upstream's texts, written once for the cases.
enum Msg {
    static let dns1035 = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
    static let dns1123Label = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    static let dns1123Subdomain = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let qualifiedNamePart = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    static let labelValue = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    static let portRange = "must be between 1 and 65535, inclusive"
    static let ip = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
    static let cidr = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
    static let nodePortRange = "provided port is not in the valid range. The range of valid ports is 30000-32767"
    static let types = "supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""
}

/// Specs the cases build on.
enum Spec {
    static let clusterIP = #"{"ports":[{"port":80}],"selector":{"app":"web"}}"#
    static let nodePort = #"{"type":"NodePort","ports":[{"port":80}],"selector":{"app":"web"}}"#
    static let loadBalancer = #"{"type":"LoadBalancer","ports":[{"port":80}],"selector":{"app":"web"}}"#
    static let lbLocal = #"{"type":"LoadBalancer","externalTrafficPolicy":"Local","ports":[{"port":80}],"selector":{"app":"web"}}"#
    static let externalName = #"{"type":"ExternalName","externalName":"db.example.com"}"#

    static let clusterIPResult = #"""
        {"ports":[{"protocol":"TCP","port":80,"targetPort":80}],"selector":{"app":"web"},"clusterIP":"$ip","clusterIPs":["$ip"],
         "type":"ClusterIP","sessionAffinity":"None","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
        """#
    static let nodePortResult = #"""
        {"ports":[{"protocol":"TCP","port":80,"targetPort":80,"nodePort":"$np"}],"selector":{"app":"web"},"clusterIP":"$ip",
         "clusterIPs":["$ip"],"type":"NodePort","sessionAffinity":"None","externalTrafficPolicy":"Cluster","ipFamilies":["IPv4"],
         "ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}
        """#
    static let loadBalancerResult = #"""
        {"ports":[{"protocol":"TCP","port":80,"targetPort":80,"nodePort":"$np"}],"selector":{"app":"web"},"clusterIP":"$ip",
         "clusterIPs":["$ip"],"type":"LoadBalancer","sessionAffinity":"None","externalTrafficPolicy":"Cluster","ipFamilies":["IPv4"],
         "ipFamilyPolicy":"SingleStack","allocateLoadBalancerNodePorts":true,"internalTrafficPolicy":"Cluster"}
        """#
    static let lbLocalResult = #"""
        {"ports":[{"protocol":"TCP","port":80,"targetPort":80,"nodePort":"$np"}],"selector":{"app":"web"},"clusterIP":"$ip",
         "clusterIPs":["$ip"],"type":"LoadBalancer","sessionAffinity":"None","externalTrafficPolicy":"Local","healthCheckNodePort":"$hc",
         "ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","allocateLoadBalancerNodePorts":true,"internalTrafficPolicy":"Cluster"}
        """#
    static let externalNameResult = #"{"type":"ExternalName","externalName":"db.example.com","sessionAffinity":"None"}"#
}
