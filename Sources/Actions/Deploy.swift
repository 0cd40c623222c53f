import Values
import Kube
import Release

/// The steps install, upgrade and rollback share once the pending record is written: CRDs,
/// pre hooks, resources by server-side apply in install order with Helm's ownership marks,
/// removal of what the previous manifest had and this one lacks, waiting, post hooks, and the
/// records' final statuses.
struct Deployment {
    var release: Release
    var hooks: [Hook]
    /// What becomes of the chart's crds/, decided and checked before anything was written.
    var crdPlan = CRDPlan()
    var previous: Release?
    /// Revisions after `previous` that did not complete (failed or interrupted): objects they
    /// applied and this manifest lacks are removed, when they are still this release's.
    var unfinished: [Release] = []
    /// Annotations added to every object (Helm Operator's antecedent).
    var extraAnnotations: [String: String] = [:]
    var event: String  // "install", "upgrade" or "rollback"
    /// The release's history before this revision, as read (and repaired) under the lock:
    /// what `finish` supersedes and trims, without listing the records again.
    var history: [Release] = []
    /// This run's hold on its pending record (nil for a dry run).
    var fence: LockFence?
    /// How far `deploy` got: helm's rollback cleans up (--cleanup-on-fail) only after a failure
    /// while objects were written, not after a failed hook or wait.
    var stage = Stage.hooks
    enum Stage { case hooks, objects, waiting }
}

/// A run's hold on its pending record (the lock). Another run takes a lock over only once it
/// judges its writer gone (its process dead, its operator term over, or older than the timeout),
/// so a writer that was merely paused finds out here before it writes again: `hold` re-reads
/// the record once a second or more has passed since the last look (a pause long enough for a
/// take-over shows as such a gap; a quick run never re-reads), and the record is finished only
/// if unchanged since it was written (`version`, the driver's token: a resourceVersion
/// precondition on Secrets and ConfigMaps, PostgreSQL's xmin on SQL).
actor LockFence {
    let name: String, revision: Int, namespace: String
    let version: RecordToken
    let storage: ReleaseStorage
    let mayWrite: @Sendable () -> Bool
    var confirmed = ResourceClient.now()

    init(_ r: Release, version: RecordToken, context: ActionContext) {
        name = r.name; revision = r.version; namespace = r.namespace
        self.version = version; storage = context.storage; mayWrite = context.mayWrite
    }

    /// Throws `lockTakenOver` when the lock may be another run's now.
    func hold() async throws {
        guard mayWrite() else { throw ActionError.lockTakenOver(name, revision) }
        let now = ResourceClient.now()
        guard now - confirmed >= 1 else { return }
        guard try await storage.token(name, version: revision, namespace: namespace) == version else {
            throw ActionError.lockTakenOver(name, revision)
        }
        confirmed = now
    }
}

extension ActionContext {
    func marked(_ r: Resource, release: Release, extra: [String: String]) -> Resource {
        guard case .map(let copy) = Resource.copy(.map(r.object)) else { return r }
        let m = Resource(object: copy, source: r.source)
        m.setLabel("app.kubernetes.io/managed-by", "Helm")
        m.setAnnotation("meta.helm.sh/release-name", release.name)
        m.setAnnotation("meta.helm.sh/release-namespace", release.namespace)
        for (k, v) in extra { m.setAnnotation(k, v) }
        return m
    }

