import Foundation
import PorticoAPI

/// The files the agent writes for a pod and bind-mounts into its containers: the
/// kubelet-managed /etc/hosts and the /etc/resolv.conf its dnsPolicy asks for.
enum PodFiles {
    /// The pod's hostname: spec.hostname, else its name, cut to 63 characters.
    static func hostname(_ pod: Pod) -> String {
        let name = pod.spec.hostname.isEmpty ? pod.metadata.name : pod.spec.hostname
        guard name.count > 63 else { return name }
        var cut = String(name.prefix(63))
        while cut.hasSuffix("-") || cut.hasSuffix(".") { cut.removeLast() }
        return cut
    }

    static func hosts(_ pod: Pod, ip: String, clusterDomain: String) -> String {
        let hostname = self.hostname(pod)
        var text = """
            # Kubernetes-managed hosts file.
            127.0.0.1\tlocalhost
            ::1\tlocalhost ip6-localhost ip6-loopback
            fe00::0\tip6-localnet
            fe00::0\tip6-mcastprefix
            fe00::1\tip6-allnodes
            fe00::2\tip6-allrouters

            """
        if !pod.spec.subdomain.isEmpty {
            text += "\(ip)\t\(hostname).\(pod.spec.subdomain).\(pod.metadata.namespace).svc.\(clusterDomain)\t\(hostname)\n"
        } else {
            text += "\(ip)\t\(hostname)\n"
        }
        for alias in pod.spec.hostAliases {
            guard let aliasIP = alias["ip"]?.stringValue else { continue }
            let names = alias["hostnames"]?.arrayValue?.compactMap(\.stringValue) ?? []
            text += "\n# Entries added by HostAliases.\n\(aliasIP)\t\(names.joined(separator: "\t"))\n"
        }
        return text
    }

    struct Resolver: Equatable {
        var nameservers: [String] = []
        var searches: [String] = []
        var options: [String] = []

        var text: String {
            var lines: [String] = []
            if !self.searches.isEmpty { lines.append("search " + self.searches.joined(separator: " ")) }
            lines += self.nameservers.map { "nameserver \($0)" }
            if !self.options.isEmpty { lines.append("options " + self.options.joined(separator: " ")) }
            return lines.joined(separator: "\n") + "\n"
        }

        static func parse(_ text: String) -> Resolver {
            var resolver = Resolver()
            for line in text.split(separator: "\n") {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                guard let first = words.first, !first.hasPrefix("#"), !first.hasPrefix(";") else { continue }
                switch first {
                case "nameserver": resolver.nameservers += words.dropFirst()
                case "search", "domain": resolver.searches = Array(words.dropFirst())
                case "options": resolver.options += words.dropFirst()
                default: break
                }
            }
            return resolver
        }
    }

    /// Upstream's dns configurer: ClusterFirst points at the cluster DNS with the
    /// namespace's search path and ndots:5; Default copies the node's; None takes dnsConfig
    /// alone; dnsConfig is merged into the others. Without a cluster DNS, ClusterFirst falls
    /// back to Default (and says so, as the kubelet does).
    static func resolver(_ pod: Pod, clusterDNS: [String], clusterDomain: String, host: Resolver) -> (Resolver, fellBack: Bool) {
        var resolver = Resolver()
        var fellBack = false
        var policy = pod.spec.dnsPolicy
        if policy == .clusterFirstWithHostNet { policy = .clusterFirst }
        if policy == .clusterFirst, clusterDNS.isEmpty {
            policy = .default
            fellBack = true
        }
        switch policy {
        case .clusterFirst, "":
            resolver.nameservers = clusterDNS
            resolver.searches = ["\(pod.metadata.namespace).svc.\(clusterDomain)", "svc.\(clusterDomain)", clusterDomain] + host.searches
            resolver.options = ["ndots:5"]
        case .none:
            break
        default:
            resolver = host
        }
        if let config = pod.spec.dnsConfig {
            for server in config.nameservers where !resolver.nameservers.contains(server) { resolver.nameservers.append(server) }
            for search in config.searches where !resolver.searches.contains(search) { resolver.searches.append(search) }
            for option in config.options {
                let text = option.value.map { "\(option.name):\($0)" } ?? option.name
                resolver.options.removeAll { $0 == option.name || $0.hasPrefix(option.name + ":") }
                resolver.options.append(text)
            }
        }
        // glibc reads at most 3 nameservers and 6 search domains (upstream trims the same way).
        resolver.nameservers = Array(resolver.nameservers.prefix(3))
        resolver.searches = Array(resolver.searches.prefix(32))
        return (resolver, fellBack)
    }
}
