import Foundation
import PorticoAPI
import PorticoClient
import PorticoTestSupport
import Synchronization
import Testing

/// The lab with three API servers on three etcd members (root): creates from four writers
/// lose nothing and share no value while a server and then the etcd leader are killed, a
/// NodePort keeps answering throughout, the controllers move to another server, the
/// `kubernetes` endpoints drop a dead server, and a watch continues on another server.
extension LabTests {
    @Test func threeServersLoseNothingWhenOneDies() async throws {
        let lab = try LabHarness(extra: """
            servers: 3
            lan: 10.81.1.0/24
            hostAddress: 10.81.1.254
            lbAddress: 10.81.1.250
            podCIDR: 10.82.{n}.0/24
            clusterCIDR: 10.82.0.0/16
            serviceCIDR: 10.83.0.0/16
            """)
        defer { lab.tearDown() }
        let up = try lab.portico("up")
        #expect(up.status == 0, "portico up failed:\n\(up.combined)")
        guard up.status == 0 else { return }
        let ha = try HALab(lab)
        defer { ha.close() }

        // A NodePort Service in front of two pods, probed from the LAN (the host) every 100 ms.
        #expect(try lab.kubectl("create", "deployment", "web", "--image=registry.k8s.io/e2e-test-images/agnhost:2.53", "--replicas=2",
                                "--", "/agnhost", "netexec", "--http-port=8080").status == 0)
        #expect(try lab.kubectl("expose", "deployment", "web", "--port=80", "--target-port=8080", "--type=NodePort").status == 0)
        let nodePort = try #require(try lab.kubectlJSON("get", "service", "web")["spec"]?["ports"]?.arrayValue?.first?["nodePort"]?.intValue)
        let url = "http://10.81.1.1:\(nodePort)/hostname"
        try LabHarness.eventually("the NodePort answers") { try Command.run("curl", ["-sf", "--max-time", "2", url]).status == 0 }
        let prober = Prober(url: url)

        // A watch held by the server that will be killed first.
        let victim = "server-2"
        let watched = try await ha.startWatch(on: victim)

        // 1,000 creates from four writers; a server is killed after 250, the etcd leader after 550.
        let writes = try await ha.createServices(count: 1000, writers: 4, kills: [
            (250, "the API server of \(victim)", { try ha.kill(role: "server", place: victim) }),
            (550, "the etcd leader", { try ha.kill(role: "etcd", place: try ha.etcdLeader()) }),
        ])
        let probes = prober.stop()
        print("HA lab: \(writes.created.count) of 1000 creates answered 201, \(writes.failed) failed (the kills); NodePort probed \(probes.ok + probes.failed) times, \(probes.failed) unanswered")
        for failure in writes.failures.prefix(10) {
            print("HA lab: a create failed \(String(format: "%.2f", failure.at)) s after the first kill: \(failure.error.prefix(200))")
        }
        for kill in writes.recoveries {
            print("HA lab: after killing \(kill.what), a create sent after it succeeded within \(String(format: "%.2f", kill.seconds)) s"
                + (kill.lastFailedSent.map { "; the last create that failed was sent \(String(format: "%.2f", $0)) s after it" } ?? "; none sent after it failed"))
            #expect(kill.seconds <= 5, "creates did not succeed again within 5 s of killing \(kill.what)")
            #expect((kill.lastFailedSent ?? 0) <= 5, "creates sent more than 5 s after killing \(kill.what) still failed")
        }
        #expect(probes.failed == 0, "the NodePort did not answer \(probes.failed) of \(probes.ok + probes.failed) probes")

        // Every 201 is stored; no two Services share a cluster IP or a node port.
        let services = try await ha.client.list(Service.self, namespace: "load").items
        let stored = Dictionary(uniqueKeysWithValues: services.map { ($0.metadata.name, $0) })
        let missing = writes.created.keys.filter { stored[$0] == nil }
        #expect(missing.isEmpty, "created (201) but not stored: \(missing.sorted())")
        for (name, answer) in writes.created {
            #expect(stored[name]?.spec.clusterIP == answer.spec.clusterIP && stored[name]?.spec.ports == answer.spec.ports)
        }
        let all = try await ha.client.list(Service.self).items
        let ips = all.map(\.spec.clusterIP).filter { $0 != "None" && !$0.isEmpty }
        let ports = all.flatMap { $0.spec.ports.map(\.nodePort) }.filter { $0 != 0 }
        #expect(Set(ips).count == ips.count, "a cluster IP was handed out twice")
        #expect(Set(ports).count == ports.count, "a node port was handed out twice")

        // The watch went on on another server from its last resourceVersion: every configmap
        // written across the kill arrives once, in order.
        let (sent, received, uncertain) = try await watched.finish(on: "server-3")
        #expect(received.filter(Set(sent).contains) == sent, "the watch across the kill missed events or sent them out of order")
        #expect(Set(received).count == received.count, "the watch across the kill repeated events")
        #expect(Set(received).subtracting(sent).isSubset(of: uncertain), "the watch sent configmaps nobody created")
        print("HA lab: a watch on \(victim) went on on server-3: \(sent.count) configmaps created (and \(uncertain.count) whose answer was lost), "
            + "\(received.count) events received, \(Set(received).count) distinct")

        // The kubernetes endpoints drop the dead server; then the controllers' leader dies and
        // a Deployment scaled right after is realized by another server.
        let dropped = try await ha.waitUntilEndpointsDrop(victim)
        print("HA lab: the kubernetes endpoints dropped \(victim) \(String(format: "%.1f", dropped)) s after it was killed")
        #expect(dropped <= 17, "the dead server stayed in the kubernetes endpoints past its lease (15 s) and a reconcile")
        let leader = try await ha.controllerLeader()
        try ha.kill(role: "server", place: leader)
        let start = ContinuousClock.now
        #expect(try lab.kubectl("scale", "deployment", "web", "--replicas=4").status == 0)
        try LabHarness.eventually("another server leads the controllers", seconds: 40) {
            let holder = try lab.kubectlJSON("get", "lease", "-n", "kube-system", "kube-controller-manager")["spec"]?["holderIdentity"]?.stringValue ?? ""
            return !holder.contains(ha.addresses[leader] ?? leader)
        }
        print("HA lab: the controllers' lease moved \(String(format: "%.1f", (ContinuousClock.now - start) / .seconds(1))) s after \(leader) was killed")
        try LabHarness.eventually("4 ready replicas", seconds: 40) {
            try lab.kubectlJSON("get", "deployment", "web")["status"]?["readyReplicas"]?.intValue == 4
        }
        let realized = (ContinuousClock.now - start) / .seconds(1)
        print("HA lab: with the controllers' leader \(leader) killed, a scale to 4 was realized in \(String(format: "%.1f", realized)) s")
        #expect(realized <= 20)

        // A watch from a revision etcd has compacted: 410 Expired.
        #expect(try await ha.watchAfterCompactionIsExpired())
    }
}
