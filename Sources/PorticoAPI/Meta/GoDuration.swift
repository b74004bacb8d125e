/// Durations as Kubernetes flags and configs write them, in Go's `time.ParseDuration` form:
/// `40s`, `1m30s`, `500ms`, `1.5h`.
public enum GoDuration {
    /// A Go duration as a Swift `Duration` (to the millisecond, as the flags that take one need).
    public static func duration(_ text: String) throws -> Duration {
        .milliseconds(Int64(try self.parse(text) * 1000))
    }

    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses into seconds; a bare `0` is allowed, as Go allows it.
    public static func parse(_ text: String) throws -> Double {
        let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        var rest = Substring(text)
        var negative = false
        if rest.hasPrefix("-") || rest.hasPrefix("+") {
            negative = rest.hasPrefix("-")
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { throw ParseError(description: "time: invalid duration \(GoQuote.quote(text))") }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { throw ParseError(description: "time: invalid duration \(GoQuote.quote(text))") }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { !$0.isNumber && $0 != "." }
            guard !unitText.isEmpty else { throw ParseError(description: "time: missing unit in duration \(GoQuote.quote(text))") }
            guard let unit = units.first(where: { $0.0 == unitText }) else {
                throw ParseError(description: "time: unknown unit \(GoQuote.quote(String(unitText))) in duration \(GoQuote.quote(text))")
            }
            total += value * unit.1
            rest = rest.dropFirst(unitText.count)
        }
        return negative ? -total : total
    }
}
