import Values
import Kube
import Release
import Actions

/// The watches of the objects releases own, one per kind, opened as releases name kinds:
/// metadata only and label-selected (`app.kubernetes.io/managed-by=Helm`), so thousands of
/// objects cost their names and managedFields, and a change or deletion is seen at once.
actor OwnedWatches {
    let client: KubeClient
    let state: OperatorState
    /// The operator's namespace (nil: all): namespaced kinds are watched there only.
    let namespace: String?
    let discovery: Discovery
    let log: @Sendable (String) -> Void
    var tasks: [String: Task<Void, Never>] = [:]
    static let selector = "app.kubernetes.io/managed-by=Helm"

    init(client: KubeClient, state: OperatorState, namespace: String?, discovery: Discovery, log: @escaping @Sendable (String) -> Void) {
        self.client = client; self.state = state; self.namespace = namespace; self.discovery = discovery; self.log = log
    }

    /// The watch keys of a release's objects; nil for one no synced watch covers (a kind the
    /// server does not serve, a namespace outside the operator's, a watch still listing after
    /// `patience` seconds), whose drift only a dry-run apply can tell.
    func keys(_ resources: [Resource]?, release: Release, patience: Double = 10) async -> [String?] {
        var out: [String?] = []
        for r in resources ?? [] {
            guard let m = try? await discovery.mapping(apiVersion: r.apiVersion, kind: r.kind) else { out.append(nil); continue }
            let ns = m.namespaced ? (r.namespace ?? release.namespace) : nil
            if m.namespaced, let namespace, ns != namespace { out.append(nil); continue }
            let gk = "\(m.group)|\(m.kind)"
            ensure(gk, m)
            var waited = 0.0
            while await !state.isSynced(gk), waited < patience {
                try? await Task.sleep(nanoseconds: 50_000_000)
                waited += 0.05
            }
            out.append(await state.isSynced(gk) ? OperatorState.objectKey(group: m.group, kind: m.kind, namespace: ns, name: r.name) : nil)
        }
        return out
    }

    func ensure(_ gk: String, _ m: RESTMapping) {
        guard tasks[gk] == nil else { return }
        let scope = m.namespaced ? namespace : nil
        var r = Reflector(client: client, target: WatchTarget(path: m.path(namespace: scope), labelSelector: OwnedWatches.selector, metadataOnly: true))
        r.pageSize = 500
        let state = self.state, log = self.log
        tasks[gk] = Task { await Operator.keep(r, m.resource, log) { await state.owned(gk, scope: scope, $0) } }
    }

    func stop() {
        for t in tasks.values { t.cancel() }
        tasks = [:]
    }
}
