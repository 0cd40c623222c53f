import Values
import YAML

/// Server-side apply (`application/apply-patch+yaml`): each field manager owns the fields it
/// applies; a field it stops applying is removed unless another manager owns it; applying a field
/// another manager owns with a different value is a conflict (409) unless `force=true`.
extension APIServerCore {
    struct ManagedEntry {
        var manager: String
        var operation: String
        var apiVersion: String
        var time: String
        var subresource: String?
        var fields: FieldSet

        init(_ v: Value) {
            let m: Map
            if case .map(let x) = v { m = x } else { m = Map([:]) }
            manager = m.entries["manager"]?.stringValue ?? ""
            operation = m.entries["operation"]?.stringValue ?? "Update"
            apiVersion = m.entries["apiVersion"]?.stringValue ?? ""
            time = m.entries["time"]?.stringValue ?? ""
            subresource = m.entries["subresource"]?.stringValue
            fields = FieldSet(m.entries["fieldsV1"])
        }

        init(manager: String, operation: String, apiVersion: String, time: String, fields: FieldSet) {
            self.manager = manager; self.operation = operation; self.apiVersion = apiVersion; self.time = time; self.fields = fields
        }

        var value: Value {
            var e: [String: Value] = ["manager": .string(manager), "operation": .string(operation), "apiVersion": .string(apiVersion),
                                      "time": .string(time), "fieldsType": .string("FieldsV1"), "fieldsV1": fields.value]
            if let subresource { e["subresource"] = .string(subresource) }
            return .map(Map(e))
        }
    }

    func decodeApplyBody(_ body: Value?) throws -> Map {
        switch body {
        case .map(let m)?: return m
        case .string(let text)?:
            do {
                guard case .map(let m)? = try YAML.load(text.string) else { throw APIError.badRequest("the apply patch is not an object") }
                return m
            } catch let e as YAMLError {
                throw APIError.badRequest("error decoding YAML: \(e.message)")
            }
        default: throw APIError.badRequest("the apply patch is not an object")
        }
    }

    func serverSideApply(_ t: Target, _ req: APIRequest) throws -> APIResponse {
        guard let manager = req.query["fieldManager"], !manager.isEmpty else {
            throw APIError(code: 422, reason: "Invalid", message: "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                           details: ["group": .string("meta.k8s.io"), "kind": .string("PatchOptions"),
                                     "causes": .list([.map(["reason": .string("FieldValueRequired"), "message": .string("Required value: is required for apply patch"), "field": .string("fieldManager")])])])
        }
        let force = req.query["force"] == "true"
        let applied = try decodeApplyBody(req.body.map(APIServerCore.copy))
        try checkKind(t.resource, applied)
        if let n = metadata(.map(applied))?.entries["name"]?.stringValue, n != t.name! {
            throw APIError.badRequest("the name of the object (\(n)) does not match the name on the URL (\(t.name!))")
        }
        // Owned are the fields the manager sent, not the defaults the server fills in.
        let appliedSet = FieldSet.of(applied: applied)
        Schema.applyDefaults(.map(applied))
        let mine = ManagedEntry(manager: manager, operation: "Apply", apiVersion: t.resource.groupVersion, time: now(), fields: appliedSet)

        guard case .map(let old)? = objects[key(t.resource)]?[objectKey(t.namespace, t.name!)] else {
            // Apply creates what does not exist.
            let md: Map
            if case .map(let m)? = applied.entries["metadata"] { md = m } else { md = Map([:]); applied.entries["metadata"] = .map(md) }
            md.entries["name"] = .string(t.name!)
            md.entries["managedFields"] = .list([mine.value])
            var create = req
            create.body = .map(applied)
            return try self.create(Target(resource: t.resource, namespace: t.namespace, name: nil, subresource: nil), create)
        }

        guard case .map(let live) = APIServerCore.copy(.map(old)), let liveMD = metadata(.map(live)) else { throw APIError.badRequest("bad object") }
        // A resourceVersion in the patch is a precondition on an existing object ("0" is none);
        // an absent object is created whatever it says.
        if let want = metadata(.map(applied))?.entries["resourceVersion"]?.stringValue, !want.isEmpty {
            guard let n = UInt64(want) else { throw APIError(code: 500, reason: "", message: "strconv.ParseUint: parsing \"\(want)\": invalid syntax") }
            if n != 0, want != liveMD.entries["resourceVersion"]?.stringValue { throw APIError.conflict(t.resource, t.name!) }
        }
        var entries: [ManagedEntry] = []
        if case .list(let l)? = liveMD.entries["managedFields"] { entries = l.items.map(ManagedEntry.init) }
        let myIndex = entries.firstIndex { $0.manager == manager && $0.operation == "Apply" && $0.subresource == nil }
        let previous = myIndex.map { entries[$0].fields } ?? FieldSet()

        // Conflicts: fields others own whose value this apply changes.
        var conflicts: [(manager: String, path: [String])] = []
        for path in appliedSet.leaves() {
            for (i, e) in entries.enumerated() where i != myIndex && e.fields.contains(path) {
                if !APIServerCore.sameValue(APIServerCore.value(at: path, in: .map(live)), APIServerCore.value(at: path, in: .map(applied))) {
                    conflicts.append((e.manager, path))
                }
            }
        }
        if !conflicts.isEmpty && !force { throw APIServerCore.applyConflict(conflicts) }
        for c in conflicts {
            for i in entries.indices where entries[i].manager == c.manager && i != myIndex { entries[i].fields.remove(c.path) }
        }

