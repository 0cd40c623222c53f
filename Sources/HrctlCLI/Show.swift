import ArgumentParser
import FileIO
import Chart
import ChartSource

/// Where show and pull find their chart: the CHART argument and helm's chart-path flags.
struct ChartReferenceOptions: ParsableArguments {
    @Argument(help: "A chart folder or .tgz, REPO/NAME (repositories.yaml), NAME with --repo, oci://HOST/PATH/NAME, or an archive's URL.")
    var chart: String

    @OptionGroup var chartPath: ChartPathOptions

    func locate(_ global: GlobalOptions, allowLocal: Bool = true) async throws -> ChartLocator.Located {
        try await chartPath.locate(chart, global, allowLocal: allowLocal)
    }
}

/// `hrctl show all|chart|values|readme|crds CHART`, as `helm show`.
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show",
        abstract: "Show information of a chart.",
        subcommands: [ShowPart<AllPart>.self, ShowPart<ChartPart>.self, ShowValues.self, ShowPart<ReadmePart>.self, ShowPart<CRDsPart>.self],
        aliases: ["inspect"])
}

protocol ShowPartName { static var part: ChartShow.Part { get }; static var abstract: String { get } }
enum AllPart: ShowPartName { static let part = ChartShow.Part.all; static let abstract = "Show all information of the chart." }
enum ChartPart: ShowPartName { static let part = ChartShow.Part.chart; static let abstract = "Show the chart's definition (Chart.yaml)." }
enum ReadmePart: ShowPartName { static let part = ChartShow.Part.readme; static let abstract = "Show the chart's README." }
enum CRDsPart: ShowPartName { static let part = ChartShow.Part.crds; static let abstract = "Show the chart's CRDs." }

struct ShowPart<P: ShowPartName>: AsyncParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(commandName: P.part.rawValue, abstract: P.abstract) }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var reference: ChartReferenceOptions

    func run() async throws {
        let chart = try await reference.locate(global).load()
        Output.write(Array(try ChartShow.text(chart, part: P.part).utf8))
    }
}

/// `hrctl show values CHART [--jsonpath TEMPLATE]`: values.yaml as written, or what a
/// client-go JSONPath template makes of the chart's values (nothing when it fails to evaluate,
/// as helm prints nothing then).
struct ShowValues: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "values", abstract: "Show the chart's values.yaml.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var reference: ChartReferenceOptions
    @Option(name: .long, help: "supply a JsonPath expression to filter the output")
    var jsonpath: String?

    func run() async throws {
        let chart = try await reference.locate(global).load()
        guard let jsonpath, !jsonpath.isEmpty else {
            Output.write(Array(try ChartShow.text(chart, part: .values).utf8))
            return
        }
        let path: JSONPath
        do { path = try JSONPath(jsonpath) } catch { throw CLIError.helm("error parsing jsonpath \(jsonpath): \(error)") }
        Output.write(Array((path.execute(.map(chart.values)) ?? "").utf8))
    }
}

/// `hrctl pull CHART [--untar] [-d DIR]`: a chart downloaded as helm pull saves it.
struct Pull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pull", abstract: "Download a chart from a repository and (optionally) unpack it in a local directory.", aliases: ["fetch"])

    @OptionGroup var global: GlobalOptions

    @OptionGroup var reference: ChartReferenceOptions

    @Option(name: [.short, .customLong("destination")], help: "Where to write the chart.") var destination = "."
    @Flag(name: .long, help: "Unpack the chart after downloading it.") var untar = false
    @Option(name: .customLong("untardir"), help: "With --untar: the folder (under -d unless absolute) to unpack into.") var untarDir = "."
    @Flag(name: .long, help: "fetch the provenance file, but don't perform verification")
    var prov = false

    func run() async throws {
        let located = try await reference.chartPath.locate(reference.chart, global, allowLocal: false, provenance: prov)
        try ChartPull.save(located, destination: destination, untar: untar, untarDir: untarDir)
        // helm keeps the provenance file beside the archive (an unpacked chart has neither).
        if let provenance = located.provenance, !untar {
            try FileSystem.writeAtomically((destination.hasSuffix("/") ? destination : destination + "/") + located.fileName + ".prov", provenance)
        }
        if let ref = located.ociReference {
            Output.write(Array("Pulled: \(ref)\nDigest: \(located.ociDigest ?? "")\n".utf8))
        }
        if let v = located.verification { Output.write(Array(v.text.utf8)) }
    }
}

/// `hrctl verify ARCHIVE`: a chart archive checked against ARCHIVE.prov and a keyring, as
/// `helm verify`.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "verify that a chart at the given path has been signed and is valid")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The chart archive (.tgz).") var path: String?
    @Option(name: .long, help: "keyring containing public keys (default \"~/.gnupg/pubring.gpg\")")
    var keyring: String?

    func run() throws {
        try Require.one(path, "verify", usage: "verify PATH [flags]")
        let v = try ChartPathOptions.verifyArchive(path ?? "", keyring: keyring ?? Provenance.defaultKeyring(environment: global.environment))
        Output.write(Array(v.text.utf8))
    }
}
