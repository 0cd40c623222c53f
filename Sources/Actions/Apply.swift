import Values
import Chart
import Engine
import Kube
import Release
import HelmRelease

/// What a release should be: a chart and the user's values, in a namespace.
public struct ReleaseSpec: Sendable {
    public var name: String
    public var namespace: String
    public var chart: Chart
    public var values: Map
    /// Annotations added to every object (Helm Operator's `helm.fluxcd.io/antecedent`).
    public var extraAnnotations: [String: String] = [:]
    /// Where the chart came from, for messages.
    public var chartSource = ""
    /// Where the release's records live when not in its namespace (Flux v2 `storageNamespace`).
    public var storageNamespace: String?
    /// Run on the rendered manifests (not hooks) before they are applied and recorded.
    public var postRenderers: [PostRenderer] = []
    /// Labels the chart's crds/ objects get (helm-controller's origin labels for a Flux v2
    /// HelmRelease: `helm.toolkit.fluxcd.io/name` and `/namespace`).
    public var crdLabels: [String: String] = [:]

    public init(name: String, namespace: String, chart: Chart, values: Map) {
        self.name = name; self.namespace = namespace; self.chart = chart; self.values = values
    }
}

public enum ApplyOutcome: Sendable {
    case installed(Release)
    case upgraded(Release, reason: String)
    case unchanged(Release)
    /// --dry-run: what would be written.
    case planned(Release, action: String)

    public var release: Release {
        switch self { case .installed(let r), .upgraded(let r, _), .unchanged(let r), .planned(let r, _): return r }
    }
}

/// `hrctl apply`: install when the release does not exist, upgrade when chart, values or the
/// cluster's objects differ from the deployed revision, nothing otherwise.
public struct ApplyAction: Sendable {
    public let context: ActionContext
    public init(context: ActionContext) { self.context = context }

    static let digestKey = "hrctl_digest"
    /// The digest of chart and values as given (before dependencies are processed, which is what
    /// the record holds, as helm's does).
    static let sourceDigestKey = "hrctl_source_digest"
    static let postRenderKey = "hrctl_postrender"

