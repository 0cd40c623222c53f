import ArgumentParser
import Values
import Release
import Actions

/// `hrctl status NAME`: helm 4's status: the release, and its live objects (as the server
/// prints them in the table form; whole, under `info.resources`, in json and yaml).
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "display the status of the named release")

    @Argument(help: "RELEASE_NAME", completion: ClusterCompletion.releases) var release: String?
    var name: String { release ?? "" }
    @OptionGroup var cluster: GlobalOptions
    @Option(name: .long, help: "if set, display the status of the named release with revision") var revision: Int?
    @OptionGroup var output: OutputOption

    func run() async throws {
        try Require.one(release, "status", usage: "status RELEASE_NAME [flags]")
        let format = try output.format()
        let (r, resources) = try await cluster.withContext { ctx, access in
            let action = StatusAction(context: ctx)
            let (r, _) = try await action.run(name: name, namespace: access.namespace, revision: revision, readiness: false)
            return (r, try await action.resources(of: r, accept: format == .table ? StatusAction.tableAccept : nil))
        }
        let printer = StatusPrinter(release: r, resourcesTable: format == .table ? Self.tables(resources) : nil)
        if format != .table {
            let grouped = Map(Dictionary(uniqueKeysWithValues: resources.map { ($0.key, Value.list($0.objects)) }))
            Output.write(Array(try format.encode(printer.value(withChart: false, resources: resources.isEmpty ? nil : .map(grouped))).utf8))
            return
        }
        Output.write(Array(printer.table().utf8))
    }

    /// helm's RESOURCES body: `==> KEY`, each object's server-printed table as kubectl lays it
    /// out (columns of priority 0, tabwriter with padding 3 and minimum width 10), a blank line.
    static func tables(_ resources: [(key: String, objects: [Value])]) -> String {
        var out = ""
        for (key, objects) in resources {
            out += "==> \(key)\n"
            for obj in objects { out += kubectlTable(obj) }
            out += "\n"
        }
        return out
    }

    static func kubectlTable(_ table: Value) -> String {
        guard case .map(let t) = table, case .list(let defs)? = t.entries["columnDefinitions"], case .list(let rows)? = t.entries["rows"] else { return "" }
        var columns: [Int] = [], header: [String] = []
        for (i, def) in defs.items.enumerated() {
            guard case .map(let d) = def else { continue }
            if case .int(let p, _)? = d.entries["priority"], p != 0 { continue }
            columns.append(i)
            header.append((d.entries["name"]?.stringValue ?? "").uppercased())
        }
        var lines = [header]
        for case .map(let row) in rows.items {
            guard case .list(let cells)? = row.entries["cells"] else { continue }
            lines.append(columns.map { i in i < cells.items.count ? cell(cells.items[i]) : "" })
        }
        var widths = [Int](repeating: 0, count: columns.count)
        for l in lines { for (i, c) in l.enumerated() { widths[i] = Swift.max(widths[i], Swift.max(c.count + 3, 10)) } }
        return lines.map { l in
            l.enumerated().map { i, c in i == l.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count) }.joined() + "\n"
        }.joined()
    }

    static func cell(_ v: Value) -> String {
        switch v {
        case .string: return v.stringValue ?? ""
        case .int(let i, _): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "<none>"
        case .float(let f, _): return f == f.rounded() ? String(Int64(f)) : String(f)
        default: return "\(v)"
        }
    }
}
