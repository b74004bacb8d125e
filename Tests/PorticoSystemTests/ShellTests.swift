import Foundation
import PorticoSystem
import Testing

/// The one way programs are run: commands to their end, programs that run on.
struct ShellTests {
    @Test func aCommandsOutputAndStatus() async throws {
        let (status, output) = try await Shell.run("sh", ["-c", "echo out; echo err >&2; exit 3"], allowFailure: true)
        #expect(status == 3)
        #expect(output == "out\nerr\n")
        await #expect(throws: Shell.Failure.self) { try await Shell.run("sh", ["-c", "exit 4"]) }
        #expect(try await Shell.run("sh", ["-c", "tr a-z A-Z"], input: "portico\n").output == "PORTICO\n")
        #expect(try await Shell.run("sh", ["-c", "echo $GREETING"], environment: ["GREETING": "hello"]).output == "hello\n")
        await #expect(throws: Shell.Failure.self) { try await Shell.run("no-such-program-here", []) }
    }

    @Test func aProgramThatRunsOnIsSignalledAndWaitedFor() async throws {
        let running = try Shell.start(Program("sleep", ["30"]))
        #expect(running.isRunning)
        // SIGKILL: a test process may ignore SIGTERM, and its children inherit that.
        running.signal(SIGKILL)
        #expect(await running.wait() == ProcessExit(exitCode: 128 + SIGKILL, signal: SIGKILL))
        #expect(!running.isRunning)
    }

    @Test func outputToAFileIsAppended() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("portico-shell-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        for word in ["one", "two"] {
            let running = try Shell.start(Program("sh", ["-c", "echo \(word); echo \(word)-err >&2"], output: .file(path)))
            #expect(await running.wait() == ProcessExit(exitCode: 0))
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "one\none-err\ntwo\ntwo-err\n")
    }

    @Test func outputOnAPipeWithErrorsApart() async throws {
        let running = try Shell.start(Program("sh", ["-c", "echo kept; echo dropped >&2"], output: .pipe, errors: .null))
        let (exit, output) = await Shell.finish(running)
        #expect(exit.exitCode == 0 && output == "kept\n")
    }
}
