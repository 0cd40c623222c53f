import Values
import GoFmt

enum StringFunctions {
    static func register(_ t: inout FunctionTable) {
        t.add("hello", []) { _ in .string("Hello!") }
        t.add("upper", [.s]) { .string(goUpper($0.str(0))) }
        t.add("lower", [.s]) { .string(goLower($0.str(0))) }
        t.add("title", [.s]) { .string(title($0.str(0))) }
        t.add("untitle", [.s]) { .string(untitle($0.str(0))) }
        t.add("trim", [.s]) { .string(trimSpace($0.str(0))) }
        t.add("trimAll", [.s, .s]) { .string(trim($0.str(1), cutset: $0.str(0))) }
        t.add("trimall", [.s, .s]) { .string(trim($0.str(1), cutset: $0.str(0))) }
        t.add("trimSuffix", [.s, .s]) { a in
            let s = a.gostr(1).bytes, x = a.gostr(0).bytes
            return !x.isEmpty && s.reversed().starts(with: x.reversed()) ? .string(bytes: s.dropLast(x.count)) : a.val(1)
        }
        t.add("trimPrefix", [.s, .s]) { a in
            let s = a.gostr(1).bytes, x = a.gostr(0).bytes
            return !x.isEmpty && s.starts(with: x) ? .string(bytes: s.dropFirst(x.count)) : a.val(1)
        }
        t.add("nospace", [.s]) { .string(String($0.str(0).unicodeScalars.filter { !isGoSpace($0) }.map(Character.init))) }
        t.add("initials", [.s]) { a in
            // goutils.Initials keeps each word's first byte, read as a rune (Latin-1).
            let words = a.str(0).unicodeScalars.split(whereSeparator: { isGoSpace($0) })
            return .string(String(String.UnicodeScalarView(words.compactMap { w in
                w.first.map { Unicode.Scalar(String($0).utf8.first!) }
            })))
        }
        t.add("swapcase", [.s]) { a in
            .string(String(a.str(0).map { c -> String in
                let s = String(c)
                if s.uppercased() == s && s.lowercased() != s { return s.lowercased() }
                if s.lowercased() == s && s.uppercased() != s { return s.uppercased() }
                return s
            }.joined()))
        }
        t.add("snakecase", [.s]) { .string(CaseConversion.lowerCase($0.str(0), connector: "_")) }
        t.add("camelcase", [.s]) { .string(CaseConversion.pascalCase($0.str(0))) }
        t.add("kebabcase", [.s]) { .string(CaseConversion.lowerCase($0.str(0), connector: "-")) }
        t.add("shuffle", [.s]) { .string(String($0.str(0).shuffled())) }
        t.add("substr", [.i, .i, .s]) { a in try .string(substr(a.int(0), a.int(1), a.gostr(2))) }
        t.add("trunc", [.i, .s]) { a in
            let c = a.int(0), s = a.gostr(1), n = s.count
            if c < 0 && n + c > 0 { return .string(s.slice(n + c, n)) }
            if c >= 0 && n > c { return .string(s.slice(0, c)) }
            return .string(s)
        }
        t.add("abbrev", [.i, .s]) { a in
            let w = a.int(0), s = a.str(1)
            if w < 4 { return .string(s) }
            return .string((try? abbreviate(s, offset: 0, width: w)) ?? "")
        }
        t.add("abbrevboth", [.i, .i, .s]) { a in
            // Sprig hands the text back before goutils could refuse the widths.
            let left = a.int(0), right = a.int(1)
            if right < 4 || left > 0 && right < 7 { return .string(a.gostr(2)) }
            return .string((try? abbreviate(a.str(2), offset: left, width: right)) ?? "")
        }
        t.add("repeat", [.i, .s]) { a in
            if a.int(0) < 0 { throw FunctionError("strings: negative Repeat count") }
            try RenderLimits.current.checkString(RenderLimits.product(a.int(0), a.gostr(1).count))
            let unit = a.gostr(1).bytes, n = a.int(0)
            if n == 0 || unit.isEmpty { return .string("") }
            // Doubling: a few large copies instead of n small ones.
            var out = unit
            out.reserveCapacity(unit.count * n)
            while out.count * 2 <= unit.count * n { out.append(contentsOf: out) }
            out.append(contentsOf: out[0..<(unit.count * n - out.count)])
            return .string(bytes: out)
        }
        t.add("wrap", [.i, .s]) { .string(bytes: try wrap($0.gostr(1).bytes, width: $0.int(0), newline: [], breakLongWords: false)) }
        t.add("wrapWith", [.i, .s, .s]) { .string(bytes: try wrap($0.gostr(2).bytes, width: $0.int(0), newline: $0.gostr(1).bytes, breakLongWords: true)) }
        t.add("contains", [.s, .s]) { .bool(contains($0.gostr(1), $0.gostr(0))) }
        t.add("hasPrefix", [.s, .s]) { .bool($0.gostr(1).bytes.starts(with: $0.gostr(0).bytes)) }
        t.add("hasSuffix", [.s, .s]) { .bool($0.gostr(1).bytes.reversed().starts(with: $0.gostr(0).bytes.reversed())) }
        t.add("quote", [], variadic: .a) { args in
            .string(args.compactMap { v -> GoString? in
                guard let v, !v.isNull else { return nil }
                return GoQuote.quote(Cast.goString(v))
            }.joined(separator: " "))
        }
        t.add("squote", [], variadic: .a) { args in
            .string(args.compactMap { v -> GoString? in
                guard let v, !v.isNull else { return nil }
                return "'" + Cast.goString(v) + "'"
            }.joined(separator: " "))
        }
        t.add("cat", [], variadic: .a) { args in
            let vals = args.compactMap { v -> Value? in (v == nil || v!.isNull) ? nil : v }
            return .string(vals.map { GoFmt.sprintf("%v", [$0]) }.joined(separator: " "))
        }
        t.add("indent", [.i, .s]) { a in .string(try indent(a.gostr(1), a.int(0))) }
        t.add("nindent", [.i, .s]) { a in .string(try indent(a.gostr(1), a.int(0), leadingNewline: true)) }
        t.add("replace", [.s, .s, .s]) { a in .string(try replaceAll(a.gostr(2), a.gostr(0), a.gostr(1))) }
        t.add("plural", [.s, .s, .i]) { a in .string(a.int(2) == 1 ? a.str(0) : a.str(1)) }
        t.add("toString", [.a]) { .string(Cast.goString($0[0])) }
        t.add("toStrings", [.a]) { a in isNilStrings(a[0]) ? a[0] : strList(Cast.strings(a[0])) }
        t.add("join", [.s, .a]) { .string(Cast.goStrings($0[1]).joined(separator: $0.gostr(0))) }
        t.add("sortAlpha", [.a]) { a in
            switch a[0] {
            case .list? where isNilStrings(a[0]): return a[0]
            case .list?: return strList(Cast.strings(a[0]).sorted(by: goLess))
            default: return strList([Cast.string(a[0])])
            }
        }
        t.add("split", [.s, .s]) { a in
            let parts = try goSplit(a.gostr(1), a.gostr(0), -1)
            var m: [String: Value] = [:]
            for (i, p) in parts.enumerated() { m["_\(i)"] = .string(p) }
            return .map(Map(m, elem: .string))
        }
        t.add("splitList", [.s, .s]) { .list(try goSplit($0.gostr(1), $0.gostr(0), -1).map { .string($0) }, of: .string) }
        t.add("splitn", [.s, .i, .s]) { a in
            let parts = try goSplit(a.gostr(2), a.gostr(0), a.int(1))
            var m: [String: Value] = [:]
            for (i, p) in parts.enumerated() { m["_\(i)"] = .string(p) }
            return .map(Map(m, elem: .string))
        }
        t.add("randAlphaNum", [.i]) { try RenderLimits.current.checkString($0.int(0)); return .string(random(count: $0.int(0), from: alnum)) }
        t.add("randAlpha", [.i]) { try RenderLimits.current.checkString($0.int(0)); return .string(random(count: $0.int(0), from: alpha)) }
        t.add("randNumeric", [.i]) { try RenderLimits.current.checkString($0.int(0)); return .string(random(count: $0.int(0), from: digits)) }
        t.add("randAscii", [.i]) { try RenderLimits.current.checkString($0.int(0)); return .string(random(count: $0.int(0), from: ascii)) }
    }

