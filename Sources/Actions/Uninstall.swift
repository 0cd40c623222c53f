import Values
import Release

/// `hrctl delete NAME`: pre-delete hooks, the release's objects in uninstall order (those marked
/// `helm.sh/resource-policy: keep` stay), post-delete hooks, then the records (kept as
/// `uninstalled` with --keep-history).
public struct UninstallAction: Sendable {
    public let context: ActionContext
    public init(context: ActionContext) { self.context = context }

    public struct Result: Sendable {
        public var release: Release
        public var kept: [String]
    }

    public func run(name: String, namespace: String, keepHistory: Bool, opts: DeployOptions) async throws -> Result {
        let ctx = context
        let stored = try await ctx.storage.history(name, namespace: namespace)
        guard let last = stored.last else { throw ActionError.releaseNotFound(name, namespace: namespace) }
        if last.info.status == .uninstalled {
            if !keepHistory { for r in stored { try await ctx.storage.delete(r.name, version: r.version, namespace: r.namespace) } }
            return Result(release: last, kept: [])
        }
        if opts.dryRun {
            if last.info.status.isPending && !context.isStale(last, timeout: opts.timeout) {
                throw ActionError.inProgress(name, holder: "revision \(last.version) is \(last.info.status.rawValue): \(last.info.description)")
            }
            return Result(release: last, kept: [])
        }
        var history = try await ctx.repairedHistory(name, namespace: namespace, timeout: opts.timeout, resumingUninstall: true, read: stored)
        guard var latest = history.last else { throw ActionError.releaseNotFound(name, namespace: namespace) }
        guard ctx.mayWrite() else { throw ActionError.lockTakenOver(name, latest.version) }
        latest.info.status = .uninstalling
        latest.info.deleted = Timestamp.now()
        try await ctx.storage.update(latest)
        var hooks = Hook.from(records: latest.hooks)
        var kept: [String] = []
        do {
            if !opts.noHooks { try await ctx.runHooks(&hooks, event: "pre-delete", namespace: namespace, timeout: opts.timeout) }
            var objects = try ResourceList.parse(latest.manifest)
            for i in objects.indices { try? await ctx.resources.prepare(&objects[i], namespace: namespace) }
            var deleted: [Resource] = []
            for r in ResourceList.uninstallOrder(objects) {
                if r.annotations["helm.sh/resource-policy"] == "keep" { kept.append(r.label) } else { deleted.append(r) }
            }
            // Helm's order between kinds; the objects of one kind at once.
            try await ctx.deleteInOrder(deleted, namespace: namespace, propagation: opts.deletePropagation)
            // When the latest revision did not complete, the deployed one's objects and what
            // other unfinished runs applied are the release's too.
            let current = history.last(where: { $0.info.status == .deployed })
            let others = (current.map { [$0] } ?? []) + ActionContext.unfinished(history, after: current).filter { $0.version != latest.version }
            try await ctx.removeLeftovers(of: others, keeping: Set(objects.map { $0.key(defaultNamespace: namespace) }), release: latest)
            if opts.wait { try await waitGone(deleted, namespace: namespace, timeout: opts.timeout) }
            if !opts.noHooks { try await ctx.runHooks(&hooks, event: "post-delete", namespace: namespace, timeout: opts.timeout) }
        } catch {
            latest.info.status = .failed
            latest.info.description = "Uninstallation failed: \(error)"
            _ = try? await ctx.storage.update(latest)
            throw error
        }
        latest.info.status = .uninstalled
        latest.info.description = opts.description ?? "Uninstallation complete"
        latest.hooks = hooks.map(\.record)
        if keepHistory {
            // Nothing stays deployed once the release is uninstalled.
            for i in history.indices where history[i].version != latest.version && history[i].info.status == .deployed {
                history[i].info.status = .superseded
                try await ctx.storage.update(history[i])
            }
            try await ctx.storage.update(latest)
        } else {
            // The newest record goes last: a run stopped before it finds the uninstall to resume.
            let storage = ctx.storage
            try await Concurrently.forEach(history.filter { $0.version != latest.version }) { r in
                try await storage.delete(r.name, version: r.version, namespace: r.namespace)
            }
            try await storage.delete(latest.name, version: latest.version, namespace: latest.namespace)
        }
        return Result(release: latest, kept: kept)
    }

    func waitGone(_ rs: [Resource], namespace: String, timeout: Double) async throws {
        let deadline = ResourceClient.now() + timeout
        while true {
            var left: [String] = []
            for r in rs where try await context.resources.get(r, namespace: namespace) != nil { left.append("\(r.label): still exists") }
            if left.isEmpty { return }
            if ResourceClient.now() >= deadline { throw ActionError.waitTimeout(GoDuration.format(seconds: timeout), left) }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
    }
}
