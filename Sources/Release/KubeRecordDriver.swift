import Values
import Kube

/// Helm's Secrets and ConfigMaps drivers (secrets.go and cfgmaps.go are the same file twice):
/// one object a revision named by its key, labels `name`, `owner=helm`, `status`, `version`
/// and `createdAt` (create) or `modifiedAt` (update), `data.release` the encoded record (a Secret
/// holds that text as bytes, so the API shows it base64'd again; a ConfigMap holds the text).
public struct KubeRecordDriver: ReleaseDriver {
    public enum Kind: Sendable {
        case secret, configMap

        var collection: String { self == .secret ? "secrets" : "configmaps" }
        var kind: String { self == .secret ? "Secret" : "ConfigMap" }
    }

    public let client: KubeClient
    public let kind: Kind
    /// Where the records live when not in the release's namespace (Flux v2 `storageNamespace`,
    /// Helm's driver namespace); nil keeps each record beside its release.
    public var storageNamespace: String?

    public init(client: KubeClient, kind: Kind, storageNamespace: String? = nil) {
        self.client = client; self.kind = kind; self.storageNamespace = storageNamespace
    }

    public var name: String { kind.kind }
    /// Kubernetes refuses a Secret or ConfigMap whose data exceeds 1 MiB.
    public var maxRecordBytes: Int? { 1 << 20 }
    public var recordCollection: String? { kind.collection }
    public func place(_ namespace: String) -> String { storageNamespace ?? namespace }

    public func storing(in namespace: String?) -> any ReleaseDriver {
        var d = self
        d.storageNamespace = namespace
        return d
    }

    func path(_ namespace: String?) -> String {
        namespace.map { "/api/v1/namespaces/\($0)/\(kind.collection)" } ?? "/api/v1/\(kind.collection)"
    }

    func path(_ name: String, _ version: Int, _ namespace: String) -> String {
        path(place(namespace)) + "/" + RecordKey.make(name, version)
    }

    /// The object as the driver writes it; `created` stamps `createdAt`, else `modifiedAt`.
    public func object(_ r: Release, encoded: String, namespace: String, created: Bool) -> Value {
        KubeRecordDriver.object(kind, r, encoded: encoded, namespace: namespace, created: created)
    }

    static func object(_ kind: Kind, _ r: Release, encoded: String, namespace: String, created: Bool) -> Value {
        let labels = ReleaseLabels.object(r, created: created, now: Int64(Timestamp.unixNow())).mapValues { Value.string($0) }
        var o: [String: Value] = [
            "apiVersion": .string("v1"), "kind": .string(kind.kind),
            "metadata": .map(["name": .string(RecordKey.make(r.name, r.version)), "namespace": .string(namespace), "labels": .map(Map(labels))]),
        ]
        switch kind {
        case .secret:
            o["type"] = .string("helm.sh/release.v1")
            o["data"] = .map(["release": .string(Base64.encode(Array(encoded.utf8)))])
        case .configMap:
            o["data"] = .map(["release": .string(encoded)])
        }
        return .map(Map(o))
    }

    /// Reads an object of the driver back into a release, with all of the object's labels.
    public static func release(from v: Value, kind: Kind, headerOnly: Bool = false) throws -> Release {
        guard case .map(let m) = v, case .map(let data)? = m.entries["data"], let stored = data.entries["release"]?.stringValue else {
            throw ReleaseDecodeError("the \(kind.kind) has no data.release")
        }
        let name: String
        var labels: [String: String] = [:]
        if case .map(let md)? = m.entries["metadata"] {
            name = md.entries["name"]?.stringValue ?? ""
            if case .map(let l)? = md.entries["labels"] { for (k, v) in l.entries { if let v = v.stringValue { labels[k] = v } } }
        } else { name = "" }
        var text = stored
        if kind == .secret {
            guard case .success(let inner) = RecordBase64.decode(stored) else { throw ReleaseDecodeError("Secret \(name): data.release is not base64") }
            text = String(decoding: inner, as: UTF8.self)
        }
        do {
            var r = try headerOnly ? ReleaseCodec.decodeHeader(text) : ReleaseCodec.decode(text)
            r.labels = labels
            return r
        } catch let e as ReleaseDecodeError {
            throw ReleaseDecodeError("\(kind.kind) \(name): \(e.description)")
        }
    }

