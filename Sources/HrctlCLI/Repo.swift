import ArgumentParser
import FileIO
import Values
import ChartSource

/// `hrctl repo add|list|update|remove|index`, as `helm repo`, on helm's repositories.yaml and
/// index cache (so helm and hrctl share them).
struct Repo: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "repo", abstract: "add, list, remove, update, and index chart repositories",
                                                    subcommands: [RepoAdd.self, RepoList.self, RepoUpdate.self, RepoRemove.self, RepoIndex.self])

    /// Downloads a repository's index.yaml into helm's cache (`NAME-index.yaml`, and
    /// `NAME-charts.txt` with its chart names), checking that it parses.
    static func refresh(_ e: RepositoryFile.Entry, paths: HelmPaths, sources: SourceOptions) async throws {
        var options = sources.fetcherOptions()
        if !e.username.isEmpty { options.http.username = e.username; options.http.password = e.password }
        if !e.caFile.isEmpty { options.http.caFile = e.caFile }
        if !e.certFile.isEmpty { options.http.certFile = e.certFile; options.http.keyFile = e.keyFile }
        if e.insecureSkipTLSVerify { options.http.insecureSkipTLSVerify = true }
        let fetcher = try ChartFetcher(cache: ChartCache(root: ChartCache.defaultRoot(environment: paths.environment)), options: options)
        let url = (e.url.hasSuffix("/") ? String(e.url.dropLast()) : e.url) + "/index.yaml"
        let bytes: [UInt8]
        do { bytes = try await fetcher.download(url); await fetcher.shutdown() } catch {
            await fetcher.shutdown()
            throw CLIError.helm("looks like \"\(e.url)\" is not a valid chart repository or cannot be reached: \(error)")
        }
        let index: RepositoryIndex
        do { index = try RepositoryIndex.parse(bytes, source: url) } catch {
            throw CLIError.helm("looks like \"\(e.url)\" is not a valid chart repository or cannot be reached: \(error)")
        }
        try FileSystem.makeDirectories(paths.repositoryCache)
        try FileSystem.writeAtomically(paths.cachedIndex(repository: e.name), bytes)
        let names = index.entries.keys.sorted().map { $0 + "\n" }.joined()
        try FileSystem.writeAtomically(paths.repositoryCache + "/" + e.name + "-charts.txt", Array(names.utf8))
    }
}

struct RepoAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "add a chart repository")

    @Argument(help: "NAME URL") var args: [String] = []
    @OptionGroup var global: GlobalOptions
    @OptionGroup var sources: SourceOptions
    @Flag(name: .customLong("password-stdin"), help: "read chart repository password from stdin") var passwordStdin = false
    @Flag(name: .customLong("force-update"), help: "replace (overwrite) the repo if it already exists") var forceUpdate = false
    @Flag(name: .customLong("allow-deprecated-repos"), help: "by default, this command will not allow adding official repos that have been permanently deleted")
    var allowDeprecatedRepos = false
    @Flag(name: .customLong("no-update"), help: "Ignored. Formerly, it would disabled forced updates. It is deprecated by force-update.") var noUpdate = false
    @Option(name: .long, help: "time to wait for the index file download to complete (default 2m0s)") var timeout: String?

    func validate() throws {
        if args.count != 2 { throw CLIError.arguments("\"\(Hrctl.programName) repo add\" requires 2 arguments", usage: "\(Hrctl.programName) repo add [NAME] [URL] [flags]") }
    }

    func run() async throws {
        let (name, url) = (args[0], args[1])
        if name.contains("/") { throw CLIError.helm("repository name (\(name)) contains '/', please specify a different name without '/'") }
        if !allowDeprecatedRepos, ["https://kubernetes-charts.storage.googleapis.com", "https://kubernetes-charts-incubator.storage.googleapis.com"].contains(where: { url.hasPrefix($0) }) {
            throw CLIError.helm("repo \"\(url)\" is no longer available; try \"https://charts.helm.sh/stable\" instead")
        }
        let paths = global.helmPaths
        var file = try RepositoryFile.load(paths.repositoryConfig)
        var e = RepositoryFile.Entry()
        e.name = name; e.url = url
        e.username = sources.username ?? ""
        e.password = sources.password ?? ""
        if passwordStdin {
            var text = String(decoding: FileSystem.readStandardInput(), as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            e.password = text
        }
        e.caFile = sources.caFile ?? ""; e.certFile = sources.certFile ?? ""; e.keyFile = sources.keyFile ?? ""
        e.insecureSkipTLSVerify = sources.insecure
        e.passCredentialsAll = sources.passCredentials
        if let existing = file.entry(named: name), !forceUpdate {
            if existing.sameConfiguration(as: e) {
                Output.write(Array("\"\(name)\" already exists with the same configuration, skipping\n".utf8))
                return
            }
            throw CLIError.helm("repository name (\(name)) already exists, please specify a different name")
        }
        try await Repo.refresh(e, paths: paths, sources: sources)
        file.set(e)
        try file.write(paths.repositoryConfig)
        Output.write(Array("\"\(name)\" has been added to your repositories\n".utf8))
    }
}

