import Foundation
import PorticoAPI
import PorticoTestSupport
import Testing

/// `portico reach` and `portico exec` on a real lab (root): the seed's three Services show
/// ClusterIP < NodePort < LoadBalancer, and `--expect` fails for a Service that selects nothing.
extension LabTests {
    @Test func reachShowsTheSeedsHierarchy() throws {
        let lab = try LabHarness(extra: """
            lan: 10.74.1.0/24
            hostAddress: 10.74.1.254
            lbAddress: 10.74.1.250
            podCIDR: 10.75.{n}.0/24
            clusterCIDR: 10.75.0.0/16
            serviceCIDR: 10.76.0.0/16
            """)
        defer { lab.tearDown() }
        let up = try lab.portico("up")
        #expect(up.status == 0, "portico up failed:\n\(up.combined)")
        guard up.status == 0 else { return }

        #expect(try lab.kubectl("create", "deployment", "web", "--image=registry.k8s.io/e2e-test-images/agnhost:2.53", "--replicas=3",
                                "--", "/agnhost", "netexec", "--http-port=8080").status == 0)
        #expect(try lab.kubectl("run", "client", "--image=registry.k8s.io/e2e-test-images/agnhost:2.53", "--", "pause").status == 0)
        for (name, type) in [("myservice", "ClusterIP"), ("mynodeportservice", "NodePort"), ("mylbservice", "LoadBalancer")] {
            #expect(try lab.kubectl("expose", "deployment", "web", "--name=\(name)", "--port=80", "--target-port=8080", "--type=\(type)").status == 0)
        }
        #expect(try lab.kubectl("create", "service", "nodeport", "broken", "--tcp=80:8080").status == 0)
        try LabHarness.eventually("3 web pods and the client ready") {
            try Self.readyPods(lab, "app=web").count == 3 && Self.readyPods(lab, "run=client").count == 1
        }
        try LabHarness.eventually("an LB address") {
            try lab.kubectl("get", "service", "mylbservice", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}").stdout.hasPrefix("198.18.")
        }

        // Each type, from the client pod, the LAN and the internet: exactly its exposure.
        let expected = [("myservice", "ClusterIP", 1), ("mynodeportservice", "NodePort", 4), ("mylbservice", "LoadBalancer", 5)]
        for (name, exposure, columns) in expected {
            var reach = try lab.portico("reach", name, "--expect")
            try LabHarness.eventually("\(name) as its type promises", seconds: 20) {
                reach = try lab.portico("reach", name, "--expect")
                return reach.status == 0
            }
            #expect(reach.stdout.contains("Exposure: \(exposure) (ClusterIP < NodePort < LoadBalancer): as a \(exposure) Service should be."),
                    "\(reach.combined)")
            let rows = reach.stdout.split(separator: "\n")
            let pod = try #require(rows.first { $0.hasPrefix("pod default/client") }, "\(reach.stdout)")
            let lan = try #require(rows.first { $0.hasPrefix("LAN (host 10.74.1.254)") }, "\(reach.stdout)")
            let internet = try #require(rows.first { $0.hasPrefix("internet (198.18.") }, "\(reach.stdout)")
            #expect(pod.components(separatedBy: "✓").count - 1 == columns, "\(reach.stdout)")
            #expect(lan.components(separatedBy: "✓").count - 1 == columns - 1, "\(reach.stdout)")
            #expect(internet.components(separatedBy: "✓").count - 1 == (exposure == "LoadBalancer" ? 1 : 0), "\(reach.stdout)")
        }

        // A Service whose selector matches nothing: every door refuses, and --expect says so.
        let broken = try lab.portico("reach", "broken", "--expect")
        #expect(broken.status == 1, "\(broken.combined)")
        #expect(broken.stdout.contains("Exposure: none: nothing answered"), "\(broken.stdout)")
        #expect(broken.stdout.contains("from LAN (host 10.74.1.254) to node-1 10.74.1.1:") && broken.stdout.contains("expected ✓, got ✗ refused"),
                "\(broken.stdout)")

        // portico exec: the places, with the command's own output and exit code.
        let fromInternet = try lab.portico("exec", "internet", "--", "ip", "-4", "-o", "addr", "show", "dev", "eth0")
        #expect(fromInternet.status == 0 && fromInternet.stdout.contains("198.18."), "\(fromInternet.combined)")
        let onNode = try lab.portico("exec", "node-2", "--", "sh", "-c", "ip -4 -o addr show dev eth0; exit 7")
        #expect(onNode.status == 7 && onNode.stdout.contains("10.74.1.2/24"), "\(onNode.combined)")
        let inPod = try lab.portico("exec", "pod/client", "--", "cat", "/etc/resolv.conf")
        #expect(inPod.status == 0 && inPod.stdout.contains("search default.svc.cluster.local"), "\(inPod.combined)")
        let nowhere = try lab.portico("exec", "node-9", "--", "true")
        #expect(nowhere.status == 1 && nowhere.stderr.contains("\"node-9\" is not a place of lab"), "\(nowhere.combined)")

        // kubectl exec: through the API server to the pod's node agent; output, stdin and exit code.
        let exec = try lab.kubectl("exec", "client", "--", "sh", "-c", "hostname; echo to-stderr >&2; exit 3")
        #expect(exec.status == 3 && exec.stdout == "client\n" && exec.stderr.contains("to-stderr"), "\(exec.combined)")
        #expect(exec.stderr.contains("command terminated with exit code 3"), "\(exec.stderr)")
        let cat = try lab.kubectl("exec", "-i", "client", "--", "cat", input: "through stdin\n")
        #expect(cat.status == 0 && cat.stdout == "through stdin\n", "\(cat.combined)")
        let badContainer = try lab.kubectl("exec", "client", "-c", "nope", "--", "true")
        #expect(badContainer.status == 1 && badContainer.stderr.contains("Error from server (BadRequest): container nope is not valid for pod client"),
                "\(badContainer.combined)")
        let attach = try lab.kubectl("attach", "client")
        #expect(attach.status == 1 && attach.stderr.contains("Error from server (MethodNotAllowed): pods/attach is not built in Portico"), "\(attach.combined)")

        // kubectl port-forward: a local port carries a request to the pod's port.
        let web = try #require(try Self.readyPods(lab, "app=web").first)
        let localPort = Int.random(in: 40000..<50000)
        let forward = Process()
        forward.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        forward.arguments = ["kubectl", "port-forward", "pod/\(web.name)", "\(localPort):8080"]
        forward.environment = ["KUBECONFIG": lab.kubeconfig, "HOME": lab.directory + "/home", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        forward.standardOutput = FileHandle.nullDevice
        forward.standardError = FileHandle.nullDevice
        try forward.run()
        defer { forward.terminate(); forward.waitUntilExit() }
        var answer = ""
        try LabHarness.eventually("a request through kubectl port-forward", seconds: 20) {
            answer = try Command.run("curl", ["-s", "--max-time", "3", "http://127.0.0.1:\(localPort)/hostname"]).stdout
            return answer == web.name
        }
        #expect(answer == web.name)
    }
}
