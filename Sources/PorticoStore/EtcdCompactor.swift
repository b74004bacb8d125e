import Foundation
import PorticoEtcd

/// Keeps etcd's history from growing without end, as kube-apiserver's compactor does
/// (`--etcd-compaction-interval`, 5 minutes): at every tick it compacts to the revision it saw
/// at the tick before, so watchers have a whole interval to catch up. Several servers on one
/// etcd take turns through one key, `compact_rev_key`: a server compacts only when its
/// compare-and-swap of that key's version wins, so one interval brings one compaction.
struct EtcdCompactor: Sendable {
    let client: EtcdClient
    let interval: Duration
    static let key = "compact_rev_key"

    /// Runs until cancelled.
    func run(currentRevision: @Sendable () -> Int64) async {
        var version: Int64 = 0
        var previous: Int64 = 0
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: self.interval)
            } catch {
                return
            }
            if previous > 0, let next = try? await self.compact(to: previous, ifVersion: version) { version = next }
            previous = currentRevision()
        }
    }

    /// Claims this interval's compaction (the key is at `version`) and compacts to `revision`;
    /// returns the key's version as it is now (another server's claim when this one lost).
    func compact(to revision: Int64, ifVersion version: Int64) async throws -> Int64 {
        let response = try await self.client.txn(Etcd.TxnRequest(
            compare: [Etcd.Compare(key: Data(Self.key.utf8), target: "VERSION", result: "EQUAL", version: Etcd.Int64String(version))],
            success: [.put(Self.key, Data(String(revision).utf8))], failure: [.get(Self.key)]))
        guard response.succeeded == true else {
            return response.responses?.first?.response_range?.kvs?.first?.version?.value ?? version
        }
        try await self.client.compact(revision)
        return version + 1
    }
}
