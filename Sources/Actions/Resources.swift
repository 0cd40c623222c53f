import Values
import YAML
import Engine

/// One Kubernetes object of a release's manifest.
public struct Resource: Sendable {
    public var object: Map
    /// The template it was rendered from ("chart/templates/x.yaml").
    public var source: String
    public var apiVersion: String { object.entries["apiVersion"]?.stringValue ?? "" }
    public var kind: String { object.entries["kind"]?.stringValue ?? "" }
    var metadata: Map {
        if case .map(let m)? = object.entries["metadata"] { return m }
        let m = Map([:]); object.entries["metadata"] = .map(m); return m
    }
    public var name: String { metadata.entries["name"]?.stringValue ?? "" }
    public var namespace: String? { metadata.entries["namespace"]?.stringValue }
    public var annotations: [String: String] {
        if case .map(let a)? = metadata.entries["annotations"] { return a.entries.compactMapValues(\.stringValue) }
        return [:]
    }
    /// "Deployment/web", as messages name objects.
    public var label: String { "\(kind)/\(name)" }
    /// A key that identifies the object within a cluster (namespace filled in later).
    public func key(defaultNamespace: String) -> String { "\(apiVersion)|\(kind)|\(namespace ?? defaultNamespace)|\(name)" }

    func setLabel(_ k: String, _ v: String) {
        let l: Map
        if case .map(let m)? = metadata.entries["labels"] { l = m } else { l = Map([:]); metadata.entries["labels"] = .map(l) }
        l.entries[k] = .string(v)
    }

    func setAnnotation(_ k: String, _ v: String) {
        let a: Map
        if case .map(let m)? = metadata.entries["annotations"] { a = m } else { a = Map([:]); metadata.entries["annotations"] = .map(a) }
        a.entries[k] = .string(v)
    }
}

/// A manifest as Helm stores it ("---\n# Source: …\n…" documents) read back into objects.
public enum ResourceList {
    public static func parse(_ manifest: String) throws -> [Resource] {
        var out: [Resource] = []
        for doc in Manifests.split(manifest) {
            var source = "manifest"
            if doc.hasPrefix("# Source: ") { source = String(doc.dropFirst(10).prefix { $0 != "\n" }) }
            let value: Value?
            do { value = try YAML.load(doc) } catch let e as YAMLError {
                throw ActionError.invalidManifest(source, "YAML parse error: \(e.message)")
            }
            guard case .map(let m)? = value else { continue }
            let r = Resource(object: m, source: source)
            guard !r.kind.isEmpty, !r.apiVersion.isEmpty else { throw ActionError.invalidManifest(source, "an object needs apiVersion and kind") }
            guard !r.name.isEmpty else { throw ActionError.invalidManifest(source, "\(r.kind) has no metadata.name") }
            out.append(r)
        }
        return out
    }

    /// Helm's release manifest text: each document headed by its source template.
    public static func manifestText(_ ms: [Manifest]) -> String {
        var s = ""
        for m in ms { s += "---\n# Source: \(m.name)\n\(m.content)\n" }
        return s
    }

    /// Uninstall order: the reverse of Helm's install order by kind.
    public static func uninstallOrder(_ rs: [Resource]) -> [Resource] {
        var order: [String: Int] = [:]
        for (i, k) in Manifests.installOrder.enumerated() { order[k] = i }
        return rs.enumerated().sorted { a, b in
            let oa = order[a.element.kind] ?? Manifests.installOrder.count, ob = order[b.element.kind] ?? Manifests.installOrder.count
            return oa != ob ? oa > ob : a.offset > b.offset
        }.map(\.element)
    }
}
