import Values
import Kube

/// Helm builds every object of a manifest against the server's discovery before it changes
/// anything, so a chart asking for a kind the cluster does not serve (an API version removed by a
/// Kubernetes upgrade, a CRD never installed) fails in seconds instead of after its hooks ran.
/// hrctl checks hooks too: a pre-install hook of an unserved kind would otherwise leave a
/// half-done release behind.
enum ServedKinds {
    /// Which of Helm's build steps failed: install builds "release manifest", upgrade and
    /// rollback "new release manifest".
    enum Stage: String, Sendable {
        case install = "release manifest"
        case upgrade = "new release manifest"
    }

    /// "group/version|Kind" of every kind the given CustomResourceDefinitions define, and
    /// whether it is namespaced.
    static func definedBy(_ crds: [Resource]) -> [String: Bool] {
        var out: [String: Bool] = [:]
        for crd in crds where crd.kind == "CustomResourceDefinition" && crd.apiVersion.hasPrefix("apiextensions.k8s.io/") {
            guard case .map(let spec)? = crd.object.entries["spec"], let group = spec.entries["group"]?.stringValue,
                  case .map(let names)? = spec.entries["names"], let kind = names.entries["kind"]?.stringValue else { continue }
            var versions: [String] = []
            if let v = spec.entries["version"]?.stringValue { versions.append(v) }  // v1beta1 CRDs
            if case .list(let l)? = spec.entries["versions"] {
                for item in l.items { if case .map(let vm) = item, let n = vm.entries["name"]?.stringValue { versions.append(n) } }
            }
            let namespaced = spec.entries["scope"]?.stringValue != "Cluster"
            for v in versions { out["\(group)/\(v)|\(kind)"] = namespaced }
        }
        return out
    }
}

extension ActionContext {
    /// Fails with Helm's "unable to build kubernetes objects" error when any object's kind is
    /// neither served by the cluster nor defined by a CRD of the same release (crds/ or templates).
    func checkServedKinds(_ objects: [Resource], crds: [Resource], stage: ServedKinds.Stage) async throws {
        let defined = ServedKinds.definedBy(crds + objects)
        var missing: [String] = []
        var checked: [String: Bool] = [:]
        for r in objects {
            let key = "\(r.apiVersion)|\(r.kind)"
            if defined[key] != nil { continue }
            let served: Bool
            if let known = checked[key] { served = known } else {
                do { _ = try await resources.discovery.mapping(apiVersion: r.apiVersion, kind: r.kind); served = true }
                catch is Discovery.DiscoveryError { served = false }
                checked[key] = served
            }
            if !served {
                missing.append(ActionError.mappingNotFound(name: r.name, namespace: r.namespace ?? "", kind: r.kind, apiVersion: r.apiVersion))
            }
        }
        if !missing.isEmpty { throw ActionError.unbuildable(stage.rawValue, missing) }
    }
}
