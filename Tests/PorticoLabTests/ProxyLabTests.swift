import Foundation
import PorticoAPI
import PorticoTestSupport
import Testing

/// The node proxy with real packets in a lab (root): ClusterIP and NodePort as kube-proxy
/// makes them work, in the same serialized suite as the other lab tests.
extension LabTests {
    @Test func servicesWorkForRealPackets() throws {
        let lab = try LabHarness(extra: "lan: 10.55.5.0/24\nhostAddress: 10.55.5.254\npodCIDR: 10.56.{n}.0/24\nclusterCIDR: 10.56.0.0/16\nserviceCIDR: 10.57.0.0/16")
        defer { lab.tearDown() }
        let up = try lab.portico("up")
        #expect(up.status == 0, "portico up failed:\n\(up.combined)")
        guard up.status == 0 else { return }

        #expect(try lab.kubectl("create", "deployment", "web", "--image=registry.k8s.io/e2e-test-images/agnhost:2.53", "--replicas=3",
                                "--", "/agnhost", "netexec", "--http-port=8080", "--udp-port=8081").status == 0)
        let service = """
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              type: NodePort
              selector: {app: web}
              ports:
              - {name: http, port: 80, targetPort: 8080}
              - {name: udp, port: 81, targetPort: 8081, protocol: UDP}
            """
        #expect(try lab.kubectl("apply", "-f", "-", input: service).status == 0)
        var pods: [(name: String, ip: String, node: String)] = []
        try LabHarness.eventually("3 pods ready") {
            pods = try Self.readyPods(lab, "app=web")
            return pods.count == 3
        }
        let svc = try lab.kubectlJSON("get", "service", "web")
        let clusterIP = try #require(svc["spec"]?["clusterIP"]?.stringValue)
        let ports = svc["spec"]?["ports"]?.arrayValue ?? []
        let nodePort = try #require(ports.first { $0["name"] == "http" }?["nodePort"]?.intValue)
        let udpNodePort = try #require(ports.first { $0["name"] == "udp" }?["nodePort"]?.intValue)
        let client = try #require(pods.first { $0.node == "node-1" })
        try LabHarness.eventually("the ClusterIP answers") {
            (try Self.dial(client.ip, clusterIP, 80, tries: 1)).responses.count == 1
        }

        // From a pod, 300 requests to ClusterIP:80 reach all three pods, about a third each.
        let spread = try Self.dial(client.ip, clusterIP, 80, tries: 300)
        #expect(spread.errors.isEmpty, "\(spread.errors)")
        let counts = Dictionary(grouping: spread.responses, by: { $0 }).mapValues(\.count)
        #expect(Set(counts.keys) == Set(pods.map(\.name)), "\(counts)")
        #expect(counts.values.allSatisfy { $0 >= 50 }, "\(counts)")

        // From the host: every node's NodePort answers; the ClusterIP does not (unreachable
        // from outside), and ClusterIP:nodePort answers nowhere.
        for n in 1...3 {
            let answer = try Command.run("curl", ["-s", "--max-time", "5", "http://10.55.5.\(n):\(nodePort)/hostname"])
            #expect(pods.map(\.name).contains(answer.stdout), "node-\(n):\(nodePort) → \(answer.combined)")
        }
        let fromHost = try Command.run("curl", ["-s", "--max-time", "3", "http://\(clusterIP):80/hostname"])
        #expect(fromHost.status != 0)
        let wrongPort = try Self.dial(client.ip, clusterIP, nodePort, tries: 1)
        #expect(wrongPort.responses.isEmpty && wrongPort.errors.first?.contains("connect: connection refused") == true, "\(wrongPort)")

        // Session affinity ClientIP keeps one client on one pod; turned off, it spreads again.
        #expect(try lab.kubectl("patch", "service", "web", "-p", #"{"spec":{"sessionAffinity":"ClientIP"}}"#).status == 0)
        try LabHarness.eventually("affinity is in effect") { Set(try Self.dial(client.ip, clusterIP, 80, tries: 50).responses).count == 1 }
        #expect(try lab.kubectl("patch", "service", "web", "-p", #"{"spec":{"sessionAffinity":"None"}}"#).status == 0)
        try LabHarness.eventually("affinity is gone") { Set(try Self.dial(client.ip, clusterIP, 80, tries: 50).responses).count > 1 }

        // UDP through the ClusterIP (from a pod) and the NodePort (from the host).
        let udp = try Self.dial(client.ip, clusterIP, 81, tries: 10, proto: "udp")
        #expect(udp.responses.count == 10 && Set(udp.responses).isSubset(of: Set(pods.map(\.name))), "\(udp)")
        let udpFromHost = try Self.udp(to: "10.55.5.1", port: udpNodePort, messages: 3)
        #expect(udpFromHost.count == 3 && Set(udpFromHost).isSubset(of: Set(pods.map(\.name))), "\(udpFromHost)")

        // Local policy on a LoadBalancer Service with one pod: only that pod's node answers,
        // with the client's address; its health check says 200, the others' 503.
        #expect(try lab.kubectl("scale", "deployment", "web", "--replicas=1").status == 0)
        try LabHarness.eventually("one pod left") { try Self.readyPods(lab, "app=web").count == 1 && lab.kubectl("get", "pods", "--no-headers").stdout.split(separator: "\n").count == 1 }
        let only = try #require(try Self.readyPods(lab, "app=web").first)
        let local = """
            apiVersion: v1
            kind: Service
            metadata: {name: local}
            spec:
              type: LoadBalancer
              externalTrafficPolicy: Local
              selector: {app: web}
              ports: [{port: 80, targetPort: 8080}]
            """
        #expect(try lab.kubectl("apply", "-f", "-", input: local).status == 0)
        let localSvc = try lab.kubectlJSON("get", "service", "local")
        let localPort = try #require(localSvc["spec"]?["ports"]?.arrayValue?.first?["nodePort"]?.intValue)
        let healthPort = try #require(localSvc["spec"]?["healthCheckNodePort"]?.intValue)
        let home = Int(only.node.split(separator: "-").last!)!
        try LabHarness.eventually("the pod's node answers Local traffic") {
            try Command.run("curl", ["-s", "--max-time", "2", "http://10.55.5.\(home):\(localPort)/clientip"]).stdout.hasPrefix("10.55.5.254:")
        }
        for n in 1...3 where n != home {
            #expect(try Command.run("curl", ["-s", "--max-time", "2", "http://10.55.5.\(n):\(localPort)/clientip"]).status != 0,
                    "node-\(n) has no local endpoint and must drop")
        }
        let clusterAnswer = try Command.run("curl", ["-s", "--max-time", "5", "http://10.55.5.\((home % 3) + 1):\(nodePort)/clientip"]).stdout
        #expect(clusterAnswer.hasPrefix("10.55.5.") && !clusterAnswer.hasPrefix("10.55.5.254:"), "Cluster policy shows \(clusterAnswer)")
        for n in 1...3 {
            let health = try Command.run("curl", ["-s", "-i", "--max-time", "3", "http://10.55.5.\(n):\(healthPort)/"]).stdout
            if n == home {
                #expect(health.hasPrefix("HTTP/1.1 200") && health.contains("X-Load-Balancing-Endpoint-Weight: 1")
                    && health.contains("\"localEndpoints\":1"), "\(health)")
            } else {
                #expect(health.hasPrefix("HTTP/1.1 503") && health.contains("\"localEndpoints\":0"), "\(health)")
            }
        }

        // No endpoints: refused at once.
        let empty = "apiVersion: v1\nkind: Service\nmetadata: {name: empty}\nspec: {type: NodePort, selector: {app: none}, ports: [{port: 80}]}\n"
        #expect(try lab.kubectl("apply", "-f", "-", input: empty).status == 0)
        let emptySvc = try lab.kubectlJSON("get", "service", "empty")
        let emptyIP = try #require(emptySvc["spec"]?["clusterIP"]?.stringValue)
        let emptyPort = try #require(emptySvc["spec"]?["ports"]?.arrayValue?.first?["nodePort"]?.intValue)
        try LabHarness.eventually("the empty Service refuses") {
            (try Self.dial(only.ip, emptyIP, 80, tries: 1)).errors.first?.contains("connect: connection refused") == true
        }
        // 7 is "failed to connect" (a reset); a drop would wait for the 10 s limit and give 28.
        let refused = try Command.run("curl", ["-s", "--max-time", "10", "http://10.55.5.1:\(emptyPort)/"])
        #expect(refused.status == 7, "curl should fail to connect: \(refused.combined)")

        // The proxy's own health and metrics.
        #expect(try Command.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://10.55.5.1:10256/healthz"]).stdout == "200")
        // A node marked for deletion is drained by load balancers: /healthz says so, /livez not.
        #expect(try lab.kubectl("taint", "node", "node-2", "ToBeDeletedByClusterAutoscaler=1:NoSchedule").status == 0)
        try LabHarness.eventually("node-2's /healthz turns 503") {
            let health = try Command.run("curl", ["-s", "-i", "--max-time", "3", "http://10.55.5.2:10256/healthz"]).stdout
            return health.hasPrefix("HTTP/1.1 503") && health.contains("\"nodeEligible\": false")
        }
        #expect(try Command.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://10.55.5.2:10256/livez"]).stdout == "200")
        #expect(try lab.kubectl("taint", "node", "node-2", "ToBeDeletedByClusterAutoscaler-").status == 0)
        try LabHarness.eventually("node-2's /healthz is 200 again") {
            try Command.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://10.55.5.2:10256/healthz"]).stdout == "200"
        }
        let metrics = try Command.run("curl", ["-s", "http://10.55.5.1:10249/metrics"]).stdout
        #expect(metrics.contains("kubeproxy_sync_proxy_rules_duration_seconds_count"))
        #expect(metrics.contains("kubeproxy_network_programming_duration_seconds_bucket"))
    }

    @Test func udpFlowsMoveWhenTheirEndpointGoes() throws {
        let lab = try LabHarness(nodes: 2, extra: "lan: 10.58.8.0/24\nhostAddress: 10.58.8.254\npodCIDR: 10.59.{n}.0/24\nclusterCIDR: 10.59.0.0/16\nserviceCIDR: 10.60.0.0/16")
        defer { lab.tearDown() }
        let up = try lab.portico("up")
        #expect(up.status == 0, "portico up failed:\n\(up.combined)")
        guard up.status == 0 else { return }
        #expect(try lab.kubectl("create", "deployment", "echo", "--image=registry.k8s.io/e2e-test-images/agnhost:2.53", "--replicas=2",
                                "--", "/agnhost", "netexec", "--http-port=8080", "--udp-port=8081").status == 0)
        let service = "apiVersion: v1\nkind: Service\nmetadata: {name: echo}\nspec: {type: NodePort, selector: {app: echo}, ports: [{port: 81, targetPort: 8081, protocol: UDP}]}\n"
        #expect(try lab.kubectl("apply", "-f", "-", input: service).status == 0)
        try LabHarness.eventually("2 pods ready") { try Self.readyPods(lab, "app=echo").count == 2 }
        let nodePort = try #require(try lab.kubectlJSON("get", "service", "echo")["spec"]?["ports"]?.arrayValue?.first?["nodePort"]?.intValue)
        // One socket (one conntrack flow) keeps asking; its pod leaves the Service (relabelled,
        // so it still answers and keeps its address); the answers move to the other pod.
        let script = """
            import socket, subprocess, sys, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
            def ask():
                for _ in range(5):
                    try:
                        s.sendto(b"hostname", ("10.58.8.1", \(nodePort))); return s.recvfrom(2048)[0].decode()
                    except socket.timeout:
                        pass
                return None
            first = None
            while first is None:
                first = ask()
            print(first, flush=True)
            subprocess.run(["kubectl", "label", "pod", first, "app=gone", "--overwrite"], check=True, capture_output=True)
            deadline = time.time() + 20
            while time.time() < deadline:
                answer = ask()
                if answer and answer != first:
                    print(answer, flush=True); sys.exit(0)
                time.sleep(0.2)
            sys.exit(1)
            """
        let run = try Command.run("python3", ["-c", script], environment: ["KUBECONFIG": lab.kubeconfig, "HOME": lab.directory + "/home"])
        #expect(run.status == 0, "the flow did not move: \(run.combined)")
    }

    static func readyPods(_ lab: LabHarness, _ selector: String, namespace: String = "default") throws -> [(name: String, ip: String, node: String)] {
        let list = try lab.kubectlJSON("get", "pods", "-n", namespace, "-l", selector)
        return (list["items"]?.arrayValue ?? []).compactMap { pod in
            guard pod["metadata"]?["deletionTimestamp"] == nil,
                  pod["status"]?["conditions"]?.arrayValue?.contains(where: { $0["type"] == "Ready" && $0["status"] == "True" }) == true
            else { return nil }
            return (pod["metadata"]?["name"]?.stringValue ?? "", pod["status"]?["podIP"]?.stringValue ?? "",
                    pod["spec"]?["nodeName"]?.stringValue ?? "")
        }
    }

    /// agnhost's /dial, run by the pod at `from`: what `tries` requests to host:port answered.
    static func dial(_ from: String, _ host: String, _ port: Int, tries: Int, proto: String = "http") throws -> (responses: [String], errors: [String]) {
        let url = "http://\(from):8080/dial?host=\(host)&port=\(port)&request=hostname&protocol=\(proto)&tries=\(tries)"
        let out = try Command.run("curl", ["-s", "--max-time", "120", url])
        let json = (try? JSON.parse(bytes: Array(out.stdout.utf8))) ?? .null
        return ((json["responses"]?.arrayValue ?? []).compactMap(\.stringValue), (json["errors"]?.arrayValue ?? []).compactMap(\.stringValue))
    }

    /// UDP `hostname` questions from the host, each on a fresh socket.
    static func udp(to host: String, port: Int, messages: Int) throws -> [String] {
        let script = """
            import socket
            for _ in range(\(messages)):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
                s.sendto(b"hostname", ("\(host)", \(port))); print(s.recvfrom(2048)[0].decode())
            """
        return try Command.run("python3", ["-c", script]).stdout.split(separator: "\n").map(String.init)
    }
}
