import Values
import Kube
import Release
import Actions

/// Taking over a release this HelmRelease has not deployed: one installed by `helm`, or by
/// another operator. Flux's helm-controller always upgrades a release it adopts; this does not
/// when the chart, the values and the cluster's objects match. The one difference a
/// helm.fluxcd.io/v1 HelmRelease makes itself, the `helm.fluxcd.io/antecedent` annotation, is
/// written onto the objects as Helm Operator wrote it (an annotation patch after the release,
/// not part of the manifest), so no revision is added and later reconciles find no drift.
struct Takeover {
    let context: ActionContext

    /// The release adopted as it is, or nil when it must be installed or upgraded.
    func adopt(_ spec: ReleaseSpec, _ opts: DeployOptions) async throws -> Release? {
        guard !spec.extraAnnotations.isEmpty else { return nil } // ApplyAction alone leaves a matching release alone
        let history = try await context.storage.history(spec.name, namespace: spec.namespace)
        guard let last = history.last, last.info.status == .deployed else { return nil }
        var plain = spec
        plain.extraAnnotations = [:]
        var dry = opts
        dry.dryRun = true
        dry.driftCandidates = nil
        guard case .unchanged(let release) = try await ApplyAction(context: context).run(plain, dry) else { return nil }
        let resources = context.resources
        let annotations: Value = .map(["metadata": .map(["annotations": .map(Map(spec.extraAnnotations.mapValues { .string($0) }))])])
        for object in try ResourceList.parse(release.manifest) {
            let m = try await resources.discovery.mapping(apiVersion: object.apiVersion, kind: object.kind)
            let path = m.path(namespace: m.namespaced ? (object.namespace ?? spec.namespace) : nil, name: object.name)
            if let live = try await resources.get(object, namespace: spec.namespace), Takeover.has(live, spec.extraAnnotations) { continue }
            _ = try await resources.client.request(.PATCH, path, body: annotations, contentType: "application/merge-patch+json", decode: false)
        }
        return release
    }

    static func has(_ live: Value, _ annotations: [String: String]) -> Bool {
        guard case .map(let m) = live, case .map(let md)? = m.entries["metadata"], case .map(let a)? = md.entries["annotations"] else { return false }
        return annotations.allSatisfy { a.entries[$0.key]?.stringValue == $0.value }
    }
}
