import Values

/// Sprig's regex functions over Swift's regular expressions, which accept the RE2 syntax
/// charts use; Go's replacement templates ($1, ${name}) are expanded as Go expands them.
enum RegexFunctions {
    static func compile(_ pattern: String) throws -> Regex<AnyRegexOutput> {
        do {
            return try Regex(pattern)
        } catch {
            throw FunctionError("error parsing regexp: \(goRegexMessage(pattern)): `\(pattern)`")
        }
    }

    /// The most common of Go's parse messages, for the patterns that fail in both.
    static func goRegexMessage(_ p: String) -> String {
        if p.contains("[") && !p.contains("]") { return "missing closing ]" }
        if p.filter({ $0 == "(" }).count > p.filter({ $0 == ")" }).count { return "missing closing )" }
        if p.filter({ $0 == "(" }).count < p.filter({ $0 == ")" }).count { return "unexpected )" }
        return "invalid or unsupported Perl syntax"
    }

    static func register(_ t: inout FunctionTable) {
        t.add("regexMatch", [.s, .s]) { a in
            guard let r = try? compile(a.str(0)) else { return .bool(false) }
            return .bool(a.str(1).contains(r))
        }
        t.add("mustRegexMatch", [.s, .s]) { a in .bool(a.str(1).contains(try compile(a.str(0)))) }
        for must in [false, true] {
            let p = must ? "mustR" : "r"
            t.add(p + "egexFindAll", [.s, .s, .i]) { a in
                guard let r = try compileOr(a.str(0), must) else { return strList([]) }
                var out: [String] = []
                let n = a.int(2)
                for m in a.str(1).matches(of: r) {
                    if n >= 0 && out.count >= n { break }
                    out.append(String(a.str(1)[m.range]))
                }
                return strList(out)
            }
            t.add(p + "egexFind", [.s, .s]) { a in
                guard let r = try compileOr(a.str(0), must), let m = a.str(1).firstMatch(of: r) else { return .string("") }
                return .string(String(a.str(1)[m.range]))
            }
            t.add(p + "egexReplaceAll", [.s, .s, .s]) { a in
                guard let r = try compileOr(a.str(0), must) else { return .string(a.str(1)) }
                return .string(replace(a.str(1), r, template: a.str(2), literal: false))
            }
            t.add(p + "egexReplaceAllLiteral", [.s, .s, .s]) { a in
                guard let r = try compileOr(a.str(0), must) else { return .string(a.str(1)) }
                return .string(replace(a.str(1), r, template: a.str(2), literal: true))
            }
            t.add(p + "egexSplit", [.s, .s, .i]) { a in
                guard let r = try compileOr(a.str(0), must) else { return strList([]) }
                return strList(split(a.str(1), r, a.int(2)))
            }
        }
        t.add("regexQuoteMeta", [.s]) { a in
            var out = ""
            for c in a.str(0) {
                if "\\.+*?()|[]{}^$".contains(c) { out.append("\\") }
                out.append(c)
            }
            return .string(out)
        }
    }

    static func compileOr(_ p: String, _ must: Bool) throws -> Regex<AnyRegexOutput>? {
        if must { return try compile(p) }
        return try? compile(p)
    }

    static func replace(_ s: String, _ r: Regex<AnyRegexOutput>, template: String, literal: Bool) -> String {
        var out = ""
        var last = s.startIndex
        for m in s.matches(of: r) {
            out += s[last..<m.range.lowerBound]
            out += literal ? template : expand(template, m)
            last = m.range.upperBound
        }
        out += s[last...]
        return out
    }

    /// Go's Regexp.Expand: $1, ${1}, $name, ${name}, $$.
    static func expand(_ t: String, _ m: Regex<AnyRegexOutput>.Match) -> String {
        var out = ""
        let c = Array(t)
        var i = 0
        func group(_ name: String) -> String {
            if let n = Int(name) {
                guard n < m.output.count, let sub = m.output[n].substring else { return "" }
                return String(sub)
            }
            if let sub = m.output[name]?.substring { return String(sub) }
            return ""
        }
        while i < c.count {
            if c[i] != "$" || i + 1 >= c.count { out.append(c[i]); i += 1; continue }
            if c[i + 1] == "$" { out.append("$"); i += 2; continue }
            if c[i + 1] == "{" {
                if let close = c[(i + 2)...].firstIndex(of: "}") {
                    out += group(String(c[(i + 2)..<close]))
                    i = close + 1
                    continue
                }
                out.append(c[i]); i += 1; continue
            }
            var j = i + 1
            while j < c.count && (c[j].isLetter || c[j].isNumber || c[j] == "_") { j += 1 }
            if j == i + 1 { out.append(c[i]); i += 1; continue }
            out += group(String(c[(i + 1)..<j]))
            i = j
        }
        return out
    }

    static func split(_ s: String, _ r: Regex<AnyRegexOutput>, _ n: Int) -> [String] {
        if n == 0 { return [] }
        var out: [String] = []
        var last = s.startIndex
        for m in s.matches(of: r) {
            if n > 0 && out.count == n - 1 { break }
            if m.range.isEmpty && m.range.lowerBound == s.startIndex { continue }
            out.append(String(s[last..<m.range.lowerBound]))
            last = m.range.upperBound
        }
        out.append(String(s[last...]))
        return out
    }
}
