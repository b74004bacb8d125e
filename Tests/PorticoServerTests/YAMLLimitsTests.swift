import Foundation
import PorticoAPI
import Testing

@testable import PorticoServer

/// YAML from clients is bounded as go-yaml bounds it: a few hundred bytes of nested aliases
/// are refused at once instead of growing into a tree of millions of nodes.
struct YAMLLimitsTests {
    static let bomb = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: bomb
        data:
          a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]
          b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
          c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
          d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
          e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
          f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
          g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
          h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]
          i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]

        """

    func cause(_ text: String) -> String {
        do {
            _ = try YAMLDocuments.parse(text)
            return "parsed"
        } catch let failure as YAMLDocuments.Failure {
            return failure.cause
        } catch {
            return "\(error)"
        }
    }

    @Test func nestedAliasesAreRefusedAtOnce() {
        let started = ContinuousClock.now
        #expect(self.cause(Self.bomb) == "yaml: document contains excessive aliasing")
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func aDocumentOfTooManyNodesIsRefused() {
        // Within the 3 MiB a body may have, without an alias.
        let big = "a: [" + String(repeating: "1,", count: 1_100_000) + "1]\n"
        #expect(self.cause(big) == "yaml: document decodes to more than 1048576 nodes")
    }

    @Test func ordinaryAliasesStillWork() throws {
        let text = """
            base: &labels {app: web, tier: front}
            one: *labels
            two: *labels
            ports: &ports [80, 443]
            again: *ports
            """
        let json = try #require(try YAMLDocuments.parse(text).first)
        #expect(json["two"] == ["app": "web", "tier": "front"])
        #expect(json["again"] == [80, 443])
    }

    @Test func whatWouldCostYamsItselfIsRefusedBeforeItReads() {
        #expect(self.cause("a: &a [x, y]\n*a : value\n") == "yaml: aliases used as mapping keys are not supported")
        #expect(self.cause("a: &a [x]\n? *a\n: v\n") == "yaml: explicit mapping keys are not supported in a document with aliases")
        #expect(self.cause("a: " + String(repeating: "[", count: 5000)) == "yaml: exceeded max depth of 1000")
        // Quoted text and plain scalars are not mistaken for either.
        #expect(self.cause("a: &a x\nb: \"*a: [[[\"\nc: 'it''s *a: ?'\nd: x*y: z\n") == "parsed")
    }

    @Test func theAPIRefusesThemWithUpstreamsWords() async throws {
        let t = try await TestServer()
        let apply = await t.call("PATCH", "/api/v1/namespaces/default/configmaps/bomb?fieldManager=me", nil,
                                 headers: ["content-type": "application/apply-patch+yaml"], raw: Array(Self.bomb.utf8))
        #expect(apply.status == 400)
        #expect(apply.bodyJSON?["message"] == "error decoding YAML: error converting YAML to JSON: yaml: document contains excessive aliasing")
        let create = await t.call("POST", "/api/v1/namespaces/default/configmaps", nil,
                                  headers: ["content-type": "application/yaml"], raw: Array(Self.bomb.utf8))
        #expect(create.status == 400)
        #expect(create.bodyJSON?["message"]?.stringValue?.hasPrefix(
            "the object provided is unrecognized (must be of type ConfigMap): yaml: document contains excessive aliasing (61706956657273696f6e3a2076310a6b696e643a20436f6e6669674d6170 ...)") == true)
        // A YAML body is a body like any other.
        let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  key: value\n"
        let created = await t.call("POST", "/api/v1/namespaces/default/configmaps", nil, headers: ["content-type": "application/yaml"],
                                   raw: Array(yaml.utf8))
        #expect(created.status == 201)
        #expect(created.bodyJSON?["data"] == ["key": "value"])
    }
}
