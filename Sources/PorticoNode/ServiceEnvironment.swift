import PorticoAPI

/// The environment a kubelet gives every container (upstream's envvars.go): for each Service
/// with a cluster IP in the pod's namespace (when enableServiceLinks), and always for
/// `default/kubernetes`, `NAME_SERVICE_HOST`, `NAME_SERVICE_PORT[_PORTNAME]` and the Docker
/// link variables `NAME_PORT`, `NAME_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR]`.
public enum ServiceEnvironment {
    public static func variables(for pod: Pod, services: [Service]) -> [(String, String)] {
        var chosen: [String: Service] = [:]
        for service in services where service.metadata.namespace == "default" && service.metadata.name == "kubernetes" {
            chosen[service.metadata.name] = service
        }
        if pod.spec.enableServiceLinks ?? true {
            for service in services where service.metadata.namespace == pod.metadata.namespace {
                chosen[service.metadata.name] = service
            }
        }
        var result: [(String, String)] = []
        for name in chosen.keys.sorted() {
            let service = chosen[name]!
            let ip = service.spec.clusterIP
            guard !ip.isEmpty, ip != "None", service.spec.type != .externalName else { continue }
            result += self.variables(for: service)
        }
        return result
    }

    static func variables(for service: Service) -> [(String, String)] {
        let name = self.variableName(service.metadata.name)
        let ip = service.spec.clusterIP
        var result: [(String, String)] = [("\(name)_SERVICE_HOST", ip)]
        guard let first = service.spec.ports.first else { return result }
        result.append(("\(name)_SERVICE_PORT", String(first.port)))
        for port in service.spec.ports where !port.name.isEmpty {
            result.append(("\(name)_SERVICE_PORT_\(self.variableName(port.name))", String(port.port)))
        }
        let hostPort = { (port: Int32) in ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)" }
        let proto = { (port: ServicePort) in port.protocol.isZeroValue ? "TCP" : port.protocol.rawValue }
        result.append(("\(name)_PORT", "\(proto(first).lowercased())://\(hostPort(first.port))"))
        for port in service.spec.ports {
            let p = proto(port)
            let prefix = "\(name)_PORT_\(port.port)_\(p.uppercased())"
            result.append((prefix, "\(p.lowercased())://\(hostPort(port.port))"))
            result.append(("\(prefix)_PROTO", p.lowercased()))
            result.append(("\(prefix)_PORT", String(port.port)))
            result.append(("\(prefix)_ADDR", ip))
        }
        return result
    }

    /// `my-service` → `MY_SERVICE` (dots are kept, as upstream keeps them).
    static func variableName(_ name: String) -> String {
        name.replacingOccurrences(of: "-", with: "_").uppercased()
    }

    /// Kubernetes' `$(VAR)` expansion in env values, command and args: a defined variable is
    /// replaced, `$$` is a literal `$`, anything else is left as written.
    public static func expand(_ text: String, _ lookup: [String: String]) -> String {
        guard text.contains("$") else { return text }
        var out = ""
        var chars = Array(text)[...]
        while let c = chars.first {
            chars = chars.dropFirst()
            guard c == "$", let next = chars.first else {
                out.append(c)
                continue
            }
            if next == "$" {
                out.append("$")
                chars = chars.dropFirst()
            } else if next == "(", let close = chars.firstIndex(of: ")") {
                let name = String(chars[chars.index(after: chars.startIndex)..<close])
                if let value = lookup[name] {
                    out += value
                } else {
                    out += "$(" + name + ")"
                }
                chars = chars[chars.index(after: close)...]
            } else {
                out.append(c)
            }
        }
        return out
    }
}