    static func resourceVersion(_ v: Value) -> RecordToken? {
        guard case .map(let m) = v, case .map(let md)? = m.entries["metadata"], let rv = md.entries["resourceVersion"]?.stringValue else { return nil }
        return RecordToken(rv)
    }

    /// API answers in the storage's terms; other errors pass through.
    func mapped<T>(_ key: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as KubeAPIError {
            switch e.reason {
            case .alreadyExists: throw StorageError.exists(key: key)
            case .conflict: throw StorageError.conflict(key: key)
            default: throw e
            }
        }
    }

    public func create(_ r: Release, encoded: String) async throws -> RecordToken {
        let ns = place(r.namespace)
        let written = try await mapped(RecordKey.make(r.name, r.version)) {
            try await client.request(.POST, path(ns), body: object(r, encoded: encoded, namespace: ns, created: true))
        }
        return KubeRecordDriver.resourceVersion(written) ?? RecordToken("")
    }

    /// A PUT of a fresh object, as Helm's Update, but with the resourceVersion precondition
    /// when the writer holds a token: the server then refuses (409) a record changed since.
    public func update(_ r: Release, encoded: String, ifUnchangedSince token: RecordToken?) async throws -> RecordToken {
        let ns = place(r.namespace)
        var body = object(r, encoded: encoded, namespace: ns, created: false)
        if let token, case .map(let m) = body, case .map(let md)? = m.entries["metadata"] {
            md.entries["resourceVersion"] = .string(token.value)
            body = .map(m)
        }
        let written = try await mapped(RecordKey.make(r.name, r.version)) {
            try await client.request(.PUT, path(r.name, r.version, r.namespace), body: body)
        }
        return KubeRecordDriver.resourceVersion(written) ?? RecordToken("")
    }

    public func delete(_ name: String, version: Int, namespace: String) async throws {
        do { _ = try await client.request(.DELETE, path(name, version, namespace), decode: false) }
        catch let e as KubeAPIError where e.reason == .notFound {}
    }

    public func get(_ name: String, version: Int, namespace: String) async throws -> Release? {
        // Helm's Get: the custom labels only.
        do {
            var r = try KubeRecordDriver.release(from: try await client.request(.GET, path(name, version, namespace)), kind: kind)
            r.labels = ReleaseLabels.custom(r.labels)
            return r
        }
        catch let e as KubeAPIError where e.reason == .notFound { return nil }
    }

    public func token(_ name: String, version: Int, namespace: String) async throws -> RecordToken? {
        do { return KubeRecordDriver.resourceVersion(try await client.request(.GET, path(name, version, namespace))) }
        catch let e as KubeAPIError where e.reason == .notFound { return nil }
    }

    public func history(_ name: String, namespace: String, headersOnly: Bool) async throws -> [Release] {
        if let found = try await byName(name, namespace: namespace, headerOnly: headersOnly) { return found }
        return try await query(namespace: namespace, name: name)
    }

    public func query(namespace: String?, name: String?) async throws -> [Release] {
        if let name, let ns = namespace, let found = try await byName(name, namespace: ns) { return found }
        var out: [Release] = []
        let selector = "owner=helm" + (name.map { ",name=\($0)" } ?? "")
        try await pages(path(storageNamespace ?? namespace), selector: selector, metadataOnly: false) { items in
            for item in items {
                if kind == .secret, case .map(let s) = item, s.entries["type"]?.stringValue != "helm.sh/release.v1" { continue }
                if let r = try? KubeRecordDriver.release(from: item, kind: kind) { out.append(r) }
            }
        }
        return out
    }

    /// Pages through a label-selected list (500 a page), handing each page's items on.
    func pages(_ path: String, selector: String, metadataOnly: Bool, _ each: ([Value]) async throws -> Void) async throws {
        var cont = ""
        repeat {
            var q: [(String, String)] = [("labelSelector", selector), ("limit", "500")]
            if !cont.isEmpty { q.append(("continue", cont)) }
            let accept = metadataOnly ? "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json" : nil
            let list = try await client.request(.GET, path, query: q, accept: accept)
            guard case .map(let lm) = list else { break }
            if case .list(let items)? = lm.entries["items"] { try await each(items.items) }
            cont = ""
            if case .map(let md)? = lm.entries["metadata"], let c = md.entries["continue"]?.stringValue { cont = c }
        } while !cont.isEmpty
    }
}
