import Values
/// Go literal syntax: strconv.Unquote, UnquoteChar, ParseInt/ParseUint with base 0,
/// ParseFloat (decimal and hex, with underscores).
enum GoLiteral {
    static func hexVal(_ c: UInt8) -> UInt32? {
        switch c {
        case 48...57: return UInt32(c - 48)
        case 97...102: return UInt32(c - 87)
        case 65...70: return UInt32(c - 55)
        default: return nil
        }
    }

    /// Decodes one (possibly escaped) character; returns the rune and the rest.
    static func unquoteChar(_ s: [UInt8], quote: UInt8) -> (UInt32, [UInt8])? {
        guard let c = s.first else { return nil }
        if c == quote && (quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"")) { return nil }
        if c >= 0x80 {
            let str = String(decoding: s.prefix(4), as: UTF8.self)
            guard let sc = str.unicodeScalars.first else { return nil }
            let w = String(sc).utf8.count
            return (sc.value, Array(s[w...]))
        }
        if c != UInt8(ascii: "\\") { return (UInt32(c), Array(s[1...])) }
        guard s.count > 1 else { return nil }
        let e = s[1]
        var rest = Array(s[2...])
        switch e {
        case UInt8(ascii: "a"): return (7, rest)
        case UInt8(ascii: "b"): return (8, rest)
        case UInt8(ascii: "f"): return (12, rest)
        case UInt8(ascii: "n"): return (10, rest)
        case UInt8(ascii: "r"): return (13, rest)
        case UInt8(ascii: "t"): return (9, rest)
        case UInt8(ascii: "v"): return (11, rest)
        case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
            let n = e == UInt8(ascii: "x") ? 2 : (e == UInt8(ascii: "u") ? 4 : 8)
            guard rest.count >= n else { return nil }
            var v: UInt32 = 0
            for k in 0..<n {
                guard let d = hexVal(rest[k]) else { return nil }
                v = v << 4 | d
            }
            rest = Array(rest[n...])
            if e == UInt8(ascii: "x") { return (v, rest) } // a byte value
            if v > 0x10FFFF || (v >= 0xD800 && v < 0xE000) { return nil }
            return (v, rest)
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            guard s.count >= 4 else { return nil }
            var v: UInt32 = 0
            for k in 1...3 {
                let d = s[k]
                guard d >= 48 && d <= 55 else { return nil }
                v = v * 8 + UInt32(d - 48)
            }
            if v > 255 { return nil }
            return (v, Array(s[4...]))
        case UInt8(ascii: "\\"): return (UInt32(e), rest)
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            if e != quote { return nil }
            return (UInt32(e), rest)
        default: return nil
        }
    }

    /// strconv.Unquote for "…" and `…` strings. `\x` and octal escapes give raw bytes.
    static func unquote(_ quoted: String) -> GoString? {
        let b = Array(quoted.utf8)
        guard b.count >= 2, let q = b.first, b.last == q else { return nil }
        if q == UInt8(ascii: "`") {
            let inner = b[1..<(b.count - 1)]
            if inner.contains(UInt8(ascii: "`")) { return nil }
            return GoString(bytes: inner.filter { $0 != 0x0D })
        }
        guard q == UInt8(ascii: "\"") else { return nil }
        var s = Array(b[1..<(b.count - 1)])
        if !s.contains(UInt8(ascii: "\\")) && !s.contains(q) {
            if s.contains(0x0A) { return nil }
            return GoString(bytes: s)
        }
        var out: [UInt8] = []
        while !s.isEmpty {
            if s[0] == 0x0A { return nil }
            let isByteEscape = s.count >= 2 && s[0] == UInt8(ascii: "\\") &&
                (s[1] == UInt8(ascii: "x") || (s[1] >= 48 && s[1] <= 55))
            guard let (r, rest) = unquoteChar(s, quote: q) else { return nil }
            if isByteEscape || r < 0x80 { out.append(UInt8(r)) }
            else { out.append(contentsOf: Array(String(Unicode.Scalar(r)!).utf8)) }
            s = rest
        }
        return GoString(bytes: out)
    }

    /// Go's underscoreOK: underscores only between digits (or after a base prefix).
    static func underscoreOK(_ text: String) -> Bool {
        var s = Array(text.utf8)
        if let f = s.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") { s.removeFirst() }
        var saw: UInt8 = UInt8(ascii: "^")
        var i = 0
        var hex = false
        if s.count >= 2, s[0] == UInt8(ascii: "0") {
            let l = s[1] | 0x20
            if l == UInt8(ascii: "b") || l == UInt8(ascii: "o") || l == UInt8(ascii: "x") {
                i = 2; saw = UInt8(ascii: "0"); hex = l == UInt8(ascii: "x")
            }
        }
        while i < s.count {
            let c = s[i]
            let l = c | 0x20
            if (c >= 48 && c <= 57) || (hex && l >= 97 && l <= 102) { saw = UInt8(ascii: "0"); i += 1; continue }
            if c == UInt8(ascii: "_") {
                if saw != UInt8(ascii: "0") { return false }
                saw = UInt8(ascii: "_"); i += 1; continue
            }
            if saw == UInt8(ascii: "_") { return false }
            saw = UInt8(ascii: "!")
            i += 1
        }
        return saw != UInt8(ascii: "_")
    }

    /// ParseUint(s, 0, 64): the magnitude with its base prefix; no sign allowed.
    static func parseUint(_ text: String) -> UInt64? {
        if text.hasPrefix("-") || text.hasPrefix("+") { return nil }
        return parseMagnitude(text)
    }

    static func parseMagnitude(_ textIn: String) -> UInt64? {
        var text = textIn
        if text.contains("_") {
            guard underscoreOK(text) else { return nil }
            text = text.replacingOccurrences("_", "")
        }
        var base = 10
        var digits = Substring(text)
        if text.count > 1 && text.hasPrefix("0") {
            let second = text[text.index(after: text.startIndex)]
            switch second {
            case "x", "X": base = 16; digits = digits.dropFirst(2)
            case "o", "O": base = 8; digits = digits.dropFirst(2)
            case "b", "B": base = 2; digits = digits.dropFirst(2)
            default: base = 8; digits = digits.dropFirst(1)
            }
        }
        if digits.isEmpty { return nil }
        return UInt64(digits, radix: base)
    }

    /// ParseInt(s, 0, 64).
    static func parseInt(_ text: String) -> Int64? {
        var neg = false
        var body = text
        if body.hasPrefix("-") { neg = true; body.removeFirst() } else if body.hasPrefix("+") { body.removeFirst() }
        guard let m = parseMagnitude(body) else { return nil }
        if neg {
            if m > UInt64(Int64.max) + 1 { return nil }
            return m == UInt64(Int64.max) + 1 ? Int64.min : -Int64(m)
        }
        if m > UInt64(Int64.max) { return nil }
        return Int64(m)
    }

    /// ParseFloat(s, 64): decimal or hexadecimal (with a p exponent) floats.
    static func parseFloat(_ textIn: String) -> Double? {
        var text = textIn
        if text.contains("_") {
            guard underscoreOK(text) else { return nil }
            text = text.replacingOccurrences("_", "")
        }
        var body = Substring(text)
        if body.hasPrefix("+") || body.hasPrefix("-") { body = body.dropFirst() }
        if body.isEmpty { return nil }
        let lower = body.lowercased()
        if lower.hasPrefix("0x") {
            guard lower.contains("p") else { return nil }
        } else {
            // Only digits, one point and an exponent: reject what strtod would also take (inf, nan, hex).
            for c in lower where !(c.isASCII && (c.isNumber || c == "." || c == "e" || c == "+" || c == "-")) {
                if lower == "inf" || lower == "infinity" || lower == "nan" { break }
                return nil
            }
        }
        return Double(text)
    }

    /// "1+2i" as fmt.Sscan reads a complex128.
    static func parseComplex(_ text: String) -> (Double, Double)? {
        guard text.hasSuffix("i") else { return nil }
        let body = Array(text.dropLast())
        var split = -1
        for i in stride(from: body.count - 1, to: 0, by: -1) where body[i] == "+" || body[i] == "-" {
            if body[i - 1] == "e" || body[i - 1] == "E" || body[i - 1] == "p" || body[i - 1] == "P" { continue }
            split = i; break
        }
        guard split > 0,
              let re = parseFloat(String(body[0..<split])),
              let im = parseFloat(String(body[split...])) else { return nil }
        return (re, im)
    }
}

extension String {
    func replacingOccurrences(_ target: Character, _ with: String) -> String {
        var out = ""
        out.reserveCapacity(count)
        for c in self { if c == target { out += with } else { out.append(c) } }
        return out
    }
}