        // Fields this manager stopped applying and nobody else owns are removed.
        let others = entries.enumerated().filter { $0.offset != myIndex }.reduce(FieldSet()) { $0.union($1.element.fields) }
        let removed = previous.subtracting(appliedSet).subtracting(others)
        var result = APIServerCore.remove(removed, from: .map(live))
        result = APIServerCore.merge(live: result, applied: .map(applied), field: "")
        guard case .map(let new) = result, let newMD = metadata(result) else { throw APIError.badRequest("bad object") }
        Schema.applyDefaults(result)

        // Nothing changed: the apply is a no-op (the object and its resourceVersion stay).
        newMD.entries["managedFields"] = liveMD.entries["managedFields"]
        if previous == appliedSet && conflicts.isEmpty, (try? JSONEncoding.encode(.map(new))) == (try? JSONEncoding.encode(.map(old))) {
            return APIResponse(status: 200, body: APIServerCore.copy(.map(old)))
        }
        // A new manager's entry goes after the others, as the real server lists them.
        if let myIndex { entries[myIndex] = mine } else { entries.append(mine) }
        newMD.entries["managedFields"] = .list(entries.filter { !$0.fields.isEmpty }.map(\.value))

        if req.query["dryRun"] != nil {
            let saved = objects[key(t.resource)]?[objectKey(t.namespace, t.name!)]
            let savedRV = resourceVersion
            let out = try store(t, old: old, new: new)
            objects[key(t.resource), default: [:]][objectKey(t.namespace, t.name!)] = saved
            resourceVersion = savedRV
            return APIResponse(status: 200, body: out)
        }
        return APIResponse(status: 200, body: try store(t, old: old, new: new))
    }

    static func applyConflict(_ conflicts: [(manager: String, path: [String])]) -> APIError {
        var byManager: [(String, [String])] = []
        for c in conflicts {
            let p = FieldSet.describe(c.path)
            if let i = byManager.firstIndex(where: { $0.0 == c.manager }) { byManager[i].1.append(p) } else { byManager.append((c.manager, [p])) }
        }
        let n = conflicts.count
        let parts = byManager.map { m, paths in
            paths.count == 1 ? "conflict with \"\(m)\": \(paths[0])" : "conflicts with \"\(m)\":\n" + paths.map { "- " + $0 }.joined(separator: "\n")
        }
        let message = "Apply failed with \(n) conflict\(n == 1 ? "" : "s"): " + parts.joined(separator: "\n")
        let causes: [Value] = conflicts.map {
            .map(["reason": .string("FieldManagerConflict"), "message": .string("conflict with \"\($0.manager)\""), "field": .string(FieldSet.describe($0.path))])
        }
        return APIError(code: 409, reason: "Conflict", message: message, details: ["causes": .list(causes)])
    }

    static func sameValue(_ a: Value?, _ b: Value?) -> Bool {
        (a.flatMap { try? JSONEncoding.encode($0) }) == (b.flatMap { try? JSONEncoding.encode($0) })
    }

    static func keyFields(_ k: String) -> Map? {
        guard k.hasPrefix("k:"), case .map(let m)? = try? JSON.decode(String(k.dropFirst(2))) else { return nil }
        return m
    }

    static func itemIndex(_ items: [Value], key: String) -> Int? {
        guard let want = keyFields(key) else { return nil }
        return items.firstIndex { item in
            guard case .map(let m) = item else { return false }
            return Schema.keyString(m, Array(want.entries.keys)) == key || Schema.keyString(m, want.entries.keys.sorted()) == key
        }
    }

    static func value(at path: [String], in v: Value) -> Value? {
        var cur = v
        for k in path {
            if k.hasPrefix("f:"), case .map(let m) = cur, let x = m.entries[String(k.dropFirst(2))] { cur = x; continue }
            if k.hasPrefix("k:"), case .list(let l) = cur, let i = itemIndex(l.items, key: k) { cur = l.items[i]; continue }
            return nil
        }
        return cur
    }

    static func remove(_ set: FieldSet, from v: Value) -> Value {
        switch v {
        case .map(let m):
            for (k, node) in set.children where k.hasPrefix("f:") {
                let name = String(k.dropFirst(2))
                if node.isEmpty { m.entries[name] = nil } else if let x = m.entries[name] { m.entries[name] = remove(node, from: x) }
            }
            return v
        case .list(let l):
            var items = l.items
            for (k, node) in set.children where k.hasPrefix("k:") {
                guard let i = itemIndex(items, key: k) else { continue }
                if node.children["."] != nil { items.remove(at: i) } else { items[i] = remove(node, from: items[i]) }
            }
            return .list(items)
        default:
            return v
        }
    }

    static func merge(live: Value?, applied: Value, field: String) -> Value {
        switch (live, applied) {
        case (.map(let l)?, .map(let a)) where !Schema.isAtomicMap(field):
            for (k, v) in a.entries { l.entries[k] = merge(live: l.entries[k], applied: v, field: k) }
            return .map(l)
        case (.list(let l)?, .list(let a)):
            guard let keys = Schema.mergeKeys(field: field, items: a.items),
                  Schema.mergeKeys(field: field, items: l.items) != nil || l.items.isEmpty else { return applied }
            var items = l.items
            for item in a.items {
                guard case .map(let am) = item else { continue }
                let k = Schema.keyString(am, keys)
                if let i = itemIndex(items, key: k) { items[i] = merge(live: items[i], applied: item, field: "") } else { items.append(item) }
            }
            return .list(items)
        default:
            return applied
        }
    }
}
