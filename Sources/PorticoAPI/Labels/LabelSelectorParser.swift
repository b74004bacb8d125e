/// Label selectors as the API server reads them from `?labelSelector=`: the string form
/// `a=b,c!=d,e in (x,y),!f`, parsed with upstream's grammar and its error messages (a client
/// shows them as they are), and matched against a label set.
public enum Labels {
    public enum Operator: String, Sendable, Hashable {
        case doesNotExist = "!"
        case equals = "="
        case doubleEquals = "=="
        case `in` = "in"
        case notEquals = "!="
        case notIn = "notin"
        case exists = "exists"
        case greaterThan = "gt"
        case lessThan = "lt"
    }

    /// One clause of a selector: `key op values`.
    public struct Requirement: Sendable, Hashable, CustomStringConvertible {
        public var key: String
        public var op: Operator
        /// Kept sorted and without repeats, as upstream's string set.
        public var values: [String]

        /// Builds a requirement with upstream's checks (NewRequirement); `path` prefixes the errors.
        public init(key: String, op: Operator, values: [String], path: FieldPath? = nil) throws(SelectorError) {
            var errs: [FieldError] = []
            let keyPath = path?.child("key") ?? FieldPath("key")
            let keyMessages = NameRules.isQualifiedName(key)
            if !keyMessages.isEmpty {
                errs.append(.invalid(keyPath, .string(key), keyMessages.joined(separator: "; ")))
            }
            let valuePath = path?.child("values") ?? FieldPath("values")
            switch op {
            case .in, .notIn:
                if values.isEmpty {
                    errs.append(.invalid(valuePath, .strings(values), "for 'in', 'notin' operators, values set can't be empty"))
                }
            case .equals, .doubleEquals, .notEquals:
                if values.count != 1 {
                    errs.append(.invalid(valuePath, .strings(values), "exact-match compatibility requires one single value"))
                }
            case .exists, .doesNotExist:
                if !values.isEmpty {
                    errs.append(.invalid(valuePath, .strings(values), "values set must be empty for exists and does not exist"))
                }
            case .greaterThan, .lessThan:
                if values.count != 1 {
                    errs.append(.invalid(valuePath, .strings(values), "for 'Gt', 'Lt' operators, exactly one value is required"))
                }
                for (i, v) in values.enumerated() where Int64(v) == nil {
                    errs.append(.invalid(valuePath.index(i), .string(v), "for 'Gt', 'Lt' operators, the value must be an integer"))
                }
            }
            for (i, v) in values.enumerated() {
                let messages = NameRules.isValidLabelValue(v)
                if !messages.isEmpty {
                    errs.append(.invalid(valuePath.index(i).key(key), .string(v), messages.joined(separator: "; ")))
                }
            }
            if !errs.isEmpty { throw SelectorError(message: errs.aggregateMessage) }
            self.key = key
            self.op = op
            self.values = Array(Set(values)).sorted()
        }

        public func matches(_ labels: [String: String]) -> Bool {
            switch self.op {
            case .in, .equals, .doubleEquals:
                guard let v = labels[self.key] else { return false }
                return self.values.contains(v)
            case .notIn, .notEquals:
                guard let v = labels[self.key] else { return true }
                return !self.values.contains(v)
            case .exists: return labels[self.key] != nil
            case .doesNotExist: return labels[self.key] == nil
            case .greaterThan, .lessThan:
                guard let v = labels[self.key], let have = Int64(v), let want = self.values.first.flatMap({ Int64($0) })
                else { return false }
                return self.op == .greaterThan ? have > want : have < want
            }
        }

        public var description: String {
            switch self.op {
            case .exists: return self.key
            case .doesNotExist: return "!" + self.key
            case .in: return self.key + " in (" + self.values.joined(separator: ",") + ")"
            case .notIn: return self.key + " notin (" + self.values.joined(separator: ",") + ")"
            case .equals: return self.key + "=" + self.values.joined(separator: ",")
            case .doubleEquals: return self.key + "==" + self.values.joined(separator: ",")
            case .notEquals: return self.key + "!=" + self.values.joined(separator: ",")
            case .greaterThan: return self.key + ">" + self.values.joined(separator: ",")
            case .lessThan: return self.key + "<" + self.values.joined(separator: ",")
            }
        }
    }

    /// A parsed selector: all requirements must match. `everything` (no requirements) matches
    /// all label sets; `nothing` matches none (a nil structured selector).
    public struct Selector: Sendable, Hashable, CustomStringConvertible {
        public var requirements: [Requirement]
        public var matchesNothing: Bool

        public init(requirements: [Requirement] = [], matchesNothing: Bool = false) {
            self.requirements = requirements
            self.matchesNothing = matchesNothing
        }

        public static let everything = Selector()
        public static let nothing = Selector(matchesNothing: true)

        public var isEverything: Bool { !self.matchesNothing && self.requirements.isEmpty }

