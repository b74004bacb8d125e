import Foundation
import PorticoAPI

/// The list continue token, as upstream encodes it: unpadded URL-safe base64 of
/// `{"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"}`. A token whose revision is -1
/// continues at the newest revision (the one a 410 for a compacted token hands back).
struct ContinueToken: Equatable {
    var resourceVersion: Int64
    var start: String

    init(resourceVersion: Int64, start: String) {
        self.resourceVersion = resourceVersion
        self.start = start
    }

    var encoded: String {
        let json: JSON = ["v": "meta.k8s.io/v1", "rv": .integer(self.resourceVersion), "start": .string(self.start)]
        return Data(json.serializedBytes()).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes a token (URL-safe or standard base64, padded or not), with upstream's messages.
    init(_ text: String) throws(APIError) {
        let invalid = { (why: String) in APIError.badRequest("invalid continue token: continue key is not valid: \(why)") }
        var padded = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while padded.count % 4 != 0 { padded += "=" }
        guard let data = Data(base64Encoded: padded) else {
            let bad = text.firstIndex { !($0.isLetter || $0.isNumber || "-_+/=".contains($0)) || !$0.isASCII }
            throw invalid("illegal base64 data at input byte \(bad.map { text.distance(from: text.startIndex, to: $0) } ?? 0)")
        }
        let json: JSON
        do {
            json = try JSON.parse(bytes: Array(data))
        } catch {
            throw invalid("\(error)")
        }
        guard let version = json["v"]?.stringValue, version == "meta.k8s.io/v1" else {
            throw invalid("server does not recognize this encoded version \(json["v"]?.stringValue ?? "")")
        }
        guard let rv = json["rv"]?.integerValue, rv != 0 else {
            throw invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        }
        guard let start = json["start"]?.stringValue, !start.isEmpty else {
            throw invalid("encoded start key empty (version meta.k8s.io/v1)")
        }
        self.resourceVersion = rv
        self.start = start
    }
}

/// Which state a read is served from, in the words of upstream's "Semantics for get and
/// list": the newest, any (Portico's newest too: it has no lagging cache), not older than a
/// revision, or exactly a revision.
enum ReadSemantics: Equatable {
    case mostRecent
    case any
    case notOlderThan(Int64)
    case exact(Int64)
}

/// A list's options checked as kube-apiserver checks them (the query decoder, then
/// `ValidateListOptions` as 422 Invalid, then the storage layer's 400s), and the read they
/// ask for. Pure: the handler serves what this decides.
struct ListOptions: Equatable {
    var read: ReadSemantics
    /// At most this many items (0: all).
    var limit: Int
    /// The key after which the page starts (from a continue token).
    var start: String = ""
    /// Whether a continue token asked for this page (a compacted one is answered differently).
    var continued: Bool = false

