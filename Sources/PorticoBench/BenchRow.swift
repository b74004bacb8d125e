/// One line of a benchmark's report, already formatted: what was measured, Portico's value,
/// the reference's value measured in the same run, their ratio, and what the reference is.
public struct BenchRow: Sendable {
    public var what: String
    public var portico: String
    public var reference: String
    public var ratio: String
    public var referenceIs: String

    public init(what: String, portico: String, reference: String, ratio: String, referenceIs: String) {
        self.what = what
        self.portico = portico
        self.reference = reference
        self.ratio = ratio
        self.referenceIs = referenceIs
    }
}
