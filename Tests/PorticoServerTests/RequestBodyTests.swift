import PorticoAPI
import Testing

@testable import PorticoServer

/// How a request is read before any store is involved: the body's media type, the words of
/// a decoding error, `fieldValidation`, DeleteOptions from body and query, Warning headers.
@Suite("Request bodies") struct RequestBodyTests {
    @Test func theContentTypeChoosesHowTheBodyIsRead() {
        #expect(RequestBody.format(contentType: "application/vnd.kubernetes.protobuf") == .protobuf)
        #expect(RequestBody.format(contentType: "application/vnd.kubernetes.protobuf;stream=watch") == .protobuf)
        #expect(RequestBody.format(contentType: "application/yaml") == .yaml)
        #expect(RequestBody.format(contentType: "Application/YAML; charset=utf-8") == .yaml)
        #expect(RequestBody.format(contentType: "application/json") == .json)
        // JSON is the fallback, as upstream's: no header, or one it does not know.
        #expect(RequestBody.format(contentType: nil) == .json)
        #expect(RequestBody.format(contentType: "text/plain") == .json)
    }

    @Test func theMediaTypeDropsParametersAndCase() {
        #expect(RequestBody.mediaType("application/merge-patch+json; charset=utf-8") == "application/merge-patch+json")
        #expect(RequestBody.mediaType(" Application/JSON ") == "application/json")
        #expect(RequestBody.mediaType(nil) == "")
        #expect(RequestBody.mediaType("") == "")
    }

    @Test func aBodyIsQuotedAsUpstreamQuotesItInAnError() {
        #expect(RequestBody.summarize([]) == "<empty>")
        #expect(RequestBody.summarize(Array("{\"kind\":1}".utf8)) == "{\"kind\":1}")
        #expect(RequestBody.summarize([0x0a, 0xff]) == "0aff")
        let long = Array(("{" + String(repeating: "a", count: 40)).utf8)
        #expect(RequestBody.summarize(long) == "{" + String(repeating: "a", count: 29) + " ...")
    }

    @Test func fieldValidationWarnsUnlessToldOtherwise() {
        #expect(RequestBody.FieldValidation(nil) == .warn)
        #expect(RequestBody.FieldValidation("Warn") == .warn)
        #expect(RequestBody.FieldValidation("Strict") == .strict)
        #expect(RequestBody.FieldValidation("Ignore") == .ignore)
        #expect(RequestBody.FieldValidation("strict") == .warn)  // the values are case-sensitive
    }

    @Test func theQueryOverridesTheDeleteOptionsBody() throws {
        let body = Array(#"{"gracePeriodSeconds":30,"propagationPolicy":"Orphan","preconditions":{"uid":"u1"}}"#.utf8)
        let options = try RequestBody.deleteOptions(body: body, query: ["gracePeriodSeconds": "0", "propagationPolicy": "Foreground",
                                                                        "dryRun": "All", "orphanDependents": "true"])
        #expect(options.gracePeriodSeconds == 0)
        #expect(options.propagationPolicy == .foreground)
        #expect(options.dryRun == ["All"])
        #expect(options.orphanDependents == true)
        #expect(options.preconditions?.uid == "u1")
        #expect(try RequestBody.deleteOptions(body: [], query: [:]) == DeleteOptions())
        // A grace period that is not a number is ignored, as before.
        #expect(try RequestBody.deleteOptions(body: [], query: ["gracePeriodSeconds": "soon"]).gracePeriodSeconds == nil)
    }

    @Test func anUnknownPropagationPolicyOrABadBodyIsRefused() {
        do {
            _ = try RequestBody.deleteOptions(body: [], query: ["propagationPolicy": "Sideways"])
            Issue.record("accepted an unknown propagation policy")
        } catch {
            #expect(error.code == 422)
        }
        do {
            _ = try RequestBody.deleteOptions(body: Array("{".utf8), query: [:])
            Issue.record("accepted a body that is not JSON")
        } catch {
            #expect(error.code == 400)
        }
    }

    @Test func warningsAreSentAsUpstreamSendsThem() {
        let headers = TypedResource<ConfigMap>.warningHeaders(["unknown field \"spec.x\""])
        #expect(headers.count == 1)
        #expect(headers.first?.0 == "Warning")
        #expect(headers.first?.1 == #"299 - "unknown field \"spec.x\"""#)
        #expect(TypedResource<ConfigMap>.warningHeaders([]).isEmpty)
    }
}
