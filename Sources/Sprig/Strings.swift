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
            let s = a.str(1), x = a.str(0)
            return .string(s.hasSuffix(x) && !x.isEmpty ? String(decoding: Array(s.utf8).dropLast(x.utf8.count), as: UTF8.self) : s)
        }
        t.add("trimPrefix", [.s, .s]) { a in
            let s = a.str(1), x = a.str(0)
            return .string(s.hasPrefix(x) && !x.isEmpty ? String(decoding: Array(s.utf8).dropFirst(x.utf8.count), as: UTF8.self) : s)
        }
        t.add("nospace", [.s]) { .string(String($0.str(0).unicodeScalars.filter { !isGoSpace($0) }.map(Character.init))) }
        t.add("initials", [.s]) { a in
            let words = a.str(0).unicodeScalars.split(whereSeparator: { isGoSpace($0) })
            return .string(String(words.compactMap { $0.first.map(Character.init) }))
        }
        t.add("swapcase", [.s]) { a in
            .string(String(a.str(0).map { c -> String in
                let s = String(c)
                if s.uppercased() == s && s.lowercased() != s { return s.lowercased() }
                if s.lowercased() == s && s.uppercased() != s { return s.uppercased() }
                return s
            }.joined()))
        }
        t.add("snakecase", [.s]) { .string(snakeCase($0.str(0))) }
        t.add("camelcase", [.s]) { .string(camelCase($0.str(0))) }
        t.add("kebabcase", [.s]) { .string(snakeCase($0.str(0)).replacingAll("_", with: "-")) }
        t.add("shuffle", [.s]) { .string(String($0.str(0).shuffled())) }
        t.add("substr", [.i, .i, .s]) { a in try .string(substr(a.int(0), a.int(1), a.str(2))) }
        t.add("trunc", [.i, .s]) { a in
            let c = a.int(0), b = Array(a.str(1).utf8)
            if c < 0 && b.count + c > 0 { return .string(String(decoding: b[(b.count + c)...], as: UTF8.self)) }
            if c >= 0 && b.count > c { return .string(String(decoding: b[..<c], as: UTF8.self)) }
            return .string(a.str(1))
        }
        t.add("abbrev", [.i, .s]) { a in
            let w = a.int(0), s = a.str(1)
            if w < 4 { return .string(s) }
            return .string((try? abbreviate(s, offset: 0, width: w)) ?? "")
        }
        t.add("abbrevboth", [.i, .i, .s]) { a in
            .string((try? abbreviate(a.str(2), offset: a.int(0), width: a.int(1))) ?? "")
        }
        t.add("repeat", [.i, .s]) { a in
            if a.int(0) < 0 { throw FunctionError("strings: negative Repeat count") }
            return .string(String(repeating: a.str(1), count: a.int(0)))
        }
        t.add("wrap", [.i, .s]) { .string(wrap($0.str(1), width: $0.int(0), newline: "\n")) }
        t.add("wrapWith", [.i, .s, .s]) { .string(wrap($0.str(2), width: $0.int(0), newline: $0.str(1))) }
        t.add("contains", [.s, .s]) { .bool(contains($0.str(1), $0.str(0))) }
        t.add("hasPrefix", [.s, .s]) { .bool($0.str(1).utf8.starts(with: $0.str(0).utf8)) }
        t.add("hasSuffix", [.s, .s]) { .bool($0.str(1).utf8.reversed().starts(with: $0.str(0).utf8.reversed())) }
        t.add("quote", [], variadic: .a) { args in
            .string(args.compactMap { v -> String? in
                guard let v, !v.isNull else { return nil }
                return GoQuote.quote(Cast.string(v))
            }.joined(separator: " "))
        }
        t.add("squote", [], variadic: .a) { args in
            .string(args.compactMap { v -> String? in
                guard let v, !v.isNull else { return nil }
                return "'" + Cast.string(v) + "'"
            }.joined(separator: " "))
        }
        t.add("cat", [], variadic: .a) { args in
            let vals = args.compactMap { v -> Value? in (v == nil || v!.isNull) ? nil : v }
            return .string(vals.map { GoFmt.sprintf("%v", [$0]) }.joined(separator: " "))
        }
        t.add("indent", [.i, .s]) { a in .string(indent(a.str(1), a.int(0))) }
        t.add("nindent", [.i, .s]) { a in .string("\n" + indent(a.str(1), a.int(0))) }
        t.add("replace", [.s, .s, .s]) { a in .string(replaceAll(a.str(2), a.str(0), a.str(1))) }
        t.add("plural", [.s, .s, .i]) { a in .string(a.int(2) == 1 ? a.str(0) : a.str(1)) }
        t.add("toString", [.a]) { .string(Cast.string($0[0])) }
        t.add("toStrings", [.a]) { strList(Cast.strings($0[0])) }
        t.add("join", [.s, .a]) { .string(Cast.strings($0[1]).joined(separator: $0.str(0))) }
        t.add("sortAlpha", [.a]) { a in
            switch a[0] {
            case .list?: return strList(Cast.strings(a[0]).sorted(by: goLess))
            default: return strList([Cast.string(a[0])])
            }
        }
        t.add("split", [.s, .s]) { a in
            let parts = goSplit(a.str(1), a.str(0), -1)
            var m: [String: Value] = [:]
            for (i, p) in parts.enumerated() { m["_\(i)"] = .string(p) }
            return .map(Map(m, elem: .string))
        }
        t.add("splitList", [.s, .s]) { strList(goSplit($0.str(1), $0.str(0), -1)) }
        t.add("splitn", [.s, .i, .s]) { a in
            let parts = goSplit(a.str(2), a.str(0), a.int(1))
            var m: [String: Value] = [:]
            for (i, p) in parts.enumerated() { m["_\(i)"] = .string(p) }
            return .map(Map(m, elem: .string))
        }
        t.add("randAlphaNum", [.i]) { .string(random(count: $0.int(0), from: alnum)) }
        t.add("randAlpha", [.i]) { .string(random(count: $0.int(0), from: alpha)) }
        t.add("randNumeric", [.i]) { .string(random(count: $0.int(0), from: digits)) }
        t.add("randAscii", [.i]) { .string(random(count: $0.int(0), from: ascii)) }
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

    static func snakeCase(_ s: String) -> String {
        // xstrings.ToSnakeCase
        var out = ""
        let chars = Array(s)
        var i = 0
        var lastWasSep = true
        while i < chars.count {
            let c = chars[i]
            if c.isUppercase {
                let prevLower = i > 0 && (chars[i - 1].isLowercase || chars[i - 1].isNumber)
                let nextLower = i + 1 < chars.count && chars[i + 1].isLowercase
                if !lastWasSep && (prevLower || (nextLower && i > 0 && chars[i - 1].isUppercase)) { out += "_" }
                out += c.lowercased()
                lastWasSep = false
            } else if c == " " || c == "-" || c == "_" || c == "." {
                if !lastWasSep { out += "_" }
                lastWasSep = true
            } else {
                out.append(c)
                lastWasSep = false
            }
            i += 1
        }
        while out.hasSuffix("_") { out.removeLast() }
        return out
    }

    static func camelCase(_ s: String) -> String {
        // xstrings.ToCamelCase: split on _ and capitalise each part.
        var out = ""
        for part in s.split(separator: "_", omittingEmptySubsequences: true) {
            out += part.prefix(1).uppercased() + part.dropFirst()
        }
        return out
    }

    static func substr(_ start: Int, _ end: Int, _ s: String) throws -> String {
        let b = Array(s.utf8)
        if start < 0 {
            if end > b.count || end < 0 { throw RuntimeError.sliceBounds("[:\(end)] with length \(b.count)") }
            return String(decoding: b[..<end], as: UTF8.self)
        }
        if end < 0 || end > b.count {
            if start > b.count { throw RuntimeError.sliceBounds("[\(start):\(b.count)]") }
            return String(decoding: b[start...], as: UTF8.self)
        }
        if start > end { throw RuntimeError.sliceBounds("[\(start):\(end)]") }
        return String(decoding: b[start..<end], as: UTF8.self)
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

    /// goutils.WrapCustom with wrapLongWords.
    static func wrap(_ s: String, width wIn: Int, newline: String) -> String {
        let width = max(wIn, 1)
        var out = ""
        for (li, line) in s.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if li > 0 { out += newline }
            var rest = Substring(line)
            var first = true
            while rest.count > width {
                if !first { out += newline }
                first = false
                let window = rest.prefix(width + 1)
                if let sp = window.lastIndex(of: " ") {
                    out += rest[..<sp]
                    rest = rest[rest.index(after: sp)...]
                } else {
                    out += rest.prefix(width)
                    rest = rest.dropFirst(width)
                }
                while rest.hasPrefix(" ") { rest = rest.dropFirst() }
            }
            if !first { out += newline }
            out += rest
        }
        return out
    }

    static func contains(_ s: String, _ sub: String) -> Bool {
        if sub.isEmpty { return true }
        let a = Array(s.utf8), b = Array(sub.utf8)
        guard b.count <= a.count else { return false }
        for i in 0...(a.count - b.count) where a[i] == b[0] && Array(a[i..<(i + b.count)]) == b { return true }
        return false
    }

    static func indent(_ s: String, _ n: Int) -> String {
        let pad = String(repeating: " ", count: max(n, 0))
        return pad + replaceAll(s, "\n", "\n" + pad)
    }

    /// strings.Replace(s, old, new, -1), byte-wise.
    static func replaceAll(_ s: String, _ old: String, _ new: String) -> String {
        let a = Array(s.utf8), o = Array(old.utf8), n = Array(new.utf8)
        if o.isEmpty {
            // Go inserts `new` before every rune and at the end.
            var out: [UInt8] = []
            for r in s.unicodeScalars { out += n; out += Array(String(r).utf8) }
            out += n
            return String(decoding: out, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(a.count)
        var i = 0
        while i < a.count {
            if i + o.count <= a.count && a[i] == o[0] && Array(a[i..<(i + o.count)]) == o {
                out += n; i += o.count
            } else {
                out.append(a[i]); i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// strings.SplitN (n < 0: all).
    static func goSplit(_ s: String, _ sep: String, _ n: Int) -> [String] {
        if n == 0 { return [] }
        if sep.isEmpty {
            var parts = s.unicodeScalars.map { String($0) }
            if n > 0 && parts.count > n { let tail = parts[(n - 1)...].joined(); parts = Array(parts[..<(n - 1)]) + [tail] }
            return parts
        }
        let a = Array(s.utf8), p = Array(sep.utf8)
        var parts: [String] = []
        var start = 0, i = 0
        while i + p.count <= a.count {
            if n > 0 && parts.count == n - 1 { break }
            if a[i] == p[0] && Array(a[i..<(i + p.count)]) == p {
                parts.append(String(decoding: a[start..<i], as: UTF8.self))
                i += p.count
                start = i
            } else {
                i += 1
            }
        }
        parts.append(String(decoding: a[start...], as: UTF8.self))
        return parts
    }
}

extension String {
    func replacingAll(_ old: String, with new: String) -> String { StringFunctions.replaceAll(self, old, new) }
}
