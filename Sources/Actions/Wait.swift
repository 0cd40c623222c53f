import Values
import Kube

/// What a wait is told about its objects, and how it reports them.
public struct WaitOptions: Sendable {
    public var timeout: Double
    public var mode: Readiness.Mode
    /// Kinds not waited for (`Kind` or `group/Kind`): an opt-out where kstatus cannot judge a kind.
    public var skipKinds: Set<String> = []
    /// CEL health checks for kinds kstatus cannot judge (Flux's healthCheckExprs).
    public var healthChecks: [HealthCheckExpr] = []
    public init(timeout: Double, mode: Readiness.Mode = .resources(jobs: true), skipKinds: Set<String> = [], healthChecks: [HealthCheckExpr] = []) {
        self.timeout = timeout; self.mode = mode; self.skipKinds = skipKinds; self.healthChecks = healthChecks
    }
}

/// One object a wait follows, where its collection is watched.
struct WaitTarget: Sendable, Hashable {
    let collection: String
    let name: String
    let kind: String
    let apiVersion: String
    let namespace: String
    var label: String { "\(kind)/\(name)" }
    /// Helm's way of naming it in a wait's error (`Deployment/ns/name`).
    var helmName: String { "\(kind)/\(namespace)/\(name)" }
}

extension ResourceClient {
    /// Waits until every object is ready (kstatus, see `Readiness`) or the timeout passes, from
    /// watches rather than polls: one list+watch per collection the objects live in (a field
    /// selector on the name when it is the only one), so the wait ends on the event that makes
    /// the last object ready. A failed object fails the wait at once; at the timeout every object
    /// not ready is named with its reason, and a workload whose Pods cannot be scheduled says why.
    /// `fence`, when given, is held each second: a run paused past its lock stops waiting.
    func wait(_ rs: [Resource], namespace: String, _ opts: WaitOptions, fence: LockFence? = nil,
              progress: (@Sendable (String) -> Void)? = nil) async throws {
        let considered = rs.filter { r in
            let group = r.apiVersion.contains("/") ? String(r.apiVersion.split(separator: "/")[0]) : ""
            // Data kinds are ready once written: no need to watch a namespace's Secrets (Helm's
            // release records among them) for it.
            if group == "" && (r.kind == "ConfigMap" || r.kind == "Secret") { return false }
            return !opts.skipKinds.contains(r.kind) && !opts.skipKinds.contains("\(group)/\(r.kind)")
        }
        var targets: [WaitTarget] = []
        for r in considered {
            let m = try await discovery.mapping(apiVersion: r.apiVersion, kind: r.kind)
            let ns = m.namespaced ? (r.namespace ?? namespace) : nil
            targets.append(WaitTarget(collection: m.path(namespace: ns), name: r.name, kind: r.kind, apiVersion: r.apiVersion, namespace: ns ?? ""))
        }
        if targets.isEmpty { return }
        let deadline = ResourceClient.now() + opts.timeout
        var tracker = WaitTracker(targets: targets, mode: opts.mode, checks: opts.healthChecks)
        let collections = Dictionary(grouping: targets, by: \.collection)
        let (signals, feed) = AsyncStream<WaitSignal>.makeStream()
        let client = self.client
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (collection, members) in collections {
                group.addTask { await ResourceClient.follow(client, collection: collection, names: members.map(\.name), feed: feed) }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: UInt64(min(1, max(0.01, deadline - ResourceClient.now())) * 1e9))
                    feed.yield(.tick)
                }
            }
            var lastSaid = ""
            for await signal in signals {
                tracker.take(signal)
                guard tracker.heardFromAll else {
                    if ResourceClient.now() < deadline { continue }
                    group.cancelAll()
                    throw ActionError.waitTimeout(GoDuration.format(seconds: opts.timeout), tracker.unheard)
                }
                let (pending, failed) = tracker.evaluate()
                if let (t, why) = failed.first {
                    group.cancelAll()
                    throw ActionError.failed("resource \(t.helmName) not ready. status: Failed, message: \(why)")
                }
                if pending.isEmpty { group.cancelAll(); return }
                do { try await fence?.hold() } catch { group.cancelAll(); throw error }
                if ResourceClient.now() >= deadline {
                    group.cancelAll()
                    let explained = await self.explain(pending)
                    throw ActionError.waitTimeout(GoDuration.format(seconds: opts.timeout), explained)
                }
                let line = WaitTracker.summary(pending, of: targets.count)
                if line != lastSaid { progress?(line); lastSaid = line }
            }
            group.cancelAll()
        }
    }

    /// Lists and watches one collection for the wait, again after any failure, until cancelled.
    static func follow(_ client: KubeClient, collection: String, names: [String], feed: AsyncStream<WaitSignal>.Continuation) async {
        let wanted = Set(names)
        let target = WatchTarget(path: collection, fieldSelector: names.count == 1 ? "metadata.name=\(names[0])" : nil)
        while !Task.isCancelled {
            do {
                try await Reflector(client: client, target: target).run { update in
                    switch update {
                    case .replaced(let items):
                        feed.yield(.listed(collection, items.filter { wanted.contains(WaitTracker.name(of: $0)) }))
                    case .page: break
                    case .event(let e):
                        let name = WaitTracker.name(of: e.object)
                        if wanted.contains(name) { feed.yield(.changed(collection, name, e.kind == .deleted ? nil : e.object)) }
                    }
                    return true
                }
            } catch {
                if Task.isCancelled { return }
                feed.yield(.failed(collection, "\(error)"))
                try? await Task.sleep(nanoseconds: 500_000_000)
            }
        }
    }

    /// The reasons of objects still not ready at a timeout, in helm's words, with the scheduler's
    /// message for a workload's Pods it could not place.
    func explain(_ pending: [(WaitTarget, Readiness)]) async -> [String] {
        var lines: [String] = []
        for (t, state) in pending {
            var line = "resource \(t.helmName) not ready. status: \(state.kstatus), message: \(state.message)"
            if let why = await podProblem(t) { line += "; \(why)" }
            lines.append(line)
        }
        return lines
    }

    /// Why a workload's Pods are not running: the first one the scheduler could not place, or
    /// the first Pending one's container state.
    func podProblem(_ t: WaitTarget) async -> String? {
        guard ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"].contains(t.kind), !t.namespace.isEmpty,
              case .map(let obj)? = try? await client.request(.GET, t.collection + "/" + t.name),
              let selector = ResourceClient.selector(of: .map(obj)),
              case .map(let list)? = try? await client.request(.GET, "/api/v1/namespaces/\(t.namespace)/pods", query: [("labelSelector", selector)]),
              case .list(let items)? = list.entries["items"] else { return nil }
        var stuck: String? = nil
        for item in items.items {
            guard case .map(let pod) = item, case .map(let status)? = pod.entries["status"] else { continue }
            let name = WaitTracker.name(of: item)
            if let why = Readiness.unschedulable(status) { return "Pod \(name) is unschedulable: \(why)" }
            if stuck == nil, let (container, reason, message) = ResourceClient.waitingContainer(status) {
                stuck = "Pod \(name): container \(container) is waiting: \(reason)" + (message.isEmpty ? "" : " (\(message))")
            }
        }
        return stuck
    }

    /// A container that cannot start (`CreateContainerConfigError`, `ImagePullBackOff`, ...):
    /// the first one waiting for a reason other than being created.
    static func waitingContainer(_ status: Map) -> (String, String, String)? {
        for key in ["initContainerStatuses", "containerStatuses"] {
            guard case .list(let l)? = status.entries[key] else { continue }
            for item in l.items {
                guard case .map(let cs) = item, case .map(let state)? = cs.entries["state"], case .map(let waiting)? = state.entries["waiting"],
                      let reason = waiting.entries["reason"]?.stringValue, !["ContainerCreating", "PodInitializing"].contains(reason) else { continue }
                return (cs.entries["name"]?.stringValue ?? "", reason, waiting.entries["message"]?.stringValue ?? "")
            }
        }
        return nil
    }

    /// A workload's `spec.selector.matchLabels` as a label selector.
    static func selector(of object: Value) -> String? {
        guard case .map(let o) = object, case .map(let spec)? = o.entries["spec"], case .map(let sel)? = spec.entries["selector"],
              case .map(let labels)? = sel.entries["matchLabels"], !labels.entries.isEmpty else { return nil }
        return labels.entries.compactMap { k, v in v.stringValue.map { "\(k)=\($0)" } }.sorted().joined(separator: ",")
    }
}

