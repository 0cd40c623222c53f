import ArgumentParser
import GoTemplate
import Values

/// `hrctl version`: hrctl's version and the Helm release whose output and behaviour it matches,
/// in `helm version`'s layout (`version.BuildInfo{…}`), `--short`, `--template`, `-o json|yaml`.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print hrctl's version and the Helm version it matches.")

    @OptionGroup var global: GlobalOptions

    /// The Helm CLI whose output hrctl is checked against.
    static let helmVersion = "v4.3.1"
    static let kubeClientVersion = "v1.37"

    static var swiftVersion: String {
        #if compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }

    @Flag(name: .long, help: "Print only the version number.") var short = false
    @Option(name: .long, help: "Template for the version string ({{.Version}}, {{.HelmVersion}}, {{.SwiftVersion}}, {{.KubeClientVersion}}).")
    var template: String?
    @Option(name: [.short, .long], help: "Output format: json or yaml (default: helm's text).") var output: String?

    /// Installed as `helm` (a symlink or alias), hrctl answers as the helm it matches, in helm's
    /// own fields: helm-diff, helmfile, chart-testing and kustomize pick their flags by its major
    /// version. As `hrctl`, its own version and the helm version it matches.
    static var asHelm: Bool { Hrctl.programName == "helm" }

    static var fields: [(String, String)] {
        if asHelm {
            return [("Version", helmVersion), ("GitCommit", "hrctl-v" + Hrctl.version), ("GitTreeState", "clean"),
                    ("GoVersion", "swift" + swiftVersion), ("KubeClientVersion", kubeClientVersion)]
        }
        return [("Version", "v" + Hrctl.version), ("HelmVersion", helmVersion), ("SwiftVersion", swiftVersion), ("KubeClientVersion", kubeClientVersion)]
    }

    func run() throws {
        let f = Self.fields
        if let template {
            let set = TemplateSet()
            try set.parse(name: "version", text: template)
            var out: [UInt8] = []
            try set.execute("version", data: .map(Dictionary(uniqueKeysWithValues: f.map { ($0.0, Value.string($0.1)) })), output: &out)
            Output.write(out)  // helm adds no newline after a template
            return
        }
        if let output {
            guard output == "json" || output == "yaml" else { throw CLIError.invalidOption("--output", output, expected: "json or yaml") }
            let keyed = f.map { ($0.0.prefix(1).lowercased() + $0.0.dropFirst(), $0.1) }
            if output == "json" {
                // Keys in the order of the text form, as a Go struct would print them.
                let body = try keyed.map { "\"\($0.0)\":" + (try JSONEncoding.encode(.string($0.1))) }.joined(separator: ",")
                Output.write(Array("{\(body)}\n".utf8))
            } else {
                Output.write(Array(try OutputFormat.yaml.encode(.map(Dictionary(uniqueKeysWithValues: keyed.map { ($0.0, Value.string($0.1)) }))).utf8))
            }
            return
        }
        if short { Output.write(Array((Self.asHelm ? "\(Self.helmVersion)+hrctl.\(Hrctl.version)\n" : "v\(Hrctl.version)\n").utf8)); return }
        let body = f.map { "\($0.0):\"\($0.1)\"" }.joined(separator: ", ")
        Output.write(Array("version.BuildInfo{\(body)}\n".utf8))
    }
}

/// `hrctl completion bash|zsh|fish`: the shell completion script (release names and namespaces
/// are completed from the cluster of the current kubeconfig context).
struct Completion: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "completion", abstract: "Generate the autocompletion script for the specified shell.")

    @Argument(help: "bash, zsh or fish.") var shell: String

    func run() throws {
        guard let s = CompletionShell(rawValue: shell) else { throw CLIError.invalidOption("SHELL", shell, expected: "bash, zsh or fish") }
        Output.write(Array(Hrctl.completionScript(for: s).utf8))
    }
}
