import PorticoAPI
import PorticoRegistry
import PorticoStore

/// The Service allocation record kept in the object store, under the key upstream keeps its
/// range allocations (`/registry/ranges/services` with etcd), written only at the revision
/// read, so servers sharing the store hand out each cluster IP and node port once.
struct StoredAllocationRecords: AllocationRecordStore {
    let store: any ObjectStore
    static let key = ObjectKey(resource: "ranges", namespace: "", name: ServiceAllocators.recordName)

    func read() async throws -> (record: JSON, resourceVersion: Int64)? {
        try await self.store.get(Self.key).map { ($0.object, $0.resourceVersion) }
    }

    func write(_ record: JSON, at resourceVersion: Int64?) async throws -> Int64? {
        do {
            guard let resourceVersion else { return try await self.store.create(Self.key, record).resourceVersion }
            return try await self.store.update(Self.key, expectedResourceVersion: resourceVersion, record).resourceVersion
        } catch StoreError.alreadyExists, StoreError.conflict, StoreError.notFound {
            return nil
        }
    }
}
