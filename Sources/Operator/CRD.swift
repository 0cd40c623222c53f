import Values
import YAML

/// The CustomResourceDefinition of Helm Operator's `HelmRelease` (helm.fluxcd.io/v1): short name
/// `hr`, a status subresource, and the printer columns `kubectl get hr` shows.
public enum HelmReleaseCRD {
    public static let group = "helm.fluxcd.io"
    public static let version = "v1"
    public static let plural = "helmreleases"
    public static let finalizer = "helm.fluxcd.io"

    public static func definition() -> Value {
        func column(_ name: String, _ type: String, _ path: String, _ description: String) -> Value {
            .map(["name": .string(name), "type": .string(type), "jsonPath": .string(path), "description": .string(description)])
        }
        let open: Value = .map(["type": .string("object"), "x-kubernetes-preserve-unknown-fields": .bool(true)])
        let schema: Value = .map(["openAPIV3Schema": .map([
            "type": .string("object"),
            "properties": .map([
                "apiVersion": .map(["type": .string("string")]), "kind": .map(["type": .string("string")]),
                "metadata": .map(["type": .string("object")]), "spec": open, "status": open,
            ]),
        ])])
        return .map([
            "apiVersion": .string("apiextensions.k8s.io/v1"),
            "kind": .string("CustomResourceDefinition"),
            "metadata": .map(["name": .string("\(plural).\(group)")]),
            "spec": .map([
                "group": .string(group),
                "scope": .string("Namespaced"),
                "names": .map(["kind": .string("HelmRelease"), "listKind": .string("HelmReleaseList"), "plural": .string(plural),
                               "singular": .string("helmrelease"), "shortNames": .list([.string("hr"), .string("hrs")])]),
                "versions": .list([.map([
                    "name": .string(version), "served": .bool(true), "storage": .bool(true),
                    "subresources": .map(["status": .map([:])]),
                    "schema": schema,
                    "additionalPrinterColumns": .list([
                        column("Release", "string", ".status.releaseName", "The name of the Helm release"),
                        column("Phase", "string", ".status.phase", "The phase of the last reconcile"),
                        column("Status", "string", ".status.releaseStatus", "The status of the Helm release"),
                        column("Message", "string", ".status.conditions[?(@.type==\"Released\")].message", "What the last release attempt said"),
                        column("Age", "date", ".metadata.creationTimestamp", "When the HelmRelease was created"),
                    ]),
                ])]),
            ]),
        ])
    }

    public static func yaml() throws -> String { try YAMLWriter.marshal(definition()) }
}
