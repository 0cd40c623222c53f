import ArgumentParser
import FileIO
import ChartSource

/// `hrctl dependency list|update|build CHART`, as `helm dependency`.
struct DependencyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dependency", abstract: "Manage a chart's dependencies.",
                                                    subcommands: [DependencyList.self, DependencyUpdate.self, DependencyBuild.self], aliases: ["dep", "dependencies"])

    static func manager(_ options: ChartFetcher.Options, _ env: [String: String]) -> DependencyManager {
        return DependencyManager(paths: HelmPaths(environment: env), cache: ChartCache(root: ChartCache.defaultRoot(environment: env)),
                                 options: options, say: { Output.write(Array(($0 + "\n").utf8)) },
                                 warn: { Output.error("warning: \($0)\n") })
    }
}

struct DependencyList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the dependencies of a chart and their state.", aliases: ["ls"])

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The chart folder.") var chart = "."
    func run() throws {
        if FileSystem.kind(chart) == .missing { throw CLIError.helm("stat \(Files.cleanPath(chart)): no such file or directory") }
        Output.write(Array(try DependencyCommand.manager(ChartFetcher.Options(), global.environment).list(chart).utf8))
    }
}

struct DependencyUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "update", abstract: "Resolve the dependencies, write Chart.lock and download them into charts/.", aliases: ["up"])

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The chart folder.") var chart = "."
    @Flag(name: .customLong("skip-refresh"), help: "helm's flag, accepted: hrctl fetches only the indexes it needs (revalidated by ETag; --offline uses the cache alone).")
    var skipRefresh = false
    @OptionGroup var sources: SourceOptions
    func run() async throws { try await DependencyCommand.manager(sources.fetcherOptions(), global.environment).update(chart) }
}

struct DependencyBuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "build", abstract: "Download the versions of Chart.lock into charts/ (update without a lock).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The chart folder.") var chart = "."
    @Flag(name: .customLong("skip-refresh"), help: "helm's flag, accepted: hrctl fetches only the indexes it needs (revalidated by ETag; --offline uses the cache alone).")
    var skipRefresh = false
    @OptionGroup var sources: SourceOptions
    func run() async throws { try await DependencyCommand.manager(sources.fetcherOptions(), global.environment).build(chart) }
}
