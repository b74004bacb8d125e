import Foundation
import PorticoAPI
import PorticoTestSupport
import Testing

/// `portico trace` on a real lab (root): a working path from each place, and each broken
/// case named where and why (the same cases as TracePlanTests, here with real packets).
extension LabTests {
    @Test func traceExplainsWorkingAndBrokenPaths() throws {
        let lab = try LabHarness(extra: """
            lan: 10.77.1.0/24
            hostAddress: 10.77.1.254
            lbAddress: 10.77.1.250
            podCIDR: 10.78.{n}.0/24
            clusterCIDR: 10.78.0.0/16
            serviceCIDR: 10.79.0.0/16
            dnsReplicas: 1
            """)
        defer { lab.tearDown() }
        let up = try lab.portico("up")
        #expect(up.status == 0, "portico up failed:\n\(up.combined)")
        guard up.status == 0 else { return }

        let image = "--image=registry.k8s.io/e2e-test-images/agnhost:2.53"
        #expect(try lab.kubectl("create", "deployment", "web", image, "--replicas=3", "--", "/agnhost", "netexec", "--http-port=8080").status == 0)
        #expect(try lab.kubectl("create", "deployment", "one", image, "--replicas=1", "--", "/agnhost", "netexec", "--http-port=8080").status == 0)
        #expect(try lab.kubectl("run", "client", image, "--", "pause").status == 0)
        #expect(try lab.kubectl("create", "namespace", "other").status == 0)
        #expect(try lab.kubectl("run", "-n", "other", "probe", image, "--", "pause").status == 0)
        #expect(try lab.kubectl("expose", "deployment", "web", "--port=80", "--target-port=8080", "--type=LoadBalancer").status == 0)
        #expect(try lab.kubectl("create", "service", "nodeport", "noselect", "--tcp=80:8080").status == 0)
        #expect(try lab.kubectl("expose", "deployment", "web", "--name=wrongport", "--port=80", "--target-port=9999", "--type=NodePort").status == 0)
        #expect(try lab.kubectl("expose", "deployment", "one", "--name=onelocal", "--port=80", "--target-port=8080", "--type=NodePort").status == 0)
        #expect(try lab.kubectl("patch", "svc", "onelocal", "-p", #"{"spec":{"externalTrafficPolicy":"Local"}}"#).status == 0)
        #expect(try lab.kubectl("expose", "deployment", "web", "--name=ranged", "--port=8081", "--target-port=8080", "--type=LoadBalancer").status == 0)
        #expect(try lab.kubectl("patch", "svc", "ranged", "-p", #"{"spec":{"loadBalancerSourceRanges":["10.0.0.0/8"]}}"#).status == 0)
        let applied = try lab.kubectl("apply", "-f", "-", input: """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: sick}
            spec:
              replicas: 1
              selector: {matchLabels: {app: sick}}
              template:
                metadata: {labels: {app: sick}}
                spec:
                  containers:
                  - name: agnhost
                    image: registry.k8s.io/e2e-test-images/agnhost:2.53
                    command: ["/agnhost", "netexec", "--http-port=8080"]
                    readinessProbe: {tcpSocket: {port: 9999}, periodSeconds: 1}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: sick}
            spec:
              type: NodePort
              selector: {app: sick}
              ports: [{port: 80, targetPort: 8080}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: wanted}
            spec:
              type: LoadBalancer
              loadBalancerIP: 192.0.2.7
              selector: {app: web}
              ports: [{port: 80, targetPort: 8080}]
            """)
        #expect(applied.status == 0, "\(applied.combined)")
        try LabHarness.eventually("the pods") {
            try Self.readyPods(lab, "app=web").count == 3 && Self.readyPods(lab, "app=one").count == 1
                && Self.readyPods(lab, "run=client").count == 1 && Self.readyPods(lab, "run=probe", namespace: "other").count == 1
        }
        try LabHarness.eventually("LB addresses") {
            try lab.kubectl("get", "service", "web", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}").stdout.hasPrefix("198.18.")
                && lab.kubectl("get", "service", "ranged", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}").stdout.hasPrefix("198.18.")
        }
        let onesNode = try #require(Self.readyPods(lab, "app=one").first?.node)
        let otherNode = try #require(["node-1", "node-2", "node-3"].first { $0 != onesNode })

        // Working paths, one from each place, each with the kernel's view of its hops.
        for from in ["internet", "lan", "pod/client", "node/node-2"] {
            var trace = try lab.portico("trace", "web", "--from", from)
            try LabHarness.eventually("web from \(from)", seconds: 20) {
                trace = try lab.portico("trace", "web", "--from", from)
                return trace.status == 0
            }
            let out = trace.stdout
            #expect(out.contains("rules of table ip portico the first packet matched (nft monitor trace):"), "\(from):\n\(trace.combined)")
            #expect(out.contains("dnat to 10.78."), "\(from):\n\(out)")
            #expect(out.contains("packets of this request counted by the trace rule: 0 → "), "\(from):\n\(out)")
            #expect(out.contains("endpoint  pod default/web-"), "\(from):\n\(out)")
            #expect(out.contains("✓ answered in "), "\(from):\n\(out)")
            if from == "internet" {
                #expect(out.contains("lb        ") && out.contains("this request → node-") && out.contains("source kept: 198.18."), "\(out)")
            }
            if from == "pod/client" { #expect(out.contains("dns       web → 10.79."), "\(out)") }
        }

        // Broken paths: where and why.
        let cases: [(args: [String], why: String)] = [
            (["noselect", "--from", "lan"], "endpoints: the selector app=noselect matches no pod in namespace default"),
            (["sick", "--from", "lan"], "Running but not ready: Readiness probe failed: dial tcp"),
            (["wrongport", "--from", "lan"], "targetPort 9999 is not a port the app serves"),
            (["onelocal", "--from", "lan", "--node", otherNode], "\(otherNode): externalTrafficPolicy is Local and \(otherNode) has no ready endpoint"),
            (["wanted", "--from", "internet"], "lb: EXTERNAL-IP is <pending>: the load-balancer controller says: Failed to allocate IP for \"default/wanted\": 192.0.2.7 is not in any pool"),
            (["ranged", "--from", "internet"], "lb: loadBalancerSourceRanges [10.0.0.0/8] does not contain the client 198.18."),
            (["web", "--from", "pod/other/probe", "--dns-name", "web"], "dns: the name web does not resolve from namespace other"),
        ]
        for (args, why) in cases {
            var trace = try lab.portico(["trace"] + args)
            try LabHarness.eventually("trace \(args.joined(separator: " ")) names the break", seconds: 20) {
                trace = try lab.portico(["trace"] + args)
                return trace.status == 1 && trace.stdout.contains(why)
            }
            #expect(trace.status == 1 && trace.stdout.contains("why:") && trace.stdout.contains(why), "\(args):\n\(trace.combined)")
        }
        // The source range is also what the kernel saw: the load balancer dropped it.
        let ranged = try lab.portico("trace", "ranged", "--from", "internet")
        #expect(ranged.stdout.contains("this request was dropped: frontend-") && ranged.stdout.contains("ip saddr != 10.0.0.0/8 drop"), "\(ranged.stdout)")
        // From the other namespace the qualified name works.
        #expect(try lab.portico("trace", "web", "--from", "pod/other/probe").status == 0)
    }
}
