import Values
import Kube
import Actions
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
    public var identity: String
    public var leaseDuration: Double = 15
    public var retryPeriod: Double = 2
    public var backoffBase: Double = 1
    public var backoffMax: Double = 300
    /// How long a stop waits for reconciles in flight before abandoning them.
    public var gracePeriod: Double = 30

    public init(identity: String) { self.identity = identity }
}

/// `hrctl operator`: watches HelmRelease objects (and the ConfigMaps and Secrets their
/// valuesFrom names) and reconciles each on a change of its generation or of a referenced value,
/// and on a periodic resync; `workers` at once, never two for one object; only while holding
/// the leader lease.
public final class Operator: @unchecked Sendable {
    public let config: OperatorConfig
    public let reconciler: Reconciler
    public let metrics = Metrics()
    let state = OperatorState()
    let elector: LeaderElector

    public init(config: OperatorConfig, context: ActionContext, fetcher: ChartFetcher) {
        self.config = config
        self.reconciler = Reconciler(context: context, fetcher: fetcher)
        var e = LeaderElector(client: context.resources.client, namespace: config.leaseNamespace, identity: config.identity)
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
            return (200, await metrics.text())
        default: return (404, "not found\n")
        }
    }

    /// Campaigns for the lease and, while holding it, reconciles; returns after `stop()`.
    public func run() async throws {
        await state.setReadyStandby()
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

    /// One term as leader: informers, resync and workers until the lease is lost or a stop.
    func lead() async {
        let queue = WorkQueue(baseDelay: config.backoffBase, maxDelay: config.backoffMax)
        // Locks name this term: once leader, every lock another operator term left is abandoned
        // (only the leader reconciles), so a restart mid-apply recovers at once.
        var ctx = reconciler.context
        let holder = "hrctl operator \(config.identity) term \(String(UInt64.random(in: 1...UInt64.max), radix: 36))"
        ctx.lockHolder = holder
        let term = Term(renewed: LeaderElector.clock() - config.retryPeriod, leaseDuration: config.leaseDuration)
        // A term that may have ended judges no lock abandoned (and writes nothing).
        ctx.isAbandonedLock = { term.valid && $0.contains("hrctl operator ") && !$0.contains(holder) }
        ctx.mayWrite = { term.valid }
        let reconciler = Reconciler(context: ctx, fetcher: self.reconciler.fetcher)
        await state.begin(queue)
        let client = self.client, state = self.state, config = self.config
        let informers = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    let r = Reflector(client: client, target: WatchTarget(path: self.helmReleases))
                    await Self.keep(r, "HelmReleases", self.log) { await state.helmReleases($0) }
                }
                for kind in ["configmaps", "secrets"] {
                    group.addTask {
                        let r = Reflector(client: client, target: WatchTarget(path: self.collection(kind)))
                        await Self.keep(r, kind, self.log) { await state.values(kind, $0) }
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await self.sleep(config.resyncInterval)
                        if Task.isCancelled { break }
                        await state.resync()
                    }
                }
            }
        }
        let workers = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<max(1, config.workers) {
                    group.addTask {
                        while let key = await queue.next() {
                            let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
                            let start = LeaderElector.clock()
                            let outcome = await reconciler.reconcile(namespace: parts[0], name: parts.count > 1 ? parts[1] : "")
                            let result: String
                            switch outcome {
                            case .done: result = "success"
                            case .gone: result = "gone"; await state.forget(key)
                            case .retry: result = "error"
                            }
                            await self.metrics.record(result: result, seconds: LeaderElector.clock() - start)
                            if case .retry = outcome { await queue.done(key, failed: true) } else { await queue.done(key, failed: false) }
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
            let asked = LeaderElector.clock()
            if (try? await elector.tryAcquireOrRenew()) == true { lastRenewed = LeaderElector.clock(); term.renewed(at: asked) }
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
        await informers.value
        await state.end()
    }
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

extension Operator {
    /// Runs a reflector until cancelled; a failure (a watch refused, a server gone for long) is
    /// logged and the reflector starts over after a pause. Until this, a list or watch that
    /// failed for good left the term deaf to new and changed HelmReleases.
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
}

/// What the operator knows between events: the HelmReleases seen (generation and the
/// ConfigMaps/Secrets they read values from) and the current term's queue.
actor OperatorState {
    struct Known { var generation: Int; var refs: Set<String> }
    var known: [String: Known] = [:]
    var queue: WorkQueue?
    var stopping = false
    var ready = false
    var listedValues: Set<String> = []

    func setStopping() { stopping = true }
    func setReadyStandby() { ready = true }
    func begin(_ q: WorkQueue) { queue = q; known = [:]; listedValues = [] }
    func end() { queue = nil }
    func forget(_ key: String) { known[key] = nil }

    func resync() async {
        for k in known.keys.sorted() { await queue?.add(k) }
    }

    static func key(_ v: Value) -> String? {
        guard case .map(let m) = v, case .map(let md)? = m.entries["metadata"], let n = md.entries["name"]?.stringValue,
              let ns = md.entries["namespace"]?.stringValue else { return nil }
        return "\(ns)/\(n)"
    }

    static func generation(_ v: Value) -> Int {
        if case .map(let m) = v, case .map(let md)? = m.entries["metadata"], case .float(let g, _)? = md.entries["generation"] { return Int(g) }
        return 0
    }

    static func deleting(_ v: Value) -> Bool {
        if case .map(let m) = v, case .map(let md)? = m.entries["metadata"] { return md.entries["deletionTimestamp"] != nil }
        return false
    }

    /// The ConfigMaps and Secrets a HelmRelease reads values from ("configmaps/NS/NAME").
    static func references(_ v: Value) -> Set<String> {
        guard case .map(let m) = v, case .map(let spec)? = m.entries["spec"], case .list(let l)? = spec.entries["valuesFrom"],
              case .map(let md)? = m.entries["metadata"] else { return [] }
        let ns = md.entries["namespace"]?.stringValue ?? "default"
        var out: Set<String> = []
        for item in l.items {
            guard case .map(let im) = item else { continue }
            for (field, kind) in [("configMapKeyRef", "configmaps"), ("secretKeyRef", "secrets")] {
                if case .map(let ref)? = im.entries[field], let name = ref.entries["name"]?.stringValue {
                    out.insert("\(kind)/\(ref.entries["namespace"]?.stringValue ?? ns)/\(name)")
                }
            }
            // helm.toolkit.fluxcd.io/v2: {kind: ConfigMap|Secret, name}
            if let kind = im.entries["kind"]?.stringValue, let name = im.entries["name"]?.stringValue {
                out.insert("\(kind == "Secret" ? "secrets" : "configmaps")/\(ns)/\(name)")
            }
        }
        return out
    }

    func helmReleases(_ update: Reflector.Update) async {
        switch update {
        case .replaced(let items):
            var seen: Set<String> = []
            for item in items {
                guard let k = Self.key(item) else { continue }
                seen.insert(k)
                known[k] = Known(generation: Self.generation(item), refs: Self.references(item))
                await queue?.add(k)
            }
            for k in known.keys where !seen.contains(k) { known[k] = nil }
        case .event(let e):
            guard let k = Self.key(e.object) else { return }
            let g = Self.generation(e.object)
            switch e.kind {
            case .deleted:
                known[k] = nil
            case .added, .modified:
                let before = known[k]
                known[k] = Known(generation: g, refs: Self.references(e.object))
                // Status writes do not change the generation: only spec changes and deletion count.
                if before == nil || before!.generation != g || Self.deleting(e.object) { await queue?.add(k) }
            case .bookmark:
                break
            }
        }
    }

    func values(_ kind: String, _ update: Reflector.Update) async {
        switch update {
        case .replaced:
            // A relist may hide changes missed while away: look again at every release that reads this kind.
            if listedValues.contains(kind) {
                for (k, v) in known where v.refs.contains(where: { $0.hasPrefix(kind + "/") }) { await queue?.add(k) }
            }
            listedValues.insert(kind)
        case .event(let e):
            guard e.kind != .bookmark, let k = Self.key(e.object) else { return }
            let ref = "\(kind)/\(k)"
            for (hr, v) in known where v.refs.contains(ref) { await queue?.add(hr) }
        }
    }
}
