import Values
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum FloatFormat {
    /// Formats a finite, non-negative double per Go's strconv.FormatFloat with the verb
    /// ('e', 'E', 'f', 'F', 'g', 'G', 'x', 'X', 'b') and precision (-1 = shortest).
    static func format(_ a: Double, verb: Character, prec: Int, sharp: Bool = false) -> String {
        switch verb {
        case "x", "X": return hexFloat(a, prec: prec, upper: verb == "X")
        case "b": return binaryFloat(a)
        default: break
        }
        if prec < 0 {
            let d = ShortestDecimal(a)
            let nd = max(d.digits.count, 1)
            let digits = d.digits.isEmpty ? [UInt8(ascii: "0")] : d.digits
            let dp = d.digits.isEmpty ? 1 : d.dp
            switch verb {
            case "e", "E": return fmtE(digits, dp: dp, prec: nd - 1, e: verb == "E" ? "E" : "e")
            case "f", "F": return fmtF(digits, dp: dp, prec: max(nd - dp, 0))
            default:
                let exp = dp - 1
                if exp < -4 || exp >= (sharp ? max(nd, 6) : 6) {
                    return fmtE(digits, dp: dp, prec: nd - 1, e: verb == "G" ? "E" : "e")
                }
                return fmtF(digits, dp: dp, prec: max(nd - dp, 0))
            }
        }
        // Explicit precision: C's printf rounds correctly and, for these verbs,
        // agrees with Go's strconv (trailing zeros of %g dropped, exponent of two digits or more).
        let cverb: String
        switch verb {
        case "F": cverb = "f"
        default: cverb = String(verb)
        }
        return cFormat("%.\(prec)\(cverb)", a)
    }

    static func cFormat(_ spec: String, _ v: Double) -> String {
        var buf = [CChar](repeating: 0, count: 512)
        let n = withVaList([v]) { vsnprintf(&buf, buf.count, spec, $0) }
        if n >= buf.count {
            buf = [CChar](repeating: 0, count: Int(n) + 1)
            _ = withVaList([v]) { vsnprintf(&buf, buf.count, spec, $0) }
        }
        let bytes = buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func fmtE(_ d: [UInt8], dp: Int, prec: Int, e: Character) -> String {
        var out = [UInt8]()
        out.append(d[0])
        if prec > 0 {
            out.append(UInt8(ascii: "."))
            var i = 1
            let m = min(d.count, prec + 1)
            while i < m { out.append(d[i]); i += 1 }
            while i <= prec { out.append(UInt8(ascii: "0")); i += 1 }
        }
        out.append(UInt8(ascii: e == "E" ? "E" : "e"))
        var exp = dp - 1
        if d.count == 1 && d[0] == UInt8(ascii: "0") { exp = 0 }
        if exp < 0 { out.append(UInt8(ascii: "-")); exp = -exp } else { out.append(UInt8(ascii: "+")) }
        if exp < 10 { out.append(UInt8(ascii: "0")) }
        out.append(contentsOf: Array(String(exp).utf8))
        return String(decoding: out, as: UTF8.self)
    }

    static func fmtF(_ d: [UInt8], dp: Int, prec: Int) -> String {
        var out = [UInt8]()
        if dp > 0 {
            var m = min(d.count, dp)
            out.append(contentsOf: d[0..<m])
            while m < dp { out.append(UInt8(ascii: "0")); m += 1 }
        } else {
            out.append(UInt8(ascii: "0"))
        }
        if prec > 0 {
            out.append(UInt8(ascii: "."))
            for i in 1...prec {
                let j = dp + i - 1
                out.append(j >= 0 && j < d.count ? d[j] : UInt8(ascii: "0"))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Go's %x for floats: 0x1.8p+01, the exponent with at least two digits.
    static func hexFloat(_ a: Double, prec: Int, upper: Bool) -> String {
        var mant = a.significandBitPattern
        var exp = Int(a.exponent)
        if a == 0 { exp = 0; mant = 0 }
        else if a.isSubnormal {
            // Normalise: shift until the implicit bit would be set.
            var m = a.significandBitPattern
            var e = -1022
            while m & (1 << 52) == 0 { m <<= 1; e -= 1 }
            mant = m & ((1 << 52) - 1); exp = e
        }
        var frac = mant // 52 bits
        var hexDigits = 13
        if prec >= 0 && prec < 13 {
            // Round to prec hex digits, half to even.
            let shift = UInt64(4 * (13 - prec))
            let full = frac | (1 << 52)
            var kept = full >> shift
            let rem = full & ((1 << shift) - 1)
            let half: UInt64 = 1 << (shift - 1)
            if rem > half || (rem == half && kept & 1 == 1) { kept += 1 }
            if kept >> UInt64(4 * prec) >= 2 { kept >>= 1; exp += 1 }
            frac = (kept << shift) & ((1 << 52) - 1)
            hexDigits = prec
        }
        var s = upper ? "0X1" : "0x1"
        var fracDigits = ""
        if hexDigits > 0 {
            let chars = Array(upper ? "0123456789ABCDEF" : "0123456789abcdef")
            for i in 0..<hexDigits {
                let nib = Int((frac >> UInt64(48 - 4 * i)) & 0xF)
                fracDigits.append(chars[nib])
            }
            if prec < 0 { while fracDigits.hasSuffix("0") { fracDigits.removeLast() } }
        }
        if a == 0 { s = upper ? "0X0" : "0x0" }
        if !fracDigits.isEmpty { s += "." + fracDigits }
        if prec > 13 { s += String(repeating: "0", count: prec - 13) }
        s += upper ? "P" : "p"
        s += exp < 0 ? "-" : "+"
        let ae = abs(exp)
        if ae < 10 { s += "0" }
        s += String(ae)
        return s
    }

    static func binaryFloat(_ a: Double) -> String {
        let bits = a.bitPattern
        var exp = Int((bits >> 52) & 0x7FF)
        var mant = bits & ((1 << 52) - 1)
        if exp == 0 { exp += 1 } else { mant |= 1 << 52 }
        exp -= 1023 + 52
        return "\(mant)p\(exp < 0 ? "-" : "+")\(abs(exp))"
    }
}
