import Values
import Release
import Kube
import Actions
import HelmRelease

/// Clusters other than the operator's own, for HelmReleases with `spec.kubeConfig.secretRef`
/// (Flux v2): the kubeconfig is read from the Secret beside the HelmRelease, and the release —
/// objects and records — goes to that cluster. One client per Secret version, kept between
/// reconciles (its connections too); a changed Secret makes a new one.
public actor RemoteClusters {
    struct Entry { var version: String; var context: ActionContext }
    var entries: [String: Entry] = [:]

    public init() {}

    public struct RemoteError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The context for the cluster a HelmRelease names, from `local` (locks, progress).
    public func context(_ ref: HelmRelease.KubeConfigRef, namespace: String, local: ActionContext) async throws -> ActionContext {
        let what = "spec.kubeConfig.secretRef: Secret \(namespace)/\(ref.secret)"
        let secret: Value
        do { secret = try await local.resources.client.request(.GET, "/api/v1/namespaces/\(namespace)/secrets/\(ref.secret)") }
        catch let e as KubeAPIError where e.reason == .notFound { throw RemoteError(description: "\(what) not found") }
        guard case .map(let m) = secret, case .map(let md)? = m.entries["metadata"], case .map(let data)? = m.entries["data"] else {
            throw RemoteError(description: "\(what) has no data")
        }
        let key = ref.key ?? (data.entries["value"] != nil ? "value" : "value.yaml")
        guard let encoded = data.entries[key]?.stringValue else { throw RemoteError(description: "\(what) has no key \(key)") }
        let version = md.entries["resourceVersion"]?.stringValue ?? ""
        let id = "\(namespace)/\(ref.secret)/\(key)"
        if let e = entries[id], e.version == version { return e.context }
        guard case .success(let bytes) = Base64.decode(encoded) else { throw RemoteError(description: "\(what) key \(key) is not base64") }
        let text = String(decoding: bytes, as: UTF8.self)
        let access: ClusterAccess
        do {
            access = try KubeConfig.load(explicitPath: "secret \(namespace)/\(ref.secret) key \(key)", environment: [:], readFile: { _ in text })
                .resolve(context: nil, namespace: nil)
        } catch { throw RemoteError(description: "\(what) key \(key): \(error)") }
        let client = try KubeClient(access: access, userAgent: "hrctl-operator")
        // Records go where the objects go, in the kind of object the operator's driver uses; a
        // database (SQL) is the same one whichever cluster the release is in.
        var driver = local.storage.driver
        if let kube = driver as? KubeRecordDriver { driver = KubeRecordDriver(client: client, kind: kube.kind) }
        var ctx = ActionContext(client: client, driver: driver, progress: local.progress)
        ctx.lockHolder = local.lockHolder
        ctx.isAbandonedLock = local.isAbandonedLock
        if let old = entries[id] { try? await old.context.resources.client.shutdown() }
        entries[id] = Entry(version: version, context: ctx)
        return ctx
    }
}
