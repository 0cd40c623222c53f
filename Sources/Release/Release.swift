import Values

/// A release revision as Helm stores it (Helm's `release.Release` with its JSON field names), so
/// Helm reads hrctl's records and hrctl reads Helm's. The chart is kept as the stored JSON: a
/// record written by Helm round-trips without loss.
public struct Release: Sendable {
    public enum Status: String, Sendable, CaseIterable {
        case unknown, deployed, uninstalled, superseded, failed, uninstalling
        case pendingInstall = "pending-install", pendingUpgrade = "pending-upgrade", pendingRollback = "pending-rollback"

        public var isPending: Bool { self == .pendingInstall || self == .pendingUpgrade || self == .pendingRollback }
    }

    public struct Info: Sendable {
        public var firstDeployed: String
        public var lastDeployed: String
        public var deleted: String
        public var description: String
        public var status: Status
        public var notes: String
        /// The revision a rollback restored (helm 4's `rollback_revision`).
        public var rollbackRevision: Int?
        /// Fields of the stored info this model does not name, kept for the round trip.
        public var extra: [String: Value] = [:]

        public init(firstDeployed: String, lastDeployed: String, deleted: String = "", description: String, status: Status, notes: String = "") {
            self.firstDeployed = firstDeployed; self.lastDeployed = lastDeployed; self.deleted = deleted
            self.description = description; self.status = status; self.notes = notes
        }
    }

    public var name: String
    public var namespace: String
    public var version: Int
    public var info: Info
    /// Helm's chart JSON: metadata, lock, templates, values, schema, files.
    public var chart: Map
    /// The values the user gave (not the chart's defaults).
    public var config: Map
    public var manifest: String
    /// Helm's hook records (name, kind, path, manifest, events, last_run, weight, delete_policies).
    public var hooks: [Value]
    /// Helm v4 records how resources were applied ("ssa" or "csa").
    public var applyMethod: String
    /// Fields of the stored JSON that this model does not name, kept for the round trip.
    public var extra: [String: Value] = [:]
    /// Helm's `Labels`: not in the JSON, kept by the driver beside the record (see `ReleaseLabels`).
    public var labels: [String: String] = [:]
    /// Read without its chart's contents, values, manifest and hooks (a listing's read,
    /// `ReleaseCodec.decodeHeader`): never written back.
    public internal(set) var isPartial = false

    public init(name: String, namespace: String, version: Int, info: Info, chart: Map, config: Map, manifest: String,
                hooks: [Value] = [], applyMethod: String = "ssa") {
        self.name = name; self.namespace = namespace; self.version = version; self.info = info
        self.chart = chart; self.config = config; self.manifest = manifest; self.hooks = hooks; self.applyMethod = applyMethod
    }

    var chartMetadata: Map? { if case .map(let m)? = chart.entries["metadata"] { return m } else { return nil } }
    public var chartName: String { chartMetadata?.entries["name"]?.stringValue ?? "" }
    public var chartVersion: String { chartMetadata?.entries["version"]?.stringValue ?? "" }
    public var appVersion: String { chartMetadata?.entries["appVersion"]?.stringValue ?? "" }
    /// "rabbitmq-6.18.2", as `helm list` shows the chart.
    public var chartLabel: String { chartName + "-" + chartVersion }
}

/// A stored record that cannot be read, naming the Secret.
public struct ReleaseDecodeError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Release {
    /// The JSON Helm writes (Go struct order aside, which JSON readers ignore).
    public func json() -> Value {
        var info: [String: Value] = [
            "first_deployed": .string(self.info.firstDeployed), "last_deployed": .string(self.info.lastDeployed),
            "description": .string(self.info.description), "status": .string(self.info.status.rawValue),
        ]
        if !self.info.deleted.isEmpty { info["deleted"] = .string(self.info.deleted) }
        if !self.info.notes.isEmpty { info["notes"] = .string(self.info.notes) }
        if let rb = self.info.rollbackRevision { info["rollback_revision"] = .int(Int64(rb)) }
        for (k, v) in self.info.extra where info[k] == nil { info[k] = v }
        var e = extra
        e["name"] = .string(name)
        e["info"] = .map(Map(info))
        e["chart"] = .map(chart)
        e["config"] = config.entries.isEmpty ? .map([:]) : .map(config)
        e["manifest"] = .string(manifest)
        if !hooks.isEmpty { e["hooks"] = .list(hooks) }
        e["version"] = .int(Int64(version))
        e["namespace"] = .string(namespace)
        if !applyMethod.isEmpty { e["apply_method"] = .string(applyMethod) }
        return .map(Map(e))
    }

    public init(json v: Value) throws {
        guard case .map(let m) = v else { throw ReleaseDecodeError("the release record is not a JSON object") }
        func str(_ x: Map?, _ k: String) -> String { x?.entries[k]?.stringValue ?? "" }
        guard case .map(let info)? = m.entries["info"] else { throw ReleaseDecodeError("the release record has no info") }
        let statusText = str(info, "status")
        name = str(m, "name")
        namespace = str(m, "namespace")
        switch m.entries["version"] {
        case .float(let f, _)?: version = Int(f)
        case .int(let i, _)?: version = Int(i)
        default: throw ReleaseDecodeError("the release record has no version")
        }
        self.info = Info(firstDeployed: str(info, "first_deployed"), lastDeployed: str(info, "last_deployed"), deleted: str(info, "deleted"),
                         description: str(info, "description"), status: Status(rawValue: statusText) ?? .unknown, notes: str(info, "notes"))
        switch info.entries["rollback_revision"] {
        case .float(let f, _)?: self.info.rollbackRevision = Int(f)
        case .int(let i, _)?: self.info.rollbackRevision = Int(i)
        default: break
        }
        for (k, x) in info.entries where !["first_deployed", "last_deployed", "deleted", "description", "status", "notes", "rollback_revision"].contains(k) {
            self.info.extra[k] = x
        }
        if case .map(let c)? = m.entries["chart"] { chart = c } else { chart = Map([:]) }
        if case .map(let c)? = m.entries["config"] { config = c } else { config = Map([:]) }
        manifest = str(m, "manifest")
        if case .list(let h)? = m.entries["hooks"] { hooks = h.items } else { hooks = [] }
        applyMethod = str(m, "apply_method")
        for (k, x) in m.entries where !["name", "namespace", "version", "info", "chart", "config", "manifest", "hooks", "apply_method"].contains(k) {
            extra[k] = x
        }
    }
}
