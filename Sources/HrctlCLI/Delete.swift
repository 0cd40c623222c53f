import ArgumentParser
import Actions
import HelmRelease

/// `hrctl delete NAME…` or `hrctl delete -f FILE`: uninstall releases.
struct Delete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Uninstall releases, by name or by their HelmRelease documents.", aliases: ["uninstall"])

    @Argument(help: "Release names.", completion: ClusterCompletion.releases) var names: [String] = []
    @Option(name: [.short, .customLong("filename")], help: "HelmRelease file, folder or - whose releases to uninstall.") var filenames: [String] = []
    @Option(name: [.customShort("l"), .customLong("selector")], help: "Only HelmReleases with these labels.") var selector: String?
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var deploy: DeployFlags
    @Flag(name: .customLong("keep-history"), help: "Keep the release's records, marked uninstalled.") var keepHistory = false

    func validate() throws {
        if names.isEmpty && filenames.isEmpty { throw ValidationError("give release NAMEs or -f FILE") }
    }

    func run() async throws {
        var opts = DeployOptions()
        deploy.apply(to: &opts)
        // (release, namespace, where its records live when elsewhere)
        var targets: [(String, String?, String?)] = names.map { ($0, nil, nil) }
        if !filenames.isEmpty {
            targets += try ReleaseDocuments.load(filenames, selector: selector).map {
                ($0.releaseName, $0.targetNamespace, $0.storageNamespace.isEmpty || $0.storageNamespace == $0.targetNamespace ? nil : $0.storageNamespace)
            }
        }
        var failed = 0
        try await cluster.withContext { ctx, access in
            for (name, ns, storage) in targets {
                do {
                    let result = try await UninstallAction(context: ctx.storing(in: storage)).run(name: name, namespace: ns ?? access.namespace, keepHistory: keepHistory, opts: opts)
                    var text = opts.dryRun ? "release \"\(name)\" would be uninstalled (dry run)\n" : "release \"\(name)\" uninstalled\n"
                    if !result.kept.isEmpty { text = "These resources were kept due to the resource policy:\n" + result.kept.map { "[\($0)]\n" }.joined() + "\n" + text }
                    Output.write(Array(text.utf8))
                } catch {
                    Output.error("Error: \(error)\n")
                    failed += 1
                }
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
