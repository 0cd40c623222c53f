import ArgumentParser
import ChartSource
import FileIO
import Kube

/// `hrctl __complete ARGS… PREFIX`: cobra's dynamic completion protocol, which the completion
/// scripts `helm completion` prints call: one candidate a line, then `:DIRECTIVE` (a bit set:
/// 4 = no file completion, 0 = the shell's default), and the directive named on standard error.
struct Complete: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "__complete", shouldDisplay: false)

    @Argument(parsing: .captureForPassthrough) var words: [String] = []

    static let releaseCommands: Set<String> = ["status", "upgrade", "uninstall", "del", "delete", "un", "rollback", "history", "hist", "test", "get"]

    func run() throws {
        let prefix = words.last ?? ""
        let typed = Array(words.dropLast())
        let (candidates, directive) = Self.candidates(typed, prefix)
        Output.write(Array((candidates.map { $0 + "\n" }.joined() + ":\(directive)\n").utf8))
        let names = [0: "ShellCompDirectiveDefault", 4: "ShellCompDirectiveNoFileComp"]
        Output.error("Completion ended with directive: \(names[directive] ?? String(directive))\n")
    }

    static func candidates(_ typed: [String], _ prefix: String) -> ([String], Int) {
        if let last = typed.last, ["-n", "--namespace"].contains(last) { return (ClusterCompletion.namespaceNames(typed, prefix), 4) }
        if let last = typed.last, ["--kube-context", "--context"].contains(last) {
            let cfg = try? KubeConfig.load(explicitPath: ClusterCompletion.flag(["--kubeconfig"], in: typed), environment: Subprocess.environment)
            return ((cfg?.contextNames ?? []).filter { $0.hasPrefix(prefix) }, 4)
        }
        // The subcommand path and positional words typed so far (flags and their values aside).
        var positional: [String] = []
        var i = 0
        while i < typed.count {
            let w = typed[i]
            if w.hasPrefix("-") {
                if GlobalOptions.valuedFlags.contains(w) || ["-f", "--values", "--set", "--version", "--repo", "-o", "--output", "--timeout"].contains(w) { i += 1 }
            } else { positional.append(w) }
            i += 1
        }
        if prefix.hasPrefix("-") { return ([], 4) }
        guard let command = positional.first else {
            let names = Hrctl.configuration.subcommands.compactMap { c -> [String]? in
                let conf = c.configuration
                guard conf.shouldDisplay, let name = conf.commandName else { return nil }
                return [name] + conf.aliases
            }.flatMap { $0 }
            return (names.filter { $0.hasPrefix(prefix) }.sorted(), 4)
        }
        let args = Array(positional.dropFirst())
        switch command {
        case "get":
            if args.isEmpty { return (Get.What.allCases.map(\.rawValue).filter { $0.hasPrefix(prefix) }, 4) }
            return args.count == 1 ? (ClusterCompletion.releaseNames(typed, prefix), 4) : ([], 4)
        case "repo":
            if args.isEmpty { return (["add", "index", "list", "remove", "update"].filter { $0.hasPrefix(prefix) }, 4) }
            if ["remove", "rm", "update", "up"].contains(args[0]) {
                let file = try? RepositoryFile.load(HelmPaths(environment: Subprocess.environment).repositoryConfig)
                return ((file?.repositories.map(\.name) ?? []).filter { $0.hasPrefix(prefix) }, 4)
            }
            return ([], 0)
        case _ where releaseCommands.contains(command):
            return args.isEmpty ? (ClusterCompletion.releaseNames(typed, prefix), 4) : ([], 0)
        default:
            return ([], 0)
        }
    }
}
