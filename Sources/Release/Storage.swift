import Values
import Kube

/// Helm's Secrets storage driver: one Secret per revision, `sh.helm.release.v1.NAME.vREV`, type
/// `helm.sh/release.v1`, labels name/owner/status/version/modifiedAt, `data.release` the encoded record.
public struct ReleaseStorage: Sendable {
    public let client: KubeClient
    /// Where the Secrets live when not in the release's namespace (Flux v2 `storageNamespace`,
    /// Helm's driver namespace); nil keeps each record beside its release.
    public var storageNamespace: String?
    /// Known revisions (an operator's watch of the records): histories are then read by name.
    public var index: RecordIndex?

    public init(client: KubeClient, storageNamespace: String? = nil) { self.client = client; self.storageNamespace = storageNamespace }

    func place(_ namespace: String?) -> String? { storageNamespace ?? namespace }

    public static func secretName(_ name: String, _ version: Int) -> String { "sh.helm.release.v1.\(name).v\(version)" }

    /// The Secret as the driver writes it.
    /// `encoded`: the record as `checkSize` encoded it, when `r` is unchanged since.
    public static func secret(_ r: Release, namespace: String? = nil, encoded given: String? = nil) throws -> Value {
        let labels: [String: Value] = [
            "name": .string(r.name), "owner": .string("helm"), "status": .string(r.info.status.rawValue),
            "version": .string(String(r.version)), "modifiedAt": .string(String(Timestamp.unixNow())),
        ]
        let encoded = try given ?? ReleaseCodec.encode(r)
        if encoded.utf8.count > maxRecordBytes { try checkSize(r) }
        return .map([
            "apiVersion": .string("v1"), "kind": .string("Secret"), "type": .string("helm.sh/release.v1"),
            "metadata": .map(["name": .string(secretName(r.name, r.version)), "namespace": .string(namespace ?? r.namespace), "labels": .map(Map(labels))]),
            "data": .map(["release": .string(Base64.encode(Array(encoded.utf8)))]),
        ])
    }

    /// Reads a Secret of the driver back into a release.
    public static func release(fromSecret v: Value) throws -> Release {
        guard case .map(let m) = v, case .map(let data)? = m.entries["data"], let outer = data.entries["release"]?.stringValue else {
            throw ReleaseDecodeError("the Secret has no data.release")
        }
        let name: String
        if case .map(let md)? = m.entries["metadata"] { name = md.entries["name"]?.stringValue ?? "" } else { name = "" }
        guard case .success(let inner) = Base64.decode(outer) else { throw ReleaseDecodeError("Secret \(name): data.release is not base64") }
        do { return try ReleaseCodec.decode(String(decoding: inner, as: UTF8.self)) } catch let e as ReleaseDecodeError {
            throw ReleaseDecodeError("Secret \(name): \(e.description)")
        }
    }

    func secretsPath(_ namespace: String?) -> String {
        namespace.map { "/api/v1/namespaces/\($0)/secrets" } ?? "/api/v1/secrets"
    }

    /// Every revision of a release, oldest first.
    public func history(_ name: String, namespace: String) async throws -> [Release] {
        if let index, let ns = place(namespace), let versions = await index.versions(name, namespace: ns) {
            var out: [Release] = []
            for v in versions {
                do {
                    let secret = try await client.request(.GET, secretsPath(ns) + "/" + ReleaseStorage.secretName(name, v))
                    out.append(try ReleaseStorage.release(fromSecret: secret))
                } catch let e as KubeAPIError where e.reason == .notFound {
                    await index.forget(name, version: v, namespace: ns)
                }
            }
            return out
        }
        return try await query(namespace: namespace, selector: "owner=helm,name=\(name)").sorted { $0.version < $1.version }
    }

    /// All releases' revisions in a namespace (nil: every namespace), in no particular order.
    public func query(namespace: String?, selector: String = "owner=helm") async throws -> [Release] {
        var out: [Release] = []
        var cont = ""
        repeat {
            var q: [(String, String)] = [("labelSelector", selector), ("limit", "500")]
            if !cont.isEmpty { q.append(("continue", cont)) }
            let list = try await client.request(.GET, secretsPath(place(namespace)), query: q)
            guard case .map(let lm) = list else { break }
            if case .list(let items)? = lm.entries["items"] {
                for item in items.items {
                    if case .map(let s) = item, s.entries["type"]?.stringValue != "helm.sh/release.v1" { continue }
                    out.append(try ReleaseStorage.release(fromSecret: item))
                }
            }
            cont = ""
            if case .map(let md)? = lm.entries["metadata"], let c = md.entries["continue"]?.stringValue { cont = c }
        } while !cont.isEmpty
        return out
    }

    /// The newest revision of each release, as `helm list` shows them.
    public func latest(namespace: String?) async throws -> [Release] {
        var newest: [String: Release] = [:]
        for r in try await query(namespace: namespace) {
            let k = r.namespace + "/" + r.name
            if let cur = newest[k], cur.version >= r.version { continue }
            newest[k] = r
        }
        return newest.values.sorted { ($0.name, $0.namespace) < ($1.name, $1.namespace) }
    }

    /// Creates a revision; fails with AlreadyExists when another run wrote it first (the lock).
    /// Returns the Secret's resourceVersion.
    @discardableResult
    public func create(_ r: Release, encoded: String? = nil) async throws -> String? {
        let written = try await client.request(.POST, secretsPath(place(r.namespace)), body: try ReleaseStorage.secret(r, namespace: place(r.namespace), encoded: encoded))
        await noteWritten(written)
        return ReleaseStorage.resourceVersion(written)
    }

    /// Rewrites a revision. `ifUnchangedSince`: the resourceVersion this writer last wrote; the
    /// server refuses (409 Conflict) when another writer changed the record since.
    @discardableResult
    public func update(_ r: Release, ifUnchangedSince version: String? = nil) async throws -> String? {
        var body = try ReleaseStorage.secret(r, namespace: place(r.namespace))
        if let version, case .map(let m) = body, case .map(let md)? = m.entries["metadata"] {
            md.entries["resourceVersion"] = .string(version)
            body = .map(m)
        }
        let written = try await client.request(.PUT, secretsPath(place(r.namespace)) + "/" + ReleaseStorage.secretName(r.name, r.version), body: body)
        await noteWritten(written)
        return ReleaseStorage.resourceVersion(written)
    }

    /// The resourceVersion of a revision's Secret now; nil when it is gone.
    public func resourceVersion(_ name: String, version: Int, namespace: String) async throws -> String? {
        do { return ReleaseStorage.resourceVersion(try await client.request(.GET, secretsPath(place(namespace)) + "/" + ReleaseStorage.secretName(name, version))) }
        catch let e as KubeAPIError where e.reason == .notFound { return nil }
    }

    static func resourceVersion(_ v: Value) -> String? {
        guard case .map(let m) = v, case .map(let md)? = m.entries["metadata"] else { return nil }
        return md.entries["resourceVersion"]?.stringValue
    }

    func noteWritten(_ secret: Value) async {
        if let index, case .map(let m) = secret, case .map(let md)? = m.entries["metadata"] { await index.note(secret: md) }
    }

    public func delete(_ name: String, version: Int, namespace: String) async throws {
        do {
            _ = try await client.request(.DELETE, secretsPath(place(namespace)) + "/" + ReleaseStorage.secretName(name, version))
        } catch let e as KubeAPIError where e.reason == .notFound {}
        if let index, let ns = place(namespace) { await index.forget(name, version: version, namespace: ns) }
    }
}
