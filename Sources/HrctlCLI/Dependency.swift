import ArgumentParser
import FileIO
import ChartSource

/// `hrctl dependency list|update|build CHART`, as `helm dependency`.
struct DependencyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dependency", abstract: "Manage a chart's dependencies.",
                                                    subcommands: [DependencyList.self, DependencyUpdate.self, DependencyBuild.self], aliases: ["dep", "dependencies"])

    /// `quiet`: nothing printed (helm package -u discards its dependency manager's output).
    static func manager(_ options: ChartFetcher.Options, _ env: [String: String], quiet: Bool = false) -> DependencyManager {
        return DependencyManager(paths: HelmPaths(environment: env), cache: ChartCache(root: ChartCache.defaultRoot(environment: env)),
                                 options: options, say: { if !quiet { Output.write(Array(($0 + "\n").utf8)) } },
                                 warn: { if !quiet { Output.error("warning: \($0)\n") } })
    }
}

struct DependencyList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the dependencies of a chart and their state.", aliases: ["ls"])

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The chart folder.") var chart = "."
    @Option(name: .customLong("max-col-width"), help: "maximum column width for output table (default 80)")
    var maxColWidth: UInt = 80
    func run() throws {
        if FileSystem.kind(chart) == .missing { throw CLIError.helm("stat \(Files.cleanPath(chart)): no such file or directory") }
        Output.write(Array(try DependencyCommand.manager(ChartFetcher.Options(), global.environment).list(chart, maxColumnWidth: Int(maxColWidth)).utf8))
    }
}

struct DependencyUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "update", abstract: "Resolve the dependencies, write Chart.lock and download them into charts/.", aliases: ["up"])

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The chart folder.") var chart = "."
    @Flag(name: .customLong("skip-refresh"), help: "helm's flag, accepted: hrctl fetches only the indexes it needs (revalidated by ETag; --offline uses the cache alone).")
    var skipRefresh = false
    @OptionGroup var sources: SourceOptions
    @OptionGroup var verifying: DependencyVerifyOptions
    func run() async throws {
        try verifying.check()
        try await DependencyCommand.manager(sources.fetcherOptions(), global.environment).update(chart)
    }
}

struct DependencyBuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "build", abstract: "Download the versions of Chart.lock into charts/ (update without a lock).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The chart folder.") var chart = "."
    @Flag(name: .customLong("skip-refresh"), help: "helm's flag, accepted: hrctl fetches only the indexes it needs (revalidated by ETag; --offline uses the cache alone).")
    var skipRefresh = false
    @OptionGroup var sources: SourceOptions
    @OptionGroup var verifying: DependencyVerifyOptions
    func run() async throws {
        try verifying.check()
        try await DependencyCommand.manager(sources.fetcherOptions(), global.environment).build(chart)
    }
}

/// helm dependency update/build's `--verify` and `--keyring`. Verifying each downloaded
/// dependency against its .prov is not done by hrctl's dependency manager yet: refused, never
/// skipped (--keyring alone changes nothing, in helm too).
struct DependencyVerifyOptions: ParsableArguments {
    @Flag(name: .long, help: "verify the packages against signatures (refused by hrctl for dependencies: use hrctl verify on each archive)")
    var verify = false
    @Option(name: .long, help: "keyring containing public keys (default \"~/.gnupg/pubring.gpg\")")
    var keyring: String?

    func check() throws {
        if verify { throw CLIError.unsupported("dependency --verify: the dependencies' provenance is not checked by hrctl's dependency manager; nothing was downloaded") }
    }
}
