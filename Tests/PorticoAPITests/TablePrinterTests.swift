import Testing

@testable import PorticoAPI

private let now = MicroTime(rfc3339: "2026-11-20T09:30:00.000000Z")!

private func decode<T: KubeObject>(_ type: T.Type, _ text: String) throws -> T {
    try KubeJSONDecoder().decode(T.self, from: text).value
}

@Suite("Table printing") struct TablePrinterTests {
    @Test(arguments: [
        (0.0, "0s"), (-1.5, "0s"), (-2.0, "<invalid>"), (119, "119s"), (120, "2m"), (121, "2m1s"), (599, "9m59s"), (600, "10m"),
        (10799, "179m"), (10800, "3h"), (28799, "7h59m"), (30600, "8h"), (172_799, "47h"), (172_800, "2d"), (176_400, "2d1h"),
        (691_200, "8d"), (63_071_999, "729d"), (63_072_000, "2y"), (63_158_400, "2y1d"), (252_288_000, "8y"),
    ])
    func humanDuration(_ seconds: Double, _ text: String) {
        #expect(HumanDuration.format(seconds: seconds) == text)
    }

    @Test func servicesAsKubectlShowsThem() throws {
        var services = [
            try decode(Service.self, Documents.nodePortService),
            try decode(Service.self, Documents.loadBalancerService),
            try decode(Service.self, Documents.externalNameService),
        ]
        var headless = Service(metadata: ObjectMeta(name: "db"), spec: ServiceSpec(ports: [ServicePort(protocol: .tcp, port: 5432)],
                                                                                    clusterIP: "None", clusterIPs: ["None"], type: .clusterIP))
        headless.metadata.creationTimestamp = Time(rfc3339: "2026-11-20T09:28:00Z")
        services.append(headless)
        var pending = services[1]
        pending.metadata.name = "pending"
        pending.status.loadBalancer.ingress = []
        pending.spec.ports = [ServicePort(protocol: .udp, port: 53, nodePort: 30053), ServicePort(protocol: .tcp, port: 53, nodePort: 30053)]
        services.append(pending)
        let table = try TablePrinter.table(services, metadata: ListMeta(resourceVersion: "48500"), now: now)
        #expect(table.metadata.resourceVersion == "48500")
        #expect(table.rows[0].object?["kind"] == "PartialObjectMetadata")
        #expect(table.rows[0].object?["metadata"]?["namespace"] == "mynamespace")
        #expect(TableText.render(table) == """
            NAME                TYPE           CLUSTER-IP     EXTERNAL-IP      PORT(S)                       AGE
            mynodeportservice   NodePort       10.96.146.21   <none>           80:31852/TCP                  15m
            mylbservice         LoadBalancer   10.96.33.7     203.0.113.10     80:30222/TCP,9000:30223/TCP   9m19s
            db                  ExternalName   <none>         db.example.com   <none>                        8m
            db                  ClusterIP      None           <none>           5432/TCP                      2m
            pending             LoadBalancer   10.96.33.7     <pending>        53:30053/UDP,53:30053/TCP     9m19s

            """)
        #expect(TableText.render(table, wide: true).split(separator: "\n")[1].hasSuffix("15m     app=web"))
        // The server sends every cell; `<none>` is escaped on the wire as Go does.
        #expect(try table.jsonString().contains(#""\u003cnone\u003e""#))
    }

    @Test func externalIPsAndLoadBalancerIngress() {
        var s = Service(metadata: ObjectMeta(name: "x"), spec: ServiceSpec(ports: [ServicePort(port: 80)], type: .loadBalancer))
        s.status.loadBalancer.ingress = [LoadBalancerIngress(ip: "203.0.113.9"), LoadBalancerIngress(hostname: "lb.example.com"),
                                         LoadBalancerIngress(ip: "203.0.113.9")]
        #expect(s.externalIPCell == "203.0.113.9,lb.example.com")
        s.spec.externalIPs = ["198.51.100.1"]
        #expect(s.externalIPCell == "203.0.113.9,lb.example.com,198.51.100.1")
        s.spec.type = .nodePort
        #expect(s.externalIPCell == "198.51.100.1")
        s.spec.type = "Weird"
        #expect(s.externalIPCell == "<unknown>")
    }

    @Test func pods() throws {
        let pod = try decode(Pod.self, Documents.pod)
        let table = try TablePrinter.table([pod], now: now)
        #expect(TableText.render(table, wide: true) == """
            NAME                   READY   STATUS    RESTARTS      AGE   IP           NODE     NOMINATED NODE   READINESS GATES
            web-7d9f8b6c5d-x2k4q   1/1     Running   1 (19m ago)   20m   10.244.1.5   node-1   <none>           <none>

            """)
        #expect(table.columnDefinitions.map(\.priority) == [0, 0, 0, 0, 0, 1, 1, 1, 1])
    }

    @Test(arguments: [
        ("waiting CrashLoopBackOff", #"{"containerStatuses":[{"name":"c","ready":false,"restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}],"phase":"Running"}"#, "0/1", "CrashLoopBackOff"),
        ("no statuses yet", #"{"phase":"Pending"}"#, "0/1", "Pending"),
        ("completed", #"{"containerStatuses":[{"name":"c","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}],"phase":"Succeeded"}"#, "0/1", "Completed"),
        ("killed by a signal", #"{"containerStatuses":[{"name":"c","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":137,"signal":9}}}],"phase":"Failed"}"#, "0/1", "Signal:9"),
        ("non-zero exit", #"{"containerStatuses":[{"name":"c","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":2}}}],"phase":"Failed"}"#, "0/1", "ExitCode:2"),
        ("evicted", #"{"phase":"Failed","reason":"Evicted"}"#, "0/1", "Evicted"),
        ("initializing", #"{"initContainerStatuses":[{"name":"init","ready":false,"restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}],"phase":"Pending"}"#, "0/1", "Init:0/1"),
        ("init crash", #"{"initContainerStatuses":[{"name":"init","ready":false,"restartCount":0,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}],"phase":"Pending"}"#, "0/1", "Init:CrashLoopBackOff"),
        ("init failed", #"{"initContainerStatuses":[{"name":"init","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":1}}}],"phase":"Pending"}"#, "0/1", "Init:ExitCode:1"),
    ])
    func podStatusColumn(_ name: String, _ status: String, _ ready: String, _ text: String) throws {
        let pod = try decode(Pod.self, #"{"metadata":{"name":"p"},"spec":{"initContainers":[{"name":"init"}],"containers":[{"name":"c"}]},"status":\#(status)}"#)
        let (r, s, _) = pod.readyStatusRestarts(now: now)
        #expect(r == ready)
        #expect(s == text)
    }

    @Test func terminatingPods() throws {
        var pod = try decode(Pod.self, Documents.pod)
        pod.metadata.deletionTimestamp = Time(rfc3339: "2026-11-20T09:29:00Z")
        #expect(pod.readyStatusRestarts(now: now).status == "Terminating")
        pod.status.reason = "NodeLost"
        #expect(pod.readyStatusRestarts(now: now).status == "Unknown")
        pod.status.phase = .succeeded
        pod.status.reason = ""
        #expect(try TablePrinter.table([pod], now: now).rows[0].conditions == [
            TableRowCondition(type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully."),
        ])
    }

    @Test func nodes() throws {
        var node = try decode(Node.self, Documents.node)
        #expect(TableText.render(try TablePrinter.table([node], now: now), wide: true) == """
            NAME     STATUS   ROLES    AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE                         KERNEL-VERSION   CONTAINER-RUNTIME
            node-1   Ready    worker   30m   v1.34.0   10.10.10.1    <none>        Debian GNU/Linux 12 (bookworm)   6.1.0-27-amd64   portico://0.1.0

            """)
        node.status.conditions[0].status = "Unknown"
        node.spec.unschedulable = true
        #expect(node.statusCell == "NotReady,SchedulingDisabled")
        node.status.conditions = []
        #expect(node.statusCell == "Unknown,SchedulingDisabled")
        node.metadata.labels = ["kubernetes.io/role": "edge", "node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/": "x"]
        #expect(node.rolesCell == "control-plane,edge")
    }

    @Test func endpointsAndSlices() throws {
        let endpoints = try decode(Endpoints.self, Documents.endpoints)
        #expect(endpoints.endpointsCell == "10.244.1.5:8080")
        var many = endpoints
        many.subsets[0].addresses = (1...5).map { EndpointAddress(ip: "10.244.1.\($0)") }
        many.subsets[0].ports.append(EndpointsPort(name: "b", port: 9090))
        #expect(many.endpointsCell == "10.244.1.1:8080,10.244.1.2:8080,10.244.1.3:8080 + 7 more...")
        many.subsets[0].addresses = []
        #expect(many.endpointsCell == "")
        #expect(Endpoints(metadata: ObjectMeta(name: "e")).endpointsCell == "<none>")
        var v6 = endpoints
        v6.subsets[0].addresses = [EndpointAddress(ip: "fd00::5")]
        #expect(v6.endpointsCell == "[fd00::5]:8080")

        let slice = try decode(EndpointSlice.self, Documents.endpointSlice)
        let empty = try decode(EndpointSlice.self, Documents.emptyEndpointSlice)
        #expect(TableText.render(try TablePrinter.table([slice, empty], now: now)) == """
            NAME                      ADDRESSTYPE   PORTS     ENDPOINTS    AGE
            mynodeportservice-8fk2d   IPv4          8080      10.244.1.5   15m
            empty-abcde               IPv4          <unset>   <unset>      15m

            """)
    }

    @Test func workloads() throws {
        let deployment = try decode(Deployment.self, Documents.deployment)
        let replicaSet = try decode(ReplicaSet.self, Documents.replicaSet)
        #expect(TableText.render(try TablePrinter.table([deployment], now: now), wide: true) == """
            NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES                                         SELECTOR
            web    3/3     3            3           20m   agnhost      registry.k8s.io/e2e-test-images/agnhost:2.53   app=web

            """)
        #expect(try TablePrinter.table([deployment], now: now).rows[0].cells[2] == .integer(3))
        #expect(TableText.render(try TablePrinter.table([replicaSet], now: now), wide: true) == """
            NAME             DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES                                         SELECTOR
            web-7d9f8b6c5d   3         3         3       20m   agnhost      registry.k8s.io/e2e-test-images/agnhost:2.53   app=web,pod-template-hash=7d9f8b6c5d

            """)
    }

    @Test func namespacesEventsConfigMapsLeases() throws {
        #expect(TableText.render(try TablePrinter.table([try decode(Namespace.self, Documents.namespace)], now: now)) == """
            NAME          STATUS   AGE
            mynamespace   Active   30m

            """)
        #expect(TableText.render(try TablePrinter.table([try decode(Event.self, Documents.event)], now: now)) == """
            LAST SEEN   TYPE     REASON        OBJECT                MESSAGE
            9m17s       Normal   IPAllocated   service/mylbservice   Assigned IP ["203.0.113.10"]

            """)
        #expect(try TablePrinter.table([try decode(Event.self, Documents.event)], now: now).rows[0].cells[5] == "portico-lb-controller")
        #expect(TableText.render(try TablePrinter.table([try decode(ConfigMap.self, Documents.configMap)], now: now)) == """
            NAME          DATA   AGE
            portico-dns   2      29m

            """)
        #expect(TableText.render(try TablePrinter.table([try decode(Lease.self, Documents.lease)], now: now)) == """
            NAME     HOLDER   AGE
            node-1   node-1   29m

            """)
    }

    @Test func includeObjectPolicies() throws {
        let service = try decode(Service.self, Documents.nodePortService)
        #expect(try TablePrinter.table([service], now: now, includeObject: .none).rows[0].object == .null)
        #expect(try TablePrinter.table([service], now: now, includeObject: .object).rows[0].object?["spec"]?["type"] == "NodePort")
        #expect(try TablePrinter.table([service], now: now, withHeaders: false).columnDefinitions.isEmpty)
        #expect(try TablePrinter.table([Service](), now: now).toJSON()["rows"] == [])
    }
}