    func deploy(_ d: inout Deployment, _ opts: DeployOptions) async throws {
        let ns = d.release.namespace
        let operation = d.event == "install" ? "install" : "update"
        try await applyCRDs(d.crdPlan, namespace: ns, timeout: opts.timeout, fence: d.fence)
        if !opts.noHooks { try await runHooks(&d.hooks, event: "pre-\(d.event)", namespace: ns, timeout: opts.timeout, fence: d.fence) }
        d.stage = .objects
        // helm's kube client refuses replacement with server-side apply when it updates; an
        // install only updates objects it adopts (below).
        if opts.forceReplace && d.event != "install" { throw ActionError.forceReplaceWithServerSideApply }

        var objects: [Resource] = []
        let parsed = try ResourceList.parse(d.release.manifest)
        // Kinds a CRD of this very manifest defines map only once that CRD is applied and
        // established; their scope comes from the CRD meanwhile.
        let defined = ServedKinds.definedBy(parsed)
        var deferred: Set<String> = []
        for r in parsed {
            var m = marked(r, release: d.release, extra: d.extraAnnotations)
            do { try await resources.prepare(&m, namespace: ns) } catch is Discovery.DiscoveryError {
                guard let namespaced = defined["\(m.apiVersion)|\(m.kind)"] else { throw ActionError.unbuildable("release manifest", [
                    ActionError.mappingNotFound(name: m.name, namespace: m.namespace ?? "", kind: m.kind, apiVersion: m.apiVersion)]) }
                if namespaced && m.namespace == nil { m.metadata.entries["namespace"] = .string(ns) }
                if !namespaced { m.metadata.entries["namespace"] = nil }
                deferred.insert(m.key(defaultNamespace: ns))
            }
            objects.append(m)
        }
        var oldKeys: Set<String> = []
        var oldObjects: [Resource] = []
        if let prev = d.previous {
            oldObjects = (try? ResourceList.parse(prev.manifest)) ?? []
            for i in oldObjects.indices { try? await resources.prepare(&oldObjects[i], namespace: ns) }
            oldKeys = Set(oldObjects.map { $0.key(defaultNamespace: ns) })
        }
        // A run paused past its lock (another run took the release over meanwhile) stops
        // before it changes an object. A take-over needs the lock's writer judged gone, which
        // takes far longer than the second after which `hold` reads the record again, so a run
        // that got here quickly (an install's usual case) sends no request for it.
        try await d.fence?.hold()
        // Helm refuses to take over objects that belong to another release or to nobody. An
        // object new to the release is created only if absent (one request, no look-up first);
        // one that exists is read and checked before it is applied. After a refusal the objects
        // this run created are deleted again: a refused install or upgrade leaves nothing new,
        // as Helm's check before any write does.
        let adopted = Set(objects.map { $0.key(defaultNamespace: ns) }.filter { !oldKeys.contains($0) && !deferred.contains($0) })
        let resources = self.resources, progress = self.progress, fence = d.fence
        let release = d.release.name, releaseNamespace = d.release.namespace, takeOwnership = opts.takeOwnership
        let forceConflicts = opts.forceConflicts, forceReplace = opts.forceReplace
        let created = CreatedObjects()
        do {
            // Helm's order between kinds; the objects of one kind at once.
            for group in Concurrently.runs(objects, by: \.kind) {
                try await Concurrently.forEach(group) { r in
                    progress("applying \(r.label)")
                    try await fence?.hold()
                    if adopted.contains(r.key(defaultNamespace: ns)) {
                        if try await resources.applyIfAbsent(r, namespace: ns) { return await created.add(r) }
                        if !takeOwnership, let live = try await resources.get(r, namespace: ns),
                           let problem = ResourceClient.ownershipProblem(live, release: release, namespace: releaseNamespace) {
                            throw ActionError.ownership(problem, operation: operation)
                        }
                        if forceReplace { throw ActionError.forceReplaceWithServerSideApply }
                    }
                    do { try await resources.apply(r, namespace: ns, force: forceConflicts) }
                    catch let e as KubeAPIError where e.reason == .conflict { throw ActionError.applyConflict(r, e) }
                }
                if !deferred.isEmpty && group[0].kind == "CustomResourceDefinition" { try await resources.wait(group, namespace: ns, WaitOptions(timeout: opts.timeout)) }
            }
        } catch let refusal as ActionError {
            switch refusal {
            case .ownership, .forceReplaceWithServerSideApply:
                try await deleteInOrder(ResourceList.uninstallOrder(await created.all), namespace: ns, fence: d.fence)
            default: break
            }
            throw refusal
        }
        let newKeys = Set(objects.map { $0.key(defaultNamespace: ns) })
        var removed: [Resource] = []
        for r in ResourceList.uninstallOrder(oldObjects) where !newKeys.contains(r.key(defaultNamespace: ns)) {
            if r.annotations["helm.sh/resource-policy"] == "keep" { progress("keeping \(r.label) (resource-policy: keep)"); continue }
            removed.append(r)
        }
        try await deleteInOrder(removed, namespace: ns, why: " (no longer in the chart)", fence: d.fence)
        try await removeLeftovers(of: d.unfinished, keeping: newKeys.union(oldKeys), release: d.release, fence: d.fence)
        d.stage = .waiting
        if opts.wait {
            progress("waiting up to \(GoDuration.format(seconds: opts.timeout)) for \(objects.count) objects to be ready")
            let report = opts.waitProgress, status = waitStatus ?? progress
            try await resources.wait(objects, namespace: ns, opts.waitOptions, fence: d.fence, progress: { status($0); report?($0) })
        }
        if !opts.noHooks { try await runHooks(&d.hooks, event: "post-\(d.event)", namespace: ns, timeout: opts.timeout, fence: d.fence) }
    }