    public func run(_ spec: ReleaseSpec, _ opts: DeployOptions) async throws -> ApplyOutcome {
        let ctx = spec.storageNamespace == nil ? context : context.storing(in: spec.storageNamespace)
        let history = try await ctx.repairedHistory(spec.name, namespace: spec.namespace, timeout: opts.timeout, readOnly: opts.dryRun)
        let current = history.last(where: { $0.info.status == .deployed })
        let latest = history.last
        // helm upgrade continues the deployed revision, else a failed or superseded last one.
        var upgradesLatest = false
        switch opts.mode {
        case .apply: break
        case .install(let replace):
            if let latest, !(replace && [.uninstalled, .failed].contains(latest.info.status)) { throw ActionError.nameInUse(spec.name) }
        case .upgrade(let install):
            if let latest, latest.info.status != .uninstalled {
                guard current != nil || [.failed, .superseded].contains(latest.info.status) else { throw ActionError.noDeployedReleases(spec.name) }
                upgradesLatest = current == nil
            } else if !install {
                throw ActionError.noDeployedReleases(spec.name)
            }
        }
        let force = opts.force || opts.mode != .apply
        var spec = spec
        if case .upgrade = opts.mode, let previous = current ?? (upgradesLatest ? latest : nil) {
            spec.values = opts.valueReuse.values(spec.values, chart: spec.chart, previous: previous)
        }

        let chartRecord = ChartRecord.encode(spec.chart)
        let hasDependencies = !spec.chart.metadata.dependencies.isEmpty
        let digest = ChartRecord.digest(chart: chartRecord, config: spec.values)
        let subDigest = ChartRecord.subchartDigest(spec.chart)
        let postRenderDigest = PostRender.fingerprint(spec.postRenderers)

        var reason = current == nil && !upgradesLatest ? "install" : "chart or values changed"
        if let current, latest?.version == current.version, !force,
           (current.extra[ApplyAction.sourceDigestKey]?.stringValue ?? ChartRecord.digest(chart: current.chart, config: current.config)) == digest,
           (current.extra[ApplyAction.digestKey]?.stringValue ?? subDigest) == subDigest,
           (current.extra[ApplyAction.postRenderKey]?.stringValue ?? "") == postRenderDigest {
            let drift = try await self.drift(current, extra: spec.extraAnnotations, candidates: opts.driftCandidates)
            if drift.isEmpty { return .unchanged(current) }
            reason = "drift: " + drift.joined(separator: ", ")
        }

        let version = (latest?.version ?? 0) + 1
        let isInstall = current == nil && !upgradesLatest
        if !isInstall, let method = opts.serverSideMethod, !["true", "false", "auto"].contains(method) {
            throw ActionError.invalidServerSideMethod(method)
        }
        var options = RenderOptions()
        options.releaseName = spec.name
        options.namespace = spec.namespace
        options.revision = version
        options.isInstall = isInstall
        options.isUpgrade = !isInstall
        options.enableDNS = opts.enableDNS
        if let kv = await ctx.kubeVersion() { options.kubeVersion = kv }
        try spec.chart.checkInstallable()
        let (chart, values) = try Renderer.prepare(chart: spec.chart, user: spec.values)
        let rendered = try Renderer.render(chart, values: values, options: options)
        let sorted = try Manifests.sort(rendered)
        let hookManifests = sorted.hooks
        var manifests = sorted.manifests
        if !spec.postRenderers.isEmpty { manifests = try PostRender.run(spec.postRenderers, manifests) }
        let now = Timestamp.now()
        var release = Release(
            name: spec.name, namespace: spec.namespace, version: version,
            info: .init(firstDeployed: current?.info.firstDeployed ?? history.first?.info.firstDeployed ?? now, lastDeployed: now,
                        description: ctx.holderText(isInstall ? "Install" : "Upgrade"),
                        status: isInstall ? .pendingInstall : .pendingUpgrade,
                        notes: rendered[chart.name + "/templates/NOTES.txt"] ?? ""),
            chart: hasDependencies ? ChartRecord.encode(chart, processed: true) : chartRecord,
            config: spec.values, manifest: ResourceList.manifestText(manifests))
        // helm's install takes the given labels; its upgrade merges them over the last revision's.
        try ReleaseLabels.check(opts.labels)
        release.labels = isInstall ? opts.labels : ReleaseLabels.merge(latest?.labels ?? [:], opts.labels)
        release.extra[ApplyAction.digestKey] = .string(subDigest)
        release.extra[ApplyAction.sourceDigestKey] = .string(digest)
        release.extra[ApplyAction.postRenderKey] = postRenderDigest.isEmpty ? nil : .string(postRenderDigest)
        // Helm 4 upgrades a release by the method its last revision was applied with.
        release.applyMethod = "ssa"
        var d = Deployment(release: release, hooks: try Hook.from(hookManifests), previous: current ?? latest,
                           unfinished: ActionContext.unfinished(history, after: current ?? latest),
                           extraAnnotations: spec.extraAnnotations, event: isInstall ? "install" : "upgrade", history: history)
        release.hooks = d.hooks.map(\.record)
        d.release = release
        // crds/ under the operation's policy: planned, and an unsafe upgrade refused, before
        // anything is written.
        let crds = try spec.crdObjects(chart)
        d.crdPlan = try await ctx.planCRDs(crds, policy: isInstall ? opts.installCRDs : opts.upgradeCRDs, namespace: spec.namespace)
        try await ctx.checkServedKinds(try ResourceList.parse(release.manifest) + (opts.noHooks ? [] : d.hooks.map(\.resource)),
                                       crds: d.crdPlan.applied, stage: isInstall ? .install : .upgrade)
        // Before anything is written (namespace, CRDs, the lock), as for a dry run.
        let encoded = try ctx.storage.checkSize(release)
        if opts.dryRun {
            if opts.serverDryRun {
                for obj in try ResourceList.parse(release.manifest) {
                    var m = ctx.marked(obj, release: release, extra: spec.extraAnnotations)
                    try await ctx.resources.prepare(&m, namespace: spec.namespace)
                    _ = try await ctx.resources.apply(m, namespace: spec.namespace, dryRun: true)
                }
            }
            release.info.description = "Dry run complete"
            return .planned(release, action: isInstall ? "install" : "upgrade (\(reason))")
        }

        // As Helm's upgrade --install --create-namespace: only an install creates it; records of
        // this release in its namespace (just listed) show that the namespace exists.
        let recordsInNamespace = !history.isEmpty && ctx.storage.driver.recordCollection != nil
            && (spec.storageNamespace ?? spec.namespace) == spec.namespace
        if opts.createNamespace && isInstall && !recordsInNamespace { try await ctx.ensureNamespace(spec.namespace) }
        // helm's install keeps every revision (its Storage has no maximum); upgrades trim.
        if !isInstall || opts.mode == .apply { d.history = try await ctx.trimHistory(d.history, maxHistory: opts.maxHistory) }
        d.fence = try await ctx.writePending(release, encoded: encoded)
        // helm's replaceRelease: an install over an uninstalled release's kept history marks
        // that last revision superseded (a failed one stays as it is).
        if isInstall, var last = latest, last.info.status == .uninstalled {
            last.info.status = .superseded
            last.info.description = "superseded by new release"
            try await ctx.storage.update(last)
        }
        do {
            try await ctx.deploy(&d, opts)
            try await ctx.finish(&d, description: opts.description ?? (isInstall ? "Install complete" : "Upgrade complete"))
            if opts.runTests { d.release = try await TestAction(context: ctx).run(d.release, opts) }
        } catch {
            let failure = error
            // Another run owns the release now: nothing more is written, no rollback either.
            await ctx.fail(d.release, failure, fence: d.fence)
            if case ActionError.lockTakenOver = failure { throw failure }
            if opts.cleanupOnFail && !opts.atomic && !isInstall { await ctx.cleanUpAfterFailure(d) }
            if opts.atomic {
                if let current {
                    ctx.progress("rolling back to revision \(current.version) after the failure")
                    do { _ = try await RollbackAction(context: ctx).run(name: spec.name, namespace: spec.namespace, revision: current.version, opts: opts) }
                    catch { throw ActionError.failed("\(failure)\nand the rollback failed too: \(error)") }
                    throw ActionError.failed("release \(spec.name) failed, and has been rolled back due to atomic being set: \(failure)")
                }
                ctx.progress("uninstalling after the failed install")
                _ = try? await UninstallAction(context: ctx).run(name: spec.name, namespace: spec.namespace, keepHistory: true, opts: opts)
                throw ActionError.failed("release \(spec.name) failed, and has been uninstalled due to atomic being set: \(error)")
            }
            throw error
        }
        return isInstall ? .installed(d.release) : .upgraded(d.release, reason: reason)
    }

