import ArgumentParser
import Actions
import Values

/// `hrctl test NAME`: runs the release's test hooks, as `helm test`.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "test", abstract: "Run the tests of a release (its helm.sh/hook: test hooks).")

    @Argument(help: "The release.", completion: ClusterCompletion.releases) var name: String
    @OptionGroup var cluster: ClusterOptions
    @Option(name: .long, help: "How long each test may take (Go duration).") var timeout = "5m0s"

    func run() async throws {
        var opts = DeployOptions()
        guard let t = GoDuration.seconds(timeout) else { throw CLIError.invalidOption("--timeout", timeout, expected: "a duration such as 5m0s") }
        opts.timeout = t
        let r = try await cluster.withContext { ctx, access in
            try await TestAction(context: ctx).run(name: name, namespace: access.namespace, opts: opts)
        }
        var text = "NAME: \(r.name)\nLAST DEPLOYED: \(TimeText.ansic(r.info.lastDeployed))\nNAMESPACE: \(r.namespace)\nSTATUS: \(r.info.status.rawValue)\nREVISION: \(r.version)\n"
        for h in r.hooks {
            guard case .map(let m) = h, case .list(let events)? = m.entries["events"], events.items.contains(where: { $0.stringValue == "test" }),
                  case .map(let last)? = m.entries["last_run"] else { continue }
            text += "TEST SUITE:     \(m.entries["name"]?.stringValue ?? "")\nLast Started:   \(last.entries["started_at"]?.stringValue ?? "")\n"
            text += "Last Completed: \(last.entries["completed_at"]?.stringValue ?? "")\nPhase:          \(last.entries["phase"]?.stringValue ?? "")\n"
        }
        Output.write(Array(text.utf8))
    }
}