        public func matches(_ labels: [String: String]) -> Bool {
            !self.matchesNothing && self.requirements.allSatisfy { $0.matches(labels) }
        }

        public var description: String { self.requirements.map(\.description).joined(separator: ",") }

        /// A Service's selector: every `k=v` must hold. Upstream builds it without validation.
        public init(matchingAll labels: [String: String]) {
            self.requirements = labels.keys.sorted().map { key in
                Requirement(unchecked: key, op: .equals, values: [labels[key]!])
            }
            self.matchesNothing = false
        }

        /// metav1.LabelSelectorAsSelector: nil matches nothing, empty matches everything.
        public init(_ selector: LabelSelector?) throws(SelectorError) {
            guard let selector else {
                self = .nothing
                return
            }
            var requirements: [Requirement] = []
            for key in selector.matchLabels.keys.sorted() {
                requirements.append(try Requirement(key: key, op: .equals, values: [selector.matchLabels[key]!]))
            }
            for expression in selector.matchExpressions {
                let op: Operator
                switch expression.operator {
                case "In": op = .in
                case "NotIn": op = .notIn
                case "Exists": op = .exists
                case "DoesNotExist": op = .doesNotExist
                default: throw SelectorError(message: "\(GoQuote.quote(expression.operator)) is not a valid pod selector operator")
                }
                requirements.append(try Requirement(key: expression.key, op: op, values: expression.values))
            }
            self.requirements = Self.sortedByKey(requirements)
            self.matchesNothing = false
        }

        static func sortedByKey(_ requirements: [Requirement]) -> [Requirement] {
            requirements.enumerated().sorted { a, b in
                a.element.key == b.element.key ? a.offset < b.offset : a.element.key < b.element.key
            }.map(\.element)
        }
    }

    public struct SelectorError: Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public var description: String { self.message }
    }

    /// Parses the string form. The empty string selects everything.
    public static func parse(_ text: String) throws(SelectorError) -> Selector {
        var parser = SelectorParser(text)
        return Selector(requirements: Selector.sortedByKey(try parser.parse()))
    }
}

extension Labels.Requirement {
    /// For a Service's plain selector, which upstream does not validate.
    init(unchecked key: String, op: Labels.Operator, values: [String]) {
        self.key = key
        self.op = op
        self.values = values
    }
}

/// The lexer and recursive-descent parser of upstream's labels/selector.go, with its tokens,
/// contexts and messages.
struct SelectorParser {
    enum Token: Equatable {
        case closedPar, comma, doesNotExist, doubleEquals, equals, endOfString, greaterThan, identifier, `in`,
            lessThan, notEquals, notIn, openPar
    }

    struct Item {
        var token: Token
        var literal: String
    }

    enum Context { case keyAndOperator, values }

    var items: [Item] = []
    var position = 0

    init(_ text: String) {
        self.items = Self.lex(Array(text.utf8))
    }

    static let specialSymbols: [String: Token] = [
        ")": .closedPar, ",": .comma, "!": .doesNotExist, "==": .doubleEquals, "=": .equals, ">": .greaterThan,
        "<": .lessThan, "!=": .notEquals, "(": .openPar,
    ]

