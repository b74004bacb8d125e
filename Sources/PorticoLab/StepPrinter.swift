import Foundation

/// Prints the steps of a long command as kind does: each as it starts, then ✓ (or ✗) with
/// the time it took, and the total at the end.
public final class StepPrinter: @unchecked Sendable {
    let started = ContinuousClock.now
    let interactive = isatty(STDOUT_FILENO) == 1
    let quiet: Bool

    public init(quiet: Bool = false) {
        self.quiet = quiet
    }

    public func say(_ line: String) {
        guard !self.quiet else { return }
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Runs one step, printing it before and after.
    @discardableResult
    public func step<T>(_ title: String, _ body: () async throws -> T) async throws -> T {
        let begin = ContinuousClock.now
        if !self.quiet {
            FileHandle.standardOutput.write(Data((self.interactive ? " • \(title) ..." : " • \(title) ...\n").utf8))
        }
        do {
            let result = try await body()
            self.finish("✓", title, since: begin)
            return result
        } catch {
            self.finish("✗", title, since: begin)
            throw error
        }
    }

    func finish(_ mark: String, _ title: String, since begin: ContinuousClock.Instant) {
        guard !self.quiet else { return }
        let line = " \(mark) \(title) (\(Self.format(ContinuousClock.now - begin)))\n"
        FileHandle.standardOutput.write(Data(((self.interactive ? "\r\u{1B}[K" : "") + line).utf8))
    }

    public var elapsed: Duration { ContinuousClock.now - self.started }

    public static func format(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return seconds < 10 ? String(format: "%.2fs", seconds) : String(format: "%.1fs", seconds)
    }
}
