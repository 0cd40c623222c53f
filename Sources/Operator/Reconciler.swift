import Values
import YAML
import Kube
import Release
import Actions
import HelmRelease
import ChartSource

/// Brings one HelmRelease object and its Helm release together: the same path as `hrctl apply`
/// (fetch the chart, assemble values, install/upgrade/no-op with drift repair), driven by the
/// object in the cluster, reporting through its status subresource and Events. Deletion goes
/// through a finalizer: uninstall, then let the object go.
public struct Reconciler: Sendable {
    public let context: ActionContext
    public let fetcher: ChartFetcher
    public var component = "hrctl-operator"
    /// Gets the HelmRelease as the server answered this reconciler's writes (its cache is fresher then).
    public var observe: (@Sendable (Value) async -> Void)?
    /// Namespaces known to exist: an install into one does not look it up again.
    public var namespaces: NamespaceMemo?
    /// Clients of the clusters `spec.kubeConfig` names.
    public var remotes = RemoteClusters()

    public init(context: ActionContext, fetcher: ChartFetcher) { self.context = context; self.fetcher = fetcher }

    var client: KubeClient { context.resources.client }

    public enum Outcome: Sendable, Equatable {
        /// Nothing more to do until something changes.
        case done
        /// The object is gone.
        case gone
        /// Failed; try again after a backoff.
        case retry(String)
    }

    public static func path(_ namespace: String, _ name: String? = nil) -> String {
        "/apis/\(HelmReleaseCRD.group)/\(HelmReleaseCRD.version)/namespaces/\(namespace)/\(HelmReleaseCRD.plural)" + (name.map { "/\($0)" } ?? "")
    }

    /// What a reconcile did: its outcome, the release it left (when it got that far), and
    /// why it failed when it did (also for failures not retried, such as an invalid spec).
    public struct Report: Sendable {
        public var outcome: Outcome
        public var release: Release?
        public var failure: String?
        /// The HelmRelease's spec as parsed (nil when it does not parse).
        public var helmRelease: HelmRelease?
        public var changed = false
    }

    public func reconcile(namespace: String, name: String) async -> Outcome { await run(namespace: namespace, name: name).outcome }

    /// One reconcile. `cached`: the HelmRelease as a watch has it (nil reads it from the server);
    /// `drift`: which objects of an unchanged release to check (nil: all).
    public func run(namespace: String, name: String, cached: Value? = nil,
                    drift: (@Sendable (Release, [Resource]) async -> Set<Int>)? = nil) async -> Report {
        let object: Map
        if case .map(let m)? = cached {
            object = m
        } else {
            do {
                guard case .map(let m) = try await client.request(.GET, Reconciler.path(namespace, name)) else { return Report(outcome: .retry("not an object"), failure: "not an object") }
                object = m
            } catch let e as KubeAPIError where e.reason == .notFound {
                return Report(outcome: .gone)
            } catch {
                return Report(outcome: .retry("\(error)"), failure: "\(error)")
            }
        }
        guard context.mayWrite() else { return Report(outcome: .retry("this operator's lease may have expired; not writing")) }
        var report = await run(object, namespace, name, drift: drift)
        if case .retry(let why) = report.outcome, report.failure == nil { report.failure = why }
        return report
    }

