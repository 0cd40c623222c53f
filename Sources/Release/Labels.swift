/// Helm's custom release labels (`helm install|upgrade --labels`): kept beside the record,
/// never in its JSON: as the Secret's or ConfigMap's own labels, next to the ones every driver
/// writes, and as `custom_labels_v1` rows in SQL. What a read hands back follows Helm's
/// drivers: a history or a list (Helm's Query and List) sees every label of the object, the
/// system ones included; a read of one revision (Helm's Get) only the custom ones.
public enum ReleaseLabels {
    /// The labels the drivers write themselves, in Helm's order (its error message lists them so).
    public static let system = ["name", "owner", "status", "version", "createdAt", "modifiedAt"]

    public static func isSystem(_ key: String) -> Bool { system.contains(key) }

    /// Helm's filterSystemLabels.
    public static func custom(_ labels: [String: String]) -> [String: String] { labels.filter { !isSystem($0.key) } }

    /// Helm's mergeCustomLabels: the earlier revision's labels, the given ones over them, and a
    /// label given as "null" removed.
    public static func merge(_ current: [String: String], _ desired: [String: String]) -> [String: String] {
        current.merging(desired) { $1 }.filter { $0.value != "null" }
    }

    /// Refuses labels the drivers own, with Helm's message.
    public static func check(_ labels: [String: String]) throws {
        if labels.keys.contains(where: isSystem) { throw ReservedLabelsError() }
    }

    /// A record object's labels as Helm's Secrets and ConfigMaps drivers make them: the write's
    /// time stamp, the release's labels over it (so a stamp read with an earlier revision
    /// stays, as in Helm), and the four system labels over all.
    static func object(_ r: Release, created: Bool, now: Int64) -> [String: String] {
        var labels = [created ? "createdAt" : "modifiedAt": String(now)]
        for (k, v) in r.labels { labels[k] = v }
        labels["name"] = r.name
        labels["owner"] = "helm"
        labels["status"] = r.info.status.rawValue
        labels["version"] = String(r.version)
        return labels
    }
}

/// `--labels` naming a label the drivers own.
public struct ReservedLabelsError: Error, CustomStringConvertible, Sendable, Equatable {
    public init() {}
    public var description: String {
        "user supplied labels contains system reserved label name. System labels: [\(ReleaseLabels.system.joined(separator: " "))]"
    }
}
