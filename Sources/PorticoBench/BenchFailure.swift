/// A benchmark that could not measure what it set out to: says what went wrong.
public struct BenchFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
