import Foundation
import Testing

/// A Service manifest with `spec` lines (indented under spec:) and the name `bad`.
private func manifest(_ spec: String, name: String = "bad", metadata: String = "") -> String {
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: \(name)\n\(metadata)spec:\n" + spec.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
}

private let dns1035 = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
private let namePart = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"

/// Invalid manifests through `kubectl create -f`, each with the exact text a real cluster
/// gives (kubectl's wording around the server's), and nothing stored or allocated.
private let invalidManifests: [(String, String, String)] = [
    ("nodePort 80", manifest("type: NodePort\nports:\n- port: 80\n  nodePort: 80"),
     "The Service \"bad\" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767"),
    ("two unnamed ports", manifest("ports:\n- port: 80\n- port: 443"),
     "The Service \"bad\" is invalid: \n* spec.ports[0].name: Required value\n* spec.ports[1].name: Required value"),
    ("clusterIP outside the range", manifest("clusterIP: 192.168.0.1\nports:\n- port: 80"),
     "The Service \"bad\" is invalid: spec.clusterIPs: Invalid value: [\"192.168.0.1\"]: failed to allocate IP 192.168.0.1: the provided network does not match the current range"),
    ("clusterIP taken", manifest("clusterIP: 10.96.0.1\nports:\n- port: 80"),
     "The Service \"bad\" is invalid: spec.clusterIPs: Invalid value: [\"10.96.0.1\"]: failed to allocate IP 10.96.0.1: provided IP is already allocated"),
    ("duplicate nodePort", manifest("type: NodePort\nports:\n- name: a\n  port: 80\n  nodePort: 30080\n- name: b\n  port: 81\n  nodePort: 30080"),
     "The Service \"bad\" is invalid: spec.ports[1].nodePort: Invalid value: 30080: provided port is already allocated"),
    ("ExternalName with a clusterIP", manifest("type: ExternalName\nexternalName: db.example.com\nclusterIP: 10.96.0.50"),
     "The Service \"bad\" is invalid: spec.clusterIPs: Forbidden: may not be set for ExternalName services"),
    ("ExternalName without externalName", manifest("type: ExternalName"),
     "The Service \"bad\" is invalid: spec.externalName: Required value"),
    ("an unknown field", manifest("ports:\n- port: 80\n  nodeport: 30080"),
     "Error from server (BadRequest): error when creating \"FILE\": Service in version \"v1\" cannot be handled as a Service: strict decoding error: unknown field \"spec.ports[0].nodeport\""),
    ("a field of the wrong type", manifest("ports:\n- port: eighty"),
     "Error from server (BadRequest): error when creating \"FILE\": Service in version \"v1\" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32"),
    ("a bad label selector", manifest("selector:\n  \"bad key\": web\nports:\n- port: 80"),
     "The Service \"bad\" is invalid: spec.selector: Invalid value: \"bad key\": \(namePart)"),
    ("a bad selector value", manifest("selector:\n  app: \"-web\"\nports:\n- port: 80"),
     "The Service \"bad\" is invalid: spec.selector: Invalid value: \"-web\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
    ("a name with capitals", manifest("ports:\n- port: 80", name: "Bad"),
     "The Service \"Bad\" is invalid: metadata.name: Invalid value: \"Bad\": \(dns1035)"),
    ("port 0", manifest("ports:\n- port: 0"),
     "The Service \"bad\" is invalid: \n* spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive\n* spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive"),
    ("protocol HTTP", manifest("ports:\n- port: 80\n  protocol: HTTP"),
     "The Service \"bad\" is invalid: spec.ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\""),
    ("a long targetPort name", manifest("ports:\n- port: 80\n  targetPort: very-long-port-name"),
     "The Service \"bad\" is invalid: spec.ports[0].targetPort: Invalid value: \"very-long-port-name\": must be no more than 15 characters"),
    ("type Foo", manifest("type: Foo\nports:\n- port: 80"),
     "The Service \"bad\" is invalid: spec.type: Unsupported value: \"Foo\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""),
    ("sessionAffinity Sticky", manifest("sessionAffinity: Sticky\nports:\n- port: 80"),
     "The Service \"bad\" is invalid: spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\""),
    ("affinity timeout 0", manifest("sessionAffinity: ClientIP\nsessionAffinityConfig:\n  clientIP:\n    timeoutSeconds: 0\nports:\n- port: 80"),
     "The Service \"bad\" is invalid: spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400"),
    ("a loopback externalIP", manifest("externalIPs:\n- 127.0.0.1\nports:\n- port: 80"),
     "The Service \"bad\" is invalid: spec.externalIPs[0]: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)"),
    ("externalTrafficPolicy on ClusterIP", manifest("externalTrafficPolicy: Local\nports:\n- port: 80"),
     "The Service \"bad\" is invalid: spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for externally-accessible services"),
    ("source ranges on NodePort", manifest("type: NodePort\nloadBalancerSourceRanges:\n- 10.0.0.0/8\nports:\n- port: 80"),
     "The Service \"bad\" is invalid: spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"),
    ("RequireDualStack on a single-stack cluster", manifest("ipFamilyPolicy: RequireDualStack\nports:\n- port: 80"),
     "The Service \"bad\" is invalid: spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": this cluster is not configured for dual-stack services"),
    ("IPv6 on an IPv4 cluster", manifest("ipFamilies:\n- IPv6\nports:\n- port: 80"),
     "The Service \"bad\" is invalid: spec.ipFamilies[0]: Invalid value: \"IPv6\": not configured on this cluster"),
    ("healthCheckNodePort on NodePort", manifest("type: NodePort\nhealthCheckNodePort: 30500\nports:\n- port: 80"),
     "The Service \"bad\" is invalid: spec.healthCheckNodePort: Invalid value: 30500: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"),
    ("an unknown internalTrafficPolicy", manifest("internalTrafficPolicy: Nearest\nports:\n- port: 80"),
     "The Service \"bad\" is invalid: spec.internalTrafficPolicy: Unsupported value: \"Nearest\": supported values: \"Cluster\", \"Local\""),
    ("nodePort on a ClusterIP Service", manifest("ports:\n- port: 80\n  nodePort: 30081"),
     "The Service \"bad\" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"),
    ("repeated port names", manifest("ports:\n- name: http\n  port: 80\n- name: http\n  port: 81"),
     "The Service \"bad\" is invalid: spec.ports[1].name: Duplicate value: \"http\""),
    ("allocateLoadBalancerNodePorts on NodePort", manifest("type: NodePort\nallocateLoadBalancerNodePorts: true\nports:\n- port: 80"),
     "The Service \"bad\" is invalid: spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'"),
    ("loadBalancerClass on ClusterIP", manifest("loadBalancerClass: example.com/lb\nports:\n- port: 80"),
     "The Service \"bad\" is invalid: spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'"),
    ("an invalid appProtocol", manifest("ports:\n- port: 80\n  appProtocol: \"a b\""),
     "The Service \"bad\" is invalid: spec.ports[0].appProtocol: Invalid value: \"a b\": \(namePart)"),
    ("requested healthCheckNodePort outside the range", manifest("type: LoadBalancer\nexternalTrafficPolicy: Local\nhealthCheckNodePort: 80\nports:\n- port: 80"),
     "Error from server (InternalError): error when creating \"FILE\": Internal error occurred: failed to allocate requested HealthCheck NodePort 80: provided port is not in the valid range. The range of valid ports is 30000-32767"),
]

@Suite("Invalid manifests through kubectl", .serialized) struct InvalidManifestTests {
    @Test func eachGetsTheExactTextAndNothingIsKept() throws {
        #expect(invalidManifests.count >= 25)
        let s = try ServerProcess()
        for (i, (name, text, expected)) in invalidManifests.enumerated() {
            let file = try s.write("invalid-\(i).yaml", text)
            let result = try s.kubectl("create", "-f", file)
            #expect(result.status == 1, "\(name)")
            #expect(result.stdout.isEmpty, "\(name): \(result.stdout)")
            #expect(result.stderr == expected.replacingOccurrences(of: "FILE", with: file) + "\n", "\(name)")
        }
        // Nothing was stored...
        #expect(try s.kubectl("get", "svc", "-A", "-o", "name").stdout == "service/kubernetes\n")
        // ...and nothing stayed allocated: the addresses and ports those manifests asked for are free.
        let free = try s.write("free.yaml", manifest("""
            type: LoadBalancer
            externalTrafficPolicy: Local
            healthCheckNodePort: 30500
            clusterIP: 10.96.0.50
            ports:
            - name: a
              port: 80
              nodePort: 30080
            - name: b
              port: 81
              nodePort: 30081
            """, name: "free"))
        let created = try s.kubectl("create", "-f", free)
        #expect(created.stdout == "service/free created\n", "\(created.stderr)")

        // An immutable field changed through apply.
        let first = try s.write("immutable.yaml", manifest("clusterIP: 10.96.100.1\nports:\n- port: 80", name: "fixed"))
        _ = try s.kubectl("apply", "-f", first)
        let second = try s.write("immutable2.yaml", manifest("clusterIP: 10.96.100.2\nports:\n- port: 80", name: "fixed"))
        let refused = try s.kubectl("apply", "-f", second)
        #expect(refused.stderr
            == "The Service \"fixed\" is invalid: spec.clusterIPs[0]: Invalid value: [\"10.96.100.2\"]: may not change once set\n")
        #expect(try s.kubectl("get", "svc", "fixed", "-o", "jsonpath={.spec.clusterIP}").stdout == "10.96.100.1")
    }
}
