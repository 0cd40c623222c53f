import Values
import GoFmt

enum DefaultFunctions {
    static func register(_ t: inout FunctionTable) {
        t.add("default", [.a], variadic: .a) { a in
            if a.count < 2 || Cast.isEmpty(a[1]) { return a.val(0) }
            return a.val(1)
        }
        t.add("empty", [.a]) { .bool(Cast.isEmpty($0[0])) }
        t.add("coalesce", [], variadic: .a) { a in a.first { !Cast.isEmpty($0) } ?? nil }
        t.add("all", [], variadic: .a) { .bool($0.allSatisfy { !Cast.isEmpty($0) }) }
        t.add("any", [], variadic: .a) { .bool($0.contains { !Cast.isEmpty($0) }) }
        t.add("ternary", [.a, .a, .b]) { $0.bool(2) ? $0.val(0) : $0.val(1) }
        t.add("fail", [.s]) { throw FunctionError($0.str(0)) }
        t.add("typeOf", [.a]) { .string(GoFmt.sprintf("%T", [$0.val(0)])) }
        t.add("typeIs", [.s, .a]) { .bool($0.str(0) == GoFmt.sprintf("%T", [$0.val(1)]).string) }
        t.add("typeIsLike", [.s, .a]) { a in
            let t = GoFmt.sprintf("%T", [a.val(1)]).string
            return .bool(a.str(0) == t || "*" + a.str(0) == t)
        }
        t.add("kindOf", [.a]) { .string(kind($0[0])) }
        t.add("kindIs", [.s, .a]) { .bool($0.str(0) == kind($0[1])) }
        t.add("deepEqual", [.a, .a]) { .bool(Cast.deepEqual($0[0], $0[1])) }
    }

    static func kind(_ v: Value?) -> String {
        guard let v, !v.isNull else { return "invalid" }
        return v.goType.kindName
    }
}
