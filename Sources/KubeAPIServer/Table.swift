import Values

/// `kubectl get` asks for `application/json;as=Table;g=meta.k8s.io;v=v1`: rows of cells by the
/// CRD's additionalPrinterColumns (NAME first, as the real server prints them). Built-in kinds
/// answer with their objects, which kubectl prints itself.
extension APIServerCore {
    public func table(for req: APIRequest, answer: Value) -> Value? {
        lock.lock()
        defer { lock.unlock() }
        guard let t = try? parseTarget(req.path.split(separator: "/").map(String.init)), t.subresource == nil,
              let columns = printerColumns(t.resource) else { return nil }
        var items: [Value] = []
        if case .map(let m) = answer {
            if case .list(let l)? = m.entries["items"] { items = l.items } else { items = [answer] }
        }
        var defs: [Value] = [.map(["name": .string("Name"), "type": .string("string"), "format": .string("name"),
                                   "description": .string("Name must be unique within a namespace."), "priority": .float(0)])]
        for c in columns {
            defs.append(.map(["name": .string(c.name), "type": .string(c.type), "format": .string(""), "description": .string(c.description),
                              "priority": .float(Double(c.priority))]))
        }
        let rows: [Value] = items.map { obj in
            var cells: [Value] = [metadata(obj)?.entries["name"] ?? .string("")]
            for c in columns { cells.append(APIServerCore.jsonPath(c.path, obj) ?? .null) }
            var partial: [String: Value] = ["kind": .string("PartialObjectMetadata"), "apiVersion": .string("meta.k8s.io/v1")]
            if let md = metadata(obj) { partial["metadata"] = .map(md) }
            return .map(["cells": .list(cells), "object": .map(Map(partial))])
        }
        return .map(["kind": .string("Table"), "apiVersion": .string("meta.k8s.io/v1"),
                     "metadata": .map(["resourceVersion": .string(String(resourceVersion))]),
                     "columnDefinitions": .list(defs), "rows": .list(rows)])
    }

    struct PrinterColumn { var name, type, path, description: String; var priority: Int }

    /// The printer columns of a custom resource's version; nil for built-in kinds.
    func printerColumns(_ r: ResourceType) -> [PrinterColumn]? {
        guard let crd = objects["apiextensions.k8s.io/customresourcedefinitions"]?["/\(r.name).\(r.group)"],
              case .map(let m) = crd, case .map(let spec)? = m.entries["spec"], case .list(let vs)? = spec.entries["versions"] else { return nil }
        var out: [PrinterColumn] = []
        for v in vs.items {
            guard case .map(let vm) = v, vm.entries["name"]?.stringValue == r.version else { continue }
            if case .list(let cols)? = vm.entries["additionalPrinterColumns"] {
                for c in cols.items {
                    guard case .map(let cm) = c, let name = cm.entries["name"]?.stringValue, let path = cm.entries["jsonPath"]?.stringValue else { continue }
                    var priority = 0
                    if case .float(let p, _)? = cm.entries["priority"] { priority = Int(p) }
                    out.append(PrinterColumn(name: name, type: cm.entries["type"]?.stringValue ?? "string", path: path,
                                             description: cm.entries["description"]?.stringValue ?? "", priority: priority))
                }
            }
        }
        if out.isEmpty {
            out.append(PrinterColumn(name: "Age", type: "date", path: ".metadata.creationTimestamp", description: "", priority: 0))
        }
        return out
    }

    /// The JSONPath subset printer columns use: `.a.b`, `.a[0]`, `.a[?(@.k=="v")].b`.
    static func jsonPath(_ path: String, _ v: Value) -> Value? {
        var cur: [Value] = [v]
        var rest = Substring(path)
        while !rest.isEmpty {
            if rest.hasPrefix(".") {
                rest = rest.dropFirst()
                let name = rest.prefix { $0 != "." && $0 != "[" }
                rest = rest.dropFirst(name.count)
                cur = cur.compactMap { if case .map(let m) = $0 { return m.entries[String(name)] }; return nil }
            } else if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { return nil }
                let inner = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
                var next: [Value] = []
                for c in cur {
                    guard case .list(let l) = c else { continue }
                    if let i = Int(inner) { if i >= 0 && i < l.items.count { next.append(l.items[i]) }; continue }
                    // ?(@.key=="value")
                    guard inner.hasPrefix("?(@."), inner.hasSuffix(")") else { continue }
                    let cond = inner.dropFirst(4).dropLast()
                    let parts = cond.split(separator: "=", omittingEmptySubsequences: true)
                    guard parts.count == 2 else { continue }
                    let key = String(parts[0])
                    var want = String(parts[1])
                    want = want.trimmingCharacters(in: ["\"", "'"])
                    for item in l.items {
                        if case .map(let m) = item, m.entries[key]?.stringValue == want { next.append(item) }
                    }
                }
                cur = next
            } else {
                return nil
            }
        }
        return cur.first
    }
}

extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