enum WaitSignal: Sendable {
    /// A collection was (re)listed: these are the wanted objects it holds.
    case listed(String, [Value])
    case changed(String, String, Value?)
    /// Listing or watching a collection failed (it is tried again).
    case failed(String, String)
    case tick
}

/// The wait's view of its objects, fed by the watches.
struct WaitTracker {
    let targets: [WaitTarget]
    let mode: Readiness.Mode
    let checks: [HealthCheckExpr]
    var live: [String: Value] = [:]
    var listed: Set<String> = []
    var errors: [String: String] = [:]

    init(targets: [WaitTarget], mode: Readiness.Mode, checks: [HealthCheckExpr] = []) {
        self.targets = targets; self.mode = mode; self.checks = checks
    }

    static func key(_ collection: String, _ name: String) -> String { collection + "\u{0}" + name }

    static func name(of object: Value) -> String {
        guard case .map(let o) = object, case .map(let md)? = o.entries["metadata"] else { return "" }
        return md.entries["name"]?.stringValue ?? ""
    }

    var heardFromAll: Bool { listed.count == Set(targets.map(\.collection)).count }

    /// Collections never listed, and why.
    var unheard: [String] {
        Set(targets.map(\.collection)).subtracting(listed).sorted().map { "cannot list and watch \($0): \(errors[$0] ?? "no answer")" }
    }

