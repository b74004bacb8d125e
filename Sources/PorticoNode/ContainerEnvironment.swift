import PorticoAPI
import PorticoImages
import PorticoSystem

/// A container's environment as the kubelet makes it: a default PATH and HOSTNAME, then
/// `envFrom` (ConfigMaps, with their prefix), then `env` in order (each value may use
/// `$(VAR)` of what came before it, or come from the pod's fields, a resource or a
/// ConfigMap key), then the Service variables nothing else defined. The same variables then
/// expand `$(VAR)` in the command and its arguments.
///
/// Everything it reads is given: the pod, the node's and pod's addresses, the Services, and
/// a way to read a ConfigMap, so that the rules are tested without a cluster. Secrets are
/// not served by Portico, so a reference to one fails the container's start.
struct ContainerEnvironment: Sendable {
    /// A ConfigMap of the pod's namespace by name, nil when there is none.
    typealias ConfigMapLookup = @Sendable (String) async throws -> ConfigMap?

    /// Where a program is found when the image says nothing (the kubelet's default).
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    var pod: Pod
    var nodeIP: String
    /// Empty before the pod has a sandbox.
    var podIP: String
    var services: [Service]
    var configMap: ConfigMapLookup

    /// The variables in the order the process gets them; the first failure (a missing
    /// ConfigMap or key that is not optional, a Secret, an unknown field) is thrown.
    func variables(for container: Container) async throws -> [(String, String)] {
        let serviceVariables = ServiceEnvironment.variables(for: self.pod, services: self.services)
        var lookup: [String: String] = [:]
        for (name, value) in serviceVariables { lookup[name] = value }
        var defined = try await self.fromSources(container.envFrom, lookup: &lookup)
        for variable in container.env {
            var value = ServiceEnvironment.expand(variable.value, lookup)
            if let source = variable.valueFrom { value = try await self.value(of: source) }
            defined[variable.name] = value
            lookup[variable.name] = value
        }
        var result: [(String, String)] = [("PATH", Self.defaultPath), ("HOSTNAME", PodFiles.hostname(self.pod))]
        // envFrom's variables sorted, then env's in their order (replacing a default), then Services.
        let definedOrder = container.env.map(\.name)
        for (name, value) in defined.sorted(by: { $0.key < $1.key }) where !definedOrder.contains(name) { result.append((name, value)) }
        for name in definedOrder {
            if let value = defined[name] {
                result.removeAll { $0.0 == name }
                result.append((name, value))
            }
        }
        for (name, value) in serviceVariables where defined[name] == nil { result.append((name, value)) }
        return result
    }

    /// `envFrom`: every key of each ConfigMap, with the source's prefix.
    func fromSources(_ sources: [JSON], lookup: inout [String: String]) async throws -> [String: String] {
        var defined: [String: String] = [:]
        for source in sources {
            let prefix = source["prefix"]?.stringValue ?? ""
            if let ref = source["configMapRef"] {
                let name = ref["name"]?.stringValue ?? ""
                guard let map = try await self.configMap(name) else {
                    if ref["optional"]?.boolValue == true { continue }
                    throw Shell.Failure(description: "configmap \"\(name)\" not found")
                }
                for (key, value) in map.data.sorted(by: { $0.key < $1.key }) {
                    defined[prefix + key] = value
                    lookup[prefix + key] = value
                }
            } else if source["secretRef"] != nil {
                throw Shell.Failure(description: "secrets are not served by Portico: envFrom.secretRef cannot be resolved")
            }
        }
        return defined
    }

    /// One `valueFrom`.
    func value(of source: EnvVarSource) async throws -> String {
        if let field = source.fieldRef {
            return try Self.field(field.fieldPath, of: self.pod, nodeIP: self.nodeIP, podIP: self.podIP)
        }
        if let ref = source.configMapKeyRef {
            guard let map = try await self.configMap(ref.name) else {
                if ref.optional == true { return "" }
                throw Shell.Failure(description: "configmap \"\(ref.name)\" not found")
            }
            guard let value = map.data[ref.key] else {
                if ref.optional == true { return "" }
                throw Shell.Failure(description: "couldn't find key \(ref.key) in ConfigMap \(self.pod.metadata.namespace)/\(ref.name)")
            }
            return value
        }
        if source.secretKeyRef != nil {
            throw Shell.Failure(description: "secrets are not served by Portico: secretKeyRef cannot be resolved")
        }
        // Containers have no resource limits here, so every resource reads as 0.
        if source.resourceFieldRef != nil { return "0" }
        return ""
    }

    /// The downward API's `fieldRef` paths.
    static func field(_ path: String, of pod: Pod, nodeIP: String, podIP: String) throws -> String {
        switch path {
        case "metadata.name": return pod.metadata.name
        case "metadata.namespace": return pod.metadata.namespace
        case "metadata.uid": return pod.metadata.uid
        case "spec.nodeName": return pod.spec.nodeName
        case "spec.serviceAccountName": return pod.spec.serviceAccountName
        case "status.hostIP", "status.hostIPs": return nodeIP
        case "status.podIP", "status.podIPs": return podIP
        default:
            for (prefix, map) in [("metadata.labels['", pod.metadata.labels), ("metadata.annotations['", pod.metadata.annotations)]
                where path.hasPrefix(prefix) && path.hasSuffix("']")
            {
                return map[String(path.dropFirst(prefix.count).dropLast(2))] ?? ""
            }
            throw Shell.Failure(description: "unsupported fieldPath: \(path)")
        }
    }

    /// The variables by name, a later one winning.
    static func lookup(_ variables: [(String, String)]) -> [String: String] {
        var lookup: [String: String] = [:]
        for (name, value) in variables { lookup[name] = value }
        return lookup
    }

    /// The argv to run: a built-in image runs `portico` with its arguments; `$(VAR)` expanded.
    static func program(_ launch: ImageCatalog.Launch, porticoPath: String, lookup: [String: String]) -> [String] {
        switch launch {
        case .portico(let arguments): return [porticoPath] + arguments.map { ServiceEnvironment.expand($0, lookup) }
        case .host(let argv): return argv.map { ServiceEnvironment.expand($0, lookup) }
        }
    }

    /// What the process gets besides its variables: where to leave a termination message,
    /// and for a built-in image that reads the API (the DNS add-on) the agent's kubeconfig.
    static func processEnvironment(_ lookup: [String: String], image: String, logDirectory: String, kubeconfig: String?) -> [String: String] {
        var environment = lookup
        environment["TERMINATION_MESSAGE_PATH"] = ContainerLaunch.terminationLog(in: logDirectory)
        if ImageCatalog.builtIn(image)?.readsTheAPI == true, let kubeconfig { environment["KUBECONFIG"] = kubeconfig }
        return environment
    }
}
