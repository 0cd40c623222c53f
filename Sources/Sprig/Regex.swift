import Values
import GoRegexp
import GoFmt

/// Sprig's regex functions on Go's regexp semantics (RE2, see GoRegexp). The `must` forms
/// return Compile's error; of the others, regexMatch answers false for a bad pattern and the
/// rest panic in regexp.MustCompile, which the template executor reports as an error.
enum RegexFunctions {
    static func compile(_ pattern: String) throws -> Regexp {
        do { return try Regexp(pattern) } catch { throw FunctionError(error.description) }
    }

    /// regexp.MustCompile's panic text.
    static func mustCompile(_ pattern: String) throws -> Regexp {
        do { return try Regexp(pattern) } catch {
            throw FunctionError("regexp: Compile(\(quote(pattern))): \(error.description)")
        }
    }

    /// Go's regexp quote: backquoted when it can be, else strconv.Quote.
    static func quote(_ s: String) -> String {
        let canBackquote = !s.unicodeScalars.contains { c in
            c == "`" || c == "\u{FEFF}" || (c.value < 0x20 && c != "\t") || c.value == 0x7F
        }
        return canBackquote ? "`" + s + "`" : GoQuote.quote(s)
    }

    static func bytes(_ a: [Value?], _ i: Int) -> [UInt8] {
        if case .string(let s)? = a[i] { return s.bytes }
        return []
    }

    /// A match count past the list limit is never built: one more than the limit is enough to
    /// refuse it.
    static func bounded(_ n: Int) -> Int {
        let max = RenderLimits.current.maxListItems
        return n < 0 || n > max ? (n == 0 ? 0 : max + 1) : n
    }

    static func list(_ items: [[UInt8]]) -> Value { .list(items.map { .string(bytes: $0) }, of: .string) }

    static func register(_ t: inout FunctionTable) {
        t.add("regexMatch", [.s, .s]) { a in
            guard let r = try? Regexp(a.str(0)) else { return .bool(false) }
            return .bool(r.matches(bytes(a, 1)))
        }
        t.add("mustRegexMatch", [.s, .s]) { a in .bool(try compile(a.str(0)).matches(bytes(a, 1))) }
        for must in [false, true] {
            let p = must ? "mustR" : "r"
            let get: @Sendable (String) throws -> Regexp = must ? compile : mustCompile
            t.add(p + "egexFindAll", [.s, .s, .i]) { a in
                let r = try get(a.str(0)), s = bytes(a, 1)
                // A pattern that matches the empty text matches at least once per rune.
                if s.count >= RenderLimits.current.maxListItems, a.int(2) < 0 || a.int(2) > RenderLimits.current.maxListItems, r.matches([]) {
                    try RenderLimits.current.checkList(s.reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }, "list of matches")
                }
                let matches = r.allMatches(s, bounded(a.int(2)))
                try RenderLimits.current.checkList(matches.count)
                // Go's FindAll answers nil when nothing matches.
                if matches.isEmpty { return .nilList(of: .string) }
                return list(matches.map { Array(s[$0[0]..<$0[1]]) })
            }
            t.add(p + "egexFind", [.s, .s]) { a in
                let s = bytes(a, 1)
                guard let m = try get(a.str(0)).firstMatch(s) else { return .string("") }
                return .string(bytes: s[m])
            }
            t.add(p + "egexReplaceAll", [.s, .s, .s]) { a in
                let max = RenderLimits.current.maxStringBytes
                guard let out = try get(a.str(0)).replaceAll(bytes(a, 1), template: bytes(a, 2), maxBytes: max) else {
                    try RenderLimits.current.checkString(max + 1, "result of more than \(max)")
                    return nil
                }
                return .string(bytes: out)
            }
            t.add(p + "egexReplaceAllLiteral", [.s, .s, .s]) { a in
                let max = RenderLimits.current.maxStringBytes
                guard let out = try get(a.str(0)).replaceAllLiteral(bytes(a, 1), with: bytes(a, 2), maxBytes: max) else {
                    try RenderLimits.current.checkString(max + 1, "result of more than \(max)")
                    return nil
                }
                return .string(bytes: out)
            }
            t.add(p + "egexSplit", [.s, .s, .i]) { a in
                // Go's Split answers nil for n == 0 (and [] when a pattern splits "" to nothing).
                if a.int(2) == 0 { _ = try get(a.str(0)); return .nilList(of: .string) }
                let pieces = try get(a.str(0)).split(bytes(a, 1), bounded(a.int(2)))
                try RenderLimits.current.checkList(pieces.count)
                return list(pieces)
            }
        }
        t.add("regexQuoteMeta", [.s]) { a in .string(bytes: Regexp.quoteMeta(bytes(a, 0))) }
    }
}
