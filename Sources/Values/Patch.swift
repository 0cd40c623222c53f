/// RFC 7386 JSON merge patch: maps merge, `null` deletes, everything else replaces.
public enum MergePatch {
    public static func apply(_ patch: Value, to target: Value) -> Value {
        guard case .map(let p) = patch else { return patch }
        let result: Map
        if case .map(let t) = target { result = t } else { result = Map([:]) }
        for (k, v) in p.entries {
            if case .null = v { result.entries[k] = nil; continue }
            result.entries[k] = apply(v, to: result.entries[k] ?? .null)
        }
        return .map(result)
    }
}

/// RFC 6902 JSON patch: add, remove, replace, move, copy, test. Used by the test API server and
/// by HelmRelease post-renderers.
public enum JSONPatch {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case invalidOperation(String)
        case missingPath(String)
        case testFailed(String)

        public var description: String {
            switch self {
            case .invalidOperation(let why): return why
            case .missingPath(let p): return "missing path \(p)"
            case .testFailed(let p): return "test failed at \(p)"
            }
        }
    }

    public static func pointer(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { JSONPointer.unescape($0) }
    }

    public static func apply(_ ops: [Value], to doc: Value) throws -> Value {
        var doc = doc
        for op in ops {
            guard case .map(let o) = op, let kind = o.entries["op"]?.stringValue, let path = o.entries["path"]?.stringValue else {
                throw Failure.invalidOperation("invalid JSON patch operation")
            }
            let p = pointer(path)
            switch kind {
            case "add": doc = try set(doc, p, o.entries["value"] ?? .null, insert: true)
            case "replace": _ = try get(doc, p); doc = try set(doc, p, o.entries["value"] ?? .null, insert: false)
            case "remove": doc = try remove(doc, p)
            case "move", "copy":
                guard let from = o.entries["from"]?.stringValue else { throw Failure.invalidOperation("\(kind) needs from") }
                let v = try get(doc, pointer(from))
                if kind == "move" { doc = try remove(doc, pointer(from)) }
                doc = try set(doc, p, v, insert: true)
            case "test":
                let v = try get(doc, p)
                if (try? JSONEncoding.encode(v)) != (try? JSONEncoding.encode(o.entries["value"] ?? .null)) { throw Failure.testFailed(path) }
            default: throw Failure.invalidOperation("unknown JSON patch operation \(kind)")
            }
        }
        return doc
    }

    static func missing(_ p: [String]) -> Failure { .missingPath("/" + p.joined(separator: "/")) }

    public static func get(_ doc: Value, _ p: [String]) throws -> Value {
        var cur = doc
        for k in p {
            switch cur {
            case .map(let m): guard let n = m.entries[k] else { throw missing(p) }; cur = n
            case .list(let l): guard let i = Int(k), i >= 0, i < l.items.count else { throw missing(p) }; cur = l.items[i]
            default: throw missing(p)
            }
        }
        return cur
    }

    static func set(_ doc: Value, _ p: [String], _ value: Value, insert: Bool) throws -> Value {
        guard let first = p.first else { return value }
        let rest = Array(p.dropFirst())
        switch doc {
        case .map(let m):
            if rest.isEmpty { m.entries[first] = value; return .map(m) }
            guard let child = m.entries[first] else { throw missing(p) }
            m.entries[first] = try set(child, rest, value, insert: insert)
            return .map(m)
        case .list(var l):
            let i = first == "-" ? l.items.count : (Int(first) ?? -1)
            guard i >= 0, i <= l.items.count else { throw missing(p) }
            if rest.isEmpty {
                if insert { l.items.insert(value, at: i) } else if i < l.items.count { l.items[i] = value } else { throw missing(p) }
            } else {
                guard i < l.items.count else { throw missing(p) }
                l.items[i] = try set(l.items[i], rest, value, insert: insert)
            }
            return .list(l)
        default:
            throw missing(p)
        }
    }

    static func remove(_ doc: Value, _ p: [String]) throws -> Value {
        guard let first = p.first else { return .null }
        let rest = Array(p.dropFirst())
        switch doc {
        case .map(let m):
            guard let child = m.entries[first] else { throw missing(p) }
            if rest.isEmpty { m.entries[first] = nil } else { m.entries[first] = try remove(child, rest) }
            return .map(m)
        case .list(var l):
            guard let i = Int(first), i >= 0, i < l.items.count else { throw missing(p) }
            if rest.isEmpty { l.items.remove(at: i) } else { l.items[i] = try remove(l.items[i], rest) }
            return .list(l)
        default:
            throw missing(p)
        }
    }
}
