import Values
import YAML
import Kube
import Release
import Actions
import HelmRelease
import ChartSource
#if canImport(Glibc)
import Glibc
#endif

public struct OperatorConfig: Sendable {
    /// Watch one namespace; nil watches all.
    public var namespace: String?
    public var workers = 2
    /// Every HelmRelease is reconciled at least this often (drift is repaired then).
    public var resyncInterval: Double = 300
    public var leaseNamespace = "default"
    /// The leader Lease's name: shards by label selector each need their own.
    public var leaseName = "hrctl-operator"
    public var identity: String
    public var leaseDuration: Double = 15
    public var retryPeriod: Double = 2
    public var backoffBase: Double = 1
    public var backoffMax: Double = 300
    /// How long a stop waits for reconciles in flight before abandoning them.
    public var gracePeriod: Double = 30
    /// Only HelmReleases with these labels (`--watch-label-selector`, Flux's sharding).
    public var watchLabelSelector: String?
    /// Every replica reconciles a share of the HelmReleases (membership Leases, rendezvous
    /// hashing) instead of one leader reconciling them all.
    public var scaleOut = false

    /// The Lease name of a shard: "hrctl-operator", or for a label-selected shard
    /// "hrctl-operator-" and a digest of its selector, so each shard elects its own leader.
    public static func leaseName(selector: String?) -> String {
        guard let selector, !selector.isEmpty else { return "hrctl-operator" }
        var h: UInt64 = 0xcbf29ce484222325
        for b in selector.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return "hrctl-operator-" + String(String(h, radix: 36).prefix(8))
    }

    public init(identity: String) { self.identity = identity }
}

/// `hrctl operator`: watches HelmRelease objects (and the ConfigMaps and Secrets their
/// valuesFrom names) and reconciles each on a change of its generation or of a referenced value,
/// and on a periodic resync; `workers` at once, never two for one object; only while holding
/// the leader lease.
public final class Operator: @unchecked Sendable {
    /// A render's wall-time limit in the operator when HRCTL_RENDER_TIMEOUT sets none: far above any
    /// real chart (the largest in the reference corpus renders in well under a second).
    public static let defaultRenderTimeout: Duration = .seconds(30)
    public let config: OperatorConfig
    public let reconciler: Reconciler
    public let metrics = Metrics()
    let state = OperatorState()
    let elector: LeaderElector
    /// Scale-out membership (nil: leader election).
    nonisolated(unsafe) var membership: Membership?
    /// Called as a reconcile of a key begins (true) and ends (false): for tests that check two
    /// replicas never reconcile one release at once.
    public nonisolated(unsafe) var trace: (@Sendable (String, Bool) async -> Void)?

    public init(config: OperatorConfig, context: ActionContext, fetcher: ChartFetcher) {
        self.config = config
        self.reconciler = Reconciler(context: context, fetcher: fetcher)
        var e = LeaderElector(client: context.resources.client, namespace: config.leaseNamespace, name: config.leaseName, identity: config.identity)
        e.leaseDuration = config.leaseDuration
        e.retryPeriod = config.retryPeriod
        elector = e
    }

    var client: KubeClient { reconciler.context.resources.client }

    /// Asks `run` to stop: reconciles in flight finish (up to the grace period), the lease is given up.
    public func stop() { Task { await state.setStopping() } }

    public var isLeader: Bool { get async { await metrics.isLeader } }
    public var isReady: Bool { get async { await state.ready } }

    /// Answers the probe server.
    public func probe(_ path: String) async -> (Int, String) {
        switch path {
        case "/healthz", "/livez": return (200, "ok\n")
        case "/readyz": return await state.ready ? (200, "ok\n") : (503, "not ready\n")
        case "/metrics":
            let n = await state.known.count
            await metrics.set(managed: n, queueDepth: await state.queue?.depth ?? 0)
            await metrics.set(apiRequests: client.stats.total)
            return (200, await metrics.text())
        default: return (404, "not found\n")
        }
    }

    /// Campaigns for the lease and, while holding it, reconciles; returns after `stop()`.
    public func run() async throws {
        // One tenant's template may not hold a worker forever: renders get a wall-time limit
        // unless --render-timeout or HRCTL_RENDER_TIMEOUT gave one (0: none).
        if !RenderLimits.current.renderTimeoutGiven { RenderLimits.current.renderTimeout = Operator.defaultRenderTimeout }
        await state.setReadyStandby()
        if config.scaleOut { return await share() }
        while await !state.stopping {
            let leading: Bool
            do { leading = try await elector.tryAcquireOrRenew() } catch { leading = false }
            if leading {
                await metrics.set(leader: true)
                await lead()
                await metrics.set(leader: false)
            } else {
                try? await sleep(config.retryPeriod)
            }
        }
        await elector.release()
    }

