import Values
import GoFmt

/// client-go's util/jsonpath as helm's `show values --jsonpath` runs it over a chart's values:
/// `{.a.b}`, `{.a[0]}`, `[a:b:step]`, `[*]`, unions `[0,2]`, `['key']`, `..`, `*`, filters
/// `[?(@.k == "v")]`, `{range …}…{end}` and quoted text (`{"\n"}`). The values are Go's: every
/// number a float64 (the chart's YAML read as JSON), so `{.n}` of 12345678 prints 1.2345678e+07
/// and a filter comparing it with the integer literal 100 fails (helm then prints nothing).
struct JSONPath {
    indirect enum Node {
        case text(String)
        case list([Node])
        case field(String)
        case wildcard
        case recursive
        case array(Slice)
        case union([[Node]])
        case filter(left: [Node], right: [Node], op: String)
        case int(Int)
        case float(Double)
        case bool(Bool)
        case identifier(String)
    }

    /// `[start:end:step]` as client-go keeps it (`derived`: `[n]` means `[n:n+1]`).
    struct Slice {
        var start: Int?, end: Int?, step: Int?
        var derivedEnd = false
    }

    struct ParseError: Error, CustomStringConvertible { let description: String }
    /// Evaluation failed: client-go returns an error, which helm's show drops (nothing printed).
    struct EvalError: Error {}

    let root: [Node]

    init(_ text: String) throws { var parser = JSONPathParser(text); root = try parser.parse() }

    /// What helm prints: every result group, its items space-separated; maps and lists as JSON.
    /// nil when the evaluation fails.
    func execute(_ data: Value) -> String? {
        guard let groups = try? results(Self.goValues(data), root) else { return nil }
        var out = ""
        for group in groups {
            for (i, v) in group.enumerated() {
                if i > 0 { out += " " }
                guard let text = try? Self.text(v) else { return nil }
                out += text
            }
        }
        return out
    }

    /// client-go's FindResults, with `{range}…{end}` read as a block.
    private func results(_ data: Value, _ nodes: [Node]) throws -> [[Value]] {
        var out: [[Value]] = []
        var i = 0
        while i < nodes.count {
            let node = nodes[i]
            if Self.isRange(node), case .list(let inner) = node {
                let end = Self.matchingEnd(nodes, after: i)
                let body = Array(nodes[(i + 1)..<end])
                let items = try walk([data], .list(Array(inner.dropFirst())))
                if items.isEmpty {
                    _ = try results(.null, body)
                } else {
                    for item in items { out += try results(item, body) }
                }
                i = end + 1
                continue
            }
            if Self.isEnd(node) { throw EvalError() }  // "not in range, nothing to end"
            out.append(try walk([data], node))
            i += 1
        }
        return out
    }

    private static func isEnd(_ node: Node) -> Bool {
        if case .list(let inner) = node, inner.count == 1, case .identifier("end") = inner[0] { return true }
        return false
    }

    private static func isRange(_ node: Node) -> Bool {
        if case .list(let inner) = node, case .identifier("range")? = inner.first { return true }
        return false
    }

    /// The `{end}` closing the range at `start` (nested ranges counted); the end of the
    /// template when there is none.
    private static func matchingEnd(_ nodes: [Node], after start: Int) -> Int {
        var depth = 0
        for j in (start + 1)..<max(start + 1, nodes.count) {
            if isRange(nodes[j]) { depth += 1 }
            if isEnd(nodes[j]) { if depth == 0 { return j }; depth -= 1 }
        }
        return nodes.count
    }

    private func walk(_ input: [Value], _ node: Node) throws -> [Value] {
        switch node {
        case .text(let s): return [.string(GoString(s))]
        case .list(let nodes):
            var cur = input
            for n in nodes { cur = try walk(cur, n) }
            return cur
        case .field(let name):
            var out: [Value] = []
            for v in input { if case .map(let m) = v, let found = m.entries[name] { out.append(found) } }
            if out.isEmpty { throw EvalError() }  // "NAME is not found"
            return out
        case .wildcard:
            return input.flatMap(Self.children)
        case .recursive:
            return input.flatMap(Self.descendants)
        case .array(let slice):
            var out: [Value] = []
            for v in input {
                if case .null = v { continue }
                guard case .list(let l) = v else { throw EvalError() }
                out += try Self.slice(l.items, slice)
            }
            return out
        case .union(let lists):
            return try lists.flatMap { try walk(input, .list($0)) }
        case .filter(let left, let right, let op):
            return try filter(input, left: left, right: right, op: op)
        case .int(let n): return input.map { _ in .int(Int64(n)) }
        case .float(let d): return input.map { _ in .float(d) }
        case .bool(let b): return input.map { _ in .bool(b) }
        case .identifier(let name):
            if name == "range" { return input }
            throw EvalError()
        }
    }

