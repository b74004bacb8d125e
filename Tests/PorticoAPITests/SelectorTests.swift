import Testing

@testable import PorticoAPI

@Suite("Label selectors") struct LabelSelectorTests {
    @Test func theIssueExample() throws {
        let selector = try Labels.parse("a=b,c!=d,e in (y,x),!f")
        #expect(selector.description == "a=b,c!=d,e in (x,y),!f")
        #expect(selector.matches(["a": "b", "e": "x"]))
        #expect(selector.matches(["a": "b", "c": "z", "e": "y"]))
        #expect(!selector.matches(["a": "b", "c": "d", "e": "x"]))
        #expect(!selector.matches(["a": "b", "e": "x", "f": ""]))
        #expect(!selector.matches(["a": "b"]))
    }

    @Test(arguments: [
        ("", ""), ("a", "a"), ("!a", "!a"), ("a==b", "a==b"), ("b=1,a=2", "a=2,b=1"), ("a notin (x)", "a notin (x)"),
        ("a in ()", "a in ()"), ("a in (x,)", "a in (,x)"), ("a in (x,,y)", "a in (,x,y)"), ("a=", "a="), ("a>5", "a>5"), ("a<5", "a<5"),
        ("  a  =  b  ", "a=b"), ("x in (in,notin)", "x in (in,notin)"), ("example.com/app=web", "example.com/app=web"),
    ])
    func canonicalForms(_ input: String, _ expected: String) throws {
        #expect(try Labels.parse(input).description == expected)
    }

    @Test(arguments: [
        ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        ("a,", "found '', expected: identifier after ','"),
        ("a=b c", "found 'c', expected: ',' or 'end of string'"),
        ("=a", "found '=', expected: !, identifier, or 'end of string'"),
        ("a in x", "unable to parse requirement: found 'x' expected: '('"),
        ("a in (x y)", "unable to parse requirement: found 'y', expected: ',' or ')'"),
        ("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
        ("!a=b", "found '=', expected: ',' or 'end of string'"),
        ("a=(", "unable to parse requirement: found '(', expected: identifier"),
        ("a/b/c=d", "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"),
        ("a=-x", "unable to parse requirement: values[0][a]: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
        ("a>x", "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer"),
        ("!", "unable to parse requirement: found '', expected: identifier"),
    ])
    func parseErrors(_ input: String, _ message: String) {
        do {
            _ = try Labels.parse(input)
            Issue.record("\(input) parsed")
        } catch {
            #expect(error.message == message)
        }
    }

    @Test func gtAndLtCompareNumbers() throws {
        #expect(try Labels.parse("n>5").matches(["n": "6"]))
        #expect(try !Labels.parse("n>5").matches(["n": "5"]))
        #expect(try !Labels.parse("n>5").matches(["n": "x"]))
        #expect(try Labels.parse("n<5").matches(["n": "-1"]))
    }

    @Test func structuredSelectors() throws {
        #expect(try Labels.Selector(nil).matchesNothing)
        #expect(try Labels.Selector(LabelSelector()).isEverything)
        let selector = try Labels.Selector(LabelSelector(matchLabels: ["app": "web"], matchExpressions: [
            LabelSelectorRequirement(key: "tier", operator: "In", values: ["b", "a"]),
            LabelSelectorRequirement(key: "debug", operator: "DoesNotExist"),
        ]))
        #expect(selector.description == "app=web,!debug,tier in (a,b)")
        #expect(selector.matches(["app": "web", "tier": "a"]))
        #expect(!selector.matches(["app": "web", "tier": "a", "debug": "1"]))
        #expect(throws: Labels.SelectorError(message: "\"Foo\" is not a valid pod selector operator")) {
            try Labels.Selector(LabelSelector(matchExpressions: [LabelSelectorRequirement(key: "a", operator: "Foo")]))
        }
        #expect(throws: Labels.SelectorError(message: "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty")) {
            try Labels.Selector(LabelSelector(matchExpressions: [LabelSelectorRequirement(key: "a", operator: "In")]))
        }
    }

    @Test func aServiceSelectorMatchesAllItsPairs() {
        let selector = Labels.Selector(matchingAll: ["app": "web", "tier": "front"])
        #expect(selector.matches(["app": "web", "tier": "front", "x": "y"]))
        #expect(!selector.matches(["app": "web"]))
        #expect(Labels.Selector(matchingAll: [:]).isEverything)
    }
}

@Suite("Field selectors") struct FieldSelectorTests {
    @Test func parseAndMatch() throws {
        let selector = try Fields.parse("metadata.namespace!=kube-system,metadata.name==web")
        #expect(selector.description == "metadata.name=web,metadata.namespace!=kube-system")
        #expect(selector.matches(["metadata.name": "web", "metadata.namespace": "default"]))
        #expect(!selector.matches(["metadata.name": "web", "metadata.namespace": "kube-system"]))
        #expect(selector.requiredValue("metadata.name") == "web")
        #expect(try Fields.parse("").isEverything)
        #expect(try Fields.parse("a=b\\,c\\=d\\\\").terms[0].value == "b,c=d\\")
        #expect(try Fields.parse("spec.nodeName=").matches([:]))
    }