    func sleep(_ seconds: Double) async throws { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) }

    var helmReleases: String {
        config.namespace.map { Reconciler.path($0) } ?? "/apis/\(HelmReleaseCRD.group)/\(HelmReleaseCRD.version)/\(HelmReleaseCRD.plural)"
    }

    func collection(_ resource: String) -> String {
        config.namespace.map { "/api/v1/namespaces/\($0)/\(resource)" } ?? "/api/v1/\(resource)"
    }

    /// Scale-out: a member among the live replicas, reconciling its share until a stop.
    func share() async {
        let token = String(UInt64.random(in: 1...UInt64.max), radix: 36)
        let m = Membership(client: client, namespace: config.leaseNamespace, group: config.leaseName, identity: config.identity, term: token,
                           leaseDuration: config.leaseDuration, retryPeriod: config.retryPeriod)
        membership = m
        let state = self.state
        await m.setOnGain { await state.resync() }
        await m.refresh()
        await metrics.set(leader: true)
        var ctx = reconciler.context
        ctx.lockHolder = "hrctl operator \(config.identity) term \(token)"
        let holders = m.holders
        ctx.isAbandonedLock = { holders.isAbandoned($0) }
        await term(WorkQueue(baseDelay: config.backoffBase, maxDelay: config.backoffMax), ctx)
        await metrics.set(leader: false)
        await m.leave()
    }

    /// One term as leader: informers, resync and workers until the lease is lost or a stop.
    func lead() async {
        let queue = WorkQueue(baseDelay: config.backoffBase, maxDelay: config.backoffMax)
        // Locks name this term: once leader, every lock another operator term left is abandoned
        // (only the leader reconciles), so a restart mid-apply recovers at once.
        var ctx = reconciler.context
        let holder = "hrctl operator \(config.identity) term \(String(UInt64.random(in: 1...UInt64.max), radix: 36))"
        ctx.lockHolder = holder
        let lease = Term(renewed: LeaderElector.clock() - config.retryPeriod, leaseDuration: config.leaseDuration)
        // A term that may have ended judges no lock abandoned (and writes nothing).
        ctx.isAbandonedLock = { lease.valid && $0.contains("hrctl operator ") && !$0.contains(holder) }
        await term(queue, ctx, lease: lease)
    }

    /// Informers, resync and workers until the term ends (a lost lease or a stop). `lease`: the
    /// leader's, whose term may end unnoticed (a pause); scale-out members stop on their own.
    func term(_ queue: WorkQueue, _ baseContext: ActionContext, lease: Term? = nil) async {
        var ctx = baseContext
        if let lease { ctx.mayWrite = { lease.valid } }
        // Histories are read by name from what the records' watch knows.
        let records = RecordIndex()
        // Only records that are Kubernetes objects can be watched; SQL histories are queried.
        let recordCollection = ctx.storage.driver.recordCollection
        if recordCollection != nil { ctx.storage.index = records }
        ctx.knownKubeVersion = await baseContext.kubeVersion()
        let state = self.state
        var termReconciler = Reconciler(context: ctx, fetcher: self.reconciler.fetcher)
        termReconciler.observe = { await state.observe($0) }
        termReconciler.namespaces = NamespaceMemo()
        let reconciler = termReconciler
        await state.begin(queue)
        let watches = OwnedWatches(client: client, state: state, namespace: config.namespace, discovery: ctx.resources.discovery, log: log)
        let client = self.client, config = self.config
        let synced = Gate(count: 4)
        let informers = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    var r = Reflector(client: client, target: WatchTarget(path: self.helmReleases, labelSelector: config.watchLabelSelector))
                    r.pageSize = 500
                    await Self.keep(r, "HelmReleases", self.log) { update in
                        await state.helmReleases(update)
                        if case .page(_, true) = update { await synced.open() }
                    }
                }
                // Metadata only: names and versions are all a valuesFrom change needs; release
                // records (owner=helm) are watched apart, and their data never streams here.
                let configMapSelector: String? = recordCollection == "configmaps" ? "owner!=helm" : nil
                for (kind, selector) in [("configmaps", configMapSelector), ("secrets", "owner!=helm")] as [(String, String?)] {
                    group.addTask {
                        var r = Reflector(client: client, target: WatchTarget(path: self.collection(kind), labelSelector: selector, metadataOnly: true))
                        r.pageSize = 500
                        await Self.keep(r, kind, self.log) { update in
                            await state.values(kind, update)
                            if case .page(_, true) = update { await synced.open() }
                        }
                    }
                }
                if let recordCollection { group.addTask {
                    var r = Reflector(client: client, target: WatchTarget(path: self.collection(recordCollection), labelSelector: "owner=helm", metadataOnly: true))
                    r.pageSize = 500
                    await Self.keep(r, "release records", self.log) { update in
                        switch update {
                        case .page(let items, let last):
                            await records.listed(items.compactMap(OperatorState.metadata), last: last)
                            if last { await synced.open() }
                        case .replaced(let items):
                            await records.listed(items.compactMap(OperatorState.metadata), last: true)
                        case .event(let e):
                            if let md = OperatorState.metadata(e.object) { await records.note(secret: md, deleted: e.kind == .deleted) }
                        }
                    }
                } } else { await synced.open() }
                group.addTask {
                    while !Task.isCancelled {
                        try? await self.sleep(config.resyncInterval)
                        if Task.isCancelled { break }
                        await state.resync()
                    }
                }
            }
        }
        // Workers start once every watch has listed: a reconcile then trusts what they know.
        await synced.wait(timeout: 60)
        let workers = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<max(1, config.workers) {
                    group.addTask {
                        while let key = await queue.next() {
                            if let m = self.membership {
                                switch await m.begin(key) {
                                case .run: break
                                case .notMine:
                                    await queue.done(key, failed: false)
                                    continue
                                case .wait:
                                    // The view is changing: this replica's releases wait until every member agrees.
                                    await queue.done(key, failed: false)
                                    Task { try? await self.sleep(config.retryPeriod); await queue.add(key) }
                                    continue
                                }
                            }
                            await self.trace?(key, true)
                            // Scale-out logs each reconcile's span, so overlaps between replicas can be checked.
                            if self.membership != nil { self.log("reconcile \(key) begins at \(LeaderElector.clock())") }
                            let failed = await self.work(key, reconciler, records, watches, queue)
                            if self.membership != nil { self.log("reconcile \(key) ends at \(LeaderElector.clock())") }
                            await self.trace?(key, false)
                            await self.membership?.end(key)
                            await queue.done(key, failed: failed)
                        }
                    }
                }
            }
        }
        // Renew the lease; a term ends when renewing fails for a whole lease duration, or at a stop.
        var lastRenewed = LeaderElector.clock()
        while await !state.stopping {
            try? await sleep(min(config.retryPeriod, 0.5))
            guard LeaderElector.clock() - lastRenewed >= config.retryPeriod else { continue }
            if let m = membership { await m.refresh(); lastRenewed = LeaderElector.clock(); continue }
            let asked = LeaderElector.clock()
            if await renew() { lastRenewed = LeaderElector.clock(); lease?.renewed(at: asked) }
            else if LeaderElector.clock() - lastRenewed > config.leaseDuration { break }
        }
        await queue.shutDown()
        let grace = Task {
            try? await self.sleep(config.gracePeriod)
            workers.cancel()
        }
        await workers.value
        grace.cancel()
        informers.cancel()
        await watches.stop()
        await informers.value
        await state.end()
    }

    func renew() async -> Bool { (try? await elector.tryAcquireOrRenew()) == true }

    /// Runs a reflector until cancelled; a failure (a watch refused, a server gone for long) is
    /// logged and the reflector starts over after a pause.
    static func keep(_ r: Reflector, _ what: String, _ log: @escaping @Sendable (String) -> Void,
                     _ handle: @escaping @Sendable (Reflector.Update) async -> Void) async {
        while !Task.isCancelled {
            do { try await r.run { await handle($0); return true } } catch {
                if Task.isCancelled { return }
                log("watch of \(what) failed, starting over: \(error)")
                try? await Task.sleep(nanoseconds: 5_000_000_000)
            }
        }
    }

    var log: @Sendable (String) -> Void { reconciler.context.progress }

    /// One key from the queue; true when it failed (and comes back after a backoff).
    func work(_ key: String, _ reconciler: Reconciler, _ records: RecordIndex, _ watches: OwnedWatches, _ queue: WorkQueue) async -> Bool {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        let (namespace, name) = (parts[0], parts.count > 1 ? parts[1] : "")
        guard let object = await state.object(key) else {
            await state.forget(key)
            return false
        }
        let fingerprint = await self.fingerprint(object, records)
        if let fingerprint, await state.unchanged(key, fingerprint) {
            await metrics.record(skipped: 1)
            return false
        }
        let start = LeaderElector.clock()
        let objects = await state.objectsOf(key)
        let snapshot = await state.snapshot(objects)
        let flagged = await state.suspectsOf(key)
        let state = self.state
        let report = await reconciler.run(namespace: namespace, name: name, cached: object, drift: { release, resources in
            let keys = await watches.keys(resources, release: release)
            return await state.driftCandidates(key, keys: keys, deployedAt: Timestamp.parse(release.info.lastDeployed))
        })
        let result: String
        switch report.outcome {
        case .done: result = "success"
        case .gone: result = "gone"; await state.forget(key)
        case .retry: result = "error"
        }
        await metrics.record(result: result, seconds: LeaderElector.clock() - start)
        if let failure = report.failure {
            let retries = await queue.retries(key)
            let again = report.outcome == .done ? "not retried until its spec changes" : "retry \(retries + 1) after a backoff"
            log("reconcile of HelmRelease \(key) failed (\(again)): \(failure)")
        }
        if report.outcome == .done, report.failure == nil, let r = report.release, r.info.status == .deployed, report.helmRelease?.kubeConfig == nil {
            let keys = await watches.keys(try? ResourceList.parse(r.manifest), release: r)
            var f = fingerprint
            if let hr = report.helmRelease {
                let storage = hr.storageNamespace.isEmpty ? hr.targetNamespace : hr.storageNamespace
                f?.record = await records.latest(r.name, namespace: storage) ?? "\(r.version):deployed"
            }
            await state.reconciled(key, release: r.namespace + "/" + r.name, objects: Set(keys.compactMap { $0 }), fingerprint: f,
                                   snapshot: snapshot, cleared: flagged, deployedAt: Timestamp.parse(r.info.lastDeployed))
            Task { [state] in
                try? await Task.sleep(nanoseconds: 1_000_000_000)
                await state.checkMissing(key)
            }
        } else if report.outcome != .gone {
            await state.unsettled(key)
        }
        if case .retry = report.outcome { return true }
        return false
    }

    /// The versions of what a reconcile of this HelmRelease would read; nil when some input
    /// cannot be versioned without reading it (a git ref, an external URL, a range of OCI tags).
    func fingerprint(_ object: Value, _ records: RecordIndex) async -> Fingerprint? {
        guard let text = try? YAMLWriter.marshal(object),
              let r = try? HelmReleaseLoader.load(file: "helmrelease", text: text).first else { return nil }
        var refs: [String: String] = [:]
        for source in r.valuesFrom {
            if case .external = source.kind { return nil }
        }
        for ref in OperatorState.references(object) { refs[ref] = await state.valueVersion(ref) ?? "-" }
        let chart: String
        switch r.chart {
        case .path(let p): chart = "path:" + p
        case .repository(let url, let name, let version):
            if url.hasPrefix("oci://") {
                guard !version.isEmpty, !version.contains(where: { "^~<>=*, |".contains($0) }) else { return nil }
                chart = "oci:\(url)|\(name)|\(version)"
            } else {
                let (repo, _) = ChartFetcher.canonicalRepository(url)
                guard let index = try? await reconciler.fetcher.index(repository: repo),
                      let cv = try? index.resolve(name: name, version: version, repository: repo) else { return nil }
                chart = "repo:\(repo)|\(name)|\(cv.version)|\(cv.digest)"
            }
        case .git, .sourceRef: return nil
        }
        let storage = r.storageNamespace.isEmpty ? r.targetNamespace : r.storageNamespace
        guard let record = await records.latest(r.releaseName, namespace: storage) else { return nil }
        return Fingerprint(generation: OperatorState.generation(object), refs: refs, chart: chart, record: record)
    }
}