    /// Deletes objects (given in uninstall order) a kind after another, the objects of one kind at once.
    func deleteInOrder(_ rs: [Resource], namespace: String, why: String = "", fence: LockFence? = nil, propagation: String = "Background") async throws {
        let resources = self.resources, progress = self.progress
        for group in Concurrently.runs(rs, by: \.kind) {
            // A whole kind at once, as Helm deletes: a delete answers without waiting for the
            // object to go, and many in flight hide the round trips.
            try await Concurrently.forEach(group, limit: Concurrently.deleteLimit) { r in
                progress("deleting \(r.label)\(why)")
                try await fence?.hold()
                try await resources.delete(r, namespace: namespace, propagation: propagation)
            }
        }
    }

    /// Deletes objects that only unfinished revisions listed and that still carry this
    /// release's ownership marks (an object another release owns is never touched).
    func removeLeftovers(of unfinished: [Release], keeping: Set<String>, release: Release, fence: LockFence? = nil) async throws {
        let ns = release.namespace
        var seen = keeping
        for u in unfinished.reversed() {
            var objects = (try? ResourceList.parse(u.manifest)) ?? []
            for i in objects.indices { try? await resources.prepare(&objects[i], namespace: ns) }
            for r in ResourceList.uninstallOrder(objects) where !seen.contains(r.key(defaultNamespace: ns)) {
                seen.insert(r.key(defaultNamespace: ns))
                if r.annotations["helm.sh/resource-policy"] == "keep" { continue }
                guard let live = try await resources.get(r, namespace: ns),
                      ResourceClient.ownershipProblem(live, release: release.name, namespace: release.namespace) == nil else { continue }
                progress("deleting \(r.label) (left by unfinished revision \(u.version))")
                try await fence?.hold()
                try await resources.delete(r, namespace: ns)
            }
        }
    }

    /// helm's --cleanup-on-fail: what a failed upgrade or rollback created (in its manifest and
    /// not in the previous revision's) goes again, if it still carries this release's marks.
    func cleanUpAfterFailure(_ d: Deployment) async {
        guard let previous = d.previous else { return }
        let ns = d.release.namespace
        var kept = (try? ResourceList.parse(previous.manifest)) ?? []
        for i in kept.indices { try? await resources.prepare(&kept[i], namespace: ns) }
        progress("cleaning up what the failed \(d.event) created")
        try? await removeLeftovers(of: [d.release], keeping: Set(kept.map { $0.key(defaultNamespace: ns) }), release: d.release)
    }