    mutating func take(_ s: WaitSignal) {
        switch s {
        case .listed(let collection, let items):
            listed.insert(collection)
            for t in targets where t.collection == collection { live[WaitTracker.key(collection, t.name)] = nil }
            for item in items { live[WaitTracker.key(collection, WaitTracker.name(of: item))] = item }
        case .changed(let collection, let name, let object):
            live[WaitTracker.key(collection, name)] = object
        case .failed(let collection, let error): errors[collection] = error
        case .tick: break
        }
    }

    /// The objects not ready yet, and the failed ones.
    func evaluate() -> (pending: [(WaitTarget, Readiness)], failed: [(WaitTarget, String)]) {
        var pending: [(WaitTarget, Readiness)] = [], failed: [(WaitTarget, String)] = []
        for t in targets {
            guard let object = live[WaitTracker.key(t.collection, t.name)] else {
                pending.append((t, .inProgress("Resource not found"))); continue
            }
            let check = checks.first { $0.applies(apiVersion: t.apiVersion, kind: t.kind) }
            switch check?.judge(object) ?? Readiness.of(object, mode: mode, apiVersion: t.apiVersion, kind: t.kind) {
            case .current: continue
            case .failed(let why): failed.append((t, why))
            case let state: pending.append((t, state))
            }
        }
        return (pending, failed)
    }

    /// `waiting for 2 of 14: StatefulSet/rabbit (Ready: 1/2), Job/migrate (Job in progress)`.
    static func summary(_ pending: [(WaitTarget, Readiness)], of total: Int) -> String {
        "waiting for \(pending.count) of \(total): " + pending.map { "\($0.0.label) (\($0.1.message))" }.joined(separator: ", ")
    }
}