/// Opens once `count` parties have called `open`, or at a timeout.
actor Gate {
    var remaining: Int
    var waiters: [CheckedContinuation<Void, Never>] = []
    init(count: Int) { remaining = count }
    func open() {
        remaining -= 1
        if remaining == 0 { for w in waiters { w.resume() }; waiters = [] }
    }
    func wait(timeout: Double) async {
        if remaining <= 0 { return }
        let t = Task { try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9)); self.expire() }
        await withCheckedContinuation { waiters.append($0) }
        t.cancel()
    }
    func expire() { remaining = 0; for w in waiters { w.resume() }; waiters = [] }
}

/// When this term last renewed its lease, readable from any thread: a term is valid while the
/// lease cannot have expired by its holder's clock (with a margin for the other candidates'
/// clocks and the renewal's own latency). A process paused past its lease finds it invalid as
/// soon as it runs again, before a write.
final class Term: @unchecked Sendable {
    let lock = PthreadLock()
    var renewedAt: Double
    let leaseDuration: Double

    init(renewed: Double, leaseDuration: Double) { renewedAt = renewed; self.leaseDuration = leaseDuration }

    func renewed(at t: Double) { lock.with { renewedAt = max(renewedAt, t) } }

    var valid: Bool { lock.with { LeaderElector.clock() - renewedAt < leaseDuration * 0.8 } }
}

/// A pthread mutex (the Operator module does without Foundation).
final class PthreadLock: @unchecked Sendable {
    private let m: UnsafeMutablePointer<pthread_mutex_t> = .allocate(capacity: 1)
    init() { pthread_mutex_init(m, nil) }
    deinit { pthread_mutex_destroy(m); m.deallocate() }
    func with<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(m)
        defer { pthread_mutex_unlock(m) }
        return body()
    }
}
