import ArgumentParser
import Actions
import GoFmt
import Release

/// `hrctl rollback NAME [REVISION]`: back to an earlier revision (the previous one by default).
struct Rollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rollback", abstract: "Roll a release back to an earlier revision.")

    @Argument(help: "Release name.", completion: ClusterCompletion.releases) var release: String?
    var name: String { release ?? "" }
    @Argument(help: "Revision (default: the one before the latest).") var revision: Int?
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var deploy: DeployFlags
    @OptionGroup var applyMethod: ApplyMethodOptions
    @Flag(name: .customLong("cleanup-on-fail"), help: "allow deletion of new resources created in this rollback when rollback fails")
    var cleanupOnFail = false

    func run() async throws {
        try Require.one(release, "rollback", usage: "rollback <RELEASE> [REVISION] [flags]", atLeast: true)
        try applyMethod.checkServerSide(.method)
        var opts = DeployOptions()
        try deploy.apply(to: &opts)
        applyMethod.apply(to: &opts, .method)
        opts.cleanupOnFail = cleanupOnFail
        let r: Release
        do {
            r = try await cluster.withContext(quiet: true) { ctx, access in
                try await RollbackAction(context: ctx).run(name: name, namespace: access.namespace, revision: revision, opts: opts)
            }
        } catch ActionError.rollbackFailed(let name, let error) {
            // helm's slog warning, then the error.
            Output.error("level=WARN msg=\(GoQuote.quote("Rollback \"\(name)\" failed: \(error)"))\n")
            throw CLIError.helm("\(error)")
        }
        Output.write(Array((opts.dryRun ? "Rollback of \"\(name)\" would create revision \(r.version) (dry run).\n"
                                        : "Rollback was a success! Happy Helming!\n").utf8))
    }
}
