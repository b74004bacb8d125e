import Foundation
import ServiceLifecycle
import Synchronization

/// Gives back to the system the memory a large answer used. glibc's malloc keeps what a
/// request freed for its next allocations, in one arena per thread that allocated, so a
/// server that answers a list of thousands of objects on two threads at once keeps tens of
/// megabytes it no longer uses (measured: 96 MB after 2,000 Services were created, 160 MB
/// after lists of them, 110 MB once trimmed). Two arenas and a trim after large answers keep
/// the server's resident memory near what it holds.
///
/// `mallopt` and `malloc_trim` are glibc's (malloc.h, which Swift's Glibc module does not
/// export), so they are looked up by name; elsewhere both are no-ops.
public enum MemoryReturn {
    private typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    private typealias MallocTrim = @convention(c) (Int) -> Int32
    private static let mArenaMax: Int32 = -8

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        guard let handle = dlopen(nil, RTLD_NOW), let pointer = dlsym(handle, name) else { return nil }
        return unsafeBitCast(pointer, to: type)
    }

    private static let mallocTrim = Self.symbol("malloc_trim", as: MallocTrim.self)

    private static let mMmapThreshold: Int32 = -3

    /// At most `count` malloc arenas (glibc's default is eight per core), and allocations of
    /// 128 KiB or more always in pages of their own, given back when freed. (glibc raises that
    /// threshold each time such a block is freed, up to 32 MiB, after which a list's buffers
    /// and a large body stay in the heap among small objects that pin their pages.)
    public static func limitArenas(to count: Int32) {
        let mallopt = self.symbol("mallopt", as: Mallopt.self)
        _ = mallopt?(self.mArenaMax, count)
        _ = mallopt?(self.mMmapThreshold, 128 * 1024)
    }

    /// Returns the free pages of every arena to the system.
    static func trim() {
        _ = self.mallocTrim?(0)
    }

    /// Set when a request or an answer of at least `large` bytes went through (a big list, a
    /// body or head refused past its limit); the trimmer clears it.
    static let largeWorkDone = Atomic<Bool>(false)
    static let large = 1 << 20

    static func note(bytes: Int) {
        if bytes >= self.large { self.largeWorkDone.store(true, ordering: .relaxed) }
    }
}

/// Trims the heap two seconds after large work, and every 10 seconds whatever happened
/// off the request path.
struct MemoryTrimmer: ServiceLifecycle.Service {
    func run() async throws {
        await cancelWhenGracefulShutdown {
            var ticks = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(2))
                ticks += 1
                if MemoryReturn.largeWorkDone.exchange(false, ordering: .relaxed) || ticks % 5 == 0 { MemoryReturn.trim() }
            }
        }
    }
}
