import Kube

/// Why an action failed, with the message a user sees (Helm's wording where Helm has one).
public enum ActionError: Error, CustomStringConvertible, Sendable {
    case releaseNotFound(String, namespace: String)
    case revisionNotFound(String, Int)
    case inProgress(String, holder: String)
    /// This run may no longer hold its pending revision's lock: another writer changed the
    /// record (it judged this run gone), or the caller's right to write lapsed.
    case lockTakenOver(String, Int)
    case ownership(String, operation: String)
    case invalidManifest(String, String)
    case waitTimeout(String, [String])
    case hookFailed(String, String)
    case failed(String)
    /// helm install of a name whose release exists (helm's words).
    case nameInUse(String)
    /// helm upgrade of a release with no revision to upgrade (helm's words).
    case noDeployedReleases(String)
    /// Objects whose kind the server does not serve ("release manifest" or "new release manifest").
    case unbuildable(String, [String])
    /// CRD upgrades (policy CreateReplace) that would hurt stored objects, refused before
    /// anything was written; one sentence each (`crdRiskMessage`).
    case unsafeCRDUpgrade([String])
    /// --force-replace with server-side apply (helm's kube client refuses the pair).
    case forceReplaceWithServerSideApply
    /// A rollback failed once its revision was written (recorded failed): helm logs it as a
    /// warning besides returning the error, whose words these are.
    indirect case rollbackFailed(String, Error)
    /// --server-side of upgrade or rollback neither true, false nor auto.
    case invalidServerSideMethod(String)
    /// Server-side apply without --force-conflicts met a field another manager owns.
    case applyConflict(Resource, KubeAPIError)

    public var description: String {
        switch self {
        case .releaseNotFound(let n, let ns): return "release: not found: \"\(n)\" has no revisions in namespace \"\(ns)\""
        case .revisionNotFound(let n, let v): return "release: not found: \"\(n)\" has no revision \(v)"
        case .inProgress(let n, let holder):
            return "another operation (install/upgrade/rollback) is in progress for release \"\(n)\": \(holder)"
        case .lockTakenOver(let n, let v):
            return "release \"\(n)\": this run no longer holds the lock of revision \(v) (paused past it; another run may own the release now); "
                + "it stops without finishing revision \(v), and what the other run writes stands"
        case .ownership(let msg, let op):
            return "rendered manifests contain a resource that already exists. Unable to continue with \(op): \(msg)"
        case .invalidManifest(let source, let msg): return "\(source): \(msg)"
        case .waitTimeout(let timeout, let pending):
            return "timed out after \(timeout) waiting for resources to be ready:\n" + pending.map { "  " + $0 }.joined(separator: "\n")
        case .hookFailed(let hook, let msg): return "hook \(hook) failed: \(msg)"
        case .failed(let msg): return msg
        case .nameInUse: return "release name check failed: cannot reuse a name that is still in use"
        case .noDeployedReleases(let n): return "\"\(n)\" has no deployed releases"
        case .unbuildable(let manifest, let errs):
            // One error alone, several as Kubernetes' aggregate prints them.
            return "unable to build kubernetes objects from \(manifest): " + (errs.count == 1 ? errs[0] : "[" + errs.joined(separator: ", ") + "]")
        case .forceReplaceWithServerSideApply: return "invalid operation: cannot use server-side apply and force replace together"
        case .rollbackFailed(_, let e): return "\(e)"
        case .invalidServerSideMethod(let s): return "invalid/unknown release server-side apply method: \(s)"
        case .applyConflict(let r, let e):
            // helm's kube client names the object by namespace/name and GroupVersionKind.
            let gv = r.apiVersion.contains("/") ? r.apiVersion : "/" + r.apiVersion
            return "conflict occurred while applying object \(r.namespace ?? "")/\(r.name) \(gv), Kind=\(r.kind): \(e)"
        case .unsafeCRDUpgrade(let problems):
            return "refusing to upgrade CustomResourceDefinitions, nothing was changed: " + problems.joined(separator: "; ")
        }
    }

    /// One CRD upgrade refused: the version, what the new definition does to it, and how many
    /// objects use it (all of the kind's objects when it is the only stored version, else at
    /// most that many: which stored version each object is in only etcd knows).
    static func crdRiskMessage(_ crd: String, kind: String, risk: CRDVersionRisk, objects: Int, storedVersions: [String]) -> String {
        let amount = storedVersions.count > 1 && objects > 0 ? "up to \(objects)" : "\(objects)"
        let used = "\(amount) \(kind) object\(objects == 1 ? "" : "s") \(objects == 1 ? "is" : "are") stored in it"
        switch risk.change {
        case .dropped:
            let lists = "the chart's CustomResourceDefinition \(crd) drops version \(risk.version), which its status.storedVersions "
                + "(\(storedVersions.joined(separator: ", "))) still lists: "
            // The apiserver refuses such a definition even with no object left.
            if objects == 0 { return lists + "no \(kind) object exists now; remove \(risk.version) from status.storedVersions first" }
            return lists + "\(used); migrate \(objects == 1 ? "it" : "them") to a version the chart keeps "
                + "and remove \(risk.version) from status.storedVersions first"
        case .unserved:
            return "the chart's CustomResourceDefinition \(crd) stops serving version \(risk.version): \(used), "
                + "and every client reading \(objects == 1 ? "it" : "them") as \(risk.version) would fail; migrate \(objects == 1 ? "it" : "them") to a served version first"
        }
    }

    /// cli-runtime's message for an object whose kind the server does not serve.
    static func mappingNotFound(name: String, namespace: String, kind: String, apiVersion: String) -> String {
        "resource mapping not found for name: \"\(name)\" namespace: \"\(namespace)\" from \"\": no matches for kind \"\(kind)\" in version \"\(apiVersion)\"\nensure CRDs are installed first"
    }
}
