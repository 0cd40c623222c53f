import CRE2

/// A compiled regular expression with Go's regexp semantics, run by RE2 (whose syntax and
/// linear-time matching Go's package follows). Texts are bytes, positions byte offsets, as in Go;
/// matching steps through runes, never grapheme clusters.
public final class Regexp: @unchecked Sendable {
    /// The source text, as Go's String() returns it.
    public let expr: String
    /// The number of parenthesized subexpressions (Go's NumSubexp).
    public let numSubexp: Int
    /// Names of the subexpressions, "" for unnamed ones; index 0 is the whole match (Go's SubexpNames).
    public let subexpNames: [String]
    let handle: OpaquePointer

    /// RE2's memory budget for one program: above it a pattern is "expression too large"
    /// (Go refuses such sizes too, at its own limit).
    static let maxMemory = 64 << 20

    /// Go's regexp.Compile.
    public init(_ pattern: String) throws(RegexpError) {
        expr = pattern
        let source = try Syntax.prepare(pattern)
        var code: Int32 = 0
        var arg: UnsafeMutablePointer<CChar>? = nil
        var argLen = 0
        let h: OpaquePointer? = source.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { c in
                hrctl_re2_compile(c.baseAddress, c.count, Regexp.maxMemory, &code, &arg, &argLen)
            }
        }
        guard let h else {
            var fragment = ""
            if let arg {
                fragment = String(decoding: UnsafeBufferPointer(start: UnsafeRawPointer(arg).assumingMemoryBound(to: UInt8.self), count: argLen), as: UTF8.self)
                hrctl_re2_free_text(arg)
            }
            throw RegexpError(code: RegexpError.Code(re2: Int(code)), expr: Syntax.originalFragment(pattern, fragment))
        }
        handle = h
        let n = Int(hrctl_re2_groups(h))
        numSubexp = n
        var names = [""]
        for i in stride(from: 1, through: n, by: 1) {
            names.append(hrctl_re2_group_name(h, Int32(i)).map { String(cString: $0) } ?? "")
        }
        subexpNames = names
    }

    deinit { hrctl_re2_free(handle) }

    /// The leftmost-first match in `s` searching from `pos` (text before `pos` is context), as
    /// Go's doExecute: `2 * groups` offsets, -1 for groups that did not take part; nil for none.
    func execute(_ s: UnsafeBufferPointer<UInt8>, at pos: Int, groups: Int) -> [Int]? {
        var spans = [Int](repeating: -1, count: 2 * groups)
        let found = spans.withUnsafeMutableBufferPointer { sp in
            s.withMemoryRebound(to: CChar.self) { c in
                hrctl_re2_match(handle, c.baseAddress, c.count, pos, sp.baseAddress, Int32(groups))
            }
        }
        return found == 1 ? spans : nil
    }

    /// Go's MatchString.
    public func matches(_ s: [UInt8]) -> Bool {
        s.withUnsafeBufferPointer { execute($0, at: 0, groups: 0) != nil }
    }

    /// Go's FindStringIndex: the first match's byte range.
    public func firstMatch(_ s: [UInt8]) -> Range<Int>? {
        s.withUnsafeBufferPointer { b in execute(b, at: 0, groups: 1).map { $0[0]..<$0[1] } }
    }

    /// Go's FindAllStringSubmatchIndex with n (< 0: all): successive non-overlapping matches,
    /// an empty match right after a previous match skipped, the search moving one rune on after
    /// an empty match.
    public func allMatches(_ s: [UInt8], _ n: Int, groups: Int = 1) -> [[Int]] {
        var out: [[Int]] = []
        let limit = n < 0 ? Int.max : n
        s.withUnsafeBufferPointer { b in
            var pos = 0, prevMatchEnd = -1
            let end = b.count
            while out.count < limit && pos <= end {
                guard let m = execute(b, at: pos, groups: groups) else { break }
                var accept = true
                if m[1] == pos {
                    if m[0] == prevMatchEnd { accept = false }
                    let width = pos < end ? Runes.width(b, pos) : 0
                    pos = width > 0 ? pos + width : end + 1
                } else {
                    pos = m[1]
                }
                prevMatchEnd = m[1]
                if accept { out.append(m) }
            }
        }
        return out
    }

    /// Go's ReplaceAllString: `$1`, `${name}` in `template` expanded per match. Nil when the
    /// result would pass `maxBytes`.
    public func replaceAll(_ src: [UInt8], template: [UInt8], maxBytes: Int = .max) -> [UInt8]? {
        // Without a `$`, expanding is copying.
        guard template.contains(UInt8(ascii: "$")) else { return replaceAllLiteral(src, with: template, maxBytes: maxBytes) }
        return replace(src, groups: numSubexp + 1, maxBytes: maxBytes) { out, m in expand(template, src, m, into: &out) }
    }

    /// Go's ReplaceAllLiteralString. Nil when the result would pass `maxBytes`.
    public func replaceAllLiteral(_ src: [UInt8], with repl: [UInt8], maxBytes: Int = .max) -> [UInt8]? {
        replace(src, groups: 1, maxBytes: maxBytes) { out, _ in out.append(contentsOf: repl) }
    }

    func replace(_ src: [UInt8], groups: Int, maxBytes: Int, _ repl: (inout [UInt8], [Int]) -> Void) -> [UInt8]? {
        var buf: [UInt8] = []
        var lastMatchEnd = 0, searchPos = 0
        let endPos = src.count
        var tooLarge = false
        src.withUnsafeBufferPointer { b in
            while searchPos <= endPos {
                guard let a = execute(b, at: searchPos, groups: groups) else { break }
                buf.append(contentsOf: b[lastMatchEnd..<a[0]])
                // No replacement for an empty match right after another match.
                if a[1] > lastMatchEnd || a[0] == 0 { repl(&buf, a) }
                if buf.count > maxBytes { tooLarge = true; return }
                lastMatchEnd = a[1]
                let width = searchPos < endPos ? Runes.width(b, searchPos) : 0
                if searchPos + width > a[1] {
                    searchPos += width
                } else if searchPos + 1 > a[1] {
                    searchPos += 1
                } else {
                    searchPos = a[1]
                }
            }
            buf.append(contentsOf: b[lastMatchEnd...])
        }
        return tooLarge || buf.count > maxBytes ? nil : buf
    }

    /// Go's Split: n > 0 at most n pieces, n == 0 none, n < 0 all.
    public func split(_ s: [UInt8], _ n: Int) -> [[UInt8]] {
        if n == 0 { return [] }
        if !expr.isEmpty && s.isEmpty { return [[]] }
        let matches = allMatches(s, n)
        var pieces: [[UInt8]] = []
        var beg = 0, end = 0
        for m in matches {
            if n > 0 && pieces.count == n - 1 { break }
            end = m[0]
            if m[1] != 0 { pieces.append(Array(s[beg..<end])) }
            beg = m[1]
        }
        if end != s.count { pieces.append(Array(s[beg...])) }
        return pieces
    }

    /// Go's QuoteMeta.
    public static func quoteMeta(_ s: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        for c in s {
            if c < 0x80, #"\.+*?()|[]{}^$"#.utf8.contains(c) { out.append(UInt8(ascii: "\\")) }
            out.append(c)
        }
        return out
    }
}
