import Values
import Release

/// `hrctl rollback NAME [REV]`: a new revision with the chart, values and manifest of an
/// earlier one (the previous revision when none is named), as Helm does.
public struct RollbackAction: Sendable {
    public let context: ActionContext
    public init(context: ActionContext) { self.context = context }

    public func run(name: String, namespace: String, revision: Int?, opts: DeployOptions) async throws -> Release {
        let ctx = context
        let history = try await ctx.repairedHistory(name, namespace: namespace, timeout: opts.timeout, readOnly: opts.dryRun)
        guard let latest = history.last else { throw ActionError.releaseNotFound(name, namespace: namespace) }
        let wanted = revision ?? (latest.version - 1)
        guard wanted > 0, let target = history.first(where: { $0.version == wanted }) else {
            throw ActionError.revisionNotFound(name, wanted)
        }
        if let method = opts.serverSideMethod, !["true", "false", "auto"].contains(method) {
            throw ActionError.invalidServerSideMethod(method)
        }
        let current = history.last(where: { $0.info.status == .deployed })
        let now = Timestamp.now()
        var release = Release(name: name, namespace: namespace, version: latest.version + 1,
                              info: .init(firstDeployed: history.first?.info.firstDeployed ?? now, lastDeployed: now,
                                          description: context.holderText("Rollback"), status: .pendingRollback, notes: target.info.notes),
                              chart: target.chart, config: target.config, manifest: target.manifest, hooks: target.hooks)
        release.extra = target.extra
        // helm's rollback reads the target by Get, which sees its custom labels only.
        release.labels = ReleaseLabels.custom(target.labels)
        release.applyMethod = "ssa"
        release.info.rollbackRevision = wanted
        if opts.dryRun { return release }
        var d = Deployment(release: release, hooks: Hook.from(records: target.hooks), previous: current ?? latest,
                           unfinished: ActionContext.unfinished(history, after: current ?? latest), event: "rollback", history: history)
        try await ctx.checkServedKinds(try ResourceList.parse(release.manifest) + (opts.noHooks ? [] : d.hooks.map(\.resource)),
                                       crds: [], stage: .upgrade)
        d.history = try await ctx.trimHistory(d.history, maxHistory: opts.maxHistory)
        d.fence = try await ctx.writePending(release)
        do {
            try await ctx.deploy(&d, opts)
            try await ctx.finish(&d, description: opts.description ?? "Rollback to \(wanted)")
        } catch {
            await ctx.fail(d.release, error, fence: d.fence)
            if case ActionError.lockTakenOver = error { throw error }
            // As helm's rollback: the revision that was the latest is superseded by the failed one.
            if var last = history.last, last.info.status != .superseded {
                last.info.status = .superseded
                try? await ctx.storage.update(last)
            }
            // helm's rollback cleans up after its objects' update failed only (not a hook, not the wait).
            if opts.cleanupOnFail && d.stage == .objects { await ctx.cleanUpAfterFailure(d) }
            throw ActionError.rollbackFailed(name, error)
        }
        return d.release
    }
}
