/// Upstream's duration.HumanDuration: how `kubectl get` writes an AGE (`45s`, `3m12s`, `5h`,
/// `2d3h`, `400d`, `2y30d`).
public enum HumanDuration {
    /// `seconds` may be fractional; negative means the time is in the future.
    public static func format(seconds d: Double) -> String {
        let seconds = Int(d.rounded(.towardZero))
        if seconds < -1 { return "<invalid>" }
        if seconds < 0 { return "0s" }
        if seconds < 120 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 10 {
            let s = seconds % 60
            return s == 0 ? "\(minutes)m" : "\(minutes)m\(s)s"
        }
        if minutes < 180 { return "\(minutes)m" }
        let hours = seconds / 3600
        if hours < 8 {
            let m = minutes % 60
            return m == 0 ? "\(hours)h" : "\(hours)h\(m)m"
        }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 {
            let h = hours % 24
            return h == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(h)h"
        }
        if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
        if hours < 24 * 365 * 8 {
            let dy = (hours / 24) % 365
            return dy == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(dy)d"
        }
        return "\(hours / 24 / 365)y"
    }

    /// The AGE cell: `<unknown>` for an unset timestamp.
    public static func since(_ time: Time?, now: MicroTime) -> String {
        guard let time else { return "<unknown>" }
        return format(seconds: Double(now.microsecondsSinceEpoch - time.secondsSinceEpoch * 1_000_000) / 1_000_000)
    }

    public static func since(_ time: MicroTime?, now: MicroTime) -> String {
        guard let time else { return "<unknown>" }
        return format(seconds: Double(now.microsecondsSinceEpoch - time.microsecondsSinceEpoch) / 1_000_000)
    }
}
