import PorticoAPI

/// What runs for a container, without a container runtime: the images Portico has built in
/// run Portico's own programs; any other image runs the container's `command` as a program
/// of the host, inside the pod's namespaces.
public enum ImageCatalog {
    public enum BuiltIn: String, Sendable {
        /// registry.k8s.io/e2e-test-images/agnhost: ENTRYPOINT ["/agnhost"], CMD ["pause"].
        case agnhost
        /// registry.k8s.io/pause: ENTRYPOINT ["/pause"].
        case pause
        /// portico.dev/dns: Portico's cluster DNS server (`portico dns`), the kube-dns add-on.
        case dns

        /// Programs that read the API get the node's credentials (`KUBECONFIG`): Portico has
        /// no service accounts to give them their own.
        public var readsTheAPI: Bool { self == .dns }
    }

    /// The image of Portico's cluster DNS add-on.
    public static let dnsImage = "portico.dev/dns:\(PorticoVersion.portico)"

    /// How to start a container: the program and its arguments, before the launcher's own.
    public enum Launch: Sendable, Equatable {
        /// `portico <arguments...>`: a built-in program.
        case portico([String])
        /// A host program, looked up on PATH.
        case host([String])
    }

    public struct NotRunnable: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The image's repository without registry mirrors, tag or digest: `agnhost`, `pause`.
    public static func builtIn(_ image: String) -> BuiltIn? {
        var reference = image
        if let at = reference.firstIndex(of: "@") { reference = String(reference[..<at]) }
        let slash = reference.lastIndex(of: "/")
        if let colon = reference.lastIndex(of: ":"), slash.map({ colon > $0 }) ?? true { reference = String(reference[..<colon]) }
        let repository = reference.split(separator: "/").map(String.init)
        guard let last = repository.last else { return nil }
        switch last {
        case "agnhost": return repository.contains("e2e-test-images") || repository.count == 1 ? .agnhost : nil
        case "pause": return .pause
        case "dns": return repository.first == "portico.dev" ? .dns : nil
        default: return nil
        }
    }

    /// Kubernetes' rule for the argv (command replaces ENTRYPOINT, args replace CMD), then
    /// where that argv's program comes from.
    public static func launch(image: String, command: [String], args: [String]) -> Result<Launch, NotRunnable> {
        let builtIn = self.builtIn(image)
        var argv: [String]
        switch builtIn {
        case .agnhost:
            argv = command.isEmpty ? ["/agnhost"] + (args.isEmpty ? ["pause"] : args) : command + args
        case .pause:
            argv = command.isEmpty ? ["/pause"] + args : command + args
        case .dns:
            argv = command.isEmpty ? ["/portico-dns"] + args : command + args
        case nil:
            guard !command.isEmpty else {
                return .failure(NotRunnable(description:
                    "image \(image) is not built into Portico and the container gives no command: Portico runs no container images; set `command` to a program of the host, or use one of the built-in images (registry.k8s.io/e2e-test-images/agnhost, registry.k8s.io/pause, portico.dev/dns)"))
            }
            argv = command + args
        }
        switch (builtIn, argv[0]) {
        case (.agnhost, "/agnhost"), (.agnhost, "agnhost"), (.agnhost, "/agnhost-2"):
            return .success(.portico(["agnhost"] + argv.dropFirst()))
        case (.pause, "/pause"), (.pause, "pause"):
            return .success(.portico(["pause"] + argv.dropFirst()))
        case (.dns, "/portico-dns"), (.dns, "portico-dns"):
            return .success(.portico(["dns"] + argv.dropFirst()))
        default:
            return .success(.host(argv))
        }
    }
}
