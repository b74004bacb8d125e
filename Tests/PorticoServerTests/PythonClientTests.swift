import Foundation
import PorticoAPI
import Testing

/// The scripts beside this file.
func pythonScript(_ name: String, file: String = #filePath) -> String {
    URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("python/\(name)").path
}

extension Trait where Self == ConditionTrait {
    /// The `kubernetes` module (and `requests`, which it brings) must be importable by
    /// `python3`. scripts/test installs it (as root, which CI is); as root these tests always
    /// run, so a missing module is a failure there, while another user without it sees them
    /// skipped with this reason.
    static var needsPythonClient: Self {
        .enabled(if: getuid() == 0 || PythonClient.isInstalled,
                 "needs the Python kubernetes client for this user's python3 (scripts/test installs it as root: python3 -m pip install kubernetes)")
    }
}

enum PythonClient {
    static let isInstalled: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import kubernetes"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()
}

/// The `kubernetes` client from PyPI against a real `portico server`.
@Suite("Python client", .serialized, .needsPythonClient) struct PythonClientTests {
    @Test func createListWatchPatchDelete() throws {
        let s = try ServerProcess()
        let result = try s.run("python3", [pythonScript("client_flow.py")])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.hasSuffix("done\n"), "\(result.stdout)\n\(result.stderr)")
    }

    @Test func aWatchResumesAcrossARestart() throws {
        let s = try ServerProcess()
        _ = try s.kubectl("create", "namespace", "resume")
        for name in ["a", "b", "c"] { _ = try s.kubectl("create", "configmap", name, "-n", "resume", "--from-literal=k=v") }
        let rvFile = s.directory + "/rv"
        let first = try s.run("python3", [pythonScript("watch_resume.py"), "first", rvFile, "3"])
        #expect(first.stdout == "a b c\n", "\(first.stderr)")
        // Changes while the watcher is away, before and after the restart.
        _ = try s.kubectl("create", "configmap", "d", "-n", "resume")
        try s.restart()
        _ = try s.kubectl("label", "configmap", "a", "-n", "resume", "x=y")
        _ = try s.kubectl("delete", "configmap", "b", "-n", "resume")
        _ = try s.kubectl("create", "configmap", "e", "-n", "resume")
        let resumed = try s.run("python3", [pythonScript("watch_resume.py"), "resume", rvFile, "4"])
        #expect(resumed.stdout == "ADDED:d MODIFIED:a DELETED:b ADDED:e\n", "\(resumed.stderr)")
    }
}

/// `kill -9` of the server in the middle of concurrent creates.
@Suite("Crash", .serialized, .needsPythonClient) struct CrashTests {
    @Test func acknowledgedCreatesSurviveAKill() throws {
        let s = try ServerProcess()
        let results = s.directory + "/results"
        _ = FileManager.default.createFile(atPath: results, contents: nil)
        let creator = Process()
        creator.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        creator.arguments = ["python3", pythonScript("create_many.py"), "1000", results]
        creator.environment = ["KUBECONFIG": s.kubeconfig, "HOME": s.directory + "/home",
                               "PATH": ProcessInfo.processInfo.environment["PATH"] ?? ""]
        creator.standardError = FileHandle.nullDevice
        try creator.run()
        defer { if creator.isRunning { creator.terminate() } }
        // Kill the server once a good part of the creates has been answered.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let lines = (try? String(contentsOfFile: results, encoding: .utf8))?.split(separator: "\n").count ?? 0
            if lines >= 300 { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        s.stop(signal: SIGKILL)
        creator.waitUntilExit()
        try s.start()

        let lines = try String(contentsOfFile: results, encoding: .utf8).split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let acknowledged = lines.filter { $0[1] == "201" }
        let refused = lines.filter { $0[1] != "201" && $0[1] != "none" }
        #expect(acknowledged.count >= 250, "only \(acknowledged.count) creates were answered before the kill")

        let listed = try s.kubectl("get", "svc", "-o", "json")
        let items = try JSON.parse(listed.stdout)["items"]?.arrayValue ?? []
        var stored: [String: (String, Int64)] = [:]
        for item in items {
            guard let name = item["metadata"]?["name"]?.stringValue, name.hasPrefix("many-") else { continue }
            stored[name] = (item["spec"]?["clusterIP"]?.stringValue ?? "", item["spec"]?["ports"]?.arrayValue?.first?["nodePort"]?.integerValue ?? 0)
        }
        for line in acknowledged {
            #expect(stored[line[0]]?.0 == line[2] && stored[line[0]].map { String($0.1) } == line[3], "\(line[0]) was acknowledged but is not stored as answered")
        }
        for line in refused { #expect(stored[line[0]] == nil, "\(line[0]) was refused (\(line[1])) but is stored") }
        let ips = stored.values.map(\.0)
        let ports = stored.values.map(\.1)
        #expect(Set(ips).count == ips.count, "two Services share a cluster IP")
        #expect(Set(ports).count == ports.count, "two Services share a node port")

        // The rebuilt allocators agree: a new Service gets an address and a port nobody holds.
        let fresh = try s.kubectl("create", "service", "nodeport", "after-crash", "--tcp=80:80")
        #expect(fresh.status == 0, "\(fresh.stderr)")
        let after = try s.kubectl("get", "svc", "after-crash", "-o", "jsonpath={.spec.clusterIP} {.spec.ports[0].nodePort}").stdout.split(separator: " ")
        #expect(!ips.contains(String(after[0])) && !ports.contains(Int64(after[1]) ?? 0))
    }
}
