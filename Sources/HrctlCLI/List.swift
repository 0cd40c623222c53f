import ArgumentParser
import Values
import Release
import Actions

/// `hrctl list`: releases as `helm list` shows them (Helm's and hrctl's alike).
struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List releases.", aliases: ["ls"])

    @OptionGroup var cluster: ClusterOptions

    @Flag(name: [.customShort("A"), .customLong("all-namespaces")], help: "List releases in every namespace.")
    var allNamespaces = false

    @Flag(name: [.short, .long], help: "Show releases of every status, not only deployed and failed ones.")
    var all = false

    @Option(name: [.short, .long], help: "Output format: table, json or yaml.")
    var output = "table"

    func run() async throws {
        let format = try OutputFormat.parse(output)
        let releases = try await cluster.withContext { ctx, access in
            try await ctx.latestReleases(namespace: allNamespaces ? nil : access.namespace)
        }.filter { all || [.deployed, .failed].contains($0.info.status) || $0.info.status.isPending }
        if format != .table {
            let items: [Value] = releases.map { r in
                .map(["name": .string(r.name), "namespace": .string(r.namespace), "revision": .string(String(r.version)),
                      "updated": .string(TimeText.goString(r.info.lastDeployed)), "status": .string(r.info.status.rawValue),
                      "chart": .string(r.chartLabel), "app_version": .string(r.appVersion)])
            }
            Output.write(Array(try format.encode(.list(items)).utf8))
            return
        }
        var rows = [["NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION"]]
        for r in releases {
            rows.append([r.name, r.namespace, String(r.version), TimeText.goString(r.info.lastDeployed), r.info.status.rawValue, r.chartLabel, r.appVersion])
        }
        Output.write(Array(Table.render(rows).utf8))
    }
}
