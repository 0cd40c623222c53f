import Values

/// Whether a live object already holds everything an apply would set, so that applying again
/// (the same configuration as the deployed revision's) cannot change it: the drift check's
/// cheap path, which spares the server a dry-run apply per object.
///
/// It only ever answers "covered" when every field of the applied object is in the live one
/// with an equal value; anything it cannot judge (a quantity the server rewrote, an empty list
/// the server dropped, a list that grew) counts as not covered, and the caller asks the
/// server with a dry-run apply as before. Fields the live object has beyond the applied ones
/// (defaults, status, other managers' fields) are kept by an apply, so they do not matter.
/// The other way an apply changes an object, removing fields this manager owned before and no
/// longer sets, cannot happen here: the deployed revision applied this very configuration.
enum LiveCoverage {
    static func covers(_ live: Value, _ applied: Resource) -> Bool {
        guard case .map(let l) = live else { return false }
        var wanted = applied.object
        if applied.kind == "Secret", applied.apiVersion == "v1", let merged = secretWithStringData(applied.object) { wanted = merged }
        return covers(l, wanted)
    }

    static func covers(_ live: Map, _ applied: Map) -> Bool {
        for (k, v) in applied.entries {
            guard let l = live.entries[k] else {
                // An apply of null sets nothing (it unsets a field of this manager, and none is
                // owned beyond the configuration).
                if case .null = v { continue }
                return false
            }
            if !covers(l, v) { return false }
        }
        return true
    }

    static func covers(_ live: Value, _ applied: Value) -> Bool {
        switch (live, applied) {
        case (.map(let l), .map(let a)): return covers(l, a)
        case (.list(let l), .list(let a)):
            // Same length and order: a list the server lengthened or reordered is not judged here.
            let li = l.items, ai = a.items
            return li.count == ai.count && zip(li, ai).allSatisfy { covers($0, $1) }
        case (.string(let l), .string(let a)): return l == a
        case (.bool(let l), .bool(let a)): return l == a
        case (.null, .null): return true
        default:
            if let l = number(live), let a = number(applied) { return l == a }
            return false
        }
    }

    static func number(_ v: Value) -> Double? {
        switch v {
        case .int(let i, _): return Double(i)
        case .uint(let u, _): return Double(u)
        case .float(let f, _): return f
        default: return nil
        }
    }

    /// A Secret as the server stores it: `stringData` is write-only, merged into `data` as base64
    /// (its keys winning) and never returned.
    static func secretWithStringData(_ secret: Map) -> Map? {
        guard case .map(let sd)? = secret.entries["stringData"] else { return nil }
        var entries = secret.entries
        var data: [String: Value] = [:]
        if case .map(let d)? = secret.entries["data"] { data = d.entries }
        for (k, v) in sd.entries {
            guard case .string(let s) = v else { return nil }
            data[k] = .string(Base64.encode(s.bytes))
        }
        entries["stringData"] = nil
        entries["data"] = .map(Map(data))
        return Map(entries)
    }
}
