import ArgumentParser
import FileIO
import Chart
import ChartSource

/// `hrctl package DIR…`: charts packed as Helm packs them, `NAME-VERSION.tgz`; with
/// `--dependency-update`, charts/ brought up to Chart.yaml first (through the chart-source
/// flags); with `--sign`, a provenance file beside the archive.
struct PackageChart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "package", abstract: "Package chart folders into versioned chart archives.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Chart folders.") var paths: [String]
    @Option(name: [.short, .customLong("destination")], help: "Where to write the archives.") var destination = "."
    @Option(name: .long, help: "Set the chart's version.") var version: String?
    @Option(name: .customLong("app-version"), help: "Set the chart's appVersion.") var appVersion: String?
    @Flag(name: [.customShort("u"), .customLong("dependency-update")], help: "update dependencies from \"Chart.yaml\" to dir \"charts/\" before packaging")
    var dependencyUpdate = false
    @OptionGroup var sources: SourceOptions
    @OptionGroup var signing: SigningOptions

    func validate() throws { try signing.check() }

    func run() async throws {
        try FileSystem.makeDirectories(destination)
        for path in paths {
            if FileSystem.kind(path) == .missing { throw CLIError.helm("stat \(path): no such file or directory") }
            if dependencyUpdate { try await DependencyCommand.manager(sources.fetcherOptions(), global.environment, quiet: true).update(path) }
            // helm package refuses a chart whose dependencies are not in charts/.
            if let problem = Dependencies.missing(try ChartLoader.load(path: path)) { throw CLIError.helm(problem) }
            let p = try ChartPackager.package(directory: path, version: version, appVersion: appVersion)
            let out = (destination.hasSuffix("/") ? destination : destination + "/") + p.fileName
            try FileSystem.writeAtomically(out, p.bytes)
            if signing.sign { try signing.signArchive(out, global: global) }
            Output.write(Array("Successfully packaged chart and saved it to: \(out)\n".utf8))
        }
    }
}

/// `hrctl push CHART.tgz oci://host/path`: a packaged chart into an OCI registry, as `helm push`.
struct Push: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "push", abstract: "Push a packaged chart to an OCI registry.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The chart archive (.tgz).") var archive: String
    @Argument(help: "The registry and path: oci://HOST/PATH.") var remote: String
    @OptionGroup var sources: SourceOptions

    func run() async throws {
        guard remote.hasPrefix("oci://") else { throw CLIError.invalidOption("REMOTE", remote, expected: "an oci:// reference") }
        let bytes = try FileSystem.read(archive)
        let chart = try ChartLoader.load(archive: bytes, name: archive)
        let fetcher = try sources.fetcher()
        do {
            let (ref, digest) = try await fetcher.push(bytes, metadataJSON: try IndexWriter.metadataJSON(chart.metadata), name: chart.metadata.name,
                                                       version: chart.metadata.version, to: remote)
            await fetcher.shutdown()
            Output.write(Array("Pushed: \(ref)\nDigest: \(digest)\n".utf8))
        } catch {
            await fetcher.shutdown()
            throw error
        }
    }
}
