import Foundation
import PorticoTestSupport
import Testing

/// The target graph stays straight: `scripts/target-graph --check` passes on the sources,
/// fails when a target imports one it should not, and docs/architecture.md shows the graph
/// as the sources have it.
@Suite struct TargetGraphTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func theSourcesKeepTheRules() throws {
        let check = try Command.run(Self.root + "/scripts/target-graph", ["--check"])
        #expect(check.status == 0, "\(check.stderr)")
    }

    @Test func theDocsShowTheGraphAsTheSourcesHaveIt() throws {
        let graph = try Command.run(Self.root + "/scripts/target-graph", [])
        #expect(graph.status == 0, "\(graph.stderr)")
        let docs = try String(contentsOfFile: Self.root + "/docs/architecture.md", encoding: .utf8)
        let block = try #require(docs.components(separatedBy: "<!-- target-graph -->\n```\n").dropFirst().first?
            .components(separatedBy: "\n```").first, "docs/architecture.md has no target-graph block")
        #expect(block + "\n" == graph.stdout, "docs/architecture.md's graph differs from scripts/target-graph's output:\n\(graph.stdout)")
    }

    /// A copy of the sources where the lab imports the server: the check names it.
    @Test func aLabThatImportsTheServerIsRefused() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("portico-graph-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        for item in ["Package.swift", "Sources", "Fuzz", "scripts"] {
            try FileManager.default.copyItem(atPath: Self.root + "/" + item, toPath: copy + "/" + item)
        }
        let lab = copy + "/Sources/PorticoLab/Lab.swift"
        try ("import PorticoServer\n" + String(contentsOfFile: lab, encoding: .utf8)).write(toFile: lab, atomically: true, encoding: .utf8)
        let check = try Command.run(copy + "/scripts/target-graph", ["--check"])
        #expect(check.status == 1)
        #expect(check.stderr.contains("error: PorticoLab imports PorticoServer, which Package.swift does not declare as its dependency"), "\(check.stderr)")
        #expect(check.stderr.contains("error: PorticoLab imports PorticoServer, against the direction data flows"), "\(check.stderr)")
    }
}
