import ArgumentParser
import GoRegexp
import Values
import Release
import Actions
import Sprig

/// `hrctl list`: releases as helm 4's `list` shows them (the latest revision of each, every
/// status unless a status flag picks some), Helm's and hrctl's alike.
struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "list releases", aliases: ["ls"])

    @OptionGroup var cluster: GlobalOptions
    @OptionGroup var output: OutputOption

    @Flag(name: [.customShort("A"), .customLong("all-namespaces")], help: "list releases across all namespaces")
    var allNamespaces = false
    @Flag(name: [.short, .long], help: "show releases of every status (helm 3's flag; helm 4 always does)")
    var all = false
    @Flag(name: [.short, .long], help: "sort by release date") var date = false
    @Flag(name: .long, help: "show deployed releases") var deployed = false
    @Flag(name: .long, help: "show failed releases") var failed = false
    @Flag(name: .long, help: "show pending releases") var pending = false
    @Flag(name: .long, help: "show superseded releases") var superseded = false
    @Flag(name: .long, help: "show uninstalled releases (if 'helm uninstall --keep-history' was used)") var uninstalled = false
    @Flag(name: .long, help: "show releases that are currently being uninstalled") var uninstalling = false
    @Option(name: [.short, .long], help: "a regular expression (Perl compatible). Any releases that match the expression will be included in the results")
    var filter: String?
    @Option(name: [.short, .long], help: "maximum number of releases to fetch (default 256)") var max = 256
    @Flag(name: .customLong("no-headers"), help: "don't print headers when using the default output format") var noHeaders = false
    @Option(name: .long, help: "next release index in the list, used to offset from start value") var offset = 0
    @Flag(name: [.short, .long], help: "reverse the sort order") var reverse = false
    @Option(name: [.customShort("l"), .customLong("selector")], help: "Selector (label query) to filter on, supports '=', '==', and '!='.(e.g. -l key1=value1,key2=value2)")
    var selector: String?
    @Flag(name: [.customShort("q"), .customLong("short")], help: "output short (quiet) listing format") var short = false
    @Option(name: .customLong("time-format"), help: "format time using golang time formatter. Example: --time-format \"2006-01-02 15:04:05Z0700\"")
    var timeFormat: String?

    var statuses: Set<Release.Status>? {
        var s: Set<Release.Status> = []
        if deployed { s.insert(.deployed) }
        if failed { s.insert(.failed) }
        if pending { s.formUnion([.pendingInstall, .pendingUpgrade, .pendingRollback]) }
        if superseded { s.insert(.superseded) }
        if uninstalled { s.insert(.uninstalled) }
        if uninstalling { s.insert(.uninstalling) }
        return s.isEmpty ? nil : s
    }

    func run() async throws {
        let format = try output.format()
        // Go's regexp, as helm compiles --filter; its error is already in Go's words.
        let pattern: Regexp?
        do { pattern = try filter.map { try Regexp($0) } } catch {
            throw CLIError.helm("\(error)")
        }
        var releases = try await cluster.withContext { ctx, access in
            try await ctx.latestReleases(namespace: allNamespaces ? nil : access.namespace, selector: selector)
        }
        if let statuses { releases = releases.filter { statuses.contains($0.info.status) } }
        if let pattern { releases = releases.filter { pattern.matches(Array($0.name.utf8)) } }
        releases.sort { date ? ($0.info.lastDeployed, $0.name) < ($1.info.lastDeployed, $1.name) : ($0.name, $0.namespace) < ($1.name, $1.namespace) }
        if reverse { releases.reverse() }
        releases = Array(releases.dropFirst(offset))
        if max > 0 { releases = Array(releases.prefix(max)) }

        if short {
            Output.write(Array(releases.map { $0.name + "\n" }.joined().utf8))
            return
        }
        func updated(_ r: Release) -> String { TimeText.goTime(r.info.lastDeployed)?.format(timeFormat ?? "2006-01-02 15:04:05.999999999 -0700 MST") ?? r.info.lastDeployed }
        if format != .table {
            // helm's releaseElement, field by field.
            let rows: [[(String, Value)]] = releases.map { r in
                [("name", .string(r.name)), ("namespace", .string(r.namespace)), ("revision", .string(String(r.version))),
                 ("updated", .string(updated(r))), ("status", .string(r.info.status.rawValue)),
                 ("chart", .string(r.chartLabel)), ("app_version", .string(r.appVersion))]
            }
            let text = try format.encode(rows: rows)
            Output.write(Array(text.utf8))
            return
        }
        var rows = noHeaders ? [] : [["NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION"]]
        for r in releases {
            rows.append([r.name, r.namespace, String(r.version), updated(r), r.info.status.rawValue, r.chartLabel, r.appVersion])
        }
        Output.write(Array(Table.render(rows).utf8))
    }
}
