import Values
import YAML
import Chart
import Engine
import Kube
import Release

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

    public func run(_ spec: ReleaseSpec, showSecrets: Bool = false) async throws -> [Change] {
        var opts = DeployOptions()
        opts.dryRun = true
        opts.force = true
        let planned = try await ApplyAction(context: context).run(spec, opts).release
        let history = try await context.storage.history(spec.name, namespace: spec.namespace)
        let current = history.last(where: { $0.info.status == .deployed })
        var changes: [Change] = []
        var seen: Set<String> = []
        for obj in try ResourceList.parse(planned.manifest) {
            var m = context.marked(obj, release: planned, extra: spec.extraAnnotations)
            try await context.resources.prepare(&m, namespace: spec.namespace)
            seen.insert(m.key(defaultNamespace: spec.namespace))
            let live = try await context.resources.get(m, namespace: spec.namespace)
            let after: Value
            do { after = try await context.resources.apply(m, namespace: spec.namespace, dryRun: true) }
            catch let e as KubeAPIError where e.reason == .notFound { after = .map(m.object) }  // its namespace does not exist yet
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
        return changes
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