    func run(_ object: Map, _ namespace: String, _ name: String, drift given: (@Sendable (Release, [Resource]) async -> Set<Int>)?) async -> Report {
        var drift = given
        let md = object.entries["metadata"].flatMap { if case .map(let m) = $0 { return m } else { return nil } } ?? Map([:])
        var finalizers: [String] = []
        if case .list(let l)? = md.entries["finalizers"] { finalizers = l.items.compactMap(\.stringValue) }
        let generation = md.entries["generation"].flatMap { if case .float(let g, _) = $0 { return Int(g) } else { return nil } } ?? 0
        let observed = ReleaseStatus(object.entries["status"])
        var status = observed

        // Parse the object as a HelmRelease document (errors name the object and field).
        let release: HelmRelease
        do {
            let text = try YAMLWriter.marshal(.map(object))
            guard let r = try HelmReleaseLoader.load(file: "helmrelease \(namespace)/\(name)", text: text).first else { return Report(outcome: .retry("not a HelmRelease")) }
            release = r
        } catch {
            if md.entries["deletionTimestamp"] != nil { return Report(outcome: await removeFinalizer(namespace, name, finalizers)) }
            status.phase = .failed
            status.observedGeneration = generation
            status.set("Released", false, reason: "InvalidSpec", message: "\(error)")
            if !ReleaseStatus.same(status, observed) {
                await write(status, namespace, name)
                await event(object, "Warning", "InvalidSpec", "\(error)")
            }
            return Report(outcome: .done, failure: "invalid spec: \(error)")
        }

        // A kubeconfig in a Secret: the release (objects and records) lives in that cluster.
        var base = self.context
        if let ref = release.kubeConfig {
            do { base = try await remotes.context(ref, namespace: namespace, local: self.context) } catch {
                status.phase = .failed
                status.observedGeneration = generation
                status.set("Released", false, reason: "KubeConfigFailed", message: "\(error)")
                if !ReleaseStatus.same(status, observed) { await write(status, namespace, name) }
                return Report(outcome: .retry("\(error)"), helmRelease: release)
            }
            // The operator's watches see its own cluster only: every object is checked there.
            drift = nil
        }
        // Records live in storageNamespace when the HelmRelease names one.
        let context = release.storageNamespace.isEmpty || release.storageNamespace == release.targetNamespace
            ? base : base.storing(in: release.storageNamespace)
        if md.entries["deletionTimestamp"] != nil {
            guard finalizers.contains(HelmReleaseCRD.finalizer) else { return Report(outcome: .done, helmRelease: release) }
            do {
                let history = try await context.storage.history(release.releaseName, namespace: release.targetNamespace)
                if !history.isEmpty, history.last?.info.status != .uninstalled {
                    var opts = DeployOptions()
                    opts.timeout = release.timeout
                    _ = try await UninstallAction(context: context).run(name: release.releaseName, namespace: release.targetNamespace, keepHistory: false, opts: opts)
                    await event(object, "Normal", "Uninstalled", "Helm release '\(release.releaseName)' in '\(release.targetNamespace)' uninstalled")
                }
            } catch {
                await event(object, "Warning", "UninstallFailed", "\(error)")
                return Report(outcome: .retry("uninstall: \(error)"), helmRelease: release)
            }
            return Report(outcome: await removeFinalizer(namespace, name, finalizers), helmRelease: release)
        }
        // The finalizer must be on the object before the release's objects are, not before its
        // chart and values are fetched: its write travels while they are.
        var finalizing: Task<(any Error)?, Never>? = nil
        if !finalizers.contains(HelmReleaseCRD.finalizer) {
            let patch: Value = .map(["metadata": .map(["finalizers": .list((finalizers + [HelmReleaseCRD.finalizer]).map { .string($0) }),
                                                       "resourceVersion": md.entries["resourceVersion"] ?? .null])])
            let client = self.client, observe = self.observe
            finalizing = Task {
                do { await observe?(try await client.request(.PATCH, Reconciler.path(namespace, name), body: patch, contentType: "application/merge-patch+json")) }
                catch { return error }
                return nil
            }
        }
        func finalizerFailure() async -> Report? {
            guard let error = await finalizing?.value else { return nil }
            return Report(outcome: .retry("adding the finalizer: \(error)"), helmRelease: release)
        }

        // A rolled-back release is not retried until its spec changes (rollback.retry).
        if status.phase == .rolledBack, status.observedGeneration == generation, !release.rollbackRetry {
            return await finalizerFailure() ?? Report(outcome: .done, helmRelease: release)
        }

        status.releaseName = release.releaseName
        let revision = Reconciler.revision(release)
        status.lastAttemptedRevision = revision
        let spec: ReleaseSpec, opts: DeployOptions
        do {
            (spec, opts) = try await ReleaseInputs(fetcher: fetcher, client: client).spec(release)
            if let failed = await finalizerFailure() { return failed }
        } catch {
            if let failed = await finalizerFailure() { return failed }
            status.phase = .chartFetchFailed
            status.observedGeneration = generation
            status.set("ChartFetched", false, reason: "ChartFetchFailed", message: "\(error)")
            await write(status, namespace, name)
            await event(object, "Warning", "ChartFetchFailed", "\(error)")
            return Report(outcome: .retry("chart fetch: \(error)"), helmRelease: release)
        }
        if status.condition("ChartFetched")?.status != "True" || status.phase == .chartFetchFailed {
            status.set("ChartFetched", true, reason: "ChartFetched", message: "chart fetched: \(spec.chart.metadata.name)-\(spec.chart.metadata.version)")
            status.phase = .chartFetched
        }

        do {
            var applyOpts = opts
            let nsKey = (release.kubeConfig.map { "\($0.secret)@" } ?? "") + spec.namespace
            applyOpts.createNamespace = await !(namespaces?.has(nsKey) ?? false)
            applyOpts.driftCandidates = drift
            // What the wait still waits for, as Events (`kubectl describe hr`), a few seconds apart.
            let throttle = EventThrottle(every: 5)
            applyOpts.waitProgress = { line in
                Task { if await throttle.due() { await self.event(object, "Normal", "Waiting", line) } }
            }
            // A release this HelmRelease never deployed (helm's, or Helm Operator's before a status
            // was written) is taken over without a new revision when nothing but the antecedent differs.
            var adopted = false
            let outcome: ApplyOutcome
            if observed.releaseStatus.isEmpty || observed.revision.isEmpty, let r = try await Takeover(context: context).adopt(spec, applyOpts) {
                outcome = .unchanged(r)
                adopted = true
            } else {
                outcome = try await ApplyAction(context: context).run(spec, applyOpts)
            }
            let r = outcome.release
            status.releaseStatus = r.info.status.rawValue
            status.revision = revision
            status.observedGeneration = generation
            // The Event and the status write go out together.
            var announcement: (reason: String, message: String)? = nil
            switch outcome {
            case .unchanged:
                if status.phase != .deployed && status.phase != .succeeded { status.phase = .deployed }
                if adopted || (observed.revision.isEmpty && status.condition("Released")?.reason != "Adopted") {
                    let message = "Helm release '\(r.name)' in '\(r.namespace)' adopted at revision \(r.version) without an upgrade: chart, values and objects match."
                    status.set("Released", true, reason: "Adopted", message: message)
                    announcement = ("Adopted", message)
                } else if status.condition("Released")?.status != "True" {
                    status.set("Released", true, reason: "Succeeded", message: "Release was successful for Helm release '\(r.name)' in '\(r.namespace)'.")
                }
            case .installed, .upgraded, .planned:
                status.phase = .deployed
                let what: String
                if case .upgraded(_, let reason) = outcome { what = "upgraded (\(reason))" } else { what = "installed" }
                var message = "Release was successful for Helm release '\(r.name)' in '\(r.namespace)'."
                // The first upgrade of a release taken over says why it was not adopted as it was.
                if case .upgraded(_, let reason) = outcome, observed.revision.isEmpty { message += " Taken over with an upgrade to revision \(r.version): \(reason)." }
                status.set("Released", true, reason: "Succeeded", message: message)
                announcement = ("ReleaseSynced", "Helm release '\(r.name)' in '\(r.namespace)' \(what): revision \(r.version)")
            }
            var changed = false
            if case .unchanged = outcome {} else { changed = true }
            let announced = announcement
            async let said: Void = { if let announced { await event(object, "Normal", announced.reason, announced.message) } }()
            if !ReleaseStatus.same(status, observed) { await write(status, namespace, name) }
            await said
            await namespaces?.add(nsKey)
            return Report(outcome: .done, release: r, helmRelease: release, changed: changed)
        } catch {
            // A term that lost its lease while paused: the new leader owns the release and its status.
            if case ActionError.lockTakenOver = error { context.progress("\(error)"); return Report(outcome: .retry("\(error)")) }
            await namespaces?.remove((release.kubeConfig.map { "\($0.secret)@" } ?? "") + spec.namespace)
            status.observedGeneration = generation
            let history = (try? await context.storage.history(spec.name, namespace: spec.namespace)) ?? []
            status.releaseStatus = history.last?.info.status.rawValue ?? ""
            let rolledBack = opts.atomic && history.last?.info.description.hasPrefix("Rollback") == true && history.last?.info.status == .deployed
            // A chart that does not render (a template error, or a render limit reached by a
            // hostile template) is this HelmRelease's failure alone.
            let renderFailed = isRenderFailure(error)
            status.set("Released", false, reason: renderFailed ? "RenderFailed" : "Failed", message: "\(error)")
            if opts.atomic {
                status.phase = rolledBack ? .rolledBack : .rollbackFailed
                status.set("RolledBack", rolledBack, reason: rolledBack ? "Succeeded" : "Failed",
                           message: rolledBack ? "Helm release '\(spec.name)' rolled back to revision \(history.last?.version ?? 0)" : "rollback failed")
            } else {
                status.phase = .deployFailed
            }
            await write(status, namespace, name)
            await event(object, "Warning", rolledBack ? "RolledBack" : renderFailed ? "RenderFailed" : "DeployFailed", "\(error)")
            return Report(outcome: rolledBack ? .done : .retry("\(error)"), failure: "\(error)", helmRelease: release, changed: true)
        }
    }

