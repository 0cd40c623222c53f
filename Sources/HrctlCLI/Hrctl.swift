import ArgumentParser

/// The hrctl command line: each subcommand parses its arguments, calls the modules that do
/// the work and prints what they return.
public struct Hrctl: ParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "hrctl",
        abstract: "Helm releases managed declaratively, with output identical to Helm's.",
        version: version,
        subcommands: [Install.self, Upgrade.self, Apply.self, List.self, Status.self, History.self, Rollback.self, Delete.self, Get.self, Diff.self,
                      Template.self, Render.self, PackageChart.self, Push.self, Repo.self, TestCommand.self, CRDs.self, OperatorCommand.self, Cache.self,
                      // helm's chart-side commands (issue 16)
                      VersionCommand.self, Completion.self, Env.self, Show.self, Pull.self, Search.self, Registry.self,
                      DependencyCommand.self, Lint.self, Complete.self, VerifyCommand.self,
                      ImageCommand.self, ConvertCommand.self]
    )

    public init() {}

    /// Runs a command's async `run()` (in an async function, so the async overload is chosen).
    public static func runAsync(_ command: AsyncParsableCommand) async throws {
        var c = command
        try await c.run()
    }

    /// The name this binary was called by: `helm` when installed as a drop-in (a symlink or an
    /// alias), which is also the name helm's messages and `version` use.
    public static let programName: String = {
        let path = CommandLine.arguments.first ?? "hrctl"
        let base = path.split(separator: "/").last.map(String.init) ?? path
        return base.isEmpty ? "hrctl" : base
    }()

    /// helm's command line as cobra and pflag read it, made into what swift-argument-parser reads:
    /// - flags with an optional value take it only after `=` (pflag's NoOptDefVal): a bare
    ///   `--wait` is `--wait=watcher`, a bare `--dry-run` is `--dry-run=client`;
    /// - boolean flags may be written `--flag=true` / `--flag=false`;
    /// - global flags may come before the subcommand (`hrctl --kube-context k list`): they are
    ///   moved after it, where every command's GlobalOptions parse them.
    /// Nothing after `--` is touched.
    public static func normalize(_ args: [String]) -> [String] {
        // Completion requests carry the half-typed line as it is.
        if args.first == "__complete" { return args }
        let end = args.firstIndex(of: "--") ?? args.count
        let command = subcommand(args[..<end])
        var out: [String] = []
        for a in args[..<end] {
            if let bare = optionalValueDefaults[a] { out.append(a + "=" + bare); continue }
            if let commands = booleanIn[a], let command, commands.contains(command) { out.append(a + "=true"); continue }
            if a.hasPrefix("--"), let eq = a.firstIndex(of: "="), !GlobalOptions.valuedFlags.contains(String(a[..<eq])),
               !flagsTakingBooleanValues.contains(String(a[..<eq])) {
                let value = a[a.index(after: eq)...]
                if value == "true" { out.append(String(a[..<eq])); continue }
                if value == "false" { continue }
            }
            out.append(a)
        }
        // Leading globals, then the subcommand path.
        var leading: [String] = []
        var i = 0
        while i < out.count {
            let a = out[i]
            if GlobalOptions.valuedFlags.contains(a), i + 1 < out.count {
                leading += [a, out[i + 1]]
                i += 2
            } else if GlobalOptions.boolFlags.contains(a) || GlobalOptions.valuedFlags.contains(where: { a.hasPrefix($0 + "=") }) {
                leading.append(a)
                i += 1
            } else {
                break
            }
        }
        var rest = Array(out[i...]) + Array(args[end...])
        if !leading.isEmpty && i < out.count {
            rest.insert(contentsOf: leading, at: rest.firstIndex(of: "--") ?? rest.count)
        } else {
            rest = leading + rest
        }
        return rest
    }

    /// cobra's answer to a first word that names no command (nil when it names one).
    public static func unknownCommand(_ args: [String]) -> String? {
        guard let first = args.first, !first.hasPrefix("-") else { return nil }
        let known = configuration.subcommands.flatMap { c in [c.configuration.commandName ?? ""] + c.configuration.aliases } + ["help"]
        if known.contains(first) { return nil }
        return "unknown command \"\(first)\" for \"\(programName)\"\nRun '\(programName) --help' for usage."
    }

    /// The first word that is not a leading global flag or its value.
    static func subcommand(_ args: ArraySlice<String>) -> String? {
        var i = args.startIndex
        while i < args.endIndex {
            let a = args[i]
            if GlobalOptions.valuedFlags.contains(a) { i += 2; continue }
            if a.hasPrefix("-") { i += 1; continue }
            return a
        }
        return nil
    }

    /// Flags that are booleans in some commands and take a value in others: bare, in those
    /// commands, they are true (install's and template's `--server-side`; upgrade's and
    /// rollback's takes true, false or auto).
    static let booleanIn: [String: Set<String>] = ["--server-side": ["install", "template"]]

    /// pflag's NoOptDefVal of helm's flags that take an optional value.
    static let optionalValueDefaults = ["--wait": "watcher", "--dry-run": "client"]
    /// Flags whose values may be the words true and false (they are not booleans).
    static let flagsTakingBooleanValues: Set<String> = [
        "--wait", "--dry-run", "--server-side", "--set", "--set-string", "--set-json", "--set-literal", "--set-file",
        "--description", "--name-template", "--version", "--values", "--post-renderer-args", "--filter", "--template",
    ]
}

/// Errors whose text is already the full user-facing message.
protocol CLIErrorMarker {}
extension CLIError: CLIErrorMarker {}

extension Hrctl {
    /// Prints an error the way helm does: `Error: MESSAGE`; swift-argument-parser's own usage
    /// errors in pflag's words where pflag has them (`unknown flag: --x`).
    public static func printError(_ error: Error) {
        var text = "\(error)"
        if !(error is CLIErrorMarker), !(error is ExitCode) {
            let parsed = message(for: error)
            if parsed != text { text = usageText(parsed) }
        }
        Output.error("Error: \(text)\n")
    }

    public static func printError(message: String) { Output.error("Error: \(message)\n") }

    static func usageText(_ message: String) -> String {
        for (prefix, helm) in [("Unknown option '", "unknown flag: "), ("Missing value for '", "flag needs an argument: ")] where message.hasPrefix(prefix) {
            let rest = message.dropFirst(prefix.count)
            return helm + String(rest.prefix { $0 != "'" })
        }
        return message
    }
}
