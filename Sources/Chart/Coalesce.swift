import Values
import Semver

/// Helm's chartutil value coalescing: user values over chart defaults, `null` deleting a
/// key, maps merged and everything else replaced, `global` flowing into every subchart.
public enum Coalesce {
    /// Deep copy of maps and lists (maps are shared references).
    public static func copy(_ v: Value) -> Value {
        switch v {
        case .map(let m):
            var e: [String: Value] = [:]
            e.reserveCapacity(m.entries.count)
            for (k, x) in m.entries { e[k] = copy(x) }
            return .map(Map(e, elem: m.elem, name: m.name))
        case .list(let l): return .list(List(l.items.map(copy), elem: l.elem, name: l.name))
        default: return v
        }
    }

    public static func copyMap(_ m: Map) -> Map {
        guard case .map(let c) = copy(.map(m)) else { return Map([:]) }
        return c
    }

    /// CoalesceValues: the chart's values, with `user` layered on top, for the chart and
    /// every subchart.
    public static func values(_ chart: Chart, _ user: Map) -> Map {
        let dest = copyMap(user)
        let out = coalesce(chart, dest, merge: false)
        dropNulls(out)
        return out
    }

    /// Keys whose value ends up null are absent from the values templates see.
    static func dropNulls(_ m: Map) {
        for (k, v) in m.entries {
            switch v {
            case .null: m.entries[k] = nil
            case .map(let sub): dropNulls(sub)
            default: break
            }
        }
    }

    static func coalesce(_ chart: Chart, _ dest: Map, merge: Bool) -> Map {
        coalesceValues(chart, dest, merge: merge)
        coalesceDeps(chart, dest, merge: merge)
        return dest
    }

    /// A chart's own `null` defaults never enter the coalesced values (Helm v4.3, helm#31919):
    /// only a user's `null` deletes a key, so a parent chart's default `key: null` for a
    /// subchart leaves the subchart's default in place (Helm's issue-9027 chart).
    static func coalesceValues(_ chart: Chart, _ v: Map, merge: Bool) {
        let defaults = copyMap(chart.values)
        dropNulls(defaults)
        for (key, val) in defaults.entries {
            if let value = v.entries[key] {
                if case .null = value, !merge {
                    v.entries[key] = nil
                } else if case .map(let dst) = value {
                    // A subchart's table keeps the user's nulls until the subchart's own
                    // defaults are coalesced, where they delete keys.
                    let keepNulls = merge || chart.dependencies.contains { $0.name == key }
                    if case .map(let src) = val { coalesceTables(dst, src, merge: keepNulls) }
                }
            } else {
                v.entries[key] = val
            }
        }
    }

    /// coalesceTablesFullKey: fills `dst` from `src` where `dst` has no key.
    @discardableResult
    static func coalesceTables(_ dst: Map, _ src: Map, merge: Bool) -> Map {
        for (key, val) in src.entries {
            let dv = dst.entries[key]
            if let dv, case .null = dv, !merge {
                dst.entries[key] = nil
            } else if dv == nil {
                dst.entries[key] = val
            } else if case .map(let sv) = val, case .map(let dm)? = dv {
                coalesceTables(dm, sv, merge: merge)
            }
        }
        return dst
    }

    static func coalesceDeps(_ chart: Chart, _ dest: Map, merge: Bool) {
        for sub in chart.dependencies {
            let name = sub.name
            if dest.entries[name] == nil { dest.entries[name] = .map([:]) }
            guard case .map(let dv)? = dest.entries[name] else { continue }
            coalesceGlobals(dv, dest)
            dest.entries[name] = .map(coalesce(sub, dv, merge: merge))
        }
    }

    static func coalesceGlobals(_ dest: Map, _ src: Map) {
        var dg: Map
        if let g = dest.entries["global"] {
            guard case .map(let m) = g else { return }
            dg = m
        } else {
            dg = Map([:])
        }
        var sg = Map([:])
        if let g = src.entries["global"] {
            guard case .map(let m) = g else { return }
            sg = m
        }
        for (key, val) in sg.entries {
            if case .map(let vm) = val {
                let vv = copyMap(vm)
                if let destv = dg.entries[key] {
                    if case .map(let destm) = destv {
                        coalesceTables(vv, destm, merge: true)
                        dg.entries[key] = .map(vv)
                    }
                } else {
                    dg.entries[key] = .map(vv)
                }
            } else if case .map? = dg.entries[key] {
                continue
            } else {
                dg.entries[key] = val
            }
        }
        dest.entries["global"] = .map(dg)
        _ = dg
        dg = Map([:])
    }

    /// Values.PathValue: "a.b.c" into nested maps.
    public static func pathValue(_ m: Map, _ path: String) -> Value? {
        var cur: Value = .map(m)
        for part in path.split(separator: ".") {
            guard case .map(let mm) = cur, let next = mm.entries[String(part)] else { return nil }
            cur = next
        }
        return cur
    }
}

/// Dependency processing before rendering: aliases, `condition`, `tags`, and charts listed in
/// Chart.yaml but missing from charts/.
public enum Dependencies {
    /// CheckDependencies: every Chart.yaml dependency must be present.
    public static func check(_ chart: Chart) throws {
        if let problem = missing(chart) {
            throw ChartError("an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: \(problem)")
        }
    }

