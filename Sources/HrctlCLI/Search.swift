import ArgumentParser
import FileIO
import Values
import ChartSource

/// `hrctl search repo [KEYWORD]`: the repositories of helm's repositories.yaml (their indexes as
/// `helm repo update` cached them, else fetched), or those given with --repo, searched as helm does.
struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "search", abstract: "Search for a keyword in charts.", subcommands: [SearchRepo.self])
}

struct SearchRepo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "repo", abstract: "Search repositories for a keyword in charts.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The keyword (several words are searched as one phrase).") var keyword: [String] = []
    @Flag(name: [.short, .long], help: "use regular expressions for searching repositories you have added") var regexp = false
    @Flag(name: [.customShort("l"), .long], help: "Show every version of each chart, not only the newest.") var versions = false
    @Flag(name: .long, help: "Include development versions (alpha, beta, rc).") var devel = false
    @Option(name: .long, help: "A version constraint the versions must meet.") var version = ""
    @Option(name: .customLong("max-col-width"), help: "The widest a table column gets.") var maxColWidth = 50
    @Flag(name: .customLong("fail-on-no-result"), help: "Fail when nothing matches.") var failOnNoResult = false
    @Option(name: [.short, .long], help: "Output format: table, json or yaml.") var output = "table"
    @Option(name: .long, help: "Search this repository URL instead of the configured ones (repeatable; an hrctl extension).")
    var repo: [String] = []
    @OptionGroup var sources: SourceOptions

    func run() async throws {
        let format = try OutputFormat.parse(output)
        let env = global.environment
        let paths = HelmPaths(environment: env)
        var wanted: [(name: String, url: String, cached: String?)] = repo.map { ($0, $0, nil) }
        if repo.isEmpty {
            let file = try RepositoryFile.load(paths.repositoryConfig)
            if file.repositories.isEmpty { throw SourceError.noRepositories }
            wanted = file.repositories.map { ($0.name, $0.url, paths.cachedIndex(repository: $0.name)) }
        }
        var indexes: [(name: String, index: RepositoryIndex)] = []
        let fetcher = try sources.fetcher(environment: env)
        do {
            for w in wanted {
                if let cached = w.cached, FileSystem.kind(cached) == .file {
                    do { indexes.append((w.name, try RepositoryIndex.parse(try FileSystem.read(cached), source: cached))) } catch {
                        Output.error("WARNING: Repo \"\(w.name)\" is corrupt or missing: \(error)\n")
                    }
                    continue
                }
                // Not cached by helm: hrctl fetches the index itself (into its own cache).
                do { indexes.append((w.name, try await fetcher.index(repository: ChartFetcher.canonicalRepository(w.url).url))) } catch {
                    if w.cached == nil { throw error }
                    Output.error("WARNING: Repo \"\(w.name)\" is corrupt or missing: \(error)\n")
                }
            }
            await fetcher.shutdown()
        } catch {
            await fetcher.shutdown()
            throw error
        }
        var o = RepositorySearch.Options()
        o.versions = versions; o.devel = devel; o.version = version; o.regexp = regexp
        let results = try RepositorySearch.search(keyword.isEmpty ? nil : keyword.joined(separator: " "), in: indexes, options: o)
        if results.isEmpty && failOnNoResult { throw SourceError.unsupported("no results found") }
        switch format {
        case .table:
            if results.isEmpty { Output.write(Array("No results found\n".utf8)); return }
            var rows = [["NAME", "CHART VERSION", "APP VERSION", "DESCRIPTION"]]
            for r in results { rows.append([r.name, r.chart.version, r.chart.appVersion, r.chart.description]) }
            Output.write(Array((PaddedTable.render(rows, maxWidth: maxColWidth) + "\n").utf8))
        case .json:
            // Helm's element type: fields in this order, HTML characters escaped as Go escapes them.
            let items = try results.map { r in
                "{\"name\":\(try JSONEncoding.encode(.string(r.name))),\"version\":\(try JSONEncoding.encode(.string(r.chart.version))),"
                    + "\"app_version\":\(try JSONEncoding.encode(.string(r.chart.appVersion))),\"description\":\(try JSONEncoding.encode(.string(r.chart.description)))}"
            }
            Output.write(Array("[\(items.joined(separator: ","))]\n".utf8))
        case .yaml:
            let items: [Value] = results.map { r in
                .map(["name": .string(r.name), "version": .string(r.chart.version), "app_version": .string(r.chart.appVersion), "description": .string(r.chart.description)])
            }
            Output.write(Array(try format.encode(.list(items)).utf8))
        }
    }
}
