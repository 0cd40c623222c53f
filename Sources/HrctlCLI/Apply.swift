import ArgumentParser
import Values
import Actions
import Release
import HelmRelease
import Kube
import Chart

/// `hrctl apply -f FILE`: install or upgrade each HelmRelease, or say it is up to date.
struct Apply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apply",
        abstract: "Install or upgrade the releases HelmRelease documents describe; nothing when they are up to date.")

    @Option(name: [.short, .customLong("filename")], help: "HelmRelease file, folder of files, or - for stdin (repeatable).")
    var filenames: [String] = []

    @Option(name: [.customShort("l"), .customLong("selector")], help: "Only HelmReleases with these labels (key=value[,key=value]).")
    var selector: String?

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var sources: SourceOptions
    @OptionGroup var values: ValueOptions
    @OptionGroup var deploy: DeployFlags
    @OptionGroup var postRender: PostRendererOptions
    @OptionGroup var crds: CRDOption
    @OptionGroup var renderLimits: RenderLimitOptions

    @Option(name: .long, help: "How many releases to apply at once (dependsOn order is kept).")
    var parallel = 4

    @Flag(name: .long, help: "Upgrade even when chart and values are unchanged and nothing drifted.")
    var force = false

    func validate() throws {
        if filenames.isEmpty { throw ValidationError("give -f FILE (a HelmRelease document, a folder of them, or -)") }
        if parallel < 1 { throw ValidationError("--parallel must be at least 1") }
    }

    func run() async throws {
        try renderLimits.apply()
        let docs = try ReleaseDocuments.load(filenames, selector: selector)
        let overrides = try values.userValues()
        let fetcher = try sources.fetcher()
        let failures = try await cluster.withContext { ctx, _ in
            try await Scheduler.run(docs, parallel: parallel) { hr in
                let inputs = ReleaseInputs(fetcher: fetcher, client: ctx.resources.client)
                var (spec, opts) = try await inputs.spec(hr, overrides: Coalesce.copyMap(overrides))
                try deploy.apply(to: &opts)
                try crds.apply(to: &opts)
                spec.postRenderers += postRender.renderers
                opts.force = force
                opts.createNamespace = true
                let outcome = try await ApplyAction(context: ctx).run(spec, opts)
                return ReleaseText.outcome(outcome, dryRun: opts.dryRun)
            }
        }
        await fetcher.shutdown()
        if failures > 0 { throw ExitCode(1) }
    }
}

/// Runs one job per HelmRelease, at most `parallel` at once, each after the ones it dependsOn
/// (within the input). Prints each result as it ends; returns how many failed.
enum Scheduler {
    static func run(_ docs: [HelmRelease], parallel: Int, _ job: @escaping @Sendable (HelmRelease) async throws -> String) async throws -> Int {
        let ids = Set(docs.map(\.id))
        var done: Set<String> = [], failed: Set<String> = []
        var remaining = docs
        var failures = 0
        while !remaining.isEmpty {
            let ready = remaining.filter { r in r.dependsOn.allSatisfy { !ids.contains($0) || done.contains($0) || failed.contains($0) } }
            if ready.isEmpty {
                throw CLIError.badData(remaining[0].file, "dependsOn forms a cycle among: \(remaining.map(\.id).joined(separator: ", "))")
            }
            remaining.removeAll { r in ready.contains { $0.id == r.id } }
            var runnable: [HelmRelease] = []
            for r in ready {
                if let dep = r.dependsOn.first(where: { failed.contains($0) }) {
                    Output.error("Error: HelmRelease \(r.id): skipped because \(dep), which it depends on, failed\n")
                    failed.insert(r.id); failures += 1
                } else { runnable.append(r) }
            }
            var index = 0
            await withTaskGroup(of: (String, Result<String, Error>).self) { group in
                func launch() {
                    guard index < runnable.count else { return }
                    let r = runnable[index]; index += 1
                    group.addTask {
                        do { return (r.id, .success(try await job(r))) } catch { return (r.id, .failure(error)) }
                    }
                }
                for _ in 0..<min(parallel, runnable.count) { launch() }
                while let (id, result) = await group.next() {
                    switch result {
                    case .success(let text): Output.write(Array(text.utf8)); done.insert(id)
                    case .failure(let e):
                        Output.error("Error: HelmRelease \(id): \(e)\n")
                        failed.insert(id); failures += 1
                    }
                    launch()
                }
            }
        }
        return failures
    }
}

/// What the release commands print, in Helm's words.
enum ReleaseText {
    static func summary(_ r: Release) -> String { StatusPrinter(release: r).table() }

    static func outcome(_ o: ApplyOutcome, dryRun: Bool) -> String {
        switch o {
        case .installed(let r): return "Release \"\(r.name)\" has been installed. Happy Helming!\n" + summary(r)
        case .upgraded(let r, let reason): return "Release \"\(r.name)\" has been upgraded (\(reason)). Happy Helming!\n" + summary(r)
        case .unchanged(let r):
            return "Release \"\(r.name)\" is up to date: revision \(r.version) has this chart and these values, and nothing drifted in the cluster.\n"
        case .planned(let r, let action):
            return "Release \"\(r.name)\" would \(action) to revision \(r.version) (dry run; nothing was changed).\nMANIFEST:\n\(r.manifest)"
        }
    }
}