    /// What Helm Operator reported as the revision: the chart version, or the git ref.
    static func revision(_ r: HelmRelease) -> String {
        switch r.chart {
        case .repository(_, _, let version): return version
        case .git(_, let ref, _): return ref
        case .sourceRef(_, _, _, let version): return version
        case .path(let p): return p
        }
    }

    func removeFinalizer(_ namespace: String, _ name: String, _ finalizers: [String]) async -> Outcome {
        guard context.mayWrite() else { return .retry("this operator's lease may have expired; not writing") }
        let rest = finalizers.filter { $0 != HelmReleaseCRD.finalizer }
        let patch: Value = .map(["metadata": .map(["finalizers": rest.isEmpty ? .null : .list(rest.map { .string($0) })])])
        do { _ = try await client.request(.PATCH, Reconciler.path(namespace, name), body: patch, contentType: "application/merge-patch+json") }
        catch let e as KubeAPIError where e.reason == .notFound { return .gone }
        catch { return .retry("removing the finalizer: \(error)") }
        return .gone
    }

    func write(_ status: ReleaseStatus, _ namespace: String, _ name: String) async {
        guard context.mayWrite() else { return }
        if let v = try? await client.request(.PATCH, Reconciler.path(namespace, name) + "/status", body: .map(["status": status.value]),
                                             contentType: "application/merge-patch+json") { await observe?(v) }
    }

