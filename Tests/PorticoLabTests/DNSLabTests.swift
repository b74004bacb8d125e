import Foundation
import PorticoAPI
import PorticoTestSupport
import Testing

/// Cluster DNS in a lab (root): the kube-dns add-on `portico up` installs, the pods'
/// resolv.conf, names from the pod's own namespace and from another, and names outside
/// the cluster through the relay (to a resolver this test runs on the host's loopback, so
/// nothing leaves the machine).
extension LabTests {
    @Test func serviceNamesResolveFromPods() throws {
        let upstreamPort = Int.random(in: 40000..<45000)
        let lab = try LabHarness(extra: """
            lan: 10.66.6.0/24
            hostAddress: 10.66.6.254
            podCIDR: 10.67.{n}.0/24
            clusterCIDR: 10.67.0.0/16
            serviceCIDR: 10.68.0.0/16
            dnsUpstreams: ["127.0.0.1:\(upstreamPort)"]
            dnsReplicas: 2
            """)
        defer { lab.tearDown() }
        let hostResolvConf = try String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)
        let up = try lab.portico("up")
        #expect(up.status == 0, "portico up failed:\n\(up.combined)")
        guard up.status == 0 else { return }
        #expect(up.stdout.contains("Starting cluster DNS: 2 pods of portico.dev/dns"), "\(up.stdout)")

        // The add-on as kubeadm's: Service kube-dns at the tenth address, its two named ports, two ready pods.
        let dns = try lab.kubectlJSON("get", "service", "-n", "kube-system", "kube-dns")
        #expect(dns["spec"]?["clusterIP"]?.stringValue == "10.68.0.10")
        #expect((dns["spec"]?["ports"]?.arrayValue ?? []).map { "\($0["name"]?.stringValue ?? "") \($0["port"]?.intValue ?? 0)/\($0["protocol"]?.stringValue ?? "")" }
            == ["dns 53/UDP", "dns-tcp 53/TCP"])
        try LabHarness.eventually("2 DNS pods ready") { try Self.readyPods(lab, "k8s-app=kube-dns", namespace: "kube-system").count == 2 }

        // A second `portico dns` on the host's loopback stands in for the host's resolvers: it
        // serves the same cluster under the domain example.test.
        let upstream = Process()
        upstream.executableURL = URL(fileURLWithPath: PorticoBinary.path)
        upstream.arguments = ["dns", "--kubeconfig", lab.kubeconfig, "--zone", "example.test", "--address", "127.0.0.1",
                              "--port", String(upstreamPort), "--health-port", "0", "--ready-port", "0", "--resolv-conf", "/dev/null"]
        upstream.standardOutput = FileHandle.nullDevice
        upstream.standardError = FileHandle.nullDevice
        try upstream.run()
        defer { upstream.terminate(); upstream.waitUntilExit() }

        #expect(try lab.kubectl("create", "deployment", "web", "--image=registry.k8s.io/e2e-test-images/agnhost:2.53", "--replicas=2",
                                "--", "/agnhost", "netexec", "--http-port=8080").status == 0)
        #expect(try lab.kubectl("expose", "deployment", "web", "--name", "myservice", "--port=80", "--target-port=8080").status == 0)
        #expect(try lab.kubectl("create", "namespace", "other").status == 0)
        for (namespace, name) in [("default", "client"), ("other", "probe")] {
            #expect(try lab.kubectl("run", name, "-n", namespace, "--image=registry.k8s.io/e2e-test-images/agnhost:2.53", "--", "pause").status == 0)
        }
        try LabHarness.eventually("web, client and probe ready") {
            try Self.readyPods(lab, "app=web").count == 2 && Self.readyPods(lab, "run=client").count == 1
                && Self.readyPods(lab, "run=probe", namespace: "other").count == 1
        }
        let clusterIP = try #require(try lab.kubectlJSON("get", "service", "myservice")["spec"]?["clusterIP"]?.stringValue)
        let webPods = Set(try Self.readyPods(lab, "app=web").map(\.name))

        // The pods' resolver, as the kubelet writes it for ClusterFirst.
        let resolv = try Self.inPod(lab, "default", "client", "cat", "/etc/resolv.conf").stdout
        #expect(resolv == "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.68.0.10\noptions ndots:5\n", "\(resolv)")

        // From default: the short name, the namespace-qualified one and the whole name.
        for name in ["myservice", "myservice.default", "myservice.default.svc.cluster.local"] {
            let hosts = try Self.inPod(lab, "default", "client", "getent", "hosts", name)
            #expect(hosts.status == 0 && hosts.stdout.hasPrefix(clusterIP + " "), "\(name) from default: \(hosts.combined)")
        }
        let answer = try Self.inPod(lab, "default", "client", "curl", "-s", "--max-time", "5", "http://myservice/hostname")
        #expect(webPods.contains(answer.stdout), "curl http://myservice/hostname: \(answer.combined)")

        // From another namespace: the short name is not found; the qualified ones are.
        let short = try Self.inPod(lab, "other", "probe", "getent", "hosts", "myservice")
        #expect(short.status != 0 && short.stdout.isEmpty, "myservice from other: \(short.combined)")
        for name in ["myservice.default", "myservice.default.svc.cluster.local"] {
            let hosts = try Self.inPod(lab, "other", "probe", "getent", "hosts", name)
            #expect(hosts.status == 0 && hosts.stdout.hasPrefix(clusterIP + " "), "\(name) from other: \(hosts.combined)")
        }

        // A name outside the cluster: pod → cluster DNS → the relay on the host → the upstream.
        try LabHarness.eventually("a name outside the cluster resolves through the relay") {
            let hosts = try Self.inPod(lab, "default", "client", "getent", "hosts", "myservice.default.svc.example.test")
            return hosts.status == 0 && hosts.stdout.hasPrefix(clusterIP + " ")
        }

        // From the host: the cluster DNS is not reachable, and the host's resolver is untouched.
        let fromHost = try Command.run("dig", ["@10.68.0.10", "+tries=1", "+time=2", "myservice.default.svc.cluster.local"])
        #expect(fromHost.status != 0 && !fromHost.stdout.contains("status: NOERROR"), "\(fromHost.combined)")
        #expect(try String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8) == hostResolvConf)
        // The relay, the lab's one DNS address on the host side, answers no cluster name.
        let relay = try Command.run("dig", ["@10.66.6.254", "+tries=1", "+time=3", "myservice.default.svc.cluster.local"])
        #expect(!relay.stdout.contains("ANSWER SECTION") && !relay.stdout.contains("status: NOERROR"), "\(relay.stdout)")
    }

    /// Runs a program in a pod's network, mount and UTS namespaces (its /etc/resolv.conf).
    static func inPod(_ lab: LabHarness, _ namespace: String, _ pod: String, _ arguments: String...) throws -> CommandOutput {
        let uid = try #require(try lab.kubectlJSON("get", "pod", "-n", namespace, pod)["metadata"]?["uid"]?.stringValue)
        let netns = "\(lab.name)-pod-" + String(uid.replacingOccurrences(of: "-", with: "").prefix(12))
        let pids = try Command.run("ip", ["netns", "pids", netns]).stdout.split(separator: "\n")
        let pid = try #require(pids.first.map(String.init), "no process in \(netns)")
        return try Command.run("nsenter", ["-t", pid, "-n", "-m", "-u"] + arguments, timeout: 30)
    }
}
