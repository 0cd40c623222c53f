import Values
import YAML
import Chart
import Engine
import Kube
import Release
import HelmRelease

/// `hrctl diff -f FILE`: what apply would change, object by object, found by server-side
/// dry-run applies against the live objects; Secret data masked unless asked.
public struct DiffAction: Sendable {
    public let context: ActionContext
    public init(context: ActionContext) { self.context = context }

    public struct Change: Sendable {
        public enum Kind: String, Sendable { case added = "has been added", changed = "has changed", removed = "has been removed" }
        public var label: String
        public var diff: String
        public var kind: Kind = .changed
        /// helm-diff's header: `NAMESPACE, NAME, KIND (GROUP) has changed:`.
        public var header: String = ""

        init(_ r: Resource, namespace: String, diff: String, kind: Kind) {
            label = r.label
            self.diff = diff
            self.kind = kind
            let group = r.apiVersion.contains("/") ? String(r.apiVersion.split(separator: "/")[0]) : ""
            header = "\(r.namespace ?? namespace), \(r.name), \(r.kind)\(group.isEmpty ? "" : " (\(group))") \(kind.rawValue):"
        }
    }

    /// What a diff found: the changes, and what the user should know besides (CRDs the policy
    /// leaves as they are, and that none is ever deleted).
    public struct Report: Sendable {
        public var changes: [Change] = []
        public var notes: [String] = []
    }

    public func run(_ spec: ReleaseSpec, showSecrets: Bool = false) async throws -> [Change] {
        try await report(spec, showSecrets: showSecrets).changes
    }

    /// `installCRDs`/`upgradeCRDs`: the policies apply would follow (a refused CRD upgrade
    /// fails the diff as it would fail the apply, with the same message).
    public func report(_ spec: ReleaseSpec, showSecrets: Bool = false, installCRDs: CRDPolicy = .create,
                       upgradeCRDs: CRDPolicy = .skip) async throws -> Report {
        var opts = DeployOptions()
        opts.dryRun = true
        opts.force = true
        opts.installCRDs = installCRDs
        opts.upgradeCRDs = upgradeCRDs
        let planned = try await ApplyAction(context: context).run(spec, opts).release
        let history = try await context.storage.history(spec.name, namespace: spec.namespace)
        let current = history.last(where: { $0.info.status == .deployed })
        var report = Report()
        var seen: Set<String> = []
        let crds = try await crdChanges(spec, policy: planned.info.status == .pendingInstall ? installCRDs : upgradeCRDs, showSecrets: showSecrets, into: &report)
        // Kinds (and versions) only the planned CRDs bring: their objects are all new.
        let defined = ServedKinds.definedBy(crds.applied)
        var changes: [Change] = []
        for obj in try ResourceList.parse(planned.manifest) {
            var m = context.marked(obj, release: planned, extra: spec.extraAnnotations)
            var unserved = false
            do { try await context.resources.prepare(&m, namespace: spec.namespace) } catch let e as Discovery.DiscoveryError {
                guard let namespaced = defined["\(m.apiVersion)|\(m.kind)"] else { throw e }
                m.metadata.entries["namespace"] = namespaced ? .string(m.namespace ?? spec.namespace) : nil
                unserved = true
            }
            seen.insert(m.key(defaultNamespace: spec.namespace))
            let live = unserved ? nil : try await context.resources.get(m, namespace: spec.namespace)
            let after: Value
            if unserved { after = .map(m.object) } else {
                do { after = try await context.resources.apply(m, namespace: spec.namespace, dryRun: true) }
                catch let e as KubeAPIError where e.reason == .notFound { after = .map(m.object) }  // its namespace does not exist yet
            }
            let a = try live.map { try DiffAction.text($0, showSecrets: showSecrets) } ?? ""
            let b = try DiffAction.text(after, showSecrets: showSecrets)
            let d = LineDiff.unified(a, b, fromName: live == nil ? "/dev/null" : "live \(m.label)", toName: "applied \(m.label)")
            if !d.isEmpty { changes.append(Change(m, namespace: spec.namespace, diff: d, kind: live == nil ? .added : .changed)) }
        }
        // Apply removes what the deployed revision had and, of this release's objects, what
        // unfinished revisions (an interrupted or failed run) applied since.
        let unfinished = ActionContext.unfinished(history, after: current ?? history.last)
        for previous in (current.map { [$0] } ?? []) + unfinished.reversed() {
            for var obj in try ResourceList.parse(previous.manifest) {
                try await context.resources.prepare(&obj, namespace: spec.namespace)
                let key = obj.key(defaultNamespace: spec.namespace)
                guard !seen.contains(key), obj.annotations["helm.sh/resource-policy"] != "keep",
                      let live = try await context.resources.get(obj, namespace: spec.namespace) else { continue }
                seen.insert(key)
                if previous.version != current?.version,
                   ResourceClient.ownershipProblem(live, release: spec.name, namespace: spec.namespace) != nil { continue }
                let d = LineDiff.unified(try DiffAction.text(live, showSecrets: showSecrets), "", fromName: "live \(obj.label)", toName: "/dev/null")
                changes.append(Change(obj, namespace: spec.namespace, diff: d, kind: .removed))
            }
        }
        report.changes += changes
        return report
    }

