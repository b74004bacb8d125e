/// Server-side table printing (upstream pkg/printers/internalversion): the columns and cells
/// `kubectl get` shows. The server always produces the wide form; kubectl hides columns with
/// a priority above 0 unless `-o wide`.
public protocol TablePrintable: KubeObject {
    static var columnDefinitions: [TableColumnDefinition] { get }
    func tableCells(now: MicroTime) -> [JSON]
    func tableConditions() -> [TableRowCondition]
}

extension TablePrintable {
    public func tableConditions() -> [TableRowCondition] { [] }
}

/// What `row.object` carries (`?includeObject=`).
public enum IncludeObjectPolicy: String, Sendable {
    case none = "None"
    case metadata = "Metadata"
    case object = "Object"
}

public enum TablePrinter {
    public static let nameDescription =
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
    public static let creationTimestampDescription =
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"

    static let nameColumn = TableColumnDefinition(name: "Name", format: "name", description: nameDescription)
    static let ageColumn = TableColumnDefinition(name: "Age", description: creationTimestampDescription)

    /// A table of `items`; `metadata` carries the list's resourceVersion (and continue token).
    public static func table<T: TablePrintable>(_ items: [T], metadata: ListMeta = ListMeta(), now: MicroTime = .now(),
                                                includeObject: IncludeObjectPolicy = .metadata,
                                                withHeaders: Bool = true) throws -> Table {
        let rows = try items.map { try self.row($0, now: now, includeObject: includeObject) }
        return Table(metadata: metadata, columnDefinitions: withHeaders ? T.columnDefinitions : [], rows: rows)
    }

    /// One object's row (a table can be built a row at a time, holding rows, not objects).
    public static func row<T: TablePrintable>(_ item: T, now: MicroTime, includeObject: IncludeObjectPolicy) throws -> TableRow {
        TableRow(cells: item.tableCells(now: now), conditions: item.tableConditions(), object: try self.rowObject(item, includeObject))
    }

    static func rowObject<T: KubeObject>(_ item: T, _ policy: IncludeObjectPolicy) throws -> JSON? {
        switch policy {
        case .none: return .null
        case .object:
            var object = item
            object.setTypeMeta()
            return try object.toJSON()
        case .metadata:
            return [
                "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                "metadata": try item.metadata.toJSON(),
            ]
        }
    }

    /// labels.FormatLabels: `k=v` strings sorted as whole strings, or `<none>`.
    public static func formatLabels(_ labels: [String: String]) -> String {
        let pairs = labels.map { "\($0.key)=\($0.value)" }.sorted()
        return pairs.isEmpty ? "<none>" : pairs.joined(separator: ",")
    }

    /// Up to three entries, then ` + N more...`; `<unset>` when empty (listWithMoreString).
    static func listWithMore(_ list: [String], total: Int, max: Int = 3) -> String {
        let shown = list.prefix(max).joined(separator: ",")
        if total > max { return "\(shown) + \(total - max) more..." }
        return shown.isEmpty ? "<unset>" : shown
    }

    static func joinHostPort(_ host: String, _ port: Int32) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
