/// Upstream's value checks (apimachinery util/validation), each returning the messages it
/// would return, in the same order and words. Written out by hand instead of with regular
/// expressions: the patterns are small and this keeps PorticoAPI free of Foundation.
public enum NameRules {
    public static let dns1123LabelMaxLength = 63
    public static let dns1123SubdomainMaxLength = 253
    public static let dns1035LabelMaxLength = 63
    public static let qualifiedNameMaxLength = 63
    public static let labelValueMaxLength = 63

    static let dns1123LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    static let dns1123SubdomainFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
    static let dns1035LabelFormat = "[a-z]([-a-z0-9]*[a-z0-9])?"
    static let qualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
    static let labelValueFormat = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"

    public static func maxLenError(_ n: Int) -> String { "must be no more than \(n) characters" }
    public static let emptyError = "must be non-empty"

    public static func inclusiveRangeError(_ lo: Int, _ hi: Int) -> String {
        "must be between \(lo) and \(hi), inclusive"
    }

    /// Upstream's RegexError, including the double space before each "or".
    static func regexError(_ message: String, _ format: String, _ examples: [String]) -> String {
        if examples.isEmpty { return message + " (regex used for validation is '" + format + "')" }
        var s = message + " (e.g. "
        for (i, example) in examples.enumerated() {
            if i > 0 { s += " or " }
            s += "'" + example + "', "
        }
        return s + "regex used for validation is '" + format + "')"
    }

    static func isLowerAlnum(_ c: UInt8) -> Bool { (97...122).contains(c) || (48...57).contains(c) }
    static func isAlnum(_ c: UInt8) -> Bool { isLowerAlnum(c) || (65...90).contains(c) }

    /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
    static func matchesDNS1123Label<S: BidirectionalCollection>(_ b: S) -> Bool where S.Element == UInt8 {
        guard let first = b.first, let last = b.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        return b.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    static func matchesDNS1123Subdomain(_ s: String) -> Bool {
        let parts = s.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { matchesDNS1123Label($0) }
    }

    /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
    static func matchesQualifiedNamePart<S: BidirectionalCollection>(_ b: S) -> Bool where S.Element == UInt8 {
        guard let first = b.first, let last = b.last, isAlnum(first), isAlnum(last) else { return false }
        return b.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    public static func isDNS1123Label(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > dns1123LabelMaxLength { errs.append(maxLenError(dns1123LabelMaxLength)) }
        if !matchesDNS1123Label(value.utf8) {
            if matchesDNS1123Subdomain(value) {
                errs.append("must not contain dots")
            } else {
                errs.append(regexError(
                    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
                    dns1123LabelFormat, ["my-name", "123-abc"]))
            }
        }
        return errs
    }

    public static func isDNS1123Subdomain(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > dns1123SubdomainMaxLength { errs.append(maxLenError(dns1123SubdomainMaxLength)) }
        if !matchesDNS1123Subdomain(value) {
            errs.append(regexError(
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
                dns1123SubdomainFormat, ["example.com"]))
        }
        return errs
    }

    public static func isDNS1035Label(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > dns1035LabelMaxLength { errs.append(maxLenError(dns1035LabelMaxLength)) }
        let b = value.utf8
        let matches: Bool = {
            guard let first = b.first, let last = b.last, (97...122).contains(first), isLowerAlnum(last) else { return false }
            return b.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
        }()
        if !matches {
            errs.append(regexError(
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
                dns1035LabelFormat, ["my-name", "abc-123"]))
        }
        return errs
    }

    static let qualifiedNameMessage =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

    /// A label key, annotation key or finalizer: `[prefix/]name`.
    public static func isQualifiedName(_ value: String) -> [String] {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        var errs: [String] = []
        let name: Substring
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                errs.append("prefix part " + emptyError)
            } else {
                errs += isDNS1123Subdomain(String(prefix)).map { "prefix part " + $0 }
            }
        default:
            return [regexError("a qualified name " + qualifiedNameMessage, qualifiedNameFormat,
                               ["MyName", "my.name", "123-abc"])
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            errs.append("name part " + emptyError)
        } else if name.utf8.count > qualifiedNameMaxLength {
            errs.append("name part " + maxLenError(qualifiedNameMaxLength))
        }
        if !matchesQualifiedNamePart(name.utf8) {
            errs.append("name part " + regexError(qualifiedNameMessage, qualifiedNameFormat, ["MyName", "my.name", "123-abc"]))
        }
        return errs
    }

    public static func isValidLabelValue(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > labelValueMaxLength { errs.append(maxLenError(labelValueMaxLength)) }
        if !value.isEmpty && !matchesQualifiedNamePart(value.utf8) {
            errs.append(regexError(
                "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
                labelValueFormat, ["MyValue", "my_value", "12345"]))
        }
        return errs
    }

    public static func isValidPortNum(_ port: Int64) -> [String] {
        (1...65535).contains(port) ? [] : [inclusiveRangeError(1, 65535)]
    }

    /// An IANA service name, as a named port must be.
    public static func isValidPortName(_ port: String) -> [String] {
        var errs: [String] = []
        let b = port.utf8
        if b.count > 15 { errs.append(maxLenError(15)) }
        if b.isEmpty || !b.allSatisfy({ isLowerAlnum($0) || $0 == UInt8(ascii: "-") }) {
            errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
        }
        if !b.contains(where: { (97...122).contains($0) }) {
            errs.append("must contain at least one letter (a-z)")
        }
        if port.contains("--") { errs.append("must not contain consecutive hyphens") }
        if !b.isEmpty && (b.first == UInt8(ascii: "-") || b.last == UInt8(ascii: "-")) {
            errs.append("must not begin or end with a hyphen")
        }
        return errs
    }

    /// Generated names: `<generateName><5 random characters>`, from upstream's alphabet (no
    /// vowels, no look-alike digits), with the prefix cut to leave room in 63 characters.
    public static func generateName(_ base: String) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var prefix = base
        if prefix.utf8.count > 58 { prefix = String(decoding: Array(prefix.utf8.prefix(58)), as: UTF8.self) }
        var g = SystemRandomNumberGenerator()
        return prefix + String((0..<5).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &g)] })
    }
}
