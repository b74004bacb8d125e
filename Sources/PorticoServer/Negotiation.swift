import PorticoAPI

/// What the client asked the answer to look like (the Accept header and `?includeObject=`).
struct ResponseFormat: Sendable {
    enum Shape: Sendable { case object, table }
    var shape: Shape
    var tableVersion = "v1"
    var includeObject: IncludeObjectPolicy = .metadata

    /// Reads `Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json`.
    static func parse(accept: String?, query: [String: String]) throws(APIError) -> ResponseFormat {
        var format = ResponseFormat(shape: .object)
        if let include = query["includeObject"] {
            guard let policy = include.isEmpty ? .metadata : IncludeObjectPolicy(rawValue: include) else {
                throw APIError.badRequest(
                    "Unable to convert to Table as requested: includeObject: Invalid value: \(GoQuote.quote(include)): must be 'Metadata', 'Object', 'None', or empty")
            }
            format.includeObject = policy
        }
        guard let accept, !accept.isEmpty else { return format }
        var acceptsJSON = false
        for clause in accept.split(separator: ",") {
            let params = clause.split(separator: ";").map { $0.trimmingCharacters(in: " ") }
            guard let mediaType = params.first else { continue }
            var options: [String: String] = [:]
            for p in params.dropFirst() {
                let kv = p.split(separator: "=", maxSplits: 1)
                if kv.count == 2 { options[String(kv[0])] = String(kv[1]) }
            }
            let isJSON = mediaType == "application/json" || mediaType == "*/*" || mediaType == "application/*"
            if isJSON, options["as"] == "Table", options["g"] == "meta.k8s.io", ["v1", "v1beta1"].contains(options["v"] ?? "") {
                format.shape = .table
                format.tableVersion = options["v"]!
                return format
            }
            if isJSON, options["as"] == nil { acceptsJSON = true }
            if mediaType == "application/yaml" { acceptsJSON = true }
        }
        if !acceptsJSON {
            throw APIError.notAcceptable("only the following media types are accepted: application/json, application/yaml")
        }
        return format
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        String(self.drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }
}
