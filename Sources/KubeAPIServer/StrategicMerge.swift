import Values

/// Strategic merge patch (`application/strategic-merge-patch+json`) as kube-apiserver applies it
/// to built-in kinds: maps merge, `null` deletes, and lists with a merge key (containers by
/// name, ports by containerPort, …) merge element by element; other lists are replaced. The
/// directives `$patch: delete|replace`, `$deleteFromPrimitiveList/F` and `$setElementOrder/F`
/// are understood.
enum StrategicMergePatch {
    /// Merge keys of the list fields of built-in kinds, by field name.
    static let mergeKeys: [String: String] = [
        "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "env": "name", "volumes": "name",
        "volumeMounts": "mountPath", "volumeDevices": "devicePath", "imagePullSecrets": "name", "hostAliases": "ip",
        "ports": "containerPort", "conditions": "type", "ownerReferences": "uid", "topologySpreadConstraints": "topologyKey",
    ]
    /// Lists of scalars merged as sets.
    static let mergedPrimitiveLists: Set<String> = ["finalizers"]

    static func apply(_ patch: Value, to target: Value, field: String = "") -> Value {
        guard case .map(let p) = patch else { return patch }
        if p.entries["$patch"]?.stringValue == "replace" {
            let copy = Map(p.entries)
            copy.entries["$patch"] = nil
            return .map(copy)
        }
        let result: Map
        if case .map(let t) = target { result = t } else { result = Map([:]) }
        for (k, v) in p.entries {
            if k == "$patch" || k.hasPrefix("$setElementOrder/") || k == "$retainKeys" { continue }
            if k.hasPrefix("$deleteFromPrimitiveList/") {
                let f = String(k.dropFirst("$deleteFromPrimitiveList/".count))
                guard case .list(let del) = v, case .list(var cur)? = result.entries[f] else { continue }
                let drop = Set(del.items.compactMap { try? JSONEncoding.encode($0) })
                cur.items.removeAll { drop.contains((try? JSONEncoding.encode($0)) ?? "") }
                result.entries[f] = .list(cur)
                continue
            }
            if case .null = v { result.entries[k] = nil; continue }
            if case .list(let pl) = v {
                let current: [Value]
                if case .list(let cl)? = result.entries[k] { current = cl.items } else { current = [] }
                if let key = mergeKey(k, pl.items + current) {
                    result.entries[k] = .list(List(mergeList(current, pl.items, key: key, field: k)))
                } else if mergedPrimitiveLists.contains(k) {
                    var items = current
                    let have = Set(current.compactMap { try? JSONEncoding.encode($0) })
                    for x in pl.items where !have.contains((try? JSONEncoding.encode(x)) ?? "") { items.append(x) }
                    result.entries[k] = .list(List(items))
                } else {
                    result.entries[k] = v
                }
                continue
            }
            result.entries[k] = apply(v, to: result.entries[k] ?? .null, field: k)
        }
        return .map(result)
    }

    /// The merge key of a list field; service ports merge by `port`, container ports by `containerPort`.
    static func mergeKey(_ field: String, _ items: [Value]) -> String? {
        guard var key = mergeKeys[field] else { return nil }
        if field == "ports", items.contains(where: { if case .map(let m) = $0 { return m.entries["containerPort"] == nil && m.entries["port"] != nil }; return false }) {
            key = "port"
        }
        return items.allSatisfy({ if case .map = $0 { return true }; return false }) ? key : nil
    }

    static func mergeList(_ current: [Value], _ patch: [Value], key: String, field: String) -> [Value] {
        func id(_ v: Value) -> String? {
            guard case .map(let m) = v, let k = m.entries[key] else { return nil }
            return try? JSONEncoding.encode(k)
        }
        var out = current
        for p in patch {
            guard case .map(let pm) = p, let pid = id(p) else { out.append(p); continue }
            let index = out.firstIndex { id($0) == pid }
            if pm.entries["$patch"]?.stringValue == "delete" {
                if let index { out.remove(at: index) }
                continue
            }
            if let index { out[index] = apply(p, to: out[index], field: field) } else { out.append(apply(p, to: .map(Map([:])), field: field)) }
        }
        return out
    }
}
