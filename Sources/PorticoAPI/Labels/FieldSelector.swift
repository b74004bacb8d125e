/// Field selectors as the API server reads them from `?fieldSelector=`: `metadata.name=web`,
/// `metadata.namespace!=kube-system`, parsed with upstream's rules (terms sorted, `\,` `\=`
/// `\\` escapes) and checked against the fields each kind supports.
public enum Fields {
    public struct Term: Sendable, Hashable, CustomStringConvertible {
        public var field: String
        public var value: String
        public var negated: Bool

        public init(field: String, value: String, negated: Bool) {
            self.field = field
            self.value = value
            self.negated = negated
        }

        public var description: String {
            field + (negated ? "!=" : "=") + Fields.escape(value)
        }
    }

    public struct Selector: Sendable, Hashable, CustomStringConvertible {
        public var terms: [Term]

        public init(terms: [Term] = []) { self.terms = terms }

        public static let everything = Selector()
        public var isEverything: Bool { self.terms.isEmpty }

        /// `fields` maps field label to value; a missing field counts as "".
        public func matches(_ fields: [String: String]) -> Bool {
            self.terms.allSatisfy { term in
                let value = fields[term.field] ?? ""
                return term.negated ? value != term.value : value == term.value
            }
        }

        /// The value a term requires for `field` (`metadata.name=x` → x), if any.
        public func requiredValue(_ field: String) -> String? {
            self.terms.first(where: { $0.field == field && !$0.negated })?.value
        }

        public var description: String { self.terms.map(\.description).joined(separator: ",") }
    }

    public struct SelectorError: Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public var description: String { self.message }
    }

    public static func parse(_ text: String) throws(SelectorError) -> Selector {
        var terms: [Term] = []
        for rawTerm in self.splitTerms(text).sorted() where !rawTerm.isEmpty {
            guard let (lhs, op, rhs) = self.splitTerm(rawTerm) else {
                throw SelectorError(message: "invalid selector: '\(text)'; can't understand '\(rawTerm)'")
            }
            let value = try self.unescape(rhs)
            terms.append(Term(field: lhs, value: value, negated: op == "!="))
        }
        return Selector(terms: terms)
    }

    static func splitTerms(_ text: String) -> [String] {
        if text.isEmpty { return [] }
        var terms: [String] = []
        var current = ""
        var escaped = false
        for c in text {
            if escaped {
                current.append(c)
                escaped = false
            } else if c == "\\" {
                current.append(c)
                escaped = true
            } else if c == "," {
                terms.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        terms.append(current)
        return terms
    }

    static func splitTerm(_ term: String) -> (String, String, String)? {
        let chars = Array(term)
        for i in chars.indices {
            for op in ["!=", "==", "="] {
                let opChars = Array(op)
                if i + opChars.count <= chars.count, Array(chars[i..<i + opChars.count]) == opChars {
                    return (String(chars[..<i]), op, String(chars[(i + opChars.count)...]))
                }
            }
        }
        return nil
    }

    static func unescape(_ value: String) throws(SelectorError) -> String {
        var out = ""
        var escaped = false
        for c in value {
            if escaped {
                guard c == "\\" || c == "," || c == "=" else {
                    throw SelectorError(message: "invalid field selector: invalid escape sequence: \\\(c)")
                }
                out.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "," || c == "=" {
                throw SelectorError(message: "invalid field selector: unescaped character in value: \(c.unicodeScalars.first!.value)")
            } else {
                out.append(c)
            }
        }
        if escaped { throw SelectorError(message: "invalid field selector: invalid escape sequence: \\") }
        return out
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            if c == "\\" || c == "," || c == "=" { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// The field labels a kind accepts, beyond metadata.name and metadata.namespace
    /// (upstream's field label conversion functions). Nil means the default pair only.
    public static func supportedFields(kind: String) -> [String]? {
        switch kind {
        case "Pod":
            return ["metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                    "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs",
                    "status.nominatedNodeName"]
        case "Node": return ["metadata.name", "spec.unschedulable"]
        case "Event":
            return ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                    "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
                    "reportingComponent", "source", "type", "metadata.namespace", "metadata.name"]
        case "Namespace": return ["status.phase", "metadata.name"]
        case "Service": return ["metadata.namespace", "metadata.name", "spec.clusterIP", "spec.type"]
        default: return nil
        }
    }

    /// Checks every term's field against the kind, with upstream's messages (a 400 to the client).
    public static func validate(_ selector: Selector, kind: String) throws(SelectorError) {
        for term in selector.terms {
            var field = term.field
            if kind == "Pod", field == "spec.host" { field = "spec.nodeName" }
            if let supported = self.supportedFields(kind: kind) {
                if !supported.contains(field) {
                    throw SelectorError(message: "field label not supported: \(term.field)")
                }
            } else if field != "metadata.name" && field != "metadata.namespace" {
                throw SelectorError(message:
                    "\(GoQuote.quote(term.field)) is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")
            }
        }
    }
}
