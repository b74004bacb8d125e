/// metav1.LabelSelector: the structured selector of Deployments and ReplicaSets.
public struct LabelSelector: Codable, Sendable, Hashable {
    @OmitEmpty public var matchLabels: [String: String] = [:]
    @OmitEmpty public var matchExpressions: [LabelSelectorRequirement] = []

    public init(matchLabels: [String: String] = [:], matchExpressions: [LabelSelectorRequirement] = []) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }
}

public struct LabelSelectorRequirement: Codable, Sendable, Hashable {
    public var key: String
    public var `operator`: String
    @OmitEmpty public var values: [String] = []

    public init(key: String, operator: String, values: [String] = []) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }
}
