

/// Encodes Values as Go's encoding/json Marshal does: map keys sorted, `<`, `>`, `&`,
/// U+2028 and U+2029 escaped, floats in Go's shortest form ('e' outside [1e-6, 1e21)).
public enum JSONEncoding {
    public struct UnsupportedValue: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public static func encode(_ v: Value, escapeHTML: Bool = true) throws -> String {
        var out: [UInt8] = []
        try write(v, &out, escapeHTML: escapeHTML, indent: nil, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// json.MarshalIndent(v, "", indent).
    public static func encodeIndented(_ v: Value, indent: String = "  ", escapeHTML: Bool = true) throws -> String {
        var out: [UInt8] = []
        try write(v, &out, escapeHTML: escapeHTML, indent: Array(indent.utf8), level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    static func newline(_ out: inout [UInt8], _ indent: [UInt8]?, _ level: Int) {
        guard let indent else { return }
        out.append(0x0A)
        for _ in 0..<level { out.append(contentsOf: indent) }
    }

    static func write(_ v: Value, _ out: inout [UInt8], escapeHTML: Bool, indent: [UInt8]?, level: Int) throws {
        switch v {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i, _): out.append(contentsOf: String(i).utf8)
        case .uint(let u, _): out.append(contentsOf: String(u).utf8)
        case .float(let f, let t):
            out.append(contentsOf: try formatFloat(f, bits: t == .float32 ? 32 : 64).utf8)
        case .complex:
            throw UnsupportedValue(description: "json: unsupported type: complex128")
        case .string(let s):
            writeString(s, &out, escapeHTML: escapeHTML)
        case .list(let l):
            if l.elem == .uint8 && l.name == nil, let bytes = l.bytes {
                // []byte marshals as base64.
                writeString(Base64.encode(bytes), &out, escapeHTML: escapeHTML)
                return
            }
            if l.isNil { out.append(contentsOf: "null".utf8); return }
            out.append(UInt8(ascii: "["))
            if l.items.isEmpty { out.append(UInt8(ascii: "]")); return }
            for (i, item) in l.items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, indent, level + 1)
                try write(item, &out, escapeHTML: escapeHTML, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out.append(UInt8(ascii: "]"))
        case .map(let m):
            if m.isNil { out.append(contentsOf: "null".utf8); return }
            out.append(UInt8(ascii: "{"))
            if m.entries.isEmpty { out.append(UInt8(ascii: "}")); return }
            for (i, k) in m.sortedKeys.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, indent, level + 1)
                writeString(k, &out, escapeHTML: escapeHTML)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(0x20) }
                try write(m.entries[k]!, &out, escapeHTML: escapeHTML, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out.append(UInt8(ascii: "}"))
        case .object(let o):
            if let j = (o as? JSONRepresentable)?.jsonValue {
                try write(j, &out, escapeHTML: escapeHTML, indent: indent, level: level)
            } else {
                writeString(o.formatted, &out, escapeHTML: escapeHTML)
            }
        case .function:
            throw UnsupportedValue(description: "json: unsupported type: func")
        }
    }

    /// Go's float encoding in encoding/json.
    public static func formatFloat(_ f: Double, bits: Int = 64) throws -> String {
        if f.isNaN || f.isInfinite {
            throw UnsupportedValue(description: "json: unsupported value: \(f.isNaN ? "NaN" : (f > 0 ? "+Inf" : "-Inf"))")
        }
        let a = abs(f)
        var useExp = false
        if a != 0 {
            if bits == 64 && (a < 1e-6 || a >= 1e21) { useExp = true }
            if bits == 32 && (Float(a) < 1e-6 || Float(a) >= 1e21) { useExp = true }
        }
        let d = ShortestDecimal(a)
        var s: String
        if useExp {
            s = d.eFormat()
            // Go trims "e-07" to "e-7".
            var b = Array(s.utf8)
            let n = b.count
            if n >= 4, b[n - 4] == UInt8(ascii: "e"), b[n - 2] == UInt8(ascii: "0") {
                b.remove(at: n - 2)
                s = String(decoding: b, as: UTF8.self)
            }
        } else {
            s = d.fFormat()
        }
        return (f.sign == .minus && f != 0 ? "-" : "") + s
    }

    static let hex = Array("0123456789abcdef".utf8)

    public static func writeString(_ s: String, _ out: inout [UInt8], escapeHTML: Bool) {
        out.append(0x22)
        writeScalars(s, &out, escapeHTML: escapeHTML)
        out.append(0x22)
    }

    /// A Go string's bytes: each byte that is not valid UTF-8 is written as `\ufffd`, as
    /// encoding/json writes it.
    public static func writeString(_ s: GoString, _ out: inout [UInt8], escapeHTML: Bool) {
        guard !s.isValidUTF8 else { return writeString(s.string, &out, escapeHTML: escapeHTML) }
        let b = s.bytes
        out.append(0x22)
        var i = 0, start = 0
        while i < b.count {
            let n = GoString.validSequenceLength(b, at: i)
            if n > 0 { i += n; continue }
            writeScalars(String(decoding: b[start..<i], as: UTF8.self), &out, escapeHTML: escapeHTML)
            out.append(contentsOf: "\\ufffd".utf8)
            i += 1
            start = i
        }
        writeScalars(String(decoding: b[start..<i], as: UTF8.self), &out, escapeHTML: escapeHTML)
        out.append(0x22)
    }

    /// Runs of bytes that need no escape are copied whole: records hold whole charts (base64
    /// templates, values files), and a per-character copy made their encoding the operator's
    /// largest cost.
    static func writeScalars(_ s: String, _ out: inout [UInt8], escapeHTML: Bool) {
        var s = s
        s.withUTF8 { writeUTF8($0, &out, escapeHTML: escapeHTML) }
    }

    /// Bytes of valid UTF-8 as a JSON string's contents.
    static func writeUTF8(_ b: UnsafeBufferPointer<UInt8>, _ out: inout [UInt8], escapeHTML: Bool) {
        let plain = escapeHTML ? plainHTML : plainBytes
        var i = 0, start = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if plain[Int(c)] { i += 1; continue }
            // E2 80 A8/A9: U+2028, U+2029; any other sequence from E2 is plain.
            if c == 0xE2 && !(i + 2 < n && b[i + 1] == 0x80 && (b[i + 2] == 0xA8 || b[i + 2] == 0xA9)) { i += 1; continue }
            if start < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[start..<i])) }
            switch c {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0xE2:
                out.append(contentsOf: "\\u202".utf8); out.append(b[i + 2] == 0xA8 ? UInt8(ascii: "8") : UInt8(ascii: "9"))
                i += 2
            default:  // control characters, and < > & for HTML
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]])
            }
            i += 1
            start = i
        }
        if start < n { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[start..<n])) }
    }

    /// Bytes copied as they are: not a control character, quote or backslash, not the E2 that may
    /// begin U+2028/U+2029 (checked apart); `plainHTML` also escapes < > &.
    static let plainBytes: [Bool] = (0..<256).map { c in c >= 0x20 && c != 0x22 && c != 0x5C && c != 0xE2 }
    static let plainHTML: [Bool] = (0..<256).map { c in plainBytes[c] && c != 0x3C && c != 0x3E && c != 0x26 }
}

/// A host object that has a JSON form (Go types with MarshalJSON or exported fields).
public protocol JSONRepresentable {
    var jsonValue: Value { get }
}
