/// The shortest decimal digits that read back as the same double, with Go's 'e' and 'f'
/// layouts built from them (strconv.FormatFloat with precision -1).
public struct ShortestDecimal: Sendable {
    /// ASCII digits without leading or trailing zeros; empty for zero.
    public let digits: [UInt8]
    /// value = 0.d1d2... × 10^dp
    public let dp: Int

    public init(_ value: Double) {
        let a = abs(value)
        if a == 0 || !a.isFinite { digits = []; dp = 0; return }
        let text = Array("\(a)".utf8)
        var mantissa: [UInt8] = []
        var exp = 0
        var pointAt: Int? = nil
        var i = 0
        while i < text.count {
            let c = text[i]
            if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                exp = Int(String(decoding: text[(i + 1)...], as: UTF8.self)) ?? 0
                break
            }
            if c == UInt8(ascii: ".") { pointAt = mantissa.count } else { mantissa.append(c) }
            i += 1
        }
        var point = (pointAt ?? mantissa.count) + exp
        var start = 0
        while start < mantissa.count && mantissa[start] == UInt8(ascii: "0") { start += 1; point -= 1 }
        var end = mantissa.count
        while end > start && mantissa[end - 1] == UInt8(ascii: "0") { end -= 1 }
        digits = Array(mantissa[start..<end])
        dp = point
    }

    /// Go's 'e' with shortest precision: d.ddde±XX.
    public func eFormat() -> String {
        if digits.isEmpty { return "0e+00" }
        var s = String(UnicodeScalar(digits[0]))
        if digits.count > 1 { s += "." + String(decoding: digits[1...], as: UTF8.self) }
        let e = dp - 1
        s += e < 0 ? "e-" : "e+"
        let ae = abs(e)
        if ae < 10 { s += "0" }
        return s + String(ae)
    }

    /// Go's 'f' with shortest precision.
    public func fFormat() -> String {
        if digits.isEmpty { return "0" }
        var out = [UInt8]()
        if dp > 0 {
            for i in 0..<dp { out.append(i < digits.count ? digits[i] : UInt8(ascii: "0")) }
        } else {
            out.append(UInt8(ascii: "0"))
        }
        if digits.count > dp {
            out.append(UInt8(ascii: "."))
            var i = dp
            while i < 0 { out.append(UInt8(ascii: "0")); i += 1 }
            out.append(contentsOf: digits[max(dp, 0)...])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Go's 'g' with shortest precision (%v of a float64).
    public func gFormat() -> String {
        if digits.isEmpty { return "0" }
        let exp = dp - 1
        if exp < -4 || exp >= 21 { return eFormat() }
        return exp >= 6 ? eFormat() : fFormat()
    }
}

/// Standard base64 (RFC 4648) with padding, as Go's base64.StdEncoding.
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(alphabet[Int(n >> 18 & 63)]); out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)]); out.append(alphabet[Int(n & 63)])
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out.append(alphabet[Int(n >> 18 & 63)]); out.append(alphabet[Int(n >> 12 & 63)])
            out.append(UInt8(ascii: "=")); out.append(UInt8(ascii: "="))
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(alphabet[Int(n >> 18 & 63)]); out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)]); out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes standard base64; returns the offset of the first bad byte on failure.
    public static func decode(_ text: String) -> Result<[UInt8], DecodeError> {
        var table = [Int16](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = Int16(i) }
        let input = Array(text.utf8).filter { $0 != 0x0A && $0 != 0x0D }
        var out: [UInt8] = []
        var acc: UInt32 = 0, bits = 0, i = 0
        var padding = 0
        while i < input.count {
            let c = input[i]
            if c == UInt8(ascii: "=") {
                padding += 1
                i += 1
                continue
            }
            if padding > 0 { return .failure(DecodeError(offset: i)) }
            let v = table[Int(c)]
            if v < 0 { return .failure(DecodeError(offset: i)) }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
            i += 1
        }
        // An unfinished quantum is reported where it starts, as Go does.
        if (input.count % 4) != 0 { return .failure(DecodeError(offset: input.count - input.count % 4)) }
        return .success(out)
    }

    public struct DecodeError: Error, CustomStringConvertible, Sendable {
        public let offset: Int
        public let encoding: String
        public init(offset: Int, encoding: String = "base64") { self.offset = offset; self.encoding = encoding }
        public var description: String { "illegal \(encoding) data at input byte \(offset)" }
    }
}
