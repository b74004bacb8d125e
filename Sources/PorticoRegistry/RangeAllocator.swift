/// Allocation state over the offsets `0..<size` of a range (of IPs or ports), with the split
/// of KEP-3070 / KEP-3668: offsets below `staticBandSize` are kept for values people ask
/// for, so automatic allocation takes a random free offset above it first and falls back
/// to the lower band only when the upper one is full.
///
/// Pure value; the allocators wrap it in a lock.
struct RangeAllocator: Sendable {
    let size: UInt64
    let staticBandSize: UInt64
    private(set) var count: UInt64 = 0
    /// How many allocations and releases this value has seen: a write that changed nothing
    /// needs no record written.
    private(set) var mutations: UInt64 = 0
    private var storage: Storage

    /// Dense ranges use a bitmap; huge IPv6 ranges keep only the taken offsets.
    enum Storage: Sendable {
        case bitmap([UInt64])
        case sparse(Set<UInt64>)
    }

    static let bitmapLimit: UInt64 = 1 << 24

    init(size: UInt64, staticBandSize: UInt64) {
        self.size = size
        self.staticBandSize = min(staticBandSize, size)
        if size <= Self.bitmapLimit {
            self.storage = .bitmap(Array(repeating: 0, count: Int((size + 63) / 64)))
        } else {
            self.storage = .sparse([])
        }
    }

    var isFull: Bool { self.count >= self.size }

    func has(_ offset: UInt64) -> Bool {
        guard offset < self.size else { return false }
        switch self.storage {
        case .bitmap(let words): return words[Int(offset / 64)] & (1 << (offset % 64)) != 0
        case .sparse(let set): return set.contains(offset)
        }
    }

    /// Marks `offset` taken; false when it already was.
    mutating func allocate(_ offset: UInt64) -> Bool {
        guard offset < self.size, !self.has(offset) else { return false }
        switch self.storage {
        case .bitmap(var words):
            self.storage = .sparse([])  // drop the reference so the array is mutated in place
            words[Int(offset / 64)] |= 1 << (offset % 64)
            self.storage = .bitmap(words)
        case .sparse(var set):
            self.storage = .sparse([])
            set.insert(offset)
            self.storage = .sparse(set)
        }
        self.count += 1
        self.mutations += 1
        return true
    }

    mutating func release(_ offset: UInt64) {
        guard self.has(offset) else { return }
        switch self.storage {
        case .bitmap(var words):
            self.storage = .sparse([])
            words[Int(offset / 64)] &= ~(1 << (offset % 64))
            self.storage = .bitmap(words)
        case .sparse(var set):
            self.storage = .sparse([])
            set.remove(offset)
            self.storage = .sparse(set)
        }
        self.count -= 1
        self.mutations += 1
    }

    /// The taken offsets, ascending (what a shared allocation record stores).
    var offsets: [UInt64] {
        switch self.storage {
        case .sparse(let set): return set.sorted()
        case .bitmap(let words):
            var result: [UInt64] = []
            result.reserveCapacity(Int(self.count))
            for (index, word) in words.enumerated() where word != 0 {
                var rest = word
                while rest != 0 {
                    result.append(UInt64(index) * 64 + UInt64(rest.trailingZeroBitCount))
                    rest &= rest - 1
                }
            }
            return result
        }
    }

    /// The same range with exactly `offsets` taken (those outside it are ignored).
    func restored(_ offsets: [UInt64]) -> RangeAllocator {
        var fresh = RangeAllocator(size: self.size, staticBandSize: self.staticBandSize)
        for offset in offsets { _ = fresh.allocate(offset) }
        fresh.mutations = self.mutations + 1
        return fresh
    }

    /// A free offset: random start in the upper band, scanning forward with wrap-around;
    /// then the same in the static band. Nil when the range is full.
    mutating func allocateNext<R: RandomNumberGenerator>(using rng: inout R) -> UInt64? {
        guard !self.isFull else { return nil }
        if let offset = self.scan(self.staticBandSize..<self.size, using: &rng)
            ?? self.scan(0..<self.staticBandSize, using: &rng)
        {
            _ = self.allocate(offset)
            return offset
        }
        return nil
    }

    private func scan<R: RandomNumberGenerator>(_ band: Range<UInt64>, using rng: inout R) -> UInt64? {
        guard !band.isEmpty else { return nil }
        let start = UInt64.random(in: band, using: &rng)
        if case .sparse(let set) = self.storage {
            // Sparse ranges are huge and nearly empty: the first few probes find a free offset.
            var candidate = start
            for _ in 0..<UInt64(set.count + 1) {
                if !set.contains(candidate) { return candidate }
                candidate = candidate + 1 < band.upperBound ? candidate + 1 : band.lowerBound
            }
            return nil
        }
        if let found = self.firstFree(in: start..<band.upperBound) { return found }
        return self.firstFree(in: band.lowerBound..<start)
    }

    private func firstFree(in range: Range<UInt64>) -> UInt64? {
        guard case .bitmap(let words) = self.storage, !range.isEmpty else { return nil }
        var offset = range.lowerBound
        while offset < range.upperBound {
            let wordIndex = Int(offset / 64)
            let bit = offset % 64
            // Free bits of this word from `bit` upward.
            let free = ~words[wordIndex] & (~UInt64(0) << bit)
            if free != 0 {
                let candidate = UInt64(wordIndex) * 64 + UInt64(free.trailingZeroBitCount)
                return candidate < range.upperBound ? candidate : nil
            }
            offset = UInt64(wordIndex + 1) * 64
        }
        return nil
    }
}
