import PorticoAPI
import PorticoClient

/// What `portico reach` and `portico trace` look up about the Service they are asked about.
public enum LabLookup {
    /// The Service and the port to send to (by name or number; default its first), or why
    /// there is nothing to send to: shared by reach and trace.
    static func servicePort(client: KubeClient, namespace: String, name: String, port portName: String?,
                            tool: String) async throws -> (Service, ServicePort) {
        guard let service = try await client.get(Service.self, namespace: namespace, name: name) else {
            throw LabError("services \"\(name)\" not found in namespace \"\(namespace)\"")
        }
        if service.spec.type == .externalName {
            throw LabError("service \(namespace)/\(name) is an ExternalName Service (a DNS alias for \(service.spec.externalName)): it has no address to send to")
        }
        guard !service.spec.ports.isEmpty else { throw LabError("service \(namespace)/\(name) has no ports") }
        guard let portName else { return try self.checked(service, service.spec.ports[0], tool: tool) }
        guard let found = service.spec.ports.first(where: { $0.name == portName || String($0.port) == portName }) else {
            let known = service.spec.ports.map { $0.name.isEmpty ? String($0.port) : "\($0.name) (\($0.port))" }.joined(separator: ", ")
            throw LabError("service \(namespace)/\(name) has no port \(GoQuote.quote(portName)): it has \(known)")
        }
        return try self.checked(service, found, tool: tool)
    }

    static func checked(_ service: Service, _ port: ServicePort, tool: String) throws -> (Service, ServicePort) {
        if port.protocol == .sctp { throw LabError("port \(port.port)/SCTP: portico \(tool) sends TCP and UDP requests only") }
        return (service, port)
    }

    /// `web`, `svc/web` and `service/web` all name the Service web.
    public static func serviceName(_ argument: String) -> String {
        for prefix in ["svc/", "service/", "services/"] where argument.hasPrefix(prefix) { return String(argument.dropFirst(prefix.count)) }
        return argument
    }
}
