import ArgumentParser
import Actions

/// `hrctl upgrade [-i] NAME CHART`, as `helm upgrade`: a new revision every time; with
/// `--install`, an install when the release does not exist (or was uninstalled).
struct Upgrade: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "upgrade", abstract: "upgrade a release")

    @Argument(help: "RELEASE CHART: the release name and a chart reference (REPO/NAME, a path, a URL, oci://…)")
    var args: [String] = []

    @OptionGroup var global: GlobalOptions
    @OptionGroup var flags: InstallFlags

    @Flag(name: [.short, .long], help: "if a release by this name doesn't already exist, run an install")
    var install = false
    @Option(name: .customLong("history-max"), help: "limit the maximum number of revisions saved per release. Use 0 for no limit (default 10)")
    var historyMax: Int?
    @Flag(name: .customLong("cleanup-on-fail"), help: "allow deletion of new resources created in this upgrade when upgrade fails")
    var cleanupOnFail = false
    @Flag(name: .customLong("reset-values"), help: "when upgrading, reset the values to the ones built into the chart")
    var resetValues = false
    @Flag(name: .customLong("reuse-values"), help: "when upgrading, reuse the last release's values and merge in any overrides from the command line via --set and -f. If '--reset-values' is specified, this is ignored")
    var reuseValues = false
    @Flag(name: .customLong("reset-then-reuse-values"), help: "when upgrading, reset the values to the ones built into the chart, apply the last release's values and merge in any overrides from the command line via --set and -f. If '--reset-values' or '--reuse-values' is specified, this is ignored")
    var resetThenReuseValues = false

    func validate() throws {
        if args.count != 2 {
            throw CLIError.arguments("\"\(Hrctl.programName) upgrade\" requires 2 arguments", usage: "\(Hrctl.programName) upgrade [RELEASE] [CHART] [flags]")
        }
        try InstallNaming.validate(args[0])
    }

    var valueReuse: ValueReuse {
        if resetValues { return .reset }
        if reuseValues { return .reuse }
        if resetThenReuseValues { return .resetThenReuse }
        return .unlessGiven
    }

    func run() async throws {
        let name = args[0]
        let outcome: ApplyOutcome
        do {
            outcome = try await InstallRun(global: global, flags: flags)
                .run(name: name, chart: args[1], mode: .upgrade(install: install), valueReuse: valueReuse, maxHistory: historyMax, cleanupOnFail: cleanupOnFail)
        } catch { throw CLIError.helm("UPGRADE FAILED: \(error)") }
        switch outcome {
        case .installed, .planned(_, action: "install"):
            try flags.print(outcome, header: "Release \"\(name)\" does not exist. Installing it now.\n")
        default: try flags.print(outcome, header: "Release \"\(name)\" has been upgraded. Happy Helming!\n")
        }
    }
}
