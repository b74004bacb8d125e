/// Why an allocator refused, in upstream's words (ipallocator / portallocator interfaces.go).
public enum AllocationError: Error, Sendable, Hashable, CustomStringConvertible {
    case full
    case alreadyAllocated(what: String)
    /// A requested IP that no service CIDR of its family holds (or is a network or broadcast address).
    case mismatchedNetwork
    case portNotInRange(range: String)

    public var description: String {
        switch self {
        case .full: return "range is full"
        case .alreadyAllocated(let what): return "provided \(what) is already allocated"
        case .mismatchedNetwork: return "the provided network does not match the current range"
        case .portNotInRange(let range):
            return "provided port is not in the valid range. The range of valid ports is \(range)"
        }
    }
}
