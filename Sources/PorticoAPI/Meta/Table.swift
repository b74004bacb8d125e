/// meta.k8s.io/v1 Table: what `kubectl get` asks the server for and prints as it is.
public struct Table: Codable, Sendable, Hashable {
    public var kind: String = "Table"
    public var apiVersion: String = "meta.k8s.io/v1"
    public var metadata: ListMeta = ListMeta()
    public var columnDefinitions: [TableColumnDefinition]
    public var rows: [TableRow]

    public init(metadata: ListMeta = ListMeta(), columnDefinitions: [TableColumnDefinition], rows: [TableRow]) {
        self.metadata = metadata
        self.columnDefinitions = columnDefinitions
        self.rows = rows
    }
}

public struct TableColumnDefinition: Codable, Sendable, Hashable {
    public var name: String
    public var type: String
    public var format: String
    public var description: String
    public var priority: Int32

    public init(name: String, type: String = "string", format: String = "", description: String, priority: Int32 = 0) {
        self.name = name
        self.type = type
        self.format = format
        self.description = description
        self.priority = priority
    }
}

public struct TableRow: Codable, Sendable, Hashable {
    public var cells: [JSON]
    @OmitEmpty public var conditions: [TableRowCondition] = []
    public var object: JSON? = nil

    public init(cells: [JSON], conditions: [TableRowCondition] = [], object: JSON? = nil) {
        self.cells = cells
        self.conditions = conditions
        self.object = object
    }
}

public struct TableRowCondition: Codable, Sendable, Hashable {
    public var type: String
    public var status: String
    @OmitEmpty public var reason: String = ""
    @OmitEmpty public var message: String = ""

    public init(type: String, status: String, reason: String = "", message: String = "") {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
    }
}
