import Synchronization

/// Creations and deletions a controller has asked for but not yet seen in its cache
/// (upstream's ControllerExpectations). Until they are seen (or five minutes pass), the
/// controller does not count pods again, so a lagging cache cannot make it create twice.
final class Expectations: Sendable {
    struct Entry {
        var adds = 0
        var deletes: Set<String> = []
        var at = ContinuousClock.now
    }

    let entries = Mutex<[String: Entry]>([:])
    static let timeout: Duration = .seconds(300)

    func satisfied(_ key: String) -> Bool {
        self.entries.withLock { entries in
            guard let entry = entries[key] else { return true }
            if entry.adds <= 0 && entry.deletes.isEmpty { return true }
            return ContinuousClock.now - entry.at > Self.timeout
        }
    }

    func expect(_ key: String, adds: Int, deletes: Set<String>) {
        self.entries.withLock { $0[key] = Entry(adds: adds, deletes: deletes, at: .now) }
    }

    func observedAdd(_ key: String) {
        self.entries.withLock { entries in entries[key]?.adds -= 1 }
    }

    /// A creation that failed will never be observed.
    func lowerAdds(_ key: String, by count: Int) {
        self.entries.withLock { entries in entries[key]?.adds -= count }
    }

    func observedDelete(_ key: String, podKey: String) {
        self.entries.withLock { entries in _ = entries[key]?.deletes.remove(podKey) }
    }

    func forget(_ key: String) {
        self.entries.withLock { _ = $0.removeValue(forKey: key) }
    }
}
