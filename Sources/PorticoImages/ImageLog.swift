import Foundation

/// Log lines as Go's `log` package writes them (`2026/11/25 17:00:00 message` to stderr),
/// and termination signals turned into a callback.
public enum ImageLog {
    public static func log(_ message: String) {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy/MM/dd HH:mm:ss"
        FileHandle.standardError.write(Data("\(formatter.string(from: Date())) \(message)\n".utf8))
    }

    /// Ends the process from any thread. exit() from a dispatch or event-loop thread runs
    /// libdispatch's thread cleanup and crashes; the built-in programs have nothing to flush.
    public static func exitNow(_ code: Int32) -> Never {
        _exit(code)
    }

    /// Calls `handler` with SIGTERM or SIGINT when one arrives (from a dispatch queue).
    public static func trapTermination(_ handler: @escaping @Sendable (Int32) -> Void) {
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { handler(sig) }
            source.resume()
            self.sources.keep(source)
        }
    }

    /// Dispatch sources live as long as they are referenced.
    final class Sources: @unchecked Sendable {
        let lock = NSLock()
        var list: [any DispatchSourceSignal] = []
        func keep(_ source: any DispatchSourceSignal) { self.lock.withLock { self.list.append(source) } }
    }

    static let sources = Sources()
}
