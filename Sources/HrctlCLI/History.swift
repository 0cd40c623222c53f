import ArgumentParser
import Values
import Release
import Actions

/// `hrctl history NAME`: every revision, as `helm history` shows them.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "fetch release history", aliases: ["hist"])

    @Argument(help: "Release name.", completion: ClusterCompletion.releases) var release: String?
    var name: String { release ?? "" }
    @OptionGroup var cluster: ClusterOptions
    @Option(name: [.short, .long], help: "Output format: table, json or yaml.") var output = "table"
    @Option(name: .long, help: "Show at most this many revisions (the newest).") var max = 256
    @Flag(name: .customLong("show-rollback-revision"), help: "show the revision a rollback restored, in a ROLLBACK column (table output)")
    var showRollbackRevision = false

    func run() async throws {
        try Require.one(release, "history", usage: "history RELEASE_NAME [flags]")
        let format = try OutputFormat.parse(output)
        let history = try await cluster.withContext { ctx, access -> [Release] in
            // Only what the table prints: no chart contents, values or manifests.
            let h = try await ctx.storage.history(name, namespace: access.namespace, headersOnly: true)
            if h.isEmpty { throw ActionError.releaseNotFound(name, namespace: access.namespace) }
            ctx.warnReadOnly(name, h)
            return h
        }.suffix(max)
        if format != .table {
            // helm's releaseInfo, field by field (rollback_revision is omitempty).
            let rows: [[(String, Value)]] = history.map { r in
                var row: [(String, Value)] = [("revision", .int(Int64(r.version))), ("updated", .string(r.info.lastDeployed)), ("status", .string(r.info.status.rawValue)),
                                              ("chart", .string(r.chartLabel)), ("app_version", .string(r.appVersion))]
                if let rb = r.info.rollbackRevision { row.append(("rollback_revision", .int(Int64(rb)))) }
                row.append(("description", .string(r.info.description)))
                return row
            }
            let text = try format.encode(rows: rows)
            Output.write(Array(text.utf8))
            return
        }
        // helm's table: ROLLBACK (blank unless the revision is a rollback) before DESCRIPTION.
        let rollback = showRollbackRevision ? ["ROLLBACK"] : []
        var rows = [["REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION"] + rollback + ["DESCRIPTION"]]
        for r in history {
            let restored = showRollbackRevision ? [r.info.rollbackRevision.map(String.init) ?? ""] : []
            rows.append([String(r.version), TimeText.ansic(r.info.lastDeployed), r.info.status.rawValue, r.chartLabel, r.appVersion] + restored + [r.info.description])
        }
        Output.write(Array(Table.render(rows, maxWidth: .max).utf8))
    }
}
