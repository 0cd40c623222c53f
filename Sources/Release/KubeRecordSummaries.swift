import Values
import Kube

extension KubeRecordDriver {
    static let metadataAccept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"

    /// Reads the records' labels only (no record data crosses the wire), then fetches each
    /// release's newest record, several at once. A list of 1,000 releases × 3 revisions reads
    /// 1,000 records instead of 3,000. The labels come from the API server's watch cache: a list
    /// from etcd, paged or not, makes the server read every record whole (all 3,000) to hand out
    /// their labels.
    public func summaries(namespace: String?, headersOnly: Bool) async throws -> [ReleaseSummary] {
        struct Seen { var namespace: String; var name: String; var statuses: [(version: Int, status: Release.Status)] = [] }
        var seen: [String: Seen] = [:]
        let base = path(storageNamespace ?? namespace)
        func note(_ items: [Value]) {
            for item in items {
                guard case .map(let m) = item, case .map(let md)? = m.entries["metadata"], case .map(let labels)? = md.entries["labels"],
                      let name = labels.entries["name"]?.stringValue, let v = labels.entries["version"]?.stringValue.flatMap({ Int($0) }),
                      let ns = md.entries["namespace"]?.stringValue,
                      md.entries["name"]?.stringValue == RecordKey.make(name, v) else { continue }
                let status = Release.Status(rawValue: labels.entries["status"]?.stringValue ?? "") ?? .unknown
                seen[ns + "/" + name, default: Seen(namespace: ns, name: name)].statuses.append((v, status))
            }
        }
        // From the watch cache as it is (resourceVersion=0): 1.28's cache cannot be asked for
        // "as new as etcd" (it answers 504 until a record changes), and may lag a write by
        // moments; each newest record is then read from etcd, so what is printed is current.
        let list = try await client.request(.GET, base, query: [("labelSelector", "owner=helm"), ("resourceVersion", "0")],
                                            accept: KubeRecordDriver.metadataAccept)
        if case .map(let lm) = list, case .list(let items)? = lm.entries["items"] { note(items.items) }
        let at: [(String, String)] = []
        let wanted = seen.values.map { s in (s, s.statuses.map(\.version).max() ?? 0) }
        let fetched = try await KubeRecordDriver.concurrently(wanted, limit: 16) { job -> ReleaseSummary? in
            let (s, v) = job
            do {
                let body = try await client.requestBytes(path(s.namespace) + "/" + RecordKey.make(s.name, v), query: at)
                guard let r = try? KubeRecordDriver.release(fromBody: body, kind: kind, headerOnly: headersOnly) else { return nil }
                return ReleaseSummary(latest: r, statuses: s.statuses.sorted { $0.version < $1.version })
            } catch let e as KubeAPIError where e.reason == .notFound {
                return nil  // deleted since the list
            }
        }
        return fetched.compactMap { $0 }
    }

    /// One release's records without a label-selected list of whole objects, which the API
    /// server answers by reading every record of the namespace from etcd: the revisions come
    /// from the labels in its watch cache (`resourceVersion=0`, metadata only), each record by
    /// name (read from etcd). The cache may lag a write by moments; since revisions are only
    /// ever added at the top, a record above the newest listed that exists, or a listed one
    /// that does not, shows a lag, and the caller lists consistently instead (nil).
    func byName(_ name: String, namespace: String, headerOnly: Bool = false) async throws -> [Release]? {
        let ns = place(namespace)
        let q: [(String, String)] = [("labelSelector", "owner=helm,name=\(name)"), ("resourceVersion", "0")]
        let list = try await client.request(.GET, path(ns), query: q,
                                            accept: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json")
        var versions: [Int] = []
        if case .map(let lm) = list, case .list(let items)? = lm.entries["items"] {
            for item in items.items {
                guard case .map(let m) = item, case .map(let md)? = m.entries["metadata"], case .map(let labels)? = md.entries["labels"],
                      labels.entries["name"]?.stringValue == name, let v = labels.entries["version"]?.stringValue.flatMap({ Int($0) }),
                      md.entries["name"]?.stringValue == RecordKey.make(name, v) else { continue }
                versions.append(v)
            }
        }
        let probe = (versions.max() ?? 0) + 1
        let kind = self.kind, client = self.client, base = path(ns)
        let fetched = try await KubeRecordDriver.concurrently(versions + [probe], limit: 16) { v -> (Int, [UInt8]?) in
            do { return (v, try await client.requestBytes(base + "/" + RecordKey.make(name, v))) }
            catch let e as KubeAPIError where e.reason == .notFound { return (v, nil) }
        }
        var out: [Release] = []
        for (v, body) in fetched {
            if v == probe { if body != nil { return nil }; continue }
            guard let body else { return nil }
            if let r = try? KubeRecordDriver.release(fromBody: body, kind: kind, headerOnly: headerOnly) { out.append(r) }
        }
        return out
    }

    /// `body` over every element, at most `limit` at a time; results in no particular order.
    static func concurrently<T: Sendable, R: Sendable>(_ xs: [T], limit: Int, _ body: @escaping @Sendable (T) async throws -> R) async throws -> [R] {
        try await withThrowingTaskGroup(of: R.self) { group in
            var out: [R] = []
            out.reserveCapacity(xs.count)
            var next = 0
            while next < min(limit, xs.count) { let x = xs[next]; group.addTask { try await body(x) }; next += 1 }
            while let r = try await group.next() {
                out.append(r)
                if next < xs.count { let x = xs[next]; group.addTask { try await body(x) }; next += 1 }
            }
            return out
        }
    }
}