    private static func children(_ v: Value) -> [Value] {
        switch v {
        case .map(let m): return m.sortedKeys.map { m.entries[$0]! }
        case .list(let l): return l.items
        case .string(let s): return s.bytes.map { .uint(UInt64($0), .uint8) }
        default: return []
        }
    }

    private static func descendants(_ v: Value) -> [Value] {
        let kids = children(v)
        if kids.isEmpty { return [] }
        return [v] + kids.flatMap(descendants)
    }

    private static func slice(_ items: [Value], _ s: Slice) throws -> [Value] {
        let n = items.count
        var start = s.start ?? 0, end = s.end ?? n
        if start < 0 { start += n }
        if end < 0 || (end == 0 && s.derivedEnd) { end += n }
        if end == start { return [] }
        guard start >= 0, start < n, end >= 0, end <= n, start <= end else { throw EvalError() }
        let step = s.step ?? 1
        guard step > 0 else { throw EvalError() }
        return stride(from: start, to: end, by: step).map { items[$0] }
    }

    private func filter(_ input: [Value], left: [Node], right: [Node], op: String) throws -> [Value] {
        var out: [Value] = []
        for v in input {
            guard case .list(let l) = v else { throw EvalError() }
            for item in l.items {
                let lefts = try? walk([item], .list(left))
                if op == "exists" { if let lefts, !lefts.isEmpty { out.append(item) }; continue }
                guard let lefts else { throw EvalError() }
                if lefts.isEmpty { continue }
                guard lefts.count == 1 else { throw EvalError() }
                let rights = try walk([item], .list(right))
                if rights.isEmpty { continue }
                guard rights.count == 1 else { throw EvalError() }
                if try Self.compare(lefts[0], rights[0], op) { out.append(item) }
            }
        }
        return out
    }

    /// text/template's eq/lt/… as client-go's fork has them: both sides of one basic kind
    /// (int and uint mix), else an error.
    private static func compare(_ a: Value, _ b: Value, _ op: String) throws -> Bool {
        enum Ordered { case int(Int64), uint(UInt64), float(Double), string(String), bool(Bool) }
        func basic(_ v: Value) throws -> Ordered {
            switch v {
            case .int(let i, _): return .int(i)
            case .uint(let u, _): return .uint(u)
            case .float(let d, _): return .float(d)
            case .string(let s): return .string(s.string)
            case .bool(let b): return .bool(b)
            default: throw EvalError()
            }
        }
        func order(_ x: Ordered, _ y: Ordered) throws -> (less: Bool, equal: Bool) {
            switch (x, y) {
            case (.int(let p), .int(let q)): return (p < q, p == q)
            case (.uint(let p), .uint(let q)): return (p < q, p == q)
            case (.int(let p), .uint(let q)): return (p < 0 || UInt64(p) < q, p >= 0 && UInt64(p) == q)
            case (.uint(let p), .int(let q)): return (q >= 0 && p < UInt64(q), q >= 0 && p == UInt64(q))
            case (.float(let p), .float(let q)): return (p < q, p == q)
            case (.string(let p), .string(let q)): return (Array(p.utf8).lexicographicallyPrecedes(Array(q.utf8)), p == q)
            case (.bool(let p), .bool(let q)):
                if op == "==" || op == "!=" { return (false, p == q) }
                throw EvalError()
            default: throw EvalError()
            }
        }
        let (less, equal) = try order(try basic(a), try basic(b))
        switch op {
        case "==": return equal
        case "!=": return !equal
        case "<": return less
        case "<=": return less || equal
        case ">": return !less && !equal
        case ">=": return !less
        default: throw EvalError()  // "unrecognized filter operator"
        }
    }

    /// A result as client-go prints it: maps and lists as JSON, the rest as fmt's %v.
    private static func text(_ v: Value) throws -> String {
        switch v {
        case .map, .list: return try JSONEncoding.encode(v)
        case .null: return "null"
        default: return GoFmt.print(v).string
        }
    }

    /// The values as Go holds them after sigs.k8s.io/yaml: every number a float64.
    static func goValues(_ v: Value) -> Value {
        switch v {
        case .int(let i, _): return .float(Double(i))
        case .uint(let u, _): return .float(Double(u))
        case .float(let d, _): return .float(d)
        case .list(let l): return .list(Values.List(l.items.map(goValues)))
        case .map(let m):
            var entries: [String: Value] = [:]
            for (k, x) in m.entries { entries[k] = goValues(x) }
            return .map(Map(entries))
        default: return v
        }
    }
}
