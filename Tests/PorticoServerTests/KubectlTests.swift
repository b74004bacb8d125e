import Foundation
import PorticoAPI
import Testing

let seedServices = """
    apiVersion: v1
    kind: Namespace
    metadata:
      name: mynamespace
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: myservice
      namespace: default
    spec:
      selector:
        app: web
      ports:
      - port: 80
        targetPort: 8080
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: mynodeportservice
      namespace: mynamespace
    spec:
      type: NodePort
      selector:
        app: web
      ports:
      - port: 80
        targetPort: 8080
        nodePort: 31852
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: mylbservice
      namespace: default
    spec:
      type: LoadBalancer
      selector:
        app: web
      ports:
      - port: 80
        targetPort: 8080
        nodePort: 30222

    """

/// The real kubectl against a real `portico server` process, with only KUBECONFIG set.
@Suite("kubectl", .serialized) struct KubectlTests {
    /// The columns of `kubectl get` output, by row.
    func rows(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
    }

    @Test func theSeedsServicesAsOnARealCluster() throws {
        let s = try ServerProcess()
        let seed = try s.write("seed.yaml", seedServices)
        let apply = try s.kubectl("apply", "-f", seed)
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout == "namespace/mynamespace created\nservice/myservice created\nservice/mynodeportservice created\nservice/mylbservice created\n")

