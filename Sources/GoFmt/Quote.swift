import Values
/// Go's strconv quoting rules, used by %q, %#v and Sprig's quote-like functions.
public enum GoQuote {
    /// unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
    public static func isPrint(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return s.value >= 0x20 && s.value < 0x7F }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark,
             .decimalNumber, .letterNumber, .otherNumber,
             .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation,
             .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }

    static let hex = Array("0123456789abcdef".utf8)

    static func appendEscaped(_ out: inout [UInt8], scalar r: Unicode.Scalar, quote: UInt8, asciiOnly: Bool) {
        let v = r.value
        if v == UInt32(quote) || v == 0x5C {
            out.append(0x5C); out.append(UInt8(v)); return
        }
        if asciiOnly ? (v < 0x80 && isPrint(r)) : isPrint(r) {
            out.append(contentsOf: Array(String(r).utf8)); return
        }
        switch v {
        case 0x07: out.append(contentsOf: Array("\\a".utf8))
        case 0x08: out.append(contentsOf: Array("\\b".utf8))
        case 0x0C: out.append(contentsOf: Array("\\f".utf8))
        case 0x0A: out.append(contentsOf: Array("\\n".utf8))
        case 0x0D: out.append(contentsOf: Array("\\r".utf8))
        case 0x09: out.append(contentsOf: Array("\\t".utf8))
        case 0x0B: out.append(contentsOf: Array("\\v".utf8))
        default:
            if v < 0x20 || v == 0x7F {
                out.append(contentsOf: [0x5C, UInt8(ascii: "x"), hex[Int(v >> 4)], hex[Int(v & 0xF)]])
            } else if v < 0x10000 {
                out.append(contentsOf: [0x5C, UInt8(ascii: "u")])
                for s in stride(from: 12, through: 0, by: -4) { out.append(hex[Int((v >> UInt32(s)) & 0xF)]) }
            } else {
                out.append(contentsOf: [0x5C, UInt8(ascii: "U")])
                for s in stride(from: 28, through: 0, by: -4) { out.append(hex[Int((v >> UInt32(s)) & 0xF)]) }
            }
        }
    }

    /// strconv.Quote (asciiOnly: strconv.QuoteToASCII).
    public static func quote(_ s: String, asciiOnly: Bool = false) -> String {
        var out: [UInt8] = [0x22]
        out.reserveCapacity(s.utf8.count + 2)
        for r in s.unicodeScalars { appendEscaped(&out, scalar: r, quote: 0x22, asciiOnly: asciiOnly) }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }

    /// strconv.QuoteRune.
    public static func quoteRune(_ r: Int64, asciiOnly: Bool = false) -> String {
        let scalar = (r >= 0 && r <= 0x10FFFF) ? (Unicode.Scalar(UInt32(r)) ?? "\u{FFFD}") : "\u{FFFD}"
        var out: [UInt8] = [0x27]
        appendEscaped(&out, scalar: scalar, quote: 0x27, asciiOnly: asciiOnly)
        out.append(0x27)
        return String(decoding: out, as: UTF8.self)
    }

    /// strconv.Quote of a Go string: a byte that is not valid UTF-8 is written `\xNN`.
    public static func quote(_ s: GoString, asciiOnly: Bool = false) -> GoString {
        guard !s.isValidUTF8 else { return GoString(quote(s.string, asciiOnly: asciiOnly)) }
        let b = s.bytes
        var out: [UInt8] = [0x22]
        var i = 0
        while i < b.count {
            let n = GoString.validSequenceLength(b, at: i)
            if n == 0 {
                out.append(contentsOf: [0x5C, UInt8(ascii: "x"), hex[Int(b[i] >> 4)], hex[Int(b[i] & 0xF)]])
                i += 1
                continue
            }
            for r in String(decoding: b[i..<(i + n)], as: UTF8.self).unicodeScalars {
                appendEscaped(&out, scalar: r, quote: 0x22, asciiOnly: asciiOnly)
            }
            i += n
        }
        out.append(0x22)
        return GoString(bytes: out)
    }

    /// strconv.CanBackquote: bytes that are not valid UTF-8 cannot be backquoted.
    public static func canBackquote(_ s: GoString) -> Bool {
        s.isValidUTF8 && canBackquote(s.string)
    }

    /// strconv.CanBackquote.
    public static func canBackquote(_ s: String) -> Bool {
        for r in s.unicodeScalars {
            if r == "`" || r == "\u{FFFD}" { return false }
            if r.value < 0x20 && r != "\t" { return false }
            if r.value == 0x7F { return false }
        }
        return true
    }
}