struct RepoList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "list chart repositories", aliases: ["ls"])

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOption
    @Flag(name: .customLong("no-headers"), help: "suppress headers in the output") var noHeaders = false

    func run() throws {
        let format = try output.format()
        let file = try RepositoryFile.load(global.helmPaths.repositoryConfig)
        if file.repositories.isEmpty && format == .table { Output.error("no repositories to show\n"); return }
        switch format {
        case .table:
            let rows = (noHeaders ? [] : [["NAME", "URL"]]) + file.repositories.map { [$0.name, $0.url] }
            Output.write(Array(Table.render(rows).utf8))
        case .json, .yaml:
            let items: [Value] = file.repositories.map { .map(["name": .string($0.name), "url": .string($0.url)]) }
            Output.write(Array(try format.encode(.list(items)).utf8))
        }
    }
}

struct RepoUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "update", abstract: "update information of available charts locally from chart repositories", aliases: ["up"])

    @Argument(help: "[REPO1 [REPO2 ...]]") var names: [String] = []
    @OptionGroup var global: GlobalOptions
    @OptionGroup var sources: SourceOptions
    @Flag(name: .customLong("fail-on-repo-update-fail"), help: "update fails if any of the repository updates fail") var failOnFail = false
    @Option(name: .long, help: "time to wait for the index file download to complete (default 2m0s)") var timeout: String?

    func run() async throws {
        let paths = global.helmPaths
        let file = try RepositoryFile.load(paths.repositoryConfig)
        if file.repositories.isEmpty { throw CLIError.helm("no repositories found. You must add one before updating") }
        var wanted = file.repositories
        if !names.isEmpty {
            wanted = file.repositories.filter { names.contains($0.name) }
            if let missing = names.first(where: { n in !file.repositories.contains { $0.name == n } }) {
                throw CLIError.helm("no repositories found matching '\(missing)'.  Nothing will be updated")
            }
        }
        Output.write(Array("Hang tight while we grab the latest from your chart repositories...\n".utf8))
        var failed: [String] = []
        for e in wanted {
            do {
                try await Repo.refresh(e, paths: paths, sources: sources)
                Output.write(Array("...Successfully got an update from the \"\(e.name)\" chart repository\n".utf8))
            } catch {
                Output.write(Array("...Unable to get an update from the \"\(e.name)\" chart repository (\(e.url)):\n\t\(error)\n".utf8))
                failed.append(e.url)
            }
        }
        if !failed.isEmpty && failOnFail { throw CLIError.helm("Failed to update the following repositories: [\(failed.joined(separator: " "))]") }
        Output.write(Array("Update Complete. ⎈Happy Helming!⎈\n".utf8))
    }
}

struct RepoRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "remove one or more chart repositories", aliases: ["rm"])

    @Argument(help: "[REPO1 [REPO2 ...]]") var names: [String] = []
    @OptionGroup var global: GlobalOptions

    func run() throws {
        if names.isEmpty { throw CLIError.arguments("\"\(Hrctl.programName) repo remove\" requires at least 1 argument", usage: "\(Hrctl.programName) repo remove [REPO1 [REPO2 ...]] [flags]") }
        let paths = global.helmPaths
        var file = try RepositoryFile.load(paths.repositoryConfig)
        for name in names {
            guard file.entry(named: name) != nil else { throw CLIError.helm("no repo named \"\(name)\" found") }
            file.repositories.removeAll { $0.name == name }
            try file.write(paths.repositoryConfig)
            FileSystem.remove(paths.cachedIndex(repository: name))
            FileSystem.remove(paths.repositoryCache + "/" + name + "-charts.txt")
            Output.write(Array("\"\(name)\" has been removed from your repositories\n".utf8))
        }
    }
}

/// `hrctl repo index DIR`: the index.yaml that makes a folder of archives a chart repository.
struct RepoIndex: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "index", abstract: "generate an index file given a directory containing packaged charts")
    @Argument(help: "The folder of .tgz archives.") var directory: String
    @Option(name: .long, help: "url of chart repository") var url: String?
    @Option(name: .long, help: "merge the generated index into the given index") var merge: String?

    func run() throws {
        if merge != nil { throw CLIError.unsupported("repo index --merge") }
        let text = try IndexWriter.index(directory: directory, url: url)
        try FileSystem.writeAtomically(directory + "/index.yaml", Array(text.utf8))
    }
}
