import Values

/// One API resource as discovery describes it.
public struct ResourceType: Sendable, Hashable {
    public var group: String
    public var version: String
    public var name: String        // plural, as in paths
    public var singular: String
    public var kind: String
    public var namespaced: Bool
    public var shortNames: [String] = []
    public var hasStatus = false
    /// A kind the server defines (not from a CRD): strategic merge patches apply to these.
    public var builtin = true

    public var groupVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// "configmaps" or "deployments.apps", as Status messages name resources.
    public var qualifiedName: String { group.isEmpty ? name : "\(name).\(group)" }
}

/// The built-in resources the test server serves; CRDs add more at run time.
enum BuiltinResources {
    static func r(_ g: String, _ v: String, _ name: String, _ kind: String, namespaced: Bool = true,
                  short: [String] = [], status: Bool = false) -> ResourceType {
        ResourceType(group: g, version: v, name: name, singular: kind.lowercased(), kind: kind, namespaced: namespaced,
                     shortNames: short, hasStatus: status)
    }

    static let all: [ResourceType] = [
        r("", "v1", "namespaces", "Namespace", namespaced: false, short: ["ns"], status: true),
        r("", "v1", "configmaps", "ConfigMap", short: ["cm"]),
        r("", "v1", "secrets", "Secret"),
        r("", "v1", "services", "Service", short: ["svc"], status: true),
        r("", "v1", "serviceaccounts", "ServiceAccount", short: ["sa"]),
        r("", "v1", "pods", "Pod", short: ["po"], status: true),
        r("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", short: ["pvc"], status: true),
        r("", "v1", "persistentvolumes", "PersistentVolume", namespaced: false, short: ["pv"], status: true),
        r("", "v1", "events", "Event", short: ["ev"]),
        r("", "v1", "endpoints", "Endpoints", short: ["ep"]),
        r("", "v1", "limitranges", "LimitRange", short: ["limits"]),
        r("", "v1", "resourcequotas", "ResourceQuota", short: ["quota"], status: true),
        r("apps", "v1", "deployments", "Deployment", short: ["deploy"], status: true),
        r("apps", "v1", "statefulsets", "StatefulSet", short: ["sts"], status: true),
        r("apps", "v1", "daemonsets", "DaemonSet", short: ["ds"], status: true),
        r("apps", "v1", "replicasets", "ReplicaSet", short: ["rs"], status: true),
        r("batch", "v1", "jobs", "Job", status: true),
        r("batch", "v1", "cronjobs", "CronJob", short: ["cj"], status: true),
        r("networking.k8s.io", "v1", "ingresses", "Ingress", short: ["ing"], status: true),
        r("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", short: ["netpol"]),
        r("networking.k8s.io", "v1", "ingressclasses", "IngressClass", namespaced: false),
        r("rbac.authorization.k8s.io", "v1", "roles", "Role"),
        r("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
        r("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", namespaced: false),
        r("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", namespaced: false),
        r("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", short: ["pdb"], status: true),
        r("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", short: ["hpa"], status: true),
        r("coordination.k8s.io", "v1", "leases", "Lease"),
        r("storage.k8s.io", "v1", "storageclasses", "StorageClass", namespaced: false, short: ["sc"]),
        r("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", namespaced: false, short: ["pc"]),
        r("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", namespaced: false, short: ["crd", "crds"], status: true),
    ]
}
