import GoFmt
import Values

/// The part of kube-apiserver's validation of workloads that clients meet first: a pod template
/// whose labels do not match the selector, and a template without containers.
extension APIServerCore {
    static let workloads: Set<String> = ["deployments", "statefulsets", "daemonsets", "replicasets"]

    func validateWorkload(_ r: ResourceType, _ body: Map, name: String) throws {
        guard APIServerCore.workloads.contains(r.name), r.builtin, case .map(let spec)? = body.entries["spec"] else { return }
        var causes: [(field: String, reason: String, message: String)] = []
        var templateLabels: [String: String] = [:]
        var containers: [Value] = []
        if case .map(let tpl)? = spec.entries["template"] {
            if case .map(let md)? = tpl.entries["metadata"], case .map(let l)? = md.entries["labels"] {
                for (k, v) in l.entries { templateLabels[k] = v.stringValue ?? "" }
            }
            if case .map(let ps)? = tpl.entries["spec"], case .list(let cs)? = ps.entries["containers"] { containers = cs.items }
        }
        if case .map(let sel)? = spec.entries["selector"], case .map(let ml)? = sel.entries["matchLabels"] {
            let matches = ml.entries.allSatisfy { templateLabels[$0.key] == ($0.value.stringValue ?? "") }
            if !matches {
                let shown = "map[string]string{" + templateLabels.keys.sorted().map { "\(GoQuote.quote($0)):\(GoQuote.quote(templateLabels[$0]!))" }.joined(separator: ", ") + "}"
                causes.append(("spec.template.metadata.labels", "FieldValueInvalid", "Invalid value: \(shown): `selector` does not match template `labels`"))
            }
        }
        if containers.isEmpty { causes.append(("spec.template.spec.containers", "FieldValueRequired", "Required value")) }
        guard !causes.isEmpty else { return }
        let parts = causes.map { "\($0.field): \($0.message)" }
        throw APIError.invalid(r, name, causes: causes, summary: parts.count == 1 ? parts[0] : "[" + parts.joined(separator: ", ") + "]")
    }

}