    /// A core/v1 Event about the HelmRelease, as `kubectl describe hr` lists them.
    func event(_ object: Map, _ type: String, _ reason: String, _ message: String) async {
        guard context.mayWrite() else { return }
        guard case .map(let md)? = object.entries["metadata"], let name = md.entries["name"]?.stringValue,
              let ns = md.entries["namespace"]?.stringValue else { return }
        let now = ReleaseStatus.now()
        let e: Value = .map([
            "apiVersion": .string("v1"), "kind": .string("Event"),
            "metadata": .map(["generateName": .string(name + "."), "namespace": .string(ns)]),
            "involvedObject": .map(["apiVersion": .string("\(HelmReleaseCRD.group)/\(HelmReleaseCRD.version)"), "kind": .string("HelmRelease"),
                                    "name": .string(name), "namespace": .string(ns), "uid": md.entries["uid"] ?? .null,
                                    "resourceVersion": md.entries["resourceVersion"] ?? .null]),
            "reason": .string(reason), "message": .string(message), "type": .string(type),
            "source": .map(["component": .string(component)]),
            "firstTimestamp": .string(now), "lastTimestamp": .string(now), "count": .float(1),
        ])
        _ = try? await client.request(.POST, "/api/v1/namespaces/\(ns)/events", body: e)
    }
}

/// Lets one of a stream of messages through every `every` seconds.
actor EventThrottle {
    let every: Double
    var last = -Double.infinity
    init(every: Double) { self.every = every }
    func due() -> Bool {
        let now = ResourceClient.now()
        guard now - last >= every else { return false }
        last = now
        return true
    }
}

/// Namespaces seen to exist (an install into one created or found it).
public actor NamespaceMemo {
    var names: Set<String> = []
    public init() {}
    public func has(_ ns: String) -> Bool { names.contains(ns) }
    public func add(_ ns: String) { names.insert(ns) }
    public func remove(_ ns: String) { names.remove(ns) }
}
