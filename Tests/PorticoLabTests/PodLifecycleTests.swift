import Foundation
import PorticoAPI
import PorticoTestSupport
import Testing

/// What the agent does with pods, on a one-node lab as root: restarts with back-off, probes,
/// graceful termination, phases, the service environment and images it cannot run. Part of
/// `LabTests`, so that no two labs are up at once (the other test compares the machine's
/// links and routes before and after).
extension LabTests {
    @Test func agentRunsPodsAsAKubeletDoes() throws {
        // Ranges of its own, so it can run beside the other lab test.
        let lab = try LabHarness(nodes: 1, extra: "lan: 10.77.7.0/24\nhostAddress: 10.77.7.254\npodCIDR: 10.78.{n}.0/24\nclusterCIDR: 10.78.0.0/16\nserviceCIDR: 10.79.0.0/16")
        defer { lab.tearDown() }
        let up = try lab.portico("up")
        #expect(up.status == 0, "portico up failed:\n\(up.combined)")
        guard up.status == 0 else { return }

        let manifests = """
            apiVersion: v1
            kind: Service
            metadata: {name: my-web}
            spec: {selector: {app: nothing}, ports: [{name: http, port: 80}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: crasher}
            spec:
              containers:
              - {name: c, image: debian, command: ["sh", "-c", "echo boom from $(hostname) $MY_WEB_SERVICE_PORT_HTTP; exit 3"]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: unhealthy}
            spec:
              containers:
              - name: c
                image: registry.k8s.io/e2e-test-images/agnhost:2.53
                args: ["pause"]
                livenessProbe: {exec: {command: ["false"]}, periodSeconds: 1, failureThreshold: 1}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: done}
            spec:
              restartPolicy: Never
              containers:
              - {name: c, image: debian, command: ["true"]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: stubborn}
            spec:
              terminationGracePeriodSeconds: 2
              containers:
              - {name: c, image: debian, command: ["sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: noimage}
            spec:
              containers:
              - {name: c, image: "nginx:1.27"}
            """
        // The Service first, so the pods see its variables.
        #expect(try lab.kubectl("apply", "-f", "-", input: manifests).status == 0)

        func pod(_ name: String) throws -> JSON { try lab.kubectlJSON("get", "pod", name) }
        func container(_ name: String) throws -> JSON? { try pod(name)["status"]?["containerStatuses"]?.arrayValue?.first }

        // A crashing container restarts, then backs off; its last run is kept.
        try LabHarness.eventually("crasher is in CrashLoopBackOff", seconds: 30) {
            try container("crasher")?["state"]?["waiting"]?["reason"]?.stringValue == "CrashLoopBackOff"
        }
        let crashed = try #require(try container("crasher"))
        #expect((crashed["restartCount"]?.intValue ?? 0) >= 1)
        #expect(crashed["lastState"]?["terminated"]?["exitCode"] == .integer(3))
        #expect(crashed["lastState"]?["terminated"]?["reason"] == .string("Error"))
        #expect(crashed["state"]?["waiting"]?["message"]?.stringValue?.hasPrefix("back-off 10s restarting failed container=c pod=crasher_default(") == true)
        let previous = try lab.kubectl("logs", "crasher", "--previous")
        #expect(previous.stdout == "boom from crasher 80\n", "\(previous.combined)")

        // A failing liveness probe restarts the container.
        try LabHarness.eventually("unhealthy was restarted", seconds: 30) {
            (try container("unhealthy")?["restartCount"]?.intValue ?? 0) >= 1
        }
        let events = try lab.kubectl("get", "events", "--field-selector", "involvedObject.name=unhealthy").stdout
        #expect(events.contains("Container c failed liveness probe, will be restarted"))

        // restartPolicy Never and exit 0: Succeeded.
        try LabHarness.eventually("done Succeeded") { try pod("done")["status"]?["phase"] == .string("Succeeded") }
        #expect(try container("done")?["state"]?["terminated"]?["reason"] == .string("Completed"))

        // An image neither built in nor given a command waits, saying why.
        let waiting = try #require(try container("noimage")?["state"]?["waiting"])
        #expect(waiting["reason"] == .string("ImageNotRunnable"))
        #expect(waiting["message"]?.stringValue?.contains("Portico runs no container images") == true)
        #expect(try lab.kubectl("get", "pod", "noimage", "--no-headers").stdout.contains("ImageNotRunnable"))

        // A container that ignores SIGTERM is killed at the end of its grace period, and the pod goes.
        try LabHarness.eventually("stubborn runs") { try pod("stubborn")["status"]?["phase"] == .string("Running") }
        let start = Date()
        #expect(try lab.kubectl("delete", "pod", "stubborn", "--wait=true", "--timeout=30s").status == 0)
        #expect(Date().timeIntervalSince(start) >= 2, "the pod went before its grace period")
        #expect(try lab.kubectl("get", "pod", "stubborn").status != 0)

        // Force-deleting the others leaves no process and no namespace of theirs behind.
        #expect(try lab.kubectl("delete", "pods", "--all", "--grace-period=0", "--force").status == 0)
        try LabHarness.eventually("no pod's namespace is left") {
            let names = try Command.run("ip", ["netns", "list"]).stdout.split(separator: "\n").map { String($0.split(separator: " ")[0]) }
            // The servers' places (with several servers) are not pods'.
            return names.filter { $0.hasPrefix(lab.name + "-") && !$0.hasPrefix(lab.name + "-server-") }.sorted()
                == ["\(lab.name)-internet", "\(lab.name)-lb", "\(lab.name)-node-1"]
        }
    }
}
