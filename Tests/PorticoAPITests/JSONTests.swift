import Testing

@testable import PorticoAPI

@Suite("JSON") struct JSONTests {
    @Test func parsesAndKeepsKeyOrder() throws {
        let json = try JSON.parse(#" {"b": 1, "a": [true, false, null, -2.5e3, "x\u00e9\n"], "c": {}} "#)
        #expect(json.objectValue.map { Array($0.keys) } == ["b", "a", "c"])
        #expect(json["a"] == [true, false, nil, -2500.0, "xé\n"])
        #expect(json.serialized() == #"{"b":1,"a":[true,false,null,-2500,"xé\n"],"c":{}}"#)
    }

    @Test func integersStayExact() throws {
        #expect(try JSON.parse("9223372036854775807") == .integer(Int64.max))
        #expect(try JSON.parse("-9223372036854775808") == .integer(Int64.min))
        #expect(try JSON.parse("9223372036854775808") == .double(9223372036854775808))
    }

    @Test func surrogatePairsAndEscapes() throws {
        #expect(try JSON.parse(#""\ud83d\ude00 \/ \\ \"""#) == .string("😀 / \\ \""))
        #expect(try JSON.parse(#""\ud800""#) == .string("\u{FFFD}"))
    }

    @Test func writesAsGoDoes() {
        let json: JSON = ["cell": "<none>", "amp": "a&b", "ctl": "\u{01}", "nl": "a\nb"]
        #expect(json.serialized() == #"{"cell":"\u003cnone\u003e","amp":"a\u0026b","ctl":"\u0001","nl":"a\nb"}"#)
        #expect(json.serialized(JSONWriteOptions(escapeHTML: false)) == #"{"cell":"<none>","amp":"a&b","ctl":"\u0001","nl":"a\nb"}"#)
        #expect(JSON.array([]).serialized() == "[]")
        #expect(JSON.string("é😀\u{2028}x\u{2029}\"\\\t\u{7f}").serialized() == #""é😀\u2028x\u2029\"\\\t"# + "\u{7f}\"")
        #expect(JSON.object([:]).serialized(.kubectl) == "{}")
        #expect((["a": [1, 2]] as JSON).serialized(.kubectl) == "{\n    \"a\": [\n        1,\n        2\n    ]\n}")
    }

    @Test(arguments: [
        ("", "unexpected end of JSON input"),
        ("{", "unexpected end of JSON input"),
        ("{\"a\" 1}", "invalid character '1' after object key"),
        ("{\"a\":1,}", "invalid character '}' looking for beginning of object key string"),
        ("[1 2]", "invalid character '2' after array element"),
        ("tru", "unexpected end of JSON input"),
        ("nul!", "invalid character '!' in literal null (expecting 'l')"),
        ("01", "invalid character '1' after top-level value"),
        ("1.", "unexpected end of JSON input"),
        ("-x", "invalid character 'x' in numeric literal"),
        ("\"\\q\"", "invalid character 'q' in string escape code"),
        ("\"a\nb\"", "invalid character '\\n' in string literal"),
        ("\"a\u{01}b\"", "invalid character '\\x01' in string literal"),
        ("{} {}", "invalid character '{' after top-level value"),
        ("'a'", "invalid character '\\'' looking for beginning of value"),
    ])
    func syntaxErrorsReadLikeGo(_ input: String, _ message: String) {
        #expect(throws: JSONSyntaxError.self) { try JSON.parse(input) }
        do { _ = try JSON.parse(input) } catch let error as JSONSyntaxError { #expect(error.message == message) } catch {}
    }

    @Test func duplicateKeysAreReportedWithTheirPath() throws {
        let parsed = try JSON.parseReportingDuplicates(Array(#"{"metadata":{"name":"a","name":"b"},"spec":{"ports":[{"port":1,"port":2}]}}"#.utf8))
        #expect(parsed.duplicateFields == ["metadata.name", "spec.ports[0].port"])
        #expect(parsed.value["metadata"]?["name"] == "b")
    }

    @Test func deepNestingIsRefused() {
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        #expect(throws: JSONSyntaxError.self) { try JSON.parse(deep) }
    }
}

@Suite("Kubernetes JSON decoding") struct KubeDecodingTests {
    @Test func unknownFieldsAreListedWithPaths() throws {
        let doc = try KubeJSONDecoder().decode(Service.self, from: #"""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"web","labelz":{}},
             "spec":{"ports":[{"port":80,"nodeport":30080}],"selector":{"app":"web"},"typo":1}}
            """#)
        // In document order, as Go's decoder meets them.
        #expect(doc.unknownFields == ["metadata.labelz", "spec.ports[0].nodeport", "spec.typo"])
        #expect(doc.strictErrors == ["unknown field \"metadata.labelz\"", "unknown field \"spec.ports[0].nodeport\"", "unknown field \"spec.typo\""])
        #expect(doc.value.spec.ports[0].port == 80)
    }

    @Test func rawFieldsAcceptAnything() throws {
        let doc = try KubeJSONDecoder().decode(Pod.self, from: #"""
            {"metadata":{"name":"p"},"spec":{"volumes":[{"name":"v","emptyDir":{"medium":"Memory"}}],
             "containers":[{"name":"c","image":"i","resources":{"limits":{"cpu":"1"}}}]}}
            """#)
        #expect(doc.unknownFields.isEmpty)
        #expect(doc.value.spec.volumes[0]["emptyDir"]?["medium"] == "Memory")
    }

    @Test func typeErrorsReadLikeGo() {
        func message(_ text: String) -> String {
            do {
                _ = try KubeJSONDecoder().decode(Service.self, from: text)
                return "decoded"
            } catch {
                return "\(error)"
            }
        }
        #expect(message(#"{"spec":{"ports":[{"port":"80"}]}}"#)
            == "json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32")
        #expect(message(#"{"spec":{"ports":[{"port":1.5}]}}"#)
            == "json: cannot unmarshal number 1.5 into Go struct field ServicePort.spec.ports.port of type int32")
        #expect(message(#"{"spec":{"ports":[{"port":4294967296}]}}"#)
            == "json: cannot unmarshal number 4294967296 into Go struct field ServicePort.spec.ports.port of type int32")
        #expect(message(#"{"spec":"x"}"#) == "json: cannot unmarshal string into Go struct field Service.spec of type v1.ServiceSpec")
        #expect(message(#"{"spec":{"ports":{}}}"#) == "json: cannot unmarshal object into Go struct field ServiceSpec.spec.ports of type []v1.ServicePort")
        #expect(message(#"{"metadata":{"creationTimestamp":"yesterday"}}"#)
            == "metadata.creationTimestamp: parsing time \"yesterday\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"yesterday\" as RFC 3339")
        #expect(message("[]") == "json: cannot unmarshal array into Go value of type v1.Service")
    }

    @Test func nullAndMissingMeanZero() throws {
        let service = try KubeJSONDecoder().decode(Service.self, from: #"{"metadata":null,"spec":{"ports":[{"port":80,"name":null}],"clusterIPs":null}}"#).value
        #expect(service.metadata.name == "")
        #expect(service.spec.ports[0].name == "")
        #expect(service.spec.clusterIPs == [])
    }

    @Test func intOrString() throws {
        #expect(try JSON.parse("8080").decode(as: IntOrString.self) == .int(8080))
        #expect(try JSON.parse(#""8080""#).decode(as: IntOrString.self) == .string("8080"))
        #expect(try IntOrString.string("http").toJSON() == "http")
        #expect(try IntOrString.int(80).toJSON() == 80)
    }

    @Test func emptyFieldsAreLeftOutAsGoDoes() throws {
        var service = Service(metadata: ObjectMeta(name: "web"), spec: ServiceSpec(ports: [ServicePort(port: 80)]))
        service.spec.publishNotReadyAddresses = false
        service.spec.healthCheckNodePort = 0
        #expect(try service.jsonString()
            == #"{"kind":"Service","apiVersion":"v1","metadata":{"name":"web","creationTimestamp":null},"spec":{"ports":[{"port":80,"targetPort":0}]},"status":{"loadBalancer":{}}}"#)
        // Pointer fields are written even when zero.
        let port = EndpointPort(name: "", protocol: .tcp, port: 80)
        #expect(try port.jsonString() == #"{"name":"","protocol":"TCP","port":80}"#)
        // Lists Go writes without omitempty are null when empty.
        let slice = EndpointSlice(metadata: ObjectMeta(name: "s"), addressType: .ipv4)
        #expect(try slice.toJSON()["endpoints"] == .null)
        #expect(try slice.toJSON()["ports"] == .null)
    }

    @Test func mapsAreWrittenWithSortedKeys() throws {
        let meta = ObjectMeta(name: "x", labels: ["zeta": "1", "alpha": "2", "mid": "3"])
        #expect(try meta.toJSON()["labels"]?.serialized() == #"{"alpha":"2","mid":"3","zeta":"1"}"#)
    }

    @Test func times() throws {
        #expect(Time(rfc3339: "2024-05-01T12:34:56Z")?.secondsSinceEpoch == 1_714_566_896)
        #expect(Time(rfc3339: "2024-05-01T14:34:56.999+02:00")?.rfc3339 == "2024-05-01T12:34:56Z")
        #expect(Time(rfc3339: "1969-12-31T23:59:59Z")?.secondsSinceEpoch == -1)
        #expect(Time(rfc3339: "2024-02-30T00:00:00Z") == nil)
        #expect(Time(rfc3339: "2024-05-01 12:34:56Z") == nil)
        #expect(Time(secondsSinceEpoch: 951_782_400).rfc3339 == "2000-02-29T00:00:00Z")
        #expect(MicroTime(rfc3339: "2024-05-01T12:34:56.123456Z")?.rfc3339 == "2024-05-01T12:34:56.123456Z")
        #expect(MicroTime(microsecondsSinceEpoch: 5).rfc3339 == "1970-01-01T00:00:00.000005Z")
    }
}