    static func isWhitespace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }
    static func isSpecial(_ c: UInt8) -> Bool { "=!(),><".utf8.contains(c) }

    static func lex(_ b: [UInt8]) -> [Item] {
        var items: [Item] = []
        var i = 0
        while true {
            while i < b.count, isWhitespace(b[i]) { i += 1 }
            if i >= b.count {
                items.append(Item(token: .endOfString, literal: ""))
                return items
            }
            if isSpecial(b[i]) {
                // Greedy: extend while the buffer is still a known symbol.
                var buffer = String(UnicodeScalar(b[i]))
                var token = specialSymbols[buffer]!
                i += 1
                while i < b.count, isSpecial(b[i]), let longer = specialSymbols[buffer + String(UnicodeScalar(b[i]))] {
                    buffer += String(UnicodeScalar(b[i]))
                    token = longer
                    i += 1
                }
                items.append(Item(token: token, literal: buffer))
            } else {
                let start = i
                while i < b.count, !isSpecial(b[i]), !isWhitespace(b[i]) { i += 1 }
                let word = String(decoding: b[start..<i], as: UTF8.self)
                let token: Token = word == "in" ? .in : word == "notin" ? .notIn : .identifier
                items.append(Item(token: token, literal: word))
            }
        }
    }

    /// The next item without consuming it; in the values context `in`/`notin` are identifiers.
    func lookahead(_ context: Context) -> Item {
        var item = self.items[min(self.position, self.items.count - 1)]
        if context == .values, item.token == .in || item.token == .notIn { item.token = .identifier }
        return item
    }

    mutating func consume(_ context: Context) -> Item {
        let item = self.lookahead(context)
        self.position = min(self.position + 1, self.items.count - 1)
        return item
    }

    mutating func parse() throws(Labels.SelectorError) -> [Labels.Requirement] {
        var requirements: [Labels.Requirement] = []
        while true {
            let item = self.lookahead(.values)
            switch item.token {
            case .identifier, .doesNotExist:
                do {
                    requirements.append(try self.parseRequirement())
                } catch {
                    throw Labels.SelectorError(message: "unable to parse requirement: " + error.message)
                }
                let next = self.consume(.values)
                switch next.token {
                case .endOfString: return requirements
                case .comma:
                    let after = self.lookahead(.values)
                    if after.token != .identifier && after.token != .doesNotExist {
                        throw Labels.SelectorError(message: "found '\(after.literal)', expected: identifier after ','")
                    }
                default:
                    throw Labels.SelectorError(message: "found '\(next.literal)', expected: ',' or 'end of string'")
                }
            case .endOfString:
                return requirements
            default:
                throw Labels.SelectorError(message: "found '\(item.literal)', expected: !, identifier, or 'end of string'")
            }
        }
    }

    mutating func parseRequirement() throws(Labels.SelectorError) -> Labels.Requirement {
        var op: Labels.Operator? = nil
        if self.lookahead(.values).token == .doesNotExist {
            op = .doesNotExist
            _ = self.consume(.values)
        }
        let keyItem = self.consume(.values)
        guard keyItem.token == .identifier else {
            throw Labels.SelectorError(message: "found '\(keyItem.literal)', expected: identifier")
        }
        let key = keyItem.literal
        let keyMessages = NameRules.isQualifiedName(key)
        if !keyMessages.isEmpty {
            throw Labels.SelectorError(message: "<nil>: Invalid value: \(GoQuote.quote(key)): " + keyMessages.joined(separator: "; "))
        }
        let next = self.lookahead(.values).token
        if (next == .endOfString || next == .comma) && op != .doesNotExist {
            op = .exists
        }
        if let op, op == .exists || op == .doesNotExist {
            return try Labels.Requirement(key: key, op: op, values: [])
        }
        let operatorItem = self.consume(.keyAndOperator)
        let parsed: Labels.Operator
        switch operatorItem.token {
        case .in: parsed = .in
        case .equals: parsed = .equals
        case .doubleEquals: parsed = .doubleEquals
        case .greaterThan: parsed = .greaterThan
        case .lessThan: parsed = .lessThan
        case .notIn: parsed = .notIn
        case .notEquals: parsed = .notEquals
        default:
            throw Labels.SelectorError(message: "found '\(operatorItem.literal)', expected: in, notin, =, ==, !=, gt, lt")
        }
        let values: [String]
        if parsed == .in || parsed == .notIn {
            values = try self.parseValues()
        } else {
            values = try self.parseExactValue()
        }
        return try Labels.Requirement(key: key, op: parsed, values: values)
    }

    mutating func parseValues() throws(Labels.SelectorError) -> [String] {
        let open = self.consume(.values)
        guard open.token == .openPar else {
            throw Labels.SelectorError(message: "found '\(open.literal)' expected: '('")
        }
        let item = self.lookahead(.values)
        switch item.token {
        case .identifier, .comma:
            let values = try self.parseIdentifiersList()
            let close = self.consume(.values)
            guard close.token == .closedPar else {
                throw Labels.SelectorError(message: "found '\(close.literal)', expected: ')'")
            }
            return values
        case .closedPar:
            _ = self.consume(.values)
            return [""]
        default:
            throw Labels.SelectorError(message: "found '\(item.literal)', expected: ',', ')' or identifier")
        }
    }

    mutating func parseIdentifiersList() throws(Labels.SelectorError) -> [String] {
        var values = Set<String>()
        while true {
            let item = self.consume(.values)
            switch item.token {
            case .identifier:
                values.insert(item.literal)
                let next = self.lookahead(.values)
                switch next.token {
                case .comma: continue
                case .closedPar: return values.sorted()
                default: throw Labels.SelectorError(message: "found '\(next.literal)', expected: ',' or ')'")
                }
            case .comma:
                if values.isEmpty { values.insert("") }  // "(," : a leading empty value
                let next = self.lookahead(.values)
                if next.token == .closedPar { values.insert(""); return values.sorted() }  // ",)"
                if next.token == .comma {  // ",,"
                    _ = self.consume(.values)
                    values.insert("")
                }
            default:
                throw Labels.SelectorError(message: "found '\(item.literal)', expected: ',', or identifier")
            }
        }
    }

    mutating func parseExactValue() throws(Labels.SelectorError) -> [String] {
        let next = self.lookahead(.values).token
        if next == .endOfString || next == .comma { return [""] }
        let item = self.consume(.values)
        guard item.token == .identifier else {
            throw Labels.SelectorError(message: "found '\(item.literal)', expected: identifier")
        }
        return [item.literal]
    }
}
