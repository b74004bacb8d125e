import PorticoAPI
import PorticoImages
@testable import PorticoNode
import PorticoSystem
import Testing

/// A container's environment resolved with ConfigMaps given by the test: the kubelet's order,
/// `$(VAR)` expansion, the downward API, and what makes a start fail.
struct ContainerEnvironmentTests {
    static func pod() -> Pod {
        var pod = Pod(metadata: ObjectMeta(name: "web-1", namespace: "shop", labels: ["app": "web"]))
        pod.metadata.uid = "uid-1"
        pod.spec.nodeName = "node-1"
        return pod
    }

    static func environment(_ maps: [String: [String: String]] = [:]) -> ContainerEnvironment {
        var kubernetes = Service(metadata: ObjectMeta(name: "kubernetes", namespace: "default"))
        kubernetes.spec.clusterIP = "10.96.0.1"
        kubernetes.spec.ports = [ServicePort(name: "https", protocol: .tcp, port: 443)]
        return ContainerEnvironment(pod: Self.pod(), nodeIP: "10.10.10.1", podIP: "10.244.1.5", services: [kubernetes],
                                    configMap: { name in maps[name].map { ConfigMap(metadata: ObjectMeta(name: name, namespace: "shop"), data: $0) } })
    }

    static func failure(_ container: Container, _ maps: [String: [String: String]] = [:]) async -> String? {
        do {
            _ = try await Self.environment(maps).variables(for: container)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func variablesInTheKubeletsOrder() async throws {
        var container = Container(name: "app", env: [
            EnvVar(name: "GREETING", value: "hello $(WHO) from $(CFG_zone), $$(WHO) stays"),
            EnvVar(name: "WHO", value: "world"),
            EnvVar(name: "AGAIN", value: "$(WHO)!"),
            EnvVar(name: "POD_IP", valueFrom: EnvVarSource(fieldRef: ObjectFieldSelector(fieldPath: "status.podIP"))),
            EnvVar(name: "APP", valueFrom: EnvVarSource(fieldRef: ObjectFieldSelector(fieldPath: "metadata.labels['app']"))),
            EnvVar(name: "LEVEL", valueFrom: EnvVarSource(configMapKeyRef: KeySelector(name: "settings", key: "level"))),
            EnvVar(name: "KUBERNETES_SERVICE_HOST", value: "overridden"),
        ])
        container.envFrom = [["configMapRef": ["name": "settings"], "prefix": "CFG_"]]
        var limits = EnvVarSource()
        limits.resourceFieldRef = ["resource": "limits.memory"]
        container.env.append(EnvVar(name: "MEMORY", valueFrom: limits))
        let variables = try await Self.environment(["settings": ["zone": "eu", "level": "debug"]]).variables(for: container)
        #expect(variables.map(\.0) == [
            "PATH", "HOSTNAME",
            "CFG_level", "CFG_zone",
            "GREETING", "WHO", "AGAIN", "POD_IP", "APP", "LEVEL", "KUBERNETES_SERVICE_HOST", "MEMORY",
            "KUBERNETES_SERVICE_PORT", "KUBERNETES_SERVICE_PORT_HTTPS", "KUBERNETES_PORT",
            "KUBERNETES_PORT_443_TCP", "KUBERNETES_PORT_443_TCP_PROTO", "KUBERNETES_PORT_443_TCP_PORT", "KUBERNETES_PORT_443_TCP_ADDR",
        ])
        let values = Dictionary(variables, uniquingKeysWith: { a, _ in a })
        #expect(values["HOSTNAME"] == "web-1")
        // A reference to a variable defined later is left as written; envFrom's are there.
        #expect(values["GREETING"] == "hello $(WHO) from eu, $(WHO) stays")
        #expect(values["AGAIN"] == "world!")
        #expect(values["POD_IP"] == "10.244.1.5")
        #expect(values["APP"] == "web")
        #expect(values["LEVEL"] == "debug")
        #expect(values["KUBERNETES_SERVICE_HOST"] == "overridden")
        #expect(values["MEMORY"] == "0")
    }

