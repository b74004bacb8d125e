import Foundation

/// What a running lab is made of, written as it is made (`<data dir>/lab.json`), so `down`
/// and `status` know it even after `up` or the machine's processes died.
public struct LabState: Codable, Sendable, Equatable {
    public struct Process: Codable, Sendable, Equatable {
        public var role: String
        public var pid: Int32
        public var log: String
        /// What runs: nil for `portico` itself, else the program's name (`etcd`, `haproxy`).
        public var program: String? = nil

        public var isRunning: Bool { LabState.isRunning(self.pid, program: self.program ?? "portico") }
    }

    public var config: LabConfig
    public var processes: [Process] = []
    public var startedAt = Date()

    public static func path(_ dataDirectory: String) -> String { dataDirectory + "/lab.json" }

    public static func load(_ dataDirectory: String) -> LabState? {
        guard let data = FileManager.default.contents(atPath: self.path(dataDirectory)) else { return nil }
        return try? JSONDecoder().decode(LabState.self, from: data)
    }

    public func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: Self.path(self.config.dataDirectory)))
    }

    /// Alive, and still the program that was started (not a reused PID): its command line
    /// names `program`.
    public static func isRunning(_ pid: Int32, program: String = "portico") -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        // A zombie (exited, not yet reaped by its parent) is not running.
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")"), stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
        {
            return false
        }
        // Empty while the process is between fork and exec.
        let cmdline = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
        return cmdline.isEmpty || cmdline.contains(program)
    }
}

extension LabPlan {
    /// The plan of the lab as it was started, from its state file: the config given to
    /// `down` or `status` names the lab, but may differ in everything else.
    func asStarted(_ state: LabState?) -> LabPlan {
        state.flatMap { try? LabPlan($0.config) } ?? self
    }
}
