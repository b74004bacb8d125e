import Foundation
import PorticoAPI

/// How a request body is read: its media type chosen from the Content-Type, the checks
/// upstream's decoder makes, and the words of its errors. The pure part of the HTTP layer.
enum RequestBody {
    /// The encodings a body may come in. Anything not protobuf or YAML is read as JSON (as
    /// upstream, whose JSON serializer is the fallback), so a missing Content-Type works.
    enum Format: Equatable {
        case protobuf, yaml, json
    }

    static func format(contentType: String?) -> Format {
        if contentType?.hasPrefix(KubernetesProtobuf.contentType) == true { return .protobuf }
        if Self.mediaType(contentType) == "application/yaml" { return .yaml }
        return .json
    }

    /// The media type of a Content-Type header, without parameters.
    static func mediaType(_ header: String?) -> String {
        (header ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    /// A body's start as upstream quotes it in a decoding error: JSON as it is, anything else
    /// in hex, 30 bytes and ` ...` when there is more.
    static func summarize(_ bytes: [UInt8]) -> String {
        if bytes.isEmpty { return "<empty>" }
        let head = bytes.prefix(30)
        let text = bytes.first == UInt8(ascii: "{") ? String(decoding: head, as: UTF8.self) : head.map { String(format: "%02x", $0) }.joined()
        return bytes.count > 30 ? text + " ..." : text
    }

    /// What `?fieldValidation=` makes of unknown and duplicate fields.
    enum FieldValidation: Equatable {
        /// Reject the body (400).
        case strict
        /// Accept it and answer with a Warning header per field (the default, as upstream's).
        case warn
        /// Accept it silently.
        case ignore

        init(_ parameter: String?) {
            switch parameter ?? "Warn" {
            case "Strict": self = .strict
            case "Ignore": self = .ignore
            default: self = .warn
            }
        }
    }

    /// DeleteOptions from the body (if any), the query's parameters overriding it, with the
    /// propagation policy checked as upstream checks it.
    static func deleteOptions(body: [UInt8], query: [String: String]) throws(APIError) -> DeleteOptions {
        var options = DeleteOptions()
        if !body.isEmpty {
            do {
                options = try KubeJSONDecoder().decode(DeleteOptions.self, from: body).value
            } catch {
                throw APIError.badRequest("\(error)")
            }
        }
        if let grace = query["gracePeriodSeconds"].flatMap({ Int64($0) }) { options.gracePeriodSeconds = grace }
        if let policy = query["propagationPolicy"] { options.propagationPolicy = DeletionPropagation(rawValue: policy) }
        if let orphan = query["orphanDependents"] { options.orphanDependents = orphan == "true" }
        if let dryRun = query["dryRun"] { options.dryRun = [dryRun] }
        if let policy = options.propagationPolicy, ![.orphan, .background, .foreground].contains(policy) {
            throw APIError.invalid(kind: "DeleteOptions", group: "meta.k8s.io", name: "", errors: [
                .notSupported("propagationPolicy", .named(policy.rawValue), ["Foreground", "Background", "Orphan", "nil"]),
            ])
        }
        return options
    }
}

extension TypedResource {
    /// Decodes a request body with upstream's checks: its syntax in the format its
    /// Content-Type names, the kind, and (per `fieldValidation`) unknown or duplicate fields
    /// as an error or as warnings.
    func decodeBody(_ request: APIRequest, warnings: inout [String]) throws(APIError) -> Object {
        let bytes = request.body
        switch RequestBody.format(contentType: request.header("content-type")) {
        case .protobuf:
            do {
                return try self.decodeObject(try KubernetesProtobuf.decode(bytes), request: request, warnings: &warnings)
            } catch let error as APIError {
                throw error
            } catch {
                throw APIError.badRequest("\(self.info.kind) in version \(GoQuote.quote(self.info.version)) cannot be handled as a \(self.info.kind): \(error)")
            }
        case .yaml:
            let documents: [JSON]
            do {
                documents = try YAMLDocuments.parse(String(decoding: bytes, as: UTF8.self))
            } catch let error as YAMLDocuments.Failure {
                throw self.unrecognized("\(error.cause)", bytes)
            } catch {
                throw self.unrecognized("\(error)", bytes)
            }
            return try self.decodeObject(documents.first ?? .object([:]), request: request, warnings: &warnings)
        case .json:
            let parsed: ParsedJSON
            do {
                parsed = try JSON.parseReportingDuplicates(bytes)
            } catch {
                throw APIError.badRequest("couldn't get version/kind; json parse error: \(error)")
            }
            return try self.decodeObject(parsed.value, duplicates: parsed.duplicateFields, request: request, warnings: &warnings)
        }
    }

    private func unrecognized(_ cause: String, _ bytes: [UInt8]) -> APIError {
        APIError.badRequest("the object provided is unrecognized (must be of type \(self.info.kind)): \(cause) (\(RequestBody.summarize(bytes)))")
    }

    /// A parsed body as this kind: the kind and apiVersion it names must be this resource's
    /// (or absent), then strict decoding's findings go as `fieldValidation` says.
    func decodeObject(_ json: JSON, duplicates: [String] = [], request: APIRequest, warnings: inout [String]) throws(APIError) -> Object {
        let kind = self.info.kind
        let apiVersion = self.info.groupVersion
        let cannotHandle = "\(kind) in version \(GoQuote.quote(self.info.version)) cannot be handled as a \(kind)"
        if let givenKind = json["kind"]?.stringValue, !givenKind.isEmpty, givenKind != kind {
            throw APIError.badRequest("\(cannotHandle): the kind in the data (\(givenKind)) does not match the expected kind (\(kind))")
        }
        if let givenVersion = json["apiVersion"]?.stringValue, !givenVersion.isEmpty, givenVersion != apiVersion {
            throw APIError.badRequest("the API version in the data (\(givenVersion)) does not match the expected API version (\(apiVersion))")
        }
        let document: DecodedDocument<Object>
        do {
            document = try KubeJSONDecoder().decode(Object.self, from: json)
        } catch {
            throw APIError.badRequest("\(cannotHandle): \(error)")
        }
        let strict = document.strictErrors + duplicates.map { "duplicate field \"\($0)\"" }
        if !strict.isEmpty {
            switch RequestBody.FieldValidation(request.query["fieldValidation"]) {
            case .strict: throw APIError.badRequest("\(cannotHandle): strict decoding error: " + strict.joined(separator: ", "))
            case .ignore: break
            case .warn: warnings += strict
            }
        }
        return document.value
    }
}
