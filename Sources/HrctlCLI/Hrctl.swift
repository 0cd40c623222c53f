import ArgumentParser

/// The hrctl command line: each subcommand parses its arguments, calls the modules that do
/// the work and prints what they return.
public struct Hrctl: ParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "hrctl",
        abstract: "Helm releases managed declaratively, with output identical to Helm's.",
        version: version,
        subcommands: [Apply.self, List.self, Status.self, History.self, Rollback.self, Delete.self, Get.self, Diff.self,
                      Template.self, Render.self, PackageChart.self, Push.self, Repo.self, TestCommand.self, CRDs.self, OperatorCommand.self, Cache.self,
                      // helm's chart-side commands (issue 16)
                      VersionCommand.self, Completion.self, Env.self, Show.self, Pull.self, Search.self, Registry.self,
                      DependencyCommand.self, Lint.self,
                      ImageCommand.self, ConvertCommand.self]
    )

    public init() {}

    /// Runs a command's async `run()` (in an async function, so the async overload is chosen).
    public static func runAsync(_ command: AsyncParsableCommand) async throws {
        var c = command
        try await c.run()
    }

    /// Helm's `--dry-run` takes an optional value (`--dry-run`, `--dry-run=server`), and helm and
    /// kubectl accept global flags before the subcommand (`hrctl --kubeconfig k list`); those are
    /// moved after it, where the subcommand's options parse them.
    public static func normalize(_ args: [String]) -> [String] {
        let args = args.map { $0 == "--dry-run" ? "--dry-run=client" : $0 }
        let valued: Set<String> = ["--kubeconfig", "--context", "-n", "--namespace"]
        var leading: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if valued.contains(a), i + 1 < args.count {
                leading += [a, args[i + 1]]
                i += 2
            } else if a == "--debug" || valued.contains(where: { a.hasPrefix($0 + "=") }) {
                leading.append(a)
                i += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty, i < args.count else { return args }
        var rest = Array(args[i...])
        let end = rest.firstIndex(of: "--") ?? rest.count
        rest.insert(contentsOf: leading, at: end)
        return rest
    }
}

extension Hrctl {
    /// Help, version and argument errors are answered by swift-argument-parser itself.
    public static func isUsageOrHelp(_ error: Error) -> Bool {
        !(error is CLIErrorMarker) && !(error is ExitCode) && message(for: error) != "\(error)"
    }
}

/// Errors whose text is already the full user-facing message.
protocol CLIErrorMarker {}
extension CLIError: CLIErrorMarker {}

extension Hrctl {
    /// Prints an error the way Helm does: `Error: MESSAGE`.
    public static func printError(_ error: Error) {
        Output.error("Error: \(error)\n")
    }
}