    /// The chart's crds/ as the policy would treat them: created, upgraded (the server's
    /// dry-run apply against the live CRD), or left differing from the chart.
    func crdChanges(_ spec: ReleaseSpec, policy: CRDPolicy, showSecrets: Bool, into report: inout Report) async throws -> CRDPlan {
        let crds = try spec.crdObjects(spec.chart)
        guard !crds.isEmpty else { return CRDPlan() }
        let plan = try await context.planCRDs(crds, policy: policy, namespace: spec.namespace)
        for crd in plan.create {
            let d = LineDiff.unified("", try DiffAction.text(.map(crd.object), showSecrets: showSecrets), fromName: "/dev/null", toName: "applied \(crd.label)")
            report.changes.append(Change(crd, namespace: spec.namespace, diff: d, kind: .added))
        }
        for crd in plan.upgrade + plan.kept {
            guard let live = try await context.resources.get(crd, namespace: spec.namespace) else { continue }
            let after = try await context.resources.apply(crd, namespace: spec.namespace, dryRun: true)
            let d = LineDiff.unified(try DiffAction.text(live, showSecrets: showSecrets), try DiffAction.text(after, showSecrets: showSecrets),
                                     fromName: "live \(crd.label)", toName: "applied \(crd.label)")
            if d.isEmpty { continue }
            if plan.upgrade.contains(where: { $0.key(defaultNamespace: "") == crd.key(defaultNamespace: "") }) {
                report.changes.append(Change(crd, namespace: spec.namespace, diff: d, kind: .changed))
            } else {
                report.notes.append("\(crd.label) differs from the chart's crds/ and stays as it is under policy \(policy.rawValue) "
                                    + "(CreateReplace, or --crds create-replace, upgrades it)")
            }
        }
        if policy == .skip { report.notes.append("the chart's crds/ are skipped (policy Skip): none is created or upgraded") }
        report.notes.append("CustomResourceDefinitions are never deleted, not when a chart drops one, nor by an uninstall")
        return plan
    }

    /// An object as YAML without the fields the server maintains; Secret values masked.
    static func text(_ v: Value, showSecrets: Bool) throws -> String {
        guard case .map(let m) = Resource.copy(v) else { return "" }
        if case .map(let md)? = m.entries["metadata"] {
            for k in ["resourceVersion", "managedFields", "generation", "uid", "creationTimestamp"] { md.entries[k] = nil }
        }
        m.entries["status"] = nil
        if m.entries["kind"]?.stringValue == "Secret", !showSecrets {
            for key in ["data", "stringData"] {
                if case .map(let d)? = m.entries[key] {
                    for (k, x) in d.entries { d.entries[k] = .string("(masked, \(x.stringValue?.utf8.count ?? 0) bytes; \(String(Self.fingerprint(x.stringValue ?? ""), radix: 16)))") }
                }
            }
        }
        return try YAMLWriter.marshal(.map(m))
    }

    /// A short fingerprint so a changed secret shows as changed without showing its value.
    static func fingerprint(_ s: String) -> UInt32 {
        var h: UInt32 = 2166136261
        for b in s.utf8 { h = (h ^ UInt32(b)) &* 16777619 }
        return h
    }
}