        let get = try s.kubectl("get", "svc", "-A")
        let table = self.rows(get.stdout)
        #expect(table.first == ["NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"])
        let byName = Dictionary(uniqueKeysWithValues: table.dropFirst().map { ($0[1], $0) })
        #expect(byName["kubernetes"]?[3] == "10.96.0.1")
        #expect(byName["mynodeportservice"]?[2] == "NodePort")
        #expect(byName["mynodeportservice"]?[5] == "80:31852/TCP")
        #expect(byName["mylbservice"]?[4] == "<pending>")
        #expect(byName["mylbservice"]?[5] == "80:30222/TCP")
        #expect(byName["myservice"]?[4] == "<none>" && byName["myservice"]?[5] == "80/TCP")
        for row in table.dropFirst() { #expect(IPNetwork("10.96.0.0/12")!.contains(IPAddress(row[3])!)) }

        let wide = self.rows(try s.kubectl("get", "svc", "-o", "wide").stdout)
        #expect(wide.first?.last == "SELECTOR")
        #expect(wide.first { $0.first == "myservice" }?.last == "app=web")
        let yaml = try s.kubectl("get", "svc", "mynodeportservice", "-n", "mynamespace", "-o", "yaml").stdout
        #expect(yaml.contains("nodePort: 31852\n") && yaml.contains("  type: NodePort\n") && yaml.contains("kind: Service\n"))
        let jsonpath = try s.kubectl("get", "svc", "mynodeportservice", "-n", "mynamespace", "-o", "jsonpath={.spec.ports[0].nodePort}")
        #expect(jsonpath.stdout == "31852")
        let all = try s.kubectl("get", "all", "-A").stdout
        #expect(all.contains("service/mynodeportservice") && all.contains("service/kubernetes"))

        // Apply again: unchanged. A changed targetPort: configured, and the nodePort stays.
        #expect(try s.kubectl("apply", "-f", seed).stdout.contains("service/mynodeportservice unchanged"))
        let changed = try s.write("changed.yaml", seedServices.replacingOccurrences(of: "targetPort: 8080", with: "targetPort: 9090"))
        #expect(try s.kubectl("apply", "-f", changed).stdout.contains("service/mynodeportservice configured"))
        #expect(try s.kubectl("get", "svc", "mynodeportservice", "-n", "mynamespace", "-o",
                              "jsonpath={.spec.ports[0].nodePort} {.spec.ports[0].targetPort}").stdout == "31852 9090")
        // A NodePort Service whose nodePort was allocated: a changed port keeps it.
        let auto = "apiVersion: v1\nkind: Service\nmetadata:\n  name: auto\nspec:\n  type: NodePort\n  ports:\n  - name: http\n    port: 80\n"
        _ = try s.kubectl("apply", "-f", try s.write("auto.yaml", auto))
        let allocated = try s.kubectl("get", "svc", "auto", "-o", "jsonpath={.spec.ports[0].nodePort}").stdout
        let moved = try s.kubectl("apply", "-f", try s.write("auto2.yaml", auto.replacingOccurrences(of: "port: 80", with: "port: 8080")))
        #expect(moved.stdout == "service/auto configured\n", "\(moved.stderr)")
        #expect(try s.kubectl("get", "svc", "auto", "-o", "jsonpath={.spec.ports[0].port} {.spec.ports[0].nodePort}").stdout == "8080 \(allocated)")
        let serverSide = try s.kubectl("apply", "--server-side", "-f", changed)
        #expect(serverSide.status == 0, "\(serverSide.stderr)")
        #expect(serverSide.stdout.contains("service/mynodeportservice serverside-applied"))
    }

    @Test func patchEditLabelAnnotateDescribeExplain() throws {
        let s = try ServerProcess()
        _ = try s.kubectl("apply", "-f", try s.write("seed.yaml", seedServices))
        #expect(try s.kubectl("patch", "svc", "myservice", "-p", #"{"spec":{"ports":[{"port":80,"targetPort":7070}]}}"#).stdout
            == "service/myservice patched\n")
        #expect(try s.kubectl("patch", "svc", "myservice", "--type=merge", "-p", #"{"metadata":{"labels":{"m":"1"}}}"#).status == 0)
        #expect(try s.kubectl("patch", "svc", "myservice", "--type=json", "-p",
                              #"[{"op":"replace","path":"/spec/sessionAffinity","value":"ClientIP"}]"#).status == 0)
        #expect(try s.kubectl("get", "svc", "myservice", "-o", "jsonpath={.spec.ports[0].targetPort} {.metadata.labels.m} {.spec.sessionAffinityConfig.clientIP.timeoutSeconds}").stdout
            == "7070 1 10800")
        let editor = try s.write("editor.sh", "#!/bin/sh\nsed -i 's/targetPort: 7070/targetPort: 6060/' \"$1\"\n")
        chmod(editor, 0o755)
        let edit = try s.kubectl("edit", "svc", "myservice", environment: ["EDITOR": editor])
        #expect(edit.stdout == "service/myservice edited\n", "\(edit.stderr)")
        #expect(try s.kubectl("label", "svc", "myservice", "tier=front").stdout == "service/myservice labeled\n")
        #expect(try s.kubectl("annotate", "svc", "myservice", "note=hello").stdout == "service/myservice annotated\n")
        #expect(try s.kubectl("get", "svc", "myservice", "-o", "jsonpath={.spec.ports[0].targetPort} {.metadata.labels.tier} {.metadata.annotations.note}").stdout
            == "6060 front hello")
        let describe = try s.kubectl("describe", "svc", "mynodeportservice", "-n", "mynamespace").stdout
        #expect(describe.contains("Type:                     NodePort"))
        #expect(describe.contains("NodePort:                 <unset>  31852/TCP"))
        // Typed clients send protobuf.
        #expect(try s.kubectl("create", "service", "nodeport", "x", "--tcp=80:8080").stdout == "service/x created\n")
        let x = self.rows(try s.kubectl("get", "svc", "x").stdout)
        #expect(x.last?[1] == "NodePort" && x.last?[4].hasPrefix("80:") == true && x.last?[4].hasSuffix("/TCP") == true)
        #expect(try s.kubectl("get", "svc", "x", "-o", "jsonpath={.spec.ports[0].targetPort} {.spec.selector.app}").stdout == "8080 x")
        #expect(try s.kubectl("create", "namespace", "made-by-kubectl").stdout == "namespace/made-by-kubectl created\n")
        let explain = try s.kubectl("explain", "service.spec.ports")
        #expect(explain.status == 0, "\(explain.stderr)")
        #expect(explain.stdout.contains("FIELD: ports <[]ServicePort>") && explain.stdout.contains("nodePort\t<integer>"))
    }

    @Test func watchWaitAndDelete() throws {
        let s = try ServerProcess()
        _ = try s.kubectl("apply", "-f", try s.write("seed.yaml", seedServices))
        let watcher = Process()
        watcher.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        watcher.arguments = ["kubectl", "get", "svc", "-w", "--request-timeout=20s"]
        watcher.environment = ["KUBECONFIG": s.kubeconfig, "HOME": s.directory + "/home", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? ""]
        let pipe = Pipe()
        watcher.standardOutput = pipe
        try watcher.run()
        Thread.sleep(forTimeInterval: 1.5)
        _ = try s.kubectl("create", "-f", try s.write("late.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: late\nspec:\n  ports:\n  - port: 81\n"))
        Thread.sleep(forTimeInterval: 1.5)
        watcher.terminate()
        watcher.waitUntilExit()
        let watched = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(watched.contains("\nlate "), "the watch printed: \(watched)")

        let wait = try s.kubectl("wait", "--for=jsonpath={.spec.type}=ClusterIP", "svc/late", "--timeout=10s")
        #expect(wait.stdout == "service/late condition met\n", "\(wait.stderr)")

        let ip = try s.kubectl("get", "svc", "mylbservice", "-o", "jsonpath={.spec.clusterIP}").stdout
        #expect(try s.kubectl("delete", "svc", "mylbservice").stdout == "service \"mylbservice\" deleted\n")
        // The address and the node port are free again, and can be asked for.
        let again = try s.write("again.yaml", """
            apiVersion: v1
            kind: Service
            metadata:
              name: again
            spec:
              type: NodePort
              clusterIP: \(ip)
              ports:
              - port: 80
                nodePort: 30222

            """)
        let recreated = try s.kubectl("create", "-f", again)
        #expect(recreated.status == 0, "\(recreated.stderr)")
        #expect(try s.kubectl("get", "svc", "again", "-o", "jsonpath={.spec.clusterIP} {.spec.ports[0].nodePort}").stdout == "\(ip) 30222")
    }

    @Test func authentication() throws {
        let s = try ServerProcess()
        let config = try String(contentsOfFile: s.kubeconfig, encoding: .utf8)
        let badToken = try s.write("bad.kubeconfig", config.replacingOccurrences(
            of: "token: ", with: "token: wrong"))
        let refused = try s.kubectl("get", "svc", "--kubeconfig", badToken)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("error: You must be logged in to the server"), "\(refused.stderr)")
        let anonymous = try s.run("curl", ["-s", "-k", "https://127.0.0.1:\(s.port)/api/v1/services"])
        #expect(anonymous.stdout.contains("\"code\":401"), "\(anonymous.stdout)")
        #expect(try s.kubectl("get", "ns", "default").status == 0)
    }
}
