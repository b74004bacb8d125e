/// Renders a Table the way `kubectl get` prints it: upper-cased headers, columns aligned
/// with kubectl's tabwriter settings (min width 6, padding 3), priority>0 columns only
/// with `wide`.
public enum TableText {
    public static func render(_ table: Table, wide: Bool = false, withNamespace: Bool = false) -> String {
        let shown = table.columnDefinitions.indices.filter { wide || table.columnDefinitions[$0].priority == 0 }
        var lines: [[String]] = []
        var header = shown.map { table.columnDefinitions[$0].name.uppercased() }
        if withNamespace { header.insert("NAMESPACE", at: 0) }
        lines.append(header)
        for row in table.rows {
            var cells = shown.map { i in i < row.cells.count ? self.cellText(row.cells[i]) : "" }
            if withNamespace { cells.insert(row.object?["metadata"]?["namespace"]?.stringValue ?? "", at: 0) }
            lines.append(cells)
        }
        return self.align(lines)
    }

    static func cellText(_ cell: JSON) -> String {
        switch cell {
        case .string(let s):
            // kubectl cuts a cell at its first line break.
            if let cut = s.firstIndex(where: { $0 == "\n" || $0 == "\r" }) { return String(s[..<cut]) + "..." }
            return s
        case .null: return ""
        case .integer(let i): return String(i)
        case .double(let d): return JSON.formatDouble(d)
        case .bool(let b): return b ? "true" : "false"
        default: return cell.description
        }
    }

    /// Go's text/tabwriter with kubectl's settings: every cell but the last of a line is padded.
    public static func align(_ lines: [[String]]) -> String {
        let columns = lines.map(\.count).max() ?? 0
        var widths = Array(repeating: 0, count: columns)
        for line in lines {
            for (i, cell) in line.enumerated() where i < line.count - 1 {
                widths[i] = max(widths[i], max(6, cell.count + 3))
            }
        }
        var out = ""
        for line in lines {
            for (i, cell) in line.enumerated() {
                out += cell
                if i < line.count - 1 { out += String(repeating: " ", count: widths[i] - cell.count) }
            }
            out += "\n"
        }
        return out
    }
}
