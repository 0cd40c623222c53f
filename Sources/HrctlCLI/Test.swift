import ArgumentParser
import Actions
import Values
import Kube

/// `hrctl test NAME`: runs the release's test hooks, as `helm test`.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "test", abstract: "run tests for a release")

    @Argument(help: "RELEASE", completion: ClusterCompletion.releases) var release: String?
    var name: String { release ?? "" }
    @OptionGroup var cluster: GlobalOptions
    @Option(name: .long, help: "time to wait for any individual Kubernetes operation (like Jobs for hooks) (default 5m0s)") var timeout = "5m0s"
    @Flag(name: .long, help: "dump the logs from test pods (this runs after all tests are complete, but before any cleanup)") var logs = false
    @Option(name: .long, help: "specify tests by attribute (currently \"name\") using attribute=value syntax or '!attribute=value' to exclude a test")
    var filter: [String] = []
    @Flag(name: .customLong("hide-notes"), help: "if set, do not show notes in test output. Does not affect presence in chart metadata") var hideNotes = false

    func validate() throws {
        if !filter.isEmpty { throw CLIError.unsupported("test --filter: every test hook of the release runs") }
    }

    func run() async throws {
        try Require.one(release, "test", usage: "test [RELEASE] [flags]")
        var opts = DeployOptions()
        guard let t = GoDuration.seconds(timeout) else { throw CLIError.helm("invalid argument \"\(timeout)\" for \"--timeout\" flag: time: invalid duration \"\(timeout)\"") }
        opts.timeout = t
        let (r, logText) = try await cluster.withContext(quiet: true) { ctx, access in
            let r = try await TestAction(context: ctx).run(name: name, namespace: access.namespace, opts: opts)
            var text = ""
            if logs {
                // helm's --logs: each test Pod's log, after the tests ran.
                for case .map(let h) in r.hooks {
                    guard case .list(let events)? = h.entries["events"], events.items.contains(where: { $0.stringValue == "test" }),
                          h.entries["kind"]?.stringValue == "Pod", let pod = h.entries["name"]?.stringValue else { continue }
                    let log = try await ctx.resources.client.requestText(.GET, "/api/v1/namespaces/\(access.namespace)/pods/\(pod)/log")
                    text += "POD LOGS: \(pod)\n\(log)\n"
                }
            }
            return (r, text)
        }
        Output.write(Array((StatusPrinter(release: r, hideNotes: hideNotes).table() + logText).utf8))
    }
}
