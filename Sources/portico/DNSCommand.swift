import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import NIOCore
import PorticoClient
import PorticoDNS
import PorticoSystem

/// `portico dns`: the cluster DNS server. The lab runs it as the kube-dns add-on (image
/// `portico.dev/dns`); it also runs on its own against any API server.
struct DNS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns",
        abstract: "Serve cluster DNS (Kubernetes DNS-Based Service Discovery 1.1.0) from the API, forwarding other names.")

    @Option(help: "The kubeconfig to read Services, EndpointSlices and Namespaces with (default: $KUBECONFIG).")
    var kubeconfig: String?

    @Flag(help: "Forward every name, answering none: a relay to the upstream resolvers (the lab's link to the host's).")
    var forwardOnly = false

    @Option(help: "Address to listen on (UDP and TCP).")
    var address = "0.0.0.0"

    @Option(help: "Port to listen on (UDP and TCP); 0 picks a free one.")
    var port = 53

    @Option(help: "The cluster domain.")
    var zone = "cluster.local"

    @Option(help: "TTL of the cluster's records, in seconds (0-3600).")
    var ttl = 5

    @Option(name: .customLong("upstream"), help: "A resolver for other names, ip[:port] (repeatable). Default: the nameservers of --resolv-conf.")
    var upstreams: [String] = []

    @Option(help: "Where the upstream resolvers are read from when no --upstream is given.")
    var resolvConf = "/etc/resolv.conf"

    @Option(help: "Port of /health (0: none).")
    var healthPort = 8080

    @Option(help: "Port of /ready, 200 once the caches have synced (0: none).")
    var readyPort = 8181

    func validate() throws {
        guard (0...3600).contains(self.ttl) else { throw ValidationError("--ttl must be between 0 and 3600 seconds, not \(self.ttl)") }
        guard (0...65535).contains(self.port) else { throw ValidationError("--port must be a port number (0-65535), not \(self.port)") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var options = ClusterDNS.Options()
        options.host = self.address
        options.port = self.port
        options.zone = self.zone
        options.ttl = UInt32(self.ttl)
        options.healthPort = self.healthPort == 0 ? nil : self.healthPort
        options.readyPort = self.readyPort == 0 ? nil : self.readyPort
        if self.upstreams.isEmpty {
            options.upstreams = Forwarder.upstreams(resolvConf: self.resolvConf)
        } else {
            options.upstreams = try self.upstreams.map { text in
                let (host, port) = Self.split(text)
                do { return try SocketAddress(ipAddress: host, port: port) } catch {
                    throw ValidationError("--upstream \(text): not an ip[:port]")
                }
            }
        }
        var logger = Logger(label: "portico-dns")
        logger.logLevel = .info
        if self.forwardOnly {
            let server = DNSServer(responder: DNSResponder(resolver: nil, records: ClusterRecords()),
                                   forwarder: Forwarder(upstreams: options.upstreams), logger: logger)
            let (relayOptions, relayLogger) = (options, logger)
            let relay = DNSService(server: server, host: options.host, port: options.port, logger: logger) { port in
                relayLogger.info("portico dns: relaying \(relayOptions.host):\(port) to \(relayOptions.upstreams.map(MiniHTTP.hostPort))")
            }
            try await Self.serve([relay], logger: logger)
            return
        }
        guard let path = self.kubeconfig ?? ProcessInfo.processInfo.environment["KUBECONFIG"] else {
            throw ValidationError("--kubeconfig is required (or KUBECONFIG in the environment), unless --forward-only")
        }
        let transport = try HTTPTransport(try Kubeconfig.load(path: path))
        let client = KubeClient(transport: transport, fieldManager: "portico-dns")
        try await Self.serve(try ClusterDNS(options: options, client: client, logger: logger).pieces(), logger: logger)
        try await transport.shutdown()
    }

    /// One ordered ServiceGroup for the process; SIGTERM and SIGINT stop it gracefully.
    static func serve(_ pieces: [any ServiceLifecycle.Service], logger: Logger) async throws {
        let group = ServiceGroup(configuration: .init(services: pieces, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// `1.2.3.4`, `1.2.3.4:5353`, `[fd00::1]:53`, `fd00::1`.
    static func split(_ text: String) -> (String, Int) {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            return (host, rest.hasPrefix(":") ? Int(rest.dropFirst()) ?? 53 : 53)
        }
        if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            return (String(text[..<colon]), Int(text[text.index(after: colon)...]) ?? 53)
        }
        return (text, 53)
    }
}
