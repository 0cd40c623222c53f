import Values

/// Which revisions of which releases exist and their statuses, as a watch of the records'
/// labels (metadata only, `owner=helm`) sees them, plus what this process wrote itself. With
/// it a history is read by name, one GET per revision, instead of a label-selected list: on
/// the API server such a list reads every Secret of the namespace (a thousand releases' records)
/// to pick out one release's.
public actor RecordIndex {
    struct Entry: Sendable { var status: String; var resourceVersion: Int }
    /// "namespace/name" → version → entry.
    var releases: [String: [Int: Entry]] = [:]
    public private(set) var synced = false

    public init() {}

    static func key(_ name: String, _ namespace: String) -> String { namespace + "/" + name }

    /// The revisions of a release, oldest first; nil until the first list is in.
    public func versions(_ name: String, namespace: String) -> [Int]? {
        guard synced else { return nil }
        return (releases[RecordIndex.key(name, namespace)] ?? [:]).keys.sorted()
    }

    /// The newest revision and its status ("3:deployed"), or "" when none.
    public func latest(_ name: String, namespace: String) -> String? {
        guard synced else { return nil }
        guard let (v, e) = releases[RecordIndex.key(name, namespace)]?.max(by: { $0.key < $1.key }) else { return "" }
        return "\(v):\(e.status)"
    }

    static func parse(_ metadata: Map) -> (key: String, version: Int, entry: Entry)? {
        guard case .map(let labels)? = metadata.entries["labels"], labels.entries["owner"]?.stringValue == "helm",
              let name = labels.entries["name"]?.stringValue, let v = labels.entries["version"]?.stringValue.flatMap({ Int($0) }),
              let ns = metadata.entries["namespace"]?.stringValue else { return nil }
        let rv = metadata.entries["resourceVersion"]?.stringValue.flatMap { Int($0) } ?? 0
        return (key(name, ns), v, Entry(status: labels.entries["status"]?.stringValue ?? "", resourceVersion: rv))
    }

    /// A record as a watch or a write reports it (its Secret's metadata); older news is ignored.
    public func note(secret metadata: Map, deleted: Bool = false) {
        guard let (k, v, e) = RecordIndex.parse(metadata) else { return }
        if let old = releases[k]?[v], old.resourceVersion > e.resourceVersion, e.resourceVersion != 0 { return }
        if deleted {
            releases[k]?[v] = nil
            if releases[k]?.isEmpty == true { releases[k] = nil }
        } else {
            releases[k, default: [:]][v] = e
        }
    }

    /// A record this process wrote.
    public func note(name: String, namespace: String, version: Int, status: String, resourceVersion: Int) {
        let k = RecordIndex.key(name, namespace)
        if let old = releases[k]?[version], old.resourceVersion > resourceVersion, resourceVersion != 0 { return }
        releases[k, default: [:]][version] = Entry(status: status, resourceVersion: resourceVersion)
    }

    public func forget(_ name: String, version: Int, namespace: String) {
        releases[RecordIndex.key(name, namespace)]?[version] = nil
    }

    /// A (re)list: its pages replace what was known once the last is in, except news newer than
    /// the snapshot. A record this process wrote while the list was being served (or before the
    /// watch that follows it caught up) is missing from the pages or older there; dropping it
    /// would make a history read by name miss a revision, or see it in its earlier status.
    public func listed(_ page: [Map], last: Bool) {
        for md in page {
            guard let (k, v, e) = RecordIndex.parse(md) else { continue }
            listing[k, default: [:]][v] = e
            listedUpTo = max(listedUpTo, e.resourceVersion)
        }
        guard last else { return }
        for (k, known) in releases {
            for (v, e) in known where e.resourceVersion > listedUpTo {
                listing[k, default: [:]][v] = e
            }
        }
        releases = listing
        listing = [:]
        listedUpTo = 0
        synced = true
    }
    var listing: [String: [Int: Entry]] = [:]
    /// The newest resourceVersion among the pages so far: entries known beyond it are newer news.
    var listedUpTo = 0
}