    static func parse(_ query: [String: String]) throws(APIError) -> ListOptions {
        let rv = query["resourceVersion"] ?? ""
        let match = query["resourceVersionMatch"] ?? ""
        let token = query["continue"] ?? ""
        let limit = try Self.limit(query["limit"])
        var errors: [FieldError] = []
        if !match.isEmpty, rv.isEmpty {
            errors.append(.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"))
        }
        if !match.isEmpty, !token.isEmpty {
            errors.append(.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"))
        }
        if !["", "Exact", "NotOlderThan"].contains(match) {
            errors.append(FieldError(.notSupported, "resourceVersionMatch", .string(match),
                                     "supported values: \"Exact\", \"NotOlderThan\", \"\""))
        }
        if match == "Exact", rv == "0" {
            errors.append(.forbidden("resourceVersionMatch", "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""))
        }
        if query["sendInitialEvents"] != nil {
            errors.append(.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"))
        }
        if !errors.isEmpty { throw APIError.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "", errors: errors) }

        if !token.isEmpty {
            let decoded = try ContinueToken(token)
            guard rv.isEmpty || rv == "0" else {
                throw APIError.badRequest("specifying resource version is not allowed when using continue")
            }
            let read: ReadSemantics = decoded.resourceVersion < 0 ? .mostRecent : .exact(decoded.resourceVersion)
            return ListOptions(read: read, limit: limit, start: decoded.start, continued: true)
        }
        guard let revision = try Self.revision(rv) else { return ListOptions(read: .mostRecent, limit: limit) }
        // rv=0 is served whole, whatever the limit (as upstream's watch cache serves it).
        if revision == 0 { return ListOptions(read: .any, limit: 0) }
        if match == "Exact" || (match.isEmpty && limit > 0) { return ListOptions(read: .exact(revision), limit: limit) }
        return ListOptions(read: .notOlderThan(revision), limit: limit)
    }

    /// `limit`, as Go's query decoder reads an int64 (a negative or zero limit is no limit).
    static func limit(_ text: String?) throws(APIError) -> Int {
        guard let text, !text.isEmpty else { return 0 }
        guard let value = Int64(text) else {
            let why = text.allSatisfy(\.isNumber) || (text.first == "-" && text.dropFirst().allSatisfy(\.isNumber))
                ? "value out of range" : "invalid syntax"
            throw APIError.badRequest("strconv.ParseInt: parsing \(GoQuote.quote(text)): \(why)")
        }
        return value > 0 ? Int(clamping: value) : 0
    }

    /// A resourceVersion as upstream parses one (an unsigned decimal; "" is none), with the
    /// storage layer's 400 for anything else. Revisions past Int64 are clamped: they are in
    /// the future either way.
    static func revision(_ text: String) throws(APIError) -> Int64? {
        if text.isEmpty { return nil }
        guard text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw APIError.badRequest(
                "invalid resource version: resourceVersion: Invalid value: \(GoQuote.quote(text)): strconv.ParseUint: parsing \(GoQuote.quote(text)): invalid syntax")
        }
        guard let value = UInt64(text) else {
            throw APIError.badRequest(
                "invalid resource version: resourceVersion: Invalid value: \(GoQuote.quote(text)): strconv.ParseUint: parsing \(GoQuote.quote(text)): value out of range")
        }
        return Int64(clamping: value)
    }
}

/// Where a watch starts, checked as upstream checks watch options (after its WatchList
/// defaulting, which gives `rv` "" or "0" the initial state, as before).
struct WatchOptions: Equatable {
    /// Send the state first (ADDED for every object), read with these semantics.
    var initialState: ReadSemantics?
    /// The revision after which changes are sent (nil: from the state, or from now).
    var after: Int64?
    /// Whether the end of the initial state is marked with a bookmark (`sendInitialEvents=true`).
    var initialEventsEndBookmark: Bool

    static func parse(_ query: [String: String]) throws(APIError) -> WatchOptions {
        let rv = query["resourceVersion"] ?? ""
        let match = query["resourceVersionMatch"] ?? ""
        let sendInitialEvents: Bool? = query["sendInitialEvents"].map { $0 == "true" }
        var errors: [FieldError] = []
        if sendInitialEvents != nil, match != "NotOlderThan" {
            errors.append(.forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
        }
        if sendInitialEvents == true, query["allowWatchBookmarks"] != "true" {
            errors.append(.forbidden("allowWatchBookmarks", "allowWatchBookmarks must be set to true when sendInitialEvents is set"))
        }
        if !match.isEmpty, sendInitialEvents == nil {
            errors.append(.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
        }
        if !match.isEmpty, match != "NotOlderThan" {
            errors.append(FieldError(.notSupported, "resourceVersionMatch", .string(match), "supported values: \"NotOlderThan\""))
        }
        if !match.isEmpty, !(query["continue"] ?? "").isEmpty {
            errors.append(.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"))
        }
        if !errors.isEmpty { throw APIError.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "", errors: errors) }
        let revision = try ListOptions.revision(rv)
        switch (sendInitialEvents, revision) {
        case (nil, nil), (true, nil):
            return WatchOptions(initialState: .mostRecent, after: nil, initialEventsEndBookmark: sendInitialEvents == true)
        case (nil, .some(0)), (true, .some(0)):
            return WatchOptions(initialState: .any, after: nil, initialEventsEndBookmark: sendInitialEvents == true)
        case (true, let n?):
            return WatchOptions(initialState: .notOlderThan(n), after: nil, initialEventsEndBookmark: true)
        case (false, nil), (false, .some(0)):
            return WatchOptions(initialState: nil, after: nil, initialEventsEndBookmark: false)
        case (_, let n?):
            return WatchOptions(initialState: nil, after: n, initialEventsEndBookmark: false)
        }
    }
}