    /// Helm's removeLeastRecent, run where Helm's Storage.Create runs it: before the new
    /// revision's record is written, the history is cut to `maxHistory - 1` revisions, oldest
    /// first, keeping the newest deployed one, to make room for it. A failed upgrade has thus
    /// trimmed too, and a kill after the trim loses only revisions that were going anyway.
    /// Returns the history left.
    func trimHistory(_ history: [Release], maxHistory: Int) async throws -> [Release] {
        let maximum = maxHistory - 1
        guard maxHistory > 0, history.count > maximum else { return history }
        let lastDeployed = history.last(where: { $0.info.status == .deployed })?.version
        var doomed: Set<Int> = []
        for r in history {
            if history.count - doomed.count == maximum { break }
            if r.version != lastDeployed { doomed.insert(r.version) }
        }
        for r in history where doomed.contains(r.version) {
            try await storage.delete(r.name, version: r.version, namespace: r.namespace)
        }
        return history.filter { !doomed.contains($0.version) }
    }

    /// Marks the new revision deployed and the previously deployed ones superseded.
    /// The new revision is written deployed first: a kill before the others are superseded
    /// leaves several deployed, which `repairedHistory` resolves to the newest (complete) one;
    /// superseding first would leave none deployed and the complete revision pending.
    func finish(_ d: inout Deployment, description: String) async throws {
        d.release.info.status = .deployed
        d.release.info.description = description
        d.release.hooks = d.hooks.map(\.record)
        try await d.fence?.hold()
        do { try await storage.update(d.release, ifUnchangedSince: d.fence?.version) }
        catch StorageError.conflict where d.fence != nil {
            throw ActionError.lockTakenOver(d.release.name, d.release.version)
        }
        // The history read under the lock, with this revision: the update above succeeding
        // unchanged shows nobody took the lock over meanwhile, so nobody else wrote records.
        let history = d.history.filter { $0.version != d.release.version } + [d.release]
        // Only older ones: a newer revision is another writer's, and stays as it wrote it. An
        // older one still read as pending was finished since (an operator's watch-fed history
        // can lag its own last write): it is superseded too, never left deployed beside this one.
        for var r in history where r.version < d.release.version && (r.info.status == .deployed || r.info.status.isPending) {
            r.info.status = .superseded
            try await storage.update(r)
        }
    }

    /// Records a failed revision with the reason; nothing else is lost.
    /// A run that lost its right to write marks its record failed only if it is still as it wrote
    /// it (`fence`): never left pending behind, never overwriting another run's.
    func fail(_ r: Release, _ error: Error, fence: LockFence? = nil) async {
        var version: RecordToken?
        if case ActionError.lockTakenOver = error {
            guard let fence else { return }
            version = fence.version
        }
        var failed = r
        failed.info.status = .failed
        failed.info.description = "\(r.info.status == .pendingInstall ? "Release" : r.info.status == .pendingRollback ? "Rollback" : "Upgrade") \"\(r.name)\" failed: \(error)"
        try? await storage.update(failed, ifUnchangedSince: version)
    }

    /// Writes the pending record (returning its fence); a concurrent run that wrote
    /// the same revision first wins.
    func writePending(_ r: Release, encoded: String? = nil) async throws -> LockFence? {
        guard mayWrite() else { throw ActionError.lockTakenOver(r.name, r.version) }
        do { return LockFence(r, version: try await storage.create(r, encoded: encoded), context: self) }
        catch StorageError.exists {
            throw ActionError.inProgress(r.name, holder: "revision \(r.version) was just written by another run")
        }
    }
}

/// Objects a run created (they did not exist before it).
actor CreatedObjects {
    var all: [Resource] = []
    func add(_ r: Resource) { all.append(r) }
}

extension Resource {
    static func copy(_ v: Value) -> Value {
        switch v {
        case .map(let m):
            var e: [String: Value] = [:]
            for (k, x) in m.entries { e[k] = copy(x) }
            return .map(Map(e))
        case .list(let l): return .list(l.items.map(copy))
        default: return v
        }
    }
}
