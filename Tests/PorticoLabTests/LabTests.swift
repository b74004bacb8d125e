import Foundation
import PorticoAPI
import PorticoTestSupport
import Testing

/// The lab end to end, as root, with real namespaces, processes and packets: the issue's
/// acceptance, one step after another on one lab (each step needs the one before).
@Suite(.serialized, .needsRoot)
struct LabTests {
    @Test func labRunsPodsAndKeepsEndpointsTrue() throws {
        let before = try LabHarness.networkSnapshot()
        // A short grace period so a silent node is noticed within the test.
        let lab = try LabHarness(extra: "nodeMonitorGracePeriod: 3s\nnodeMonitorPeriod: 500ms\nnodeLeaseDurationSeconds: 4")
        defer { lab.tearDown() }

        // portico up: every step shown with its time, then how to use the lab.
        let up = try lab.portico("up")
        #expect(up.status == 0, "portico up failed:\n\(up.combined)")
        guard up.status == 0 else { return }
        #expect(up.stdout.contains("✓ Waiting for 3 nodes to be Ready ("))
        #expect(up.stdout.contains("export KUBECONFIG=\(lab.kubeconfig)"))

        // Three Ready nodes at 10.10.10.1-3.
        let nodes = try lab.kubectl("get", "nodes", "-o", "wide")
        let rows = nodes.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(rows.map { $0[0] } == ["node-1", "node-2", "node-3"])
        #expect(rows.map { $0[1] } == ["Ready", "Ready", "Ready"])
        #expect(rows.map { $0[5] } == ["10.10.10.1", "10.10.10.2", "10.10.10.3"])

        // A Deployment of agnhost netexec: 3 Running pods on 3 nodes with distinct IPs.
        let create = try lab.kubectl("create", "deployment", "web", "--image=registry.k8s.io/e2e-test-images/agnhost:2.53", "--replicas=3",
                                     "--", "/agnhost", "netexec", "--http-port=8080")
        #expect(create.status == 0, "\(create.combined)")
        var pods: [(name: String, ip: String, node: String)] = []
        try LabHarness.eventually("3 pods are Running and ready") {
            let list = try lab.kubectlJSON("get", "pods", "-l", "app=web")
            pods = (list["items"]?.arrayValue ?? []).compactMap { pod in
                guard pod["status"]?["phase"]?.stringValue == "Running",
                      pod["status"]?["conditions"]?.arrayValue?.contains(where: { $0["type"] == "Ready" && $0["status"] == "True" }) == true
                else { return nil }
                return (pod["metadata"]?["name"]?.stringValue ?? "", pod["status"]?["podIP"]?.stringValue ?? "",
                        pod["spec"]?["nodeName"]?.stringValue ?? "")
            }
            return pods.count == 3
        }
        #expect(Set(pods.map(\.node)) == ["node-1", "node-2", "node-3"])
        #expect(Set(pods.map(\.ip)).count == 3)
        // From the host, each pod answers with its own name.
        for pod in pods {
            let hostname = try Command.run("curl", ["-s", "--max-time", "5", "http://\(pod.ip):8080/hostname"])
            #expect(hostname.stdout == pod.name, "curl \(pod.ip):8080/hostname: \(hostname.combined)")
        }
        // A pod on node-1 reaches a pod on node-3 (netexec's /dial, from inside the pod).
        let onNode1 = try #require(pods.first { $0.node == "node-1" })
        let onNode3 = try #require(pods.first { $0.node == "node-3" })
        let dial = try Command.run("curl", ["-s", "--max-time", "10",
                                            "http://\(onNode1.ip):8080/dial?host=\(onNode3.ip)&port=8080&request=hostname&protocol=http"])
        #expect(dial.stdout == "{\"responses\":[\"\(onNode3.name)\"]}", "dial: \(dial.combined)")

        // kubectl expose: the EndpointSlice lists the 3 pod IPs on 8080.
        #expect(try lab.kubectl("expose", "deployment", "web", "--port=80", "--target-port=8080").status == 0)
        func endpoints() throws -> [(ip: String, ready: Bool, node: String)] {
            let slices = try lab.kubectlJSON("get", "endpointslices", "-l", "kubernetes.io/service-name=web")
            var result: [(ip: String, ready: Bool, node: String)] = []
            for slice in slices["items"]?.arrayValue ?? [] {
                for endpoint in slice["endpoints"]?.arrayValue ?? [] {
                    let ip: String = endpoint["addresses"]?.arrayValue?.first?.stringValue ?? ""
                    let ready: Bool = endpoint["conditions"]?["ready"]?.boolValue ?? false
                    let node: String = endpoint["nodeName"]?.stringValue ?? ""
                    result.append((ip, ready, node))
                }
            }
            return result
        }
        func readyIPs() throws -> Set<String> { Set(try endpoints().filter(\.ready).map(\.ip)) }
        try LabHarness.eventually("the slice lists the 3 pod IPs") { try readyIPs() == Set(pods.map(\.ip)) }
        let slice = try lab.kubectlJSON("get", "endpointslices", "-l", "kubernetes.io/service-name=web")
        let port = slice["items"]?.arrayValue?.first?["ports"]?.arrayValue?.first?["port"]
        #expect(port == .integer(8080))

        // Scale to 5, then to 1.
        #expect(try lab.kubectl("scale", "deployment", "web", "--replicas=5").status == 0)
        try LabHarness.eventually("5 ready endpoints") { try readyIPs().count == 5 }
        #expect(try lab.kubectl("scale", "deployment", "web", "--replicas=1").status == 0)
        try LabHarness.eventually("1 endpoint left") { try endpoints().count == 1 && readyIPs().count == 1 }

        // A pod failing readiness is listed, not ready (netexec without UDP answers /healthz with 412).
        let unready = """
            apiVersion: v1
            kind: Pod
            metadata: {name: unready, labels: {app: web}}
            spec:
              containers:
              - name: netexec
                image: registry.k8s.io/e2e-test-images/agnhost:2.53
                args: ["netexec", "--http-port=8080", "--udp-port=-1"]
                readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}
            """
        #expect(try lab.kubectl("apply", "-f", "-", input: unready).status == 0)
        try LabHarness.eventually("the unready pod is a not-ready endpoint") {
            try endpoints().count == 2 && readyIPs().count == 1
        }
        // A new pod is not ready until its probe passes, so the slice can show it before the
        // first failing probe has been reported: wait for the Event.
        var events = try lab.kubectl("get", "events", "--field-selector", "involvedObject.name=unready")
        try? LabHarness.eventually("the failing probe's Event", seconds: 10) {
            events = try lab.kubectl("get", "events", "--field-selector", "involvedObject.name=unready")
            return events.stdout.contains("Readiness probe failed: HTTP probe failed with statuscode: 412")
        }
        #expect(events.stdout.contains("Readiness probe failed: HTTP probe failed with statuscode: 412"))

        // A deleted pod leaves the slice.
        #expect(try lab.kubectl("delete", "pod", "unready").status == 0)
        try LabHarness.eventually("the deleted pod is gone from the slice") { try endpoints().count == 1 }

        // kubectl logs, rollout restart and rollout status.
        let logs = try lab.kubectl("logs", "deployment/web")
        #expect(logs.stdout.contains("Started HTTP server on port 8080"), "\(logs.combined)")
        #expect(try lab.kubectl("scale", "deployment", "web", "--replicas=3").status == 0)
        #expect(try lab.kubectl("rollout", "restart", "deployment/web").status == 0)
        let rollout = try lab.kubectl("rollout", "status", "deployment/web", "--timeout=60s")
        #expect(rollout.stdout.contains("deployment \"web\" successfully rolled out"), "\(rollout.combined)")
        try LabHarness.eventually("3 ready endpoints after the restart") { try readyIPs().count == 3 && endpoints().count == 3 }

        // Killing node-2's agent: after the grace period node-2 is NotReady and its endpoint not ready.
        kill(try lab.pid(of: "node-2"), SIGKILL)
        try LabHarness.eventually("node-2 is NotReady") {
            try lab.kubectl("get", "node", "node-2", "--no-headers").stdout.contains(" NotReady ")
        }
        try LabHarness.eventually("node-2's endpoint is not ready") {
            let all = try endpoints()
            return all.contains { $0.node == "node-2" && !$0.ready } && all.filter { $0.node != "node-2" }.allSatisfy(\.ready)
        }

        // kubectl delete deployment: its pods go (but node-2's, whose agent is gone, stay terminating).
        #expect(try lab.kubectl("delete", "deployment", "web").status == 0)
        try LabHarness.eventually("the pods of live nodes are gone") {
            let list = try lab.kubectlJSON("get", "pods", "-l", "app=web")
            return (list["items"]?.arrayValue ?? []).allSatisfy { $0["spec"]?["nodeName"]?.stringValue == "node-2" }
        }

        // up after a crash: everything killed, then up clears what is left and starts again.
        for role in ["server", "node-1", "node-3"] { kill(try lab.pid(of: role), SIGKILL) }
        let again = try lab.portico("up")
        #expect(again.status == 0, "\(again.combined)")
        #expect(again.stdout.contains("Clearing the lab \"\(lab.name)\" left by an earlier run"))
        #expect(try lab.kubectl("get", "nodes").stdout.split(separator: "\n").filter { $0.contains(" Ready ") }.count == 3)

        // portico down leaves the machine as it was; a second down is harmless.
        let down = try lab.portico("down")
        #expect(down.status == 0, "\(down.combined)")
        #expect(try lab.portico("down").status == 0)
        #expect(try LabHarness.networkSnapshot() == before)
        #expect(!FileManager.default.fileExists(atPath: lab.directory + "/data"))
    }

    @Test func upWithoutRootSaysWhy() throws {
        let lab = try LabHarness(nodes: 1)
        defer { try? FileManager.default.removeItem(atPath: lab.directory) }
        // Run as nobody; the config must be readable by it.
        chmod(lab.directory, 0o755)
        chmod(lab.configPath, 0o644)
        let output = try Command.run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", PorticoBinary.path,
                                                 "up", "--config", lab.configPath])
        #expect(output.status != 0)
        #expect(output.combined.contains("portico up needs root"), "\(output.combined)")
    }
}