    /// helm's words for dependencies Chart.yaml names and charts/ lacks (nil when none is missing).
    public static func missing(_ chart: Chart) -> String? {
        let missing = chart.metadata.dependencies.filter { d in !chart.dependencies.contains(where: { $0.name == d.name }) }.map(\.name)
        return missing.isEmpty ? nil : "found in Chart.yaml, but missing in charts/ directory: \(missing.joined(separator: ", "))"
    }

    static func compatible(_ range: String, _ version: String) -> Bool {
        guard let c = try? Constraints(range), let v = try? Version(version) else { return false }
        return c.check(v)
    }

    /// processDependencyEnabled, recursively: applies aliases and drops disabled subcharts.
    public static func process(_ chart: Chart, _ user: Map, path: String = "") {
        guard !chart.metadata.dependencies.isEmpty else {
            for sub in chart.dependencies { process(sub, user, path: path + sub.name + ".") }
            return
        }
        var deps: [Chart] = []
        outer: for existing in chart.dependencies {
            for req in chart.metadata.dependencies where existing.name == req.name && compatible(req.version, existing.metadata.version) {
                continue outer
            }
            deps.append(existing)
        }
        var reqs = chart.metadata.dependencies
        for i in reqs.indices {
            if let c = chart.dependencies.first(where: { $0.name == reqs[i].name && compatible(reqs[i].version, $0.metadata.version) }) {
                let copy = c.copyTree()
                if !reqs[i].alias.isEmpty { copy.metadata.name = reqs[i].alias }
                deps.append(copy)
            }
            if !reqs[i].alias.isEmpty { reqs[i].name = reqs[i].alias }
            reqs[i].enabled = true
        }
        chart.dependencies = []
        for d in deps { chart.addDependency(d) }
        let cvals = Coalesce.values(chart, relevant(user, path: path))
        // tags
        if case .map(let tags)? = cvals.entries["tags"] {
            for i in reqs.indices {
                var hasTrue = false, hasFalse = false
                for t in reqs[i].tags {
                    if case .bool(let b)? = tags.entries[t] { if b { hasTrue = true } else { hasFalse = true } }
                }
                if !hasTrue && hasFalse { reqs[i].enabled = false } else { reqs[i].enabled = true }
            }
        }
        // conditions
        for i in reqs.indices {
            for cond in reqs[i].condition.split(separator: ",") {
                let c = cond.trimmingSpaces
                if c.isEmpty { continue }
                if case .bool(let b)? = Coalesce.pathValue(cvals, path + c) {
                    reqs[i].enabled = b
                    break
                }
            }
        }
        let removed = Set(reqs.filter { !$0.enabled }.map(\.name))
        let kept = chart.dependencies.filter { !removed.contains($0.name) }
        chart.metadata.dependencies = reqs.filter { $0.enabled }
        chart.dependencies = []
        for d in kept { chart.addDependency(d) }
        for sub in kept { process(sub, cvals, path: path + sub.name + ".") }
    }

    /// Helm coalesces each subchart's defaults over the whole tree of values its parent
    /// coalesced, which copies that tree once per subchart: quadratic for an umbrella of many
    /// subcharts. Coalescing works key by key, and below the root only three top-level keys
    /// are ever read: `tags`, `global` (it flows into every subchart) and the first
    /// component of `path` (where every condition lookup starts), so the rest is left out.
    /// The values read are the same as Helm's.
    static func relevant(_ values: Map, path: String) -> Map {
        guard let first = path.split(separator: ".").first else { return values }
        var kept: [String: Value] = [:]
        for key in ["tags", "global", String(first)] { if let v = values.entries[key] { kept[key] = v } }
        return Map(kept, elem: values.elem, name: values.name)
    }

    /// processDependencyImportValues: children first, then each `import-values` entry copies a
    /// child's table (or its `exports.NAME`) into the parent's defaults, below the parent's own.
    public static func importValues(_ chart: Chart) {
        for d in chart.dependencies { importValues(d) }
        guard !chart.metadata.dependencies.isEmpty else { return }
        let cvals = Coalesce.coalesce(chart, Coalesce.copyMap(Map([:])), merge: true)
        let imported = Map([:])
        for r in chart.metadata.dependencies {
            for iv in r.importValues {
                switch iv {
                case .map(let m):
                    guard let child = m.entries["child"]?.stringValue, let parent = m.entries["parent"]?.stringValue else { continue }
                    guard case .map(let table)? = Coalesce.pathValue(cvals, r.name + "." + child) else { continue }
                    Coalesce.coalesceTables(imported, pathToMap(parent, Coalesce.copyMap(table)), merge: true)
                case .string(let name):
                    guard case .map(let table)? = Coalesce.pathValue(cvals, r.name + ".exports." + name.string) else { continue }
                    Coalesce.coalesceTables(imported, Coalesce.copyMap(table), merge: true)
                default:
                    continue
                }
            }
        }
        chart.values = Coalesce.coalesceTables(Coalesce.copyMap(cvals), imported, merge: true)
    }

    static func pathToMap(_ path: String, _ data: Map) -> Map {
        if path == "." { return data }
        var cur = data
        for part in path.split(separator: ".").reversed() { cur = Map([String(part): .map(cur)]) }
        return cur
    }
}
