/// Where Go's syntax (Go 1.22 and later) and the RE2 library's differ, the pattern is adjusted
/// before RE2 parses it, and RE2's error fragment is mapped back to the user's text:
/// - `(?<name>re)`: Go takes it as `(?P<name>re)`, this RE2 only the latter; and Go's errors
///   for lookbehinds (`(?<=`, `(?<!`) are its named-capture errors, which RE2 then gives too.
/// - `\C` (any byte): RE2 has it, Go refuses it as an invalid escape, as both refuse `\Z`.
enum Syntax {
    struct Prepared {
        var bytes: [UInt8] = []
        /// For each byte of `bytes`, the offset of the pattern byte it stands for.
        var origin: [Int] = []
    }

    static func prepare(_ pattern: String) throws(RegexpError) -> [UInt8] {
        prepared(pattern).bytes
    }

    static func prepared(_ pattern: String) -> Prepared {
        let p = Array(pattern.utf8)
        var out = Prepared()
        out.bytes.reserveCapacity(p.count + 4)
        var i = 0
        var inClass = false
        func put(_ b: UInt8, _ from: Int) { out.bytes.append(b); out.origin.append(from) }
        while i < p.count {
            let c = p[i]
            if c == UInt8(ascii: "\\"), i + 1 < p.count {
                if p[i + 1] == UInt8(ascii: "Q") && !inClass {
                    // \Q...\E is literal text: copy it untouched.
                    var j = i
                    while j < p.count {
                        if p[j] == UInt8(ascii: "\\"), j + 1 < p.count, p[j + 1] == UInt8(ascii: "E"), j > i + 1 { put(p[j], j); put(p[j + 1], j + 1); j += 2; break }
                        put(p[j], j); j += 1
                    }
                    i = j
                    continue
                }
                put(c, i)
                // RE2's \C is Go's invalid escape: give RE2 one it refuses the same way.
                put(p[i + 1] == UInt8(ascii: "C") ? UInt8(ascii: "Z") : p[i + 1], i + 1)
                i += 2
                continue
            }
            if inClass {
                if c == UInt8(ascii: "]") { inClass = false }
                put(c, i); i += 1
                continue
            }
            if c == UInt8(ascii: "[") {
                inClass = true
                put(c, i); i += 1
                // A ']' first in a class (after an optional '^') is a literal.
                if i < p.count && p[i] == UInt8(ascii: "^") { put(p[i], i); i += 1 }
                if i < p.count && p[i] == UInt8(ascii: "]") { put(p[i], i); i += 1 }
                continue
            }
            if c == UInt8(ascii: "("), i + 2 < p.count, p[i + 1] == UInt8(ascii: "?"), p[i + 2] == UInt8(ascii: "<") {
                put(c, i); put(p[i + 1], i + 1); put(UInt8(ascii: "P"), i + 2); put(p[i + 2], i + 2)
                i += 3
                continue
            }
            put(c, i); i += 1
        }
        return out
    }

    /// The user's text for the fragment RE2 named in the adjusted pattern.
    static func originalFragment(_ pattern: String, _ fragment: String) -> String {
        let prep = prepared(pattern)
        let f = Array(fragment.utf8)
        guard !f.isEmpty, f.count <= prep.bytes.count else { return fragment }
        let p = Array(pattern.utf8)
        var k = 0
        while k + f.count <= prep.bytes.count {
            if prep.bytes[k] == f[0] && prep.bytes[k..<(k + f.count)].elementsEqual(f) {
                let start = prep.origin[k], end = prep.origin[k + f.count - 1] + 1
                return String(decoding: p[start..<end], as: UTF8.self)
            }
            k += 1
        }
        return fragment
    }
}