    @Test(arguments: [
        ("foo", "invalid selector: 'foo'; can't understand 'foo'"),
        ("a=b=c", "invalid field selector: unescaped character in value: 61"),
        ("a==b,c", "invalid selector: 'a==b,c'; can't understand 'c'"),
        ("a=\\x", "invalid field selector: invalid escape sequence: \\x"),
    ])
    func parseErrors(_ input: String, _ message: String) {
        #expect(throws: Fields.SelectorError(message: message)) { try Fields.parse(input) }
    }

    @Test func fieldsEachKindSupports() throws {
        try Fields.validate(Fields.parse("spec.clusterIP=10.96.0.1,spec.type=NodePort,metadata.name=x"), kind: "Service")
        try Fields.validate(Fields.parse("spec.nodeName=node-1,status.phase=Running,spec.host=x"), kind: "Pod")
        try Fields.validate(Fields.parse("metadata.name=x"), kind: "ConfigMap")
        #expect(throws: Fields.SelectorError(message: "field label not supported: spec.foo")) {
            try Fields.validate(Fields.parse("spec.foo=bar"), kind: "Service")
        }
        #expect(throws: Fields.SelectorError(message: "\"data.x\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")) {
            try Fields.validate(Fields.parse("data.x=1"), kind: "ConfigMap")
        }
        #expect(throws: Fields.SelectorError(message: "field label not supported: metadata.namespace")) {
            try Fields.validate(Fields.parse("metadata.namespace=x"), kind: "Node")
        }
    }
}

@Suite("Name rules") struct NameRuleTests {
    @Test func qualifiedNames() {
        #expect(NameRules.isQualifiedName("app.kubernetes.io/name").isEmpty)
        #expect(NameRules.isQualifiedName("a_b.C-9").isEmpty)
        #expect(NameRules.isQualifiedName("") == [
            "name part must be non-empty",
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        ])
        #expect(NameRules.isQualifiedName("Example.com/x") == [
            "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ])
        #expect(NameRules.isQualifiedName(String(repeating: "a", count: 64)) == ["name part must be no more than 63 characters"])
    }

    @Test func labelsAndPorts() {
        #expect(NameRules.isValidLabelValue("").isEmpty)
        #expect(NameRules.isValidLabelValue(String(repeating: "a", count: 63)).isEmpty)
        #expect(NameRules.isValidLabelValue(String(repeating: "a", count: 64)) == ["must be no more than 63 characters"])
        #expect(NameRules.isValidPortName("http").isEmpty)
        #expect(NameRules.isValidPortName("") == ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)", "must contain at least one letter (a-z)"])
        #expect(NameRules.isValidPortNum(0) == ["must be between 1 and 65535, inclusive"])
        #expect(NameRules.isDNS1123Label("a.b") == ["must not contain dots"])
        #expect(NameRules.isDNS1123Subdomain("a..b").count == 1)
    }

    @Test func generatedNames() {
        let name = NameRules.generateName("web-")
        #expect(name.hasPrefix("web-") && name.count == 9)
        #expect(name.dropFirst(4).allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
        #expect(NameRules.generateName(String(repeating: "a", count: 70)).count == 63)
    }
}

@Suite("IP addresses") struct IPAddressTests {
    @Test(arguments: [
        ("10.96.0.1", "10.96.0.1"), ("010.096.000.001", "10.96.0.1"), ("::1", "::1"), ("fd00:10:96::a", "fd00:10:96::a"),
        ("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"), ("::", "::"),
        ("::ffff:1.2.3.4", "1.2.3.4"), ("1::", "1::"), ("fe80::1:0:0:0", "fe80::1:0:0:0"),
    ])
    func parseAndFormat(_ text: String, _ canonical: String) {
        #expect(IPAddress(text)?.description == canonical)
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-1", "abc", "1:2:3:4:5:6:7:8:9", "::1::", "fe80::1%eth0", "12345::", "1.2.3.4 "])
    func invalid(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func networks() {
        let n = IPNetwork("10.96.0.0/12")!
        #expect(n.contains(IPAddress("10.111.255.255")!))
        #expect(!n.contains(IPAddress("10.112.0.0")!))
        #expect(n.lastAddress.description == "10.111.255.255")
        #expect(n.size == 1 << 20)
        #expect(IPNetwork("10.0.0.1/8")?.description == "10.0.0.0/8")
        #expect(IPNetwork("10.0.0.0/33") == nil)
        #expect(IPNetwork("10.0.0.0") == nil)
        #expect(IPNetwork("fd00:10:96::/108")?.lastAddress.description == "fd00:10:96::f:ffff")
        #expect(IPAddress("10.0.0.255")!.offset(from: IPAddress("10.0.0.1")!) == 254)
        #expect(IPAddress("10.0.0.1")!.adding(255).description == "10.0.1.0")
    }
}
