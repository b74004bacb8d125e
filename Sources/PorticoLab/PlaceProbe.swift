import Foundation
import PorticoSystem

/// Runs `portico probe` in a place of the lab, through the place's command words: one
/// process, every target at once, each outcome with the local port its request left from.
/// `reach` runs one per row of its matrix; `trace` one for the request and one per node for
/// the endpoints' own ports.
struct PlaceProbe: Sendable {
    let porticoPath: String
    let timeout: Double

    func run(prefix: [String], targets: [ConnectProbe.Target]) async throws -> [(outcome: ConnectProbe.Outcome, localPort: Int)] {
        guard !targets.isEmpty else { return [] }
        let words = prefix + [self.porticoPath, "probe", "--timeout", String(self.timeout)] + targets.map(\.description)
        let run = try await Shell.run(words[0], Array(words.dropFirst()), allowFailure: true)
        let lines = run.output.split(separator: "\n")
        guard run.status == 0, lines.count == targets.count else {
            throw LabError("probing from \(prefix.joined(separator: " ")) failed: \(run.output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        // `<target> <local port> <outcome>`, as `portico probe` prints them.
        return lines.map { line in
            let words = line.split(separator: " ", maxSplits: 2)
            return (ConnectProbe.Outcome(words.count > 2 ? words[2] : ""), words.count > 1 ? Int(words[1]) ?? 0 : 0)
        }
    }
}
