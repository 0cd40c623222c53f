import Values
import Kube
#if canImport(Glibc)
import Glibc
#endif

/// The cluster side of actions: server-side apply of objects under Helm's field manager, reads,
/// deletes, Helm's ownership checks and waiting for readiness.
public struct ResourceClient: Sendable {
    public let client: KubeClient
    public let discovery: Discovery
    /// The helm CLI applies as `helm` (its binary's name). hrctl applies under the same name so
    /// that `helm upgrade` of a release hrctl wrote finds its own fields, not a conflict with
    /// another manager's, and the other way round.
    public static let fieldManager = "helm"

    public init(client: KubeClient, discovery: Discovery) { self.client = client; self.discovery = discovery }

    func path(_ r: Resource, namespace: String) async throws -> (String, RESTMapping) {
        let m = try await discovery.mapping(apiVersion: r.apiVersion, kind: r.kind)
        return (m.path(namespace: m.namespaced ? (r.namespace ?? namespace) : nil, name: r.name), m)
    }

    /// Fills in the namespace of namespaced objects that name none.
    public func prepare(_ r: inout Resource, namespace: String) async throws {
        let m = try await discovery.mapping(apiVersion: r.apiVersion, kind: r.kind)
        if m.namespaced && r.namespace == nil { r.metadata.entries["namespace"] = .string(namespace) }
        if !m.namespaced { r.metadata.entries["namespace"] = nil }
    }

    /// Server-side apply; `force` takes fields over from other managers (as Helm v4 does).
    /// Only a dry run's answer (the object as it would be) is read; a real apply's is not needed.
    @discardableResult
    public func apply(_ r: Resource, namespace: String, dryRun: Bool = false, force: Bool = true) async throws -> Value {
        let (p, _) = try await path(r, namespace: namespace)
        var q: [(String, String)] = [("fieldManager", ResourceClient.fieldManager)]
        if force { q.append(("force", "true")) }
        if dryRun { q.append(("dryRun", "All")) }
        return try await client.request(.PATCH, p, query: q, body: .map(r.object), contentType: "application/apply-patch+yaml", idempotent: true,
                                        decode: dryRun)
    }

    /// Creates the object by server-side apply unless it exists: false, and nothing written,
    /// when it does. One request per new object instead of a look-up first. The patch carries
    /// resourceVersion "1" as a precondition, which the apiserver checks against an existing
    /// object only (an absent one is created): no object has it (etcd's first write is
    /// revision 2), so an existing one always answers 409 Conflict.
    public func applyIfAbsent(_ r: Resource, namespace: String) async throws -> Bool {
        guard case .map(let body) = Resource.copy(.map(r.object)) else { return false }
        let guarded = Resource(object: body, source: r.source)
        guarded.metadata.entries["resourceVersion"] = .string("1")
        do { try await apply(guarded, namespace: namespace) } catch let e as KubeAPIError where e.reason == .conflict { return false }
        return true
    }

    public func get(_ r: Resource, namespace: String, accept: String? = nil) async throws -> Value? {
        let (p, _) = try await path(r, namespace: namespace)
        do { return try await client.request(.GET, p, accept: accept) } catch let e as KubeAPIError where e.reason == .notFound { return nil }
    }

    /// Deletes (background propagation unless told); an object already gone is fine.
    public func delete(_ r: Resource, namespace: String, propagation: String = "Background") async throws {
        let (p, _) = try await path(r, namespace: namespace)
        do { _ = try await client.request(.DELETE, p, query: [("propagationPolicy", propagation)], decode: false) }
        catch let e as KubeAPIError where e.reason == .notFound {}
        catch let e as Discovery.DiscoveryError { _ = e }
    }

    /// Helm's check before taking an object into a release: it must carry this release's marks.
    public static func ownershipProblem(_ live: Value, release: String, namespace: String) -> String? {
        guard case .map(let m) = live, case .map(let md)? = m.entries["metadata"] else { return nil }
        var labels: [String: String] = [:], ann: [String: String] = [:]
        if case .map(let l)? = md.entries["labels"] { labels = l.entries.compactMapValues(\.stringValue) }
        if case .map(let a)? = md.entries["annotations"] { ann = a.entries.compactMapValues(\.stringValue) }
        var errs: [String] = []
        func check(_ kind: String, _ dict: [String: String], _ key: String, _ want: String) {
            guard let v = dict[key] else { errs.append("\(kind) validation error: missing key \"\(key)\": must be set to \"\(want)\""); return }
            if v != want { errs.append("\(kind) validation error: key \"\(key)\" must equal \"\(want)\": current value is \"\(v)\"") }
        }
        check("label", labels, "app.kubernetes.io/managed-by", "Helm")
        check("annotation", ann, "meta.helm.sh/release-name", release)
        check("annotation", ann, "meta.helm.sh/release-namespace", namespace)
        if errs.isEmpty { return nil }
        let kind = m.entries["kind"]?.stringValue ?? "", name = md.entries["name"]?.stringValue ?? ""
        let where_ = md.entries["namespace"]?.stringValue.map { " in namespace \"\($0)\"" } ?? ""
        return "\(kind) \"\(name)\"\(where_) exists and cannot be imported into the current release: invalid ownership metadata; " + errs.joined(separator: "; ")
    }

    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