    @Test func downwardAPIFields() throws {
        let pod = Self.pod()
        let field = { (path: String) in try ContainerEnvironment.field(path, of: pod, nodeIP: "10.10.10.1", podIP: "10.244.1.5") }
        #expect(try field("metadata.name") == "web-1")
        #expect(try field("metadata.namespace") == "shop")
        #expect(try field("metadata.uid") == "uid-1")
        #expect(try field("spec.nodeName") == "node-1")
        #expect(try field("status.hostIP") == "10.10.10.1")
        #expect(try field("status.podIPs") == "10.244.1.5")
        #expect(try field("metadata.labels['missing']") == "")
        #expect(throws: Shell.Failure.self) { try field("spec.containers[0].image") }
    }

    @Test func whatFailsTheStart() async {
        let missingMap = Container(name: "app", env: [EnvVar(name: "A", valueFrom: EnvVarSource(configMapKeyRef: KeySelector(name: "nope", key: "a")))])
        #expect(await Self.failure(missingMap) == "configmap \"nope\" not found")
        let missingKey = Container(name: "app", env: [EnvVar(name: "A", valueFrom: EnvVarSource(configMapKeyRef: KeySelector(name: "cfg", key: "a")))])
        #expect(await Self.failure(missingKey, ["cfg": [:]]) == "couldn't find key a in ConfigMap shop/cfg")
        let optional = Container(name: "app", env: [EnvVar(name: "A", valueFrom: EnvVarSource(configMapKeyRef: KeySelector(name: "nope", key: "a", optional: true)))])
        #expect(await Self.failure(optional) == nil)
        var secret = EnvVarSource()
        secret.secretKeyRef = KeySelector(name: "s", key: "k")
        #expect(await Self.failure(Container(name: "app", env: [EnvVar(name: "A", valueFrom: secret)]))
            == "secrets are not served by Portico: secretKeyRef cannot be resolved")
        var fromSecret = Container(name: "app")
        fromSecret.envFrom = [["secretRef": ["name": "s"]]]
        #expect(await Self.failure(fromSecret) == "secrets are not served by Portico: envFrom.secretRef cannot be resolved")
        var fromMissing = Container(name: "app")
        fromMissing.envFrom = [["configMapRef": ["name": "nope", "optional": true]]]
        #expect(await Self.failure(fromMissing) == nil)
        fromMissing.envFrom = [["configMapRef": ["name": "nope"]]]
        #expect(await Self.failure(fromMissing) == "configmap \"nope\" not found")
    }

    @Test func theProgramAndTheProcessEnvironment() {
        let lookup = ["PORT": "8080", "NAME": "x"]
        #expect(ContainerEnvironment.program(.portico(["agnhost", "netexec", "--http-port=$(PORT)"]), porticoPath: "/usr/bin/portico", lookup: lookup)
            == ["/usr/bin/portico", "agnhost", "netexec", "--http-port=8080"])
        #expect(ContainerEnvironment.program(.host(["sh", "-c", "echo $(NAME) $(OTHER)"]), porticoPath: "/usr/bin/portico", lookup: lookup)
            == ["sh", "-c", "echo x $(OTHER)"])
        // A later variable of the same name wins.
        #expect(ContainerEnvironment.lookup([("A", "1"), ("A", "2")]) == ["A": "2"])
        let plain = ContainerEnvironment.processEnvironment(lookup, image: "registry.k8s.io/pause:3.10", logDirectory: "/pods/p/app", kubeconfig: "/etc/kubeconfig")
        #expect(plain["TERMINATION_MESSAGE_PATH"] == "/pods/p/app/termination-log")
        #expect(plain["KUBECONFIG"] == nil)
        let dns = ContainerEnvironment.processEnvironment(lookup, image: ImageCatalog.dnsImage, logDirectory: "/pods/p/dns", kubeconfig: "/etc/kubeconfig")
        #expect(dns["KUBECONFIG"] == "/etc/kubeconfig")
        #expect(dns["PORT"] == "8080")
    }
}
