/// Deprecated API versions as Helm v4.3.1's lint reports them (Kubernetes' lifecycle data: the
/// release that deprecated each, the message naming its removal and replacement).
enum Deprecations {
    struct Entry: Sendable { let since: Int; let message: String }

    static let table: [String: Entry] = {
        let rows: [(String, String)] = [
            ("admissionregistration.k8s.io/v1beta1 MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1beta1 MutatingWebhookConfiguration is deprecated in v1.16+, unavailable in v1.22+; use admissionregistration.k8s.io/v1 MutatingWebhookConfiguration"),
            ("admissionregistration.k8s.io/v1beta1 ValidatingAdmissionPolicy", "admissionregistration.k8s.io/v1beta1 ValidatingAdmissionPolicy is deprecated in v1.31+, unavailable in v1.34+"),
            ("admissionregistration.k8s.io/v1beta1 ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1beta1 ValidatingWebhookConfiguration is deprecated in v1.16+, unavailable in v1.22+; use admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration"),
            ("apps/v1beta1 Deployment", "apps/v1beta1 Deployment is deprecated in v1.8+, unavailable in v1.16+; use apps/v1 Deployment"),
            ("apps/v1beta1 StatefulSet", "apps/v1beta1 StatefulSet is deprecated in v1.8+, unavailable in v1.16+; use apps/v1 StatefulSet"),
            ("apps/v1beta2 DaemonSet", "apps/v1beta2 DaemonSet is deprecated in v1.9+, unavailable in v1.16+; use apps/v1 DaemonSet"),
            ("apps/v1beta2 Deployment", "apps/v1beta2 Deployment is deprecated in v1.9+, unavailable in v1.16+; use apps/v1 Deployment"),
            ("apps/v1beta2 ReplicaSet", "apps/v1beta2 ReplicaSet is deprecated in v1.9+, unavailable in v1.16+; use apps/v1 ReplicaSet"),
            ("apps/v1beta2 StatefulSet", "apps/v1beta2 StatefulSet is deprecated in v1.9+, unavailable in v1.16+; use apps/v1 StatefulSet"),
            ("authentication.k8s.io/v1beta1 TokenReview", "authentication.k8s.io/v1beta1 TokenReview is deprecated in v1.19+, unavailable in v1.22+; use authentication.k8s.io/v1 TokenReview"),
            ("authorization.k8s.io/v1beta1 SubjectAccessReview", "authorization.k8s.io/v1beta1 SubjectAccessReview is deprecated in v1.19+, unavailable in v1.22+; use authorization.k8s.io/v1 SubjectAccessReview"),
            ("batch/v1beta1 CronJob", "batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob"),
            ("certificates.k8s.io/v1beta1 CertificateSigningRequest", "certificates.k8s.io/v1beta1 CertificateSigningRequest is deprecated in v1.19+, unavailable in v1.22+; use certificates.k8s.io/v1 CertificateSigningRequest"),
            ("coordination.k8s.io/v1beta1 Lease", "coordination.k8s.io/v1beta1 Lease is deprecated in v1.19+, unavailable in v1.22+; use coordination.k8s.io/v1 Lease"),
            ("discovery.k8s.io/v1beta1 EndpointSlice", "discovery.k8s.io/v1beta1 EndpointSlice is deprecated in v1.21+, unavailable in v1.25+; use discovery.k8s.io/v1 EndpointSlice"),
            ("events.k8s.io/v1beta1 Event", "events.k8s.io/v1beta1 Event is deprecated in v1.22+, unavailable in v1.25+"),
            ("extensions/v1beta1 DaemonSet", "extensions/v1beta1 DaemonSet is deprecated in v1.8+, unavailable in v1.16+; use apps/v1 DaemonSet"),
            ("extensions/v1beta1 Deployment", "extensions/v1beta1 Deployment is deprecated in v1.8+, unavailable in v1.16+; use apps/v1 Deployment"),
            ("extensions/v1beta1 Ingress", "extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress"),
            ("extensions/v1beta1 NetworkPolicy", "extensions/v1beta1 NetworkPolicy is deprecated in v1.9+, unavailable in v1.16+; use networking.k8s.io/v1 NetworkPolicy"),
            ("extensions/v1beta1 ReplicaSet", "extensions/v1beta1 ReplicaSet is deprecated in v1.8+, unavailable in v1.16+; use apps/v1 ReplicaSet"),
            ("flowcontrol.apiserver.k8s.io/v1beta1 FlowSchema", "flowcontrol.apiserver.k8s.io/v1beta1 FlowSchema is deprecated in v1.23+, unavailable in v1.26+; use flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema"),
            ("flowcontrol.apiserver.k8s.io/v1beta1 PriorityLevelConfiguration", "flowcontrol.apiserver.k8s.io/v1beta1 PriorityLevelConfiguration is deprecated in v1.23+, unavailable in v1.26+; use flowcontrol.apiserver.k8s.io/v1beta3 PriorityLevelConfiguration"),
            ("flowcontrol.apiserver.k8s.io/v1beta2 FlowSchema", "flowcontrol.apiserver.k8s.io/v1beta2 FlowSchema is deprecated in v1.26+, unavailable in v1.29+; use flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema"),
            ("flowcontrol.apiserver.k8s.io/v1beta2 PriorityLevelConfiguration", "flowcontrol.apiserver.k8s.io/v1beta2 PriorityLevelConfiguration is deprecated in v1.26+, unavailable in v1.29+; use flowcontrol.apiserver.k8s.io/v1beta3 PriorityLevelConfiguration"),
            ("flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema", "flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema is deprecated in v1.29+, unavailable in v1.32+; use flowcontrol.apiserver.k8s.io/v1 FlowSchema"),
            ("flowcontrol.apiserver.k8s.io/v1beta3 PriorityLevelConfiguration", "flowcontrol.apiserver.k8s.io/v1beta3 PriorityLevelConfiguration is deprecated in v1.29+, unavailable in v1.32+; use flowcontrol.apiserver.k8s.io/v1 PriorityLevelConfiguration"),
            ("networking.k8s.io/v1beta1 IPAddress", "networking.k8s.io/v1beta1 IPAddress is deprecated in v1.34+, unavailable in v1.37+"),
            ("networking.k8s.io/v1beta1 Ingress", "networking.k8s.io/v1beta1 Ingress is deprecated in v1.19+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress"),
            ("networking.k8s.io/v1beta1 IngressClass", "networking.k8s.io/v1beta1 IngressClass is deprecated in v1.19+, unavailable in v1.22+; use networking.k8s.io/v1 IngressClassList"),
            ("node.k8s.io/v1beta1 RuntimeClass", "node.k8s.io/v1beta1 RuntimeClass is deprecated in v1.22+, unavailable in v1.25+"),
            ("policy/v1beta1 PodDisruptionBudget", "policy/v1beta1 PodDisruptionBudget is deprecated in v1.21+, unavailable in v1.25+; use policy/v1 PodDisruptionBudget"),
            ("rbac.authorization.k8s.io/v1beta1 ClusterRole", "rbac.authorization.k8s.io/v1beta1 ClusterRole is deprecated in v1.17+, unavailable in v1.22+; use rbac.authorization.k8s.io/v1 ClusterRole"),
            ("rbac.authorization.k8s.io/v1beta1 ClusterRoleBinding", "rbac.authorization.k8s.io/v1beta1 ClusterRoleBinding is deprecated in v1.17+, unavailable in v1.22+; use rbac.authorization.k8s.io/v1 ClusterRoleBinding"),
            ("rbac.authorization.k8s.io/v1beta1 Role", "rbac.authorization.k8s.io/v1beta1 Role is deprecated in v1.17+, unavailable in v1.22+; use rbac.authorization.k8s.io/v1 Role"),
            ("rbac.authorization.k8s.io/v1beta1 RoleBinding", "rbac.authorization.k8s.io/v1beta1 RoleBinding is deprecated in v1.17+, unavailable in v1.22+; use rbac.authorization.k8s.io/v1 RoleBinding"),
            ("resource.k8s.io/v1beta1 ResourceClaim", "resource.k8s.io/v1beta1 ResourceClaim is deprecated in v1.35+, unavailable in v1.38+"),
            ("scheduling.k8s.io/v1beta1 PriorityClass", "scheduling.k8s.io/v1beta1 PriorityClass is deprecated in v1.14+, unavailable in v1.22+; use scheduling.k8s.io/v1 PriorityClass"),
            ("storage.k8s.io/v1alpha1 VolumeAttributesClass", "storage.k8s.io/v1alpha1 VolumeAttributesClass is deprecated in v1.32+, unavailable in v1.35+; use storage.k8s.io/v1 VolumeAttributesClass"),
            ("storage.k8s.io/v1beta1 CSIDriver", "storage.k8s.io/v1beta1 CSIDriver is deprecated in v1.19+, unavailable in v1.22+; use storage.k8s.io/v1 CSIDriver"),
            ("storage.k8s.io/v1beta1 CSINode", "storage.k8s.io/v1beta1 CSINode is deprecated in v1.17+, unavailable in v1.22+; use storage.k8s.io/v1 CSINode"),
            ("storage.k8s.io/v1beta1 CSIStorageCapacity", "storage.k8s.io/v1beta1 CSIStorageCapacity is deprecated in v1.24+, unavailable in v1.27+; use storage.k8s.io/v1 CSIStorageCapacity"),
            ("storage.k8s.io/v1beta1 StorageClass", "storage.k8s.io/v1beta1 StorageClass is deprecated in v1.19+, unavailable in v1.22+; use storage.k8s.io/v1 StorageClass"),
            ("storage.k8s.io/v1beta1 VolumeAttachment", "storage.k8s.io/v1beta1 VolumeAttachment is deprecated in v1.19+, unavailable in v1.22+; use storage.k8s.io/v1 VolumeAttachment"),
            ("storage.k8s.io/v1beta1 VolumeAttributesClass", "storage.k8s.io/v1beta1 VolumeAttributesClass is deprecated in v1.34+, unavailable in v1.37+; use storage.k8s.io/v1 VolumeAttributesClass"),
            ("v1 ComponentStatus", "v1 ComponentStatus is deprecated in v1.19+"),
        ]
        var t: [String: Entry] = [:]
        for (key, message) in rows {
            // "… is deprecated in vMAJOR.MINOR+…": the version from which lint warns.
            let after = message.split(separator: " ").drop { $0 != "in" }.dropFirst().first ?? "v0.0+"
            let p = after.dropFirst().split(separator: ".").compactMap { Int($0.prefix { $0.isNumber }) }
            t[key] = Entry(since: (p.first ?? 0) * 1000 + (p.count > 1 ? p[1] : 0), message: message)
        }
        return t
    }()
}
