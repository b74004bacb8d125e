import Foundation

/// The processes living in a network namespace, found by comparing each process's
/// /proc/<pid>/ns/net with the namespace's file: how leftovers of a stopped agent (and of a
/// whole lab) are found and stopped, whoever started them.
public enum NetnsProcesses {
    public static func pids(in netnsPath: String) -> [Int32] {
        var target = stat()
        guard stat(netnsPath, &target) == 0 else { return [] }
        let me = getpid()
        var pids: [Int32] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), pid != me else { continue }
            var ns = stat()
            if stat("/proc/\(entry)/ns/net", &ns) == 0, ns.st_ino == target.st_ino, ns.st_dev == target.st_dev {
                pids.append(pid)
            }
        }
        return pids
    }

    /// SIGTERM, up to `grace` for them to go, then SIGKILL. Returns how many there were.
    @discardableResult
    public static func stop(in netnsPath: String, grace: Duration = .seconds(2)) async -> Int {
        let found = self.pids(in: netnsPath)
        guard !found.isEmpty else { return 0 }
        for pid in found { kill(pid, SIGTERM) }
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if self.pids(in: netnsPath).isEmpty { return found.count }
            try? await Task.sleep(for: .milliseconds(50))
        }
        for pid in self.pids(in: netnsPath) { kill(pid, SIGKILL) }
        while !self.pids(in: netnsPath).isEmpty, ContinuousClock.now < deadline + .seconds(2) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return found.count
    }
}
