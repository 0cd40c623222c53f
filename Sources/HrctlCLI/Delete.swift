import ArgumentParser
import Actions
import HelmRelease

/// `hrctl uninstall NAME…` (helm's aliases del, delete, un), or `-f FILE` of HelmRelease
/// documents whose releases to uninstall (hrctl's own).
struct Delete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "uninstall", abstract: "uninstall a release",
                                                    aliases: ["del", "delete", "un"])

    @Argument(help: "Release names.", completion: ClusterCompletion.releases) var names: [String] = []
    @Option(name: [.short, .customLong("filename")], help: "HelmRelease file, folder or - whose releases to uninstall.") var filenames: [String] = []
    @Option(name: [.customShort("l"), .customLong("selector")], help: "Only HelmReleases with these labels.") var selector: String?
    @OptionGroup var cluster: GlobalOptions
    @OptionGroup var deploy: DeployFlags
    @Flag(name: .customLong("keep-history"), help: "remove all associated resources and mark the release as deleted, but retain the release history")
    var keepHistory = false
    @Flag(name: .customLong("ignore-not-found"), help: "Treat \"release not found\" as a successful uninstall")
    var ignoreNotFound = false
    @Option(name: .long, help: "Must be \"background\", \"orphan\", or \"foreground\". Selects the deletion cascading strategy for the dependents. Defaults to background.")
    var cascade = "background"

    func validate() throws {
        if names.isEmpty && filenames.isEmpty {
            throw CLIError.arguments("\"\(Hrctl.programName) uninstall\" requires at least 1 argument", usage: "\(Hrctl.programName) uninstall RELEASE_NAME [...] [flags]")
        }
        if !["background", "orphan", "foreground"].contains(cascade) {
            throw CLIError.helm("invalid cascade value (\(cascade)). Must be \"background\", \"foreground\", or \"orphan\"")
        }
    }

    func run() async throws {
        var opts = DeployOptions()
        try deploy.apply(to: &opts)
        opts.deletePropagation = cascade.prefix(1).uppercased() + cascade.dropFirst()
        // (release, namespace, where its records live when elsewhere)
        var targets: [(String, String?, String?)] = names.map { ($0, nil, nil) }
        if !filenames.isEmpty {
            targets += try ReleaseDocuments.load(filenames, selector: selector).map {
                ($0.releaseName, $0.targetNamespace, $0.storageNamespace.isEmpty || $0.storageNamespace == $0.targetNamespace ? nil : $0.storageNamespace)
            }
        }
        var failed = 0
        try await cluster.withContext(quiet: filenames.isEmpty) { ctx, access in
            for (name, ns, storage) in targets {
                do {
                    let result = try await UninstallAction(context: ctx.storing(in: storage)).run(name: name, namespace: ns ?? access.namespace, keepHistory: keepHistory, opts: opts)
                    var text = opts.dryRun ? "release \"\(name)\" would be uninstalled (dry run)\n" : "release \"\(name)\" uninstalled\n"
                    if !result.kept.isEmpty { text = "These resources were kept due to the resource policy:\n" + result.kept.map { "[\($0)]\n" }.joined() + "\n" + text }
                    Output.write(Array(text.utf8))
                } catch ActionError.releaseNotFound where ignoreNotFound {
                    continue
                } catch {
                    Output.error("Error: uninstall: Release not loaded: \(name): \(error)\n")
                    failed += 1
                }
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