    /// Objects of the deployed revision whose live state differs from what applying its manifest
    /// would give (found by a server-side dry-run apply), or that are gone; of those
    /// `candidates` picks when given. A live object that already holds every applied field
    /// unchanged needs no dry run.
    public func drift(_ r: Release, extra: [String: String], candidates: (@Sendable (Release, [Resource]) async -> Set<Int>)? = nil) async throws -> [String] {
        var objects: [Resource] = []
        for obj in try ResourceList.parse(r.manifest) {
            var m = context.marked(obj, release: r, extra: extra)
            try await context.resources.prepare(&m, namespace: r.namespace)
            objects.append(m)
        }
        if let picked = await candidates?(r, objects) {
            objects = objects.enumerated().filter { picked.contains($0.offset) }.map(\.element)
        }
        let resources = context.resources, ns = r.namespace
        let found = try await Concurrently.map(objects) { m -> String? in
            guard let live = try await resources.get(m, namespace: ns) else { return "\(m.label) is missing" }
            if LiveCoverage.covers(live, m) { return nil }
            let wouldBe = try await resources.apply(m, namespace: ns, dryRun: true)
            return ApplyAction.comparable(live) != ApplyAction.comparable(wouldBe) ? "\(m.label) was changed" : nil
        }
        return found.compactMap { $0 }
    }

    /// An object without what the server changes on every write.
    static func comparable(_ v: Value) -> String {
        guard case .map(let m) = Resource.copy(v), case .map(let md)? = m.entries["metadata"] else { return "" }
        for k in ["resourceVersion", "managedFields", "generation"] { md.entries[k] = nil }
        m.entries["status"] = nil
        return (try? JSONEncoding.encode(.map(m))) ?? ""
    }
}
