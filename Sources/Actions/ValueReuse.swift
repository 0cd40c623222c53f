import Values
import Chart
import Release

/// What `helm upgrade` does with the values of the revision it upgrades (helm's `reuseValues`).
public enum ValueReuse: Sendable, Equatable {
    /// No flag: the previous revision's values when none are given, else only the given ones.
    case unlessGiven
    /// --reset-values: only the given values over the new chart's defaults.
    case reset
    /// --reuse-values: the given values over the previous revision's, over the previous
    /// revision's chart defaults.
    case reuse
    /// --reset-then-reuse-values: the given values over the previous revision's, over the new
    /// chart's defaults.
    case resetThenReuse

    /// The values to record for an upgrade of `previous`; for `.reuse`, `chart`'s defaults are
    /// replaced by the ones `previous` was rendered with.
    func values(_ given: Map, chart: Chart, previous: Release) -> Map {
        switch self {
        case .reset: return given
        case .unlessGiven: return given.entries.isEmpty ? Coalesce.copyMap(previous.config) : given
        case .resetThenReuse: return ValueReuse.coalesceTables(given, previous.config)
        case .reuse:
            if case .map(let oldDefaults)? = previous.chart.entries["values"] {
                chart.values = ValueReuse.coalesceTables(Coalesce.copyMap(previous.config), oldDefaults)
            }
            return ValueReuse.coalesceTables(given, previous.config)
        }
    }

    /// Helm's chartutil.CoalesceTables: `dst` wins, `src` fills what `dst` lacks, maps merge,
    /// and a `null` in `dst` removes the key `src` has.
    static func coalesceTables(_ dst: Map, _ src: Map) -> Map {
        let out = Coalesce.copyMap(dst)
        for (k, v) in src.entries {
            if let mine = out.entries[k] {
                if case .null = mine { out.entries[k] = nil; continue }
                if case .map(let a) = mine, case .map(let b) = v { out.entries[k] = .map(coalesceTables(a, b)) }
            } else {
                out.entries[k] = Coalesce.copy(v)
            }
        }
        return out
    }
}
