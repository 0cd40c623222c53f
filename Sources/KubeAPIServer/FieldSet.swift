import Values

/// The set of fields a manager owns, in the API server's `FieldsV1` shape: keys `f:NAME` for map
/// fields, `k:{JSON}` for items of associative lists (keyed by their merge keys), `.` for an
/// item itself. A node without children is a leaf: the manager owns that whole value.
struct FieldSet: Equatable {
    var children: [String: FieldSet] = [:]

    var isEmpty: Bool { children.isEmpty }

    /// The fields an applied object sets (apiVersion, kind, name and namespace are not owned).
    static func of(applied object: Map) -> FieldSet {
        var set = FieldSet()
        for (k, v) in object.entries where k != "apiVersion" && k != "kind" && k != "status" {
            if k == "metadata", case .map(let md) = v {
                var mset = FieldSet()
                for (mk, mv) in md.entries where !["name", "namespace", "resourceVersion", "uid", "creationTimestamp", "managedFields", "generation"].contains(mk) {
                    mset.children["f:" + mk] = of(value: mv, field: mk)
                }
                if !mset.isEmpty { set.children["f:metadata"] = mset }
                continue
            }
            set.children["f:" + k] = of(value: v, field: k)
        }
        return set
    }

    static func of(value: Value, field: String) -> FieldSet {
        switch value {
        case .map(let m) where !m.entries.isEmpty && !Schema.isAtomicMap(field):
            var set = FieldSet()
            for (k, v) in m.entries { set.children["f:" + k] = of(value: v, field: k) }
            return set
        case .list(let l):
            guard let keys = Schema.mergeKeys(field: field, items: l.items) else { return FieldSet() }
            var set = FieldSet()
            for item in l.items {
                guard case .map(let m) = item else { continue }
                var itemSet = of(value: item, field: "")
                if m.entries.isEmpty { itemSet = FieldSet() }
                itemSet.children["."] = FieldSet()
                set.children[Schema.keyString(m, keys)] = itemSet
            }
            return set
        default:
            return FieldSet()
        }
    }

    /// Every path of a leaf (or list item) in this set, as key sequences.
    func leaves(prefix: [String] = []) -> [[String]] {
        var out: [[String]] = []
        for (k, c) in children.sorted(by: { $0.key < $1.key }) {
            if k == "." { continue }
            if c.isEmpty || (c.children.count == 1 && c.children["."] != nil) { out.append(prefix + [k]) }
            if !c.isEmpty { out += c.leaves(prefix: prefix + [k]) }
        }
        return out
    }

    func contains(_ path: [String]) -> Bool {
        var node = self
        for k in path {
            guard let c = node.children[k] else { return false }
            node = c
        }
        return true
    }

    mutating func remove(_ path: [String]) {
        guard let first = path.first else { return }
        if path.count == 1 { children[first] = nil; return }
        guard var c = children[first] else { return }
        c.remove(Array(path.dropFirst()))
        children[first] = c.isEmpty ? nil : c
    }

    /// What this set has that `other` lacks (a leaf present in both is kept out).
    func subtracting(_ other: FieldSet) -> FieldSet {
        var out = FieldSet()
        for (k, c) in children {
            guard let o = other.children[k] else { out.children[k] = c; continue }
            if c.isEmpty { continue }
            let d = c.subtracting(o)
            if !d.isEmpty { out.children[k] = d }
        }
        return out
    }

    func union(_ other: FieldSet) -> FieldSet {
        var out = self
        for (k, c) in other.children { out.children[k] = (out.children[k] ?? FieldSet()).union(c) }
        return out
    }

    var value: Value { .map(Map(children.mapValues { $0.value })) }

    init() {}

    init(_ v: Value?) {
        if case .map(let m)? = v { for (k, c) in m.entries { children[k] = FieldSet(c) } }
    }

    /// `.spec.template.spec.containers[name="nginx"].image`, as conflict messages print paths.
    static func describe(_ path: [String]) -> String {
        var s = ""
        for k in path {
            if k.hasPrefix("f:") { s += "." + k.dropFirst(2) }
            else if k.hasPrefix("k:"), case .map(let m)? = try? JSON.decode(String(k.dropFirst(2))) {
                s += "[" + m.entries.sorted { $0.key < $1.key }.map { "\($0.key)=\((try? JSONEncoding.encode($0.value)) ?? "")" }.joined(separator: ",") + "]"
            }
        }
        return s
    }
}

/// What the server knows of object schemas for merging: which maps are atomic, which lists are
/// associative and by which keys (the `x-kubernetes-list-map-keys` of the built-in types).
enum Schema {
    static func isAtomicMap(_ field: String) -> Bool { field == "selector" }

    /// The `x-kubernetes-list-map-keys` of built-in list fields that are not keyed by `name`:
    /// a pod's volumeMounts are keyed by mountPath, so one volume mounted at two paths is two items.
    static let listMapKeys: [String: [String]] = [
        "volumeMounts": ["mountPath"], "volumeDevices": ["devicePath"], "hostAliases": ["ip"],
        "topologySpreadConstraints": ["topologyKey", "whenUnsatisfiable"], "ownerReferences": ["uid"],
    ]
    /// Built-in lists of objects the server replaces whole (`x-kubernetes-list-type: atomic`).
    static let atomicLists: Set<String> = ["tolerations", "envFrom", "volumeClaimTemplates", "accessModes", "args", "command"]

    static func mergeKeys(field: String, items: [Value]) -> [String]? {
        let maps = items.compactMap { v -> Map? in if case .map(let m) = v { return m } else { return nil } }
        guard !maps.isEmpty, maps.count == items.count else { return nil }
        func all(_ k: String) -> Bool { maps.allSatisfy { $0.entries[k] != nil } }
        if let keys = listMapKeys[field] { return keys.allSatisfy(all) ? keys : nil }
        if atomicLists.contains(field) { return nil }
        if field == "ports" && all("containerPort") { return ["containerPort", "protocol"] }
        if field == "ports" && all("port") { return ["port", "protocol"] }
        if field == "conditions" && all("type") { return ["type"] }
        if field == "imagePullSecrets" || field == "ownerReferences" { return all("name") ? ["name"] : (all("uid") ? ["uid"] : nil) }
        if all("name") { return ["name"] }
        return nil
    }

    /// `k:{"containerPort":80,"protocol":"TCP"}`: the item's keys, protocol defaulted as the server does.
    static func keyString(_ item: Map, _ keys: [String]) -> String {
        var e: [String: Value] = [:]
        for k in keys {
            if let v = item.entries[k] { e[k] = v } else if k == "protocol" { e[k] = .string("TCP") }
        }
        return "k:" + ((try? JSONEncoding.encode(.map(Map(e)))) ?? "{}")
    }

    /// Values the server fills in that merge keys depend on.
    static func applyDefaults(_ v: Value, field: String = "") {
        switch v {
        case .map(let m):
            for (k, x) in m.entries { applyDefaults(x, field: k) }
        case .list(let l):
            for item in l.items {
                if field == "ports", case .map(let m) = item, m.entries["protocol"] == nil,
                   m.entries["containerPort"] != nil || m.entries["port"] != nil {
                    m.entries["protocol"] = .string("TCP")
                }
                applyDefaults(item)
            }
        default: break
        }
    }
}
