import Values

enum ListFunctions {
    /// The items of a list argument, or Sprig's error for anything else.
    static func items(_ v: Value?, _ what: String) throws -> [Value] {
        guard let v, !v.isNull else { throw RuntimeError.nilDereference }
        if case .list(let l) = v { return l.items }
        throw FunctionError("\(what) \(Cast.kindName(v))")
    }

    static func iface(_ items: [Value]) -> Value { .list(items, of: .interface) }

    static func register(_ t: inout FunctionTable) {
        t.add("list", [], variadic: .a) { .list($0.map { $0 ?? .null }) }
        t.add("tuple", [], variadic: .a) { .list($0.map { $0 ?? .null }) }
        t.addPair("append", [.a, .a]) { a in iface(try items(a[0], "Cannot push on type") + [a.val(1)]) }
        t.addPair("push", [.a, .a]) { a in iface(try items(a[0], "Cannot push on type") + [a.val(1)]) }
        t.addPair("prepend", [.a, .a]) { a in iface([a.val(1)] + (try items(a[0], "Cannot prepend on type"))) }
        t.addPair("first", [.a]) { a in try items(a[0], "Cannot find first on type").first }
        t.addPair("last", [.a]) { a in try items(a[0], "Cannot find last on type").last }
        t.addPair("rest", [.a]) { a in
            let l = try items(a[0], "Cannot find rest on type")
            return l.isEmpty ? .nilList() : iface(Array(l.dropFirst()))
        }
        t.addPair("initial", [.a]) { a in
            let l = try items(a[0], "Cannot find initial on type")
            return l.isEmpty ? .nilList() : iface(Array(l.dropLast()))
        }
        t.addPair("reverse", [.a]) { a in iface(try items(a[0], "Cannot find reverse on type").reversed()) }
        t.addPair("compact", [.a]) { a in iface(try items(a[0], "Cannot compact on type").filter { !Cast.isEmpty($0) }) }
        t.addPair("uniq", [.a]) { a in
            var out: [Value] = []
            for v in try items(a[0], "Cannot find uniq on type") where !out.contains(where: { Cast.deepEqual($0, v) }) {
                out.append(v)
            }
            return iface(out)
        }
        t.addPair("without", [.a], variadic: .a) { a in
            let omit = a.dropFirst().map { $0 ?? .null }
            return iface(try items(a[0], "Cannot find without on type").filter { v in !omit.contains { Cast.deepEqual($0, v) } })
        }
        t.addPair("has", [.a, .a]) { a in
            guard let h = a[1], !h.isNull else { return .bool(false) }
            let l = try items(h, "Cannot find has on type")
            return .bool(l.contains { Cast.deepEqual($0, a.val(0)) })
        }
        t.addPair("slice", [.a], variadic: .a) { a in
            guard let v = a[0], !v.isNull else { throw RuntimeError.nilDereference }
            guard case .list(var l) = v else { throw FunctionError("list should be type of slice or array but \(Cast.kindName(v))") }
            if l.items.isEmpty { return nil }
            let start = a.count > 1 ? Int(Cast.int64(a[1])) : 0
            let end = a.count > 2 ? Int(Cast.int64(a[2])) : l.items.count
            guard start >= 0, start <= end, end <= l.items.count else {
                throw FunctionError("reflect.Value.Slice: slice index out of bounds")
            }
            l.items = Array(l.items[start..<end])
            return .list(l)
        }
        t.add("concat", [], variadic: .a) { a in
            var out: [Value] = []
            for v in a {
                guard let v, case .list(let l) = v else {
                    throw FunctionError("Cannot concat type \(Cast.kindName(v)) as list")
                }
                out += l.items
            }
            // Sprig appends to a nil slice: nothing to append leaves it nil.
            return out.isEmpty ? .nilList() : iface(out)
        }
        t.addPair("chunk", [.i, .a]) { a in
            let size = a.int(0)
            let l = try items(a[1], "Cannot chunk type")
            // Sprig sizes its result with a float division: a size below 1 makes a bad length.
            guard size > 0 else { throw FunctionError("runtime error: makeslice: len out of range") }
            var out: [Value] = []
            var i = 0
            while i < l.count {
                out.append(iface(Array(l[i..<min(i + size, l.count)])))
                i += size
            }
            return .list(out, of: .slice(.interface))
        }
        t.add("until", [.i]) { a in
            let n = a.int(0)
            return intList(try untilStep(0, n, n < 0 ? -1 : 1))
        }
        t.add("untilStep", [.i, .i, .i]) { intList(try untilStep($0.int(0), $0.int(1), $0.int(2))) }
        t.add("seq", [], variadic: .i) { a in .string(try seq(a.indices.map { a.int($0) })) }
    }

    static func untilStep(_ start: Int, _ stop: Int, _ step: Int) throws -> [Int] {
        if step != 0 {
            let (span, o) = stop.subtractingReportingOverflow(start)
            let count = o ? -1 : span / step
            if count > 0 || o { try RenderLimits.current.checkList(o ? -1 : count) }
        }
        var v: [Int] = []
        if stop < start {
            if step >= 0 { return v }
            var i = start
            while i > stop { v.append(i); i += step }
            return v
        }
        if step <= 0 { return v }
        var i = start
        while i < stop { v.append(i); i += step }
        return v
    }

