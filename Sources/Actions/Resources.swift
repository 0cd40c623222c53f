import Values
import YAML
import Engine

/// One Kubernetes object of a release's manifest.
public struct Resource: Sendable {
    public var object: Map
    /// The template it was rendered from ("chart/templates/x.yaml").
    public var source: String
    public var apiVersion: String { object.entries["apiVersion"]?.stringValue ?? "" }
    public var kind: String { object.entries["kind"]?.stringValue ?? "" }
    var metadata: Map {
        if case .map(let m)? = object.entries["metadata"] { return m }
        let m = Map([:]); object.entries["metadata"] = .map(m); return m
    }
    public var name: String { metadata.entries["name"]?.stringValue ?? "" }
    public var namespace: String? { metadata.entries["namespace"]?.stringValue }
    public var annotations: [String: String] {
        if case .map(let a)? = metadata.entries["annotations"] { return a.entries.compactMapValues(\.stringValue) }
        return [:]
    }
    /// "Deployment/web", as messages name objects.
    public var label: String { "\(kind)/\(name)" }
    /// A key that identifies the object within a cluster (namespace filled in later).
    public func key(defaultNamespace: String) -> String { "\(apiVersion)|\(kind)|\(namespace ?? defaultNamespace)|\(name)" }

    func setLabel(_ k: String, _ v: String) {
        let l: Map
        if case .map(let m)? = metadata.entries["labels"] { l = m } else { l = Map([:]); metadata.entries["labels"] = .map(l) }
        l.entries[k] = .string(v)
    }

    func setAnnotation(_ k: String, _ v: String) {
        let a: Map
        if case .map(let m)? = metadata.entries["annotations"] { a = m } else { a = Map([:]); metadata.entries["annotations"] = .map(a) }
        a.entries[k] = .string(v)
    }
}

/// A manifest as Helm stores it ("---\n# Source: …\n…" documents) read back into objects.
public enum ResourceList {
    public static func parse(_ manifest: String) throws -> [Resource] {
        var out: [Resource] = []
        for doc in Manifests.split(manifest) {
            var source = "manifest"
            if doc.hasPrefix("# Source: ") { source = String(doc.dropFirst(10).prefix { $0 != "\n" }) }
            let value: Value?
            do { value = try YAML.load(doc) } catch let e as YAMLError {
                throw ActionError.invalidManifest(source, "YAML parse error: \(e.message)")
            }
            guard case .map(let m)? = value else { continue }
            let r = Resource(object: m, source: source)
            guard !r.kind.isEmpty, !r.apiVersion.isEmpty else { throw ActionError.invalidManifest(source, "an object needs apiVersion and kind") }
            guard !r.name.isEmpty else { throw ActionError.invalidManifest(source, "\(r.kind) has no metadata.name") }
            out.append(r)
        }
        return out
    }

    /// Helm's release manifest text: each document headed by its source template.
    public static func manifestText(_ ms: [Manifest]) -> String {
        var s = ""
        for m in ms { s += "---\n# Source: \(m.name)\n\(m.content)\n" }
        return s
    }

    /// Helm's uninstall order by kind (its own list, not quite the install order reversed:
    /// Services go before the workloads behind them, ServiceAccounts after Secrets); kinds it
    /// does not list last, alphabetically; objects of one kind in manifest order.
    public static let uninstallKinds = [
        "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService", "Ingress", "IngressClass",
        "Service", "CronJob", "Job", "StatefulSet", "HorizontalPodAutoscaler", "Deployment", "ReplicaSet",
        "ReplicationController", "Pod", "DaemonSet", "RoleBindingList", "RoleBinding", "RoleList", "Role",
        "ClusterRoleBindingList", "ClusterRoleBinding", "ClusterRoleList", "ClusterRole", "CustomResourceDefinition",
        "PersistentVolumeClaim", "PersistentVolume", "StorageClass", "ConfigMap", "SecretList", "Secret",
        "ServiceAccount", "PodDisruptionBudget", "PodSecurityPolicy", "LimitRange", "ResourceQuota", "NetworkPolicy",
        "Namespace", "PriorityClass",
    ]
    static let uninstallRank: [String: Int] = Dictionary(uniqueKeysWithValues: uninstallKinds.enumerated().map { ($1, $0) })

    public static func uninstallOrder(_ rs: [Resource]) -> [Resource] {
        rs.enumerated().sorted { a, b in
            let ka = a.element.kind, kb = b.element.kind
            switch (uninstallRank[ka], uninstallRank[kb]) {
            case let (x?, y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            case (nil, nil) where ka != kb: return ka < kb
            default: return a.offset < b.offset
            }
        }.map(\.element)
    }
}