    static let digits = Array("0123456789")
    static let alpha = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    static let alnum = alpha + digits
    static let ascii = (32...126).map { Character(Unicode.Scalar(UInt8($0))) }

    static func random(count: Int, from set: [Character]) -> String {
        guard count > 0 else { return "" }
        var g = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in set.randomElement(using: &g)! })
    }

    static func isGoSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0: return true
        default: return s.properties.isWhitespace
        }
    }

    static func trimSpace(_ s: String) -> String {
        let u = Array(s.unicodeScalars)
        var a = 0, b = u.count
        while a < b && isGoSpace(u[a]) { a += 1 }
        while b > a && isGoSpace(u[b - 1]) { b -= 1 }
        return String(String.UnicodeScalarView(u[a..<b]))
    }

    static func trim(_ s: String, cutset: String) -> String {
        let cut = Set(cutset.unicodeScalars)
        let u = Array(s.unicodeScalars)
        var a = 0, b = u.count
        while a < b && cut.contains(u[a]) { a += 1 }
        while b > a && cut.contains(u[b - 1]) { b -= 1 }
        return String(String.UnicodeScalarView(u[a..<b]))
    }

    static func goUpper(_ s: String) -> String { String(s.unicodeScalars.map { $0.properties.uppercaseMapping }.joined()) }
    static func goLower(_ s: String) -> String { String(s.unicodeScalars.map { $0.properties.lowercaseMapping }.joined()) }

    /// strings.Title: the first letter of each word in title case; words start after
    /// anything that is not a letter, digit, underscore or apostrophe.
    static func title(_ s: String) -> String {
        var out = ""
        var prev: Unicode.Scalar = " "
        for r in s.unicodeScalars {
            if isSeparator(prev) { out += r.properties.titlecaseMapping } else { out.unicodeScalars.append(r) }
            prev = r
        }
        return out
    }

    static func isSeparator(_ r: Unicode.Scalar) -> Bool {
        if r.value <= 0x7F {
            switch r {
            case "0"..."9", "a"..."z", "A"..."Z", "_": return false
            default: return true
            }
        }
        if r.properties.isAlphabetic || r.properties.numericType != nil { return false }
        return r.properties.isWhitespace
    }

    /// goutils.Uncapitalize over whitespace-delimited words.
    static func untitle(_ s: String) -> String {
        var out = ""
        var atStart = true
        for r in s.unicodeScalars {
            if isGoSpace(r) { atStart = true; out.unicodeScalars.append(r); continue }
            if atStart { out += r.properties.lowercaseMapping; atStart = false } else { out.unicodeScalars.append(r) }
        }
        return out
    }

    static func substr(_ start: Int, _ end: Int, _ s: GoString) throws -> GoString {
        let n = s.count
        if start < 0 {
            if end > n || end < 0 { throw RuntimeError.sliceBounds("[:\(end)] with length \(n)") }
            return s.slice(0, end)
        }
        if end < 0 || end > n {
            if start > n { throw RuntimeError.sliceBounds("[\(start):\(n)]") }
            return s.slice(start, n)
        }
        if start > end { throw RuntimeError.sliceBounds("[\(start):\(end)]") }
        return s.slice(start, end)
    }

    struct AbbrevError: Error {}

    static func abbreviate(_ s: String, offset offIn: Int, width: Int) throws -> String {
        let b = Array(s.utf8)
        if b.isEmpty { return "" }
        if width < 4 { throw AbbrevError() }
        if b.count <= width { return s }
        var offset = min(offIn, b.count)
        if b.count - offset < width - 3 { offset = b.count - (width - 3) }
        if offset <= 4 { return String(decoding: b[0..<(width - 3)], as: UTF8.self) + "..." }
        if width < 7 { throw AbbrevError() }
        if offset + width - 3 < b.count {
            return "..." + (try abbreviate(String(decoding: b[offset...], as: UTF8.self), offset: 0, width: width - 3))
        }
        return "..." + String(decoding: b[(b.count - (width - 3))...], as: UTF8.self)
    }

    /// goutils.WrapCustom, which Sprig's wrap (long words kept whole) and wrapWith (long words
    /// cut) call: the text is one line of bytes (a newline in it is an ordinary character), a
    /// break replaces the last space within width + 1 bytes, spaces starting a line are dropped,
    /// and a word is cut at a byte count, even inside a multi-byte character (as Go slices).
    /// A long separator every byte multiplies the text: the result is bounded as it grows.
    static func wrap(_ b: [UInt8], width wIn: Int, newline nl: [UInt8], breakLongWords: Bool) throws -> [UInt8] {
        if b.isEmpty { return [] }
        let newline = nl.isEmpty ? [0x0A] : nl
        let width = max(wIn, 1), space = UInt8(ascii: " ")
        var out: [UInt8] = []
        var offset = 0
        let limit = RenderLimits.current
        while b.count - offset > width {
            try limit.checkString(out.count)
            if b[offset] == space { offset += 1; continue }
            if let sp = b[offset..<(offset + width + 1)].lastIndex(of: space) {
                out += b[offset..<sp]; out += newline
                offset = sp + 1
            } else if breakLongWords {
                out += b[offset..<(offset + width)]; out += newline
                offset += width
            } else if let sp = b[(offset + width)...].firstIndex(of: space) {
                out += b[offset..<sp]; out += newline
                offset = sp + 1
            } else {
                out += b[offset...]
                offset = b.count
            }
        }
        out += b[offset...]
        return out
    }

    static func contains(_ s: GoString, _ sub: GoString) -> Bool {
        sub.isEmpty || GoBytes.index(of: sub.bytes, in: s.bytes, from: 0) != nil
    }

    /// indent and nindent (charts' hottest functions): one pass over the bytes, one result.
    static func indent(_ s: GoString, _ n: Int, leadingNewline: Bool = false) throws -> GoString {
        if n < 0 { throw FunctionError("strings: negative Repeat count") }
        return try s.withBytes { b in
            var lines = 1
            for c in b where c == 0x0A { lines += 1 }
            try RenderLimits.current.checkString(RenderLimits.product(lines, n) &+ b.count)
            var out: [UInt8] = []
            out.reserveCapacity(b.count + n * 4 + 1)
            if leadingNewline { out.append(0x0A) }
            out.append(contentsOf: repeatElement(0x20, count: n))
            for c in b {
                out.append(c)
                if c == 0x0A { out.append(contentsOf: repeatElement(0x20, count: n)) }
            }
            return GoString(bytes: out)
        }
    }

    /// strings.Replace(s, old, new, -1), byte-wise.
    static func replaceAll(_ s: GoString, _ old: GoString, _ new: GoString) throws -> GoString {
        let a = s.bytes, o = old.bytes, n = new.bytes
        if n.count > o.count {
            // Each match (each rune for an empty `old`) may add `new`.
            let matches = o.isEmpty ? a.count + 1 : a.count / o.count
            try RenderLimits.current.checkString(RenderLimits.product(matches, n.count - o.count) &+ a.count)
        }
        var out: [UInt8] = []
        out.reserveCapacity(a.count)
        if o.isEmpty {
            // Go inserts `new` before every rune and at the end (a stray byte is one rune).
            var i = 0
            while i < a.count {
                let k = max(1, GoString.validSequenceLength(a, at: i))
                out += n; out += a[i..<(i + k)]; i += k
            }
            out += n
            return GoString(bytes: out)
        }
        var i = 0
        while let j = GoBytes.index(of: o, in: a, from: i) {
            out += a[i..<j]; out += n; i = j + o.count
        }
        if i == 0 { return s }
        out += a[i...]
        return GoString(bytes: out)
    }

    /// strings.SplitN (n < 0: all).
    static func goSplit(_ s: GoString, _ sep: GoString, _ n: Int) throws -> [GoString] {
        if n == 0 { return [] }
        let a = s.bytes, p = sep.bytes
        let limits = RenderLimits.current
        if (p.isEmpty ? a.count : a.count / p.count) >= limits.maxListItems && (n < 0 || n > limits.maxListItems) {
            // Count the pieces before building them.
            var pieces = 1
            if p.isEmpty {
                pieces = 0
                for c in a where c & 0xC0 != 0x80 { pieces += 1 }
            } else {
                var i = 0
                while i + p.count <= a.count {
                    if a[i] == p[0] && a[i..<(i + p.count)].elementsEqual(p) { pieces += 1; i += p.count } else { i += 1 }
                }
            }
            try limits.checkList(pieces)
        }
        var parts: [GoString] = []
        if p.isEmpty {
            var i = 0
            while i < a.count {
                if n > 0 && parts.count == n - 1 { parts.append(GoString(bytes: a[i...])); return parts }
                let k = max(1, GoString.validSequenceLength(a, at: i))
                parts.append(GoString(bytes: a[i..<(i + k)])); i += k
            }
            return parts
        }
        var start = 0
        while n < 0 || parts.count < n - 1, let j = GoBytes.index(of: p, in: a, from: start) {
            parts.append(GoString(bytes: a[start..<j]))
            start = j + p.count
        }
        parts.append(GoString(bytes: a[start...]))
        return parts
    }
}

/// Byte searches over Go strings.
enum GoBytes {
    static func index(of needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, hay.count - from >= needle.count else { return needle.isEmpty ? from : nil }
        let first = needle[0], last = hay.count - needle.count
        var i = from
        while i <= last {
            if hay[i] == first {
                var k = 1
                while k < needle.count && hay[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}

extension String {
    func replacingAll(_ old: String, with new: String) -> String {
        ((try? StringFunctions.replaceAll(GoString(self), GoString(old), GoString(new))) ?? GoString(self)).string
    }
}

/// strslice hands a []string back as it is, so a nil one stays nil (`regexFindAll … | toStrings`).
func isNilStrings(_ v: Value?) -> Bool {
    if case .list(let l)? = v { return l.isNil && l.elem == .string && l.name == nil }
    return false
}