    static func seq(_ p: [Int]) throws -> String {
        let r: [Int]
        switch p.count {
        case 1:
            let inc = p[0] < 1 ? -1 : 1
            r = try untilStep(1, p[0] + inc, inc)
        case 2:
            let step = p[1] < p[0] ? -1 : 1
            r = try untilStep(p[0], p[1] + step, step)
        case 3:
            var inc = 1
            if p[2] < p[0] {
                inc = -1
                if p[1] > 0 { return "" }
            }
            r = try untilStep(p[0], p[2] + inc, p[1])
        default:
            return ""
        }
        return r.map(String.init).joined(separator: " ")
    }
}

enum DictFunctions {
    static func register(_ t: inout FunctionTable) {
        t.add("dict", [], variadic: .a) { a in
            var m: [String: Value] = [:]
            var i = 0
            while i < a.count {
                let key = Cast.string(a[i])
                m[key] = i + 1 < a.count ? a.val(i + 1) : .string("")
                i += 2
            }
            return .map(m)
        }
        t.add("get", [.dict, .s]) { a in a.map(0)?.entries[a.str(1)] ?? .string("") }
        t.add("set", [.dict, .s, .a]) { a in
            guard let m = a.map(0) else { throw RuntimeError.nilDereference }
            if m.isNil { throw FunctionError("assignment to entry in nil map") }
            let key = a.str(1), value = a.val(2)
            if m.entries[key]?.isIdentical(to: value) == true { return .map(m) }
            try m.willChange()
            m.entries[key] = value
            return .map(m)
        }
        t.add("unset", [.dict, .s]) { a in
            guard let m = a.map(0) else { throw RuntimeError.nilDereference }
            try m.willChange()
            m.entries[a.str(1)] = nil
            return .map(m)
        }
        t.add("hasKey", [.dict, .s]) { a in .bool(a.map(0)?.entries[a.str(1)] != nil) }
        t.add("pluck", [.s], variadic: .dict) { a in
            .list(a.dropFirst().compactMap { ($0.flatMap { v -> Map? in if case .map(let m) = v { return m }; return nil })?.entries[a.str(0)] })
        }
        t.add("keys", [], variadic: .dict) { a in
            var keys: [String] = []
            for v in a { if case .map(let m)? = v { keys += m.sortedKeys } }
            return strList(keys)
        }
        t.add("values", [.dict]) { a in
            guard let m = a.map(0) else { return .list([]) }
            return .list(m.sortedKeys.map { m.entries[$0]! })
        }
        t.add("pick", [.dict], variadic: .s) { a in
            var out: [String: Value] = [:]
            if let m = a.map(0) { for i in 1..<a.count { if let v = m.entries[a.str(i)] { out[a.str(i)] = v } } }
            return .map(out)
        }
        t.add("omit", [.dict], variadic: .s) { a in
            var out: [String: Value] = [:]
            let drop = Set((1..<a.count).map { a.str($0) })
            if let m = a.map(0) { for (k, v) in m.entries where !drop.contains(k) { out[k] = v } }
            return .map(out)
        }
        for (name, overwrite) in [("merge", false), ("mergeOverwrite", true)] {
            t.addPair(name, [.dict], variadic: .dict) { a in
                guard let dst = a.map(0) else { throw RuntimeError.nilDereference }
                for i in 1..<a.count { if let src = a.map(i) { try merge(dst, src, overwrite: overwrite) } }
                return .map(dst)
            }
        }
        t.add("dig", [], variadic: .a) { a in
            guard a.count >= 3 else { throw FunctionError("dig needs at least three arguments") }
            guard case .map(var m)? = a.last! else { throw FunctionError("interface conversion: interface {} is \(a.last!?.goType.description ?? "nil"), not map[string]interface {}") }
            let def = a.val(a.count - 2)
            let keys = a[0..<(a.count - 2)].map { Cast.string($0) }
            for (i, k) in keys.enumerated() {
                guard let step = m.entries[k] else { return def }
                if i == keys.count - 1 { return step }
                guard case .map(let next) = step else {
                    throw FunctionError("interface conversion: interface {} is \(step.isNull ? "nil" : step.goType.description), not map[string]interface {}")
                }
                m = next
            }
            return def
        }
        t.addPair("deepCopy", [.a]) { a in
            guard let v = a[0], !v.isNull else { throw FunctionError("copy: Called with nil") }
            return Cast.deepCopy(v)
        }
    }

    /// mergo.Merge (overwrite false) and mergo.MergeWithOverwrite over maps: nested maps merge,
    /// anything else fills an absent or empty destination, or replaces it when overwriting.
    static func merge(_ dst: Map, _ src: Map, overwrite: Bool) throws {
        for (k, sv) in src.entries {
            let dv = dst.entries[k]
            if dv?.isIdentical(to: sv) == true { continue }
            if case .null = sv {
                if overwrite { try dst.willChange(); dst.entries[k] = sv }
                continue
            }
            if case .map(let sm) = sv, case .map(let dm)? = dv {
                try merge(dm, sm, overwrite: overwrite)
                continue
            }
            if let dv, !Cast.isEmpty(dv), !overwrite { continue }
            try dst.willChange()
            dst.entries[k] = sv
        }
    }
}
