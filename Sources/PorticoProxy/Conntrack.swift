import PorticoSystem
import Synchronization

/// Removes conntrack entries of UDP flows whose endpoint is gone, so they do not keep
/// sending to it (TCP notices by itself; UDP would not).
public protocol ConntrackCleaner: Sendable {
    /// Entries to `destination` (any, if nil) on `port` whose reply comes from `endpoint`.
    func deleteUDP(destination: String?, port: Int32, endpoint: String) async
}

public struct ConntrackCommand: ConntrackCleaner {
    public init() {}

    public func deleteUDP(destination: String?, port: Int32, endpoint: String) async {
        var arguments = ["-D", "-p", "udp"]
        if let destination { arguments += ["--orig-dst", destination] }
        arguments += ["--orig-port-dst", String(port), "--reply-src", endpoint]
        // Exit status 1 means there was nothing to delete.
        _ = try? await Shell.run("conntrack", arguments, allowFailure: true)
    }
}

/// A `ConntrackCleaner` for tests: keeps what would have been deleted, in order.
public final class ConntrackRecorder: ConntrackCleaner {
    public struct Deletion: Sendable, Equatable {
        public var destination: String?
        public var port: Int32
        public var endpoint: String

        public init(destination: String?, port: Int32, endpoint: String) {
            self.destination = destination
            self.port = port
            self.endpoint = endpoint
        }
    }

    let recorded = Mutex<[Deletion]>([])

    public init() {}

    public func deleteUDP(destination: String?, port: Int32, endpoint: String) async {
        self.recorded.withLock { $0.append(Deletion(destination: destination, port: port, endpoint: endpoint)) }
    }

    public var deletions: [Deletion] { self.recorded.withLock { $0 } }
}
