import Values
import GoFmt

/// TOML as Helm's toToml and fromToml see it (BurntSushi/toml): encoding sorts keys, writes
/// plain keys before tables and indents a table's contents by two spaces a level; decoding
/// gives int64 integers, float64 floats, strings, booleans, arrays and tables.
enum TOML {
    struct EncodeError: Error, CustomStringConvertible { let description: String }

    /// A map is a document; any other top-level value but an array of tables is written as a
    /// value alone (`[1, "x"]`, `true`), as BurntSushi/toml v1 does.
    static func encode(_ v: Value) throws -> String {
        switch v {
        case .map(let m):
            var out = ""
            try table(m, path: [], into: &out)
            return out
        case .list where isTableArray(v):
            throw EncodeError(description: "toml: top-level values must be Go maps or structs")
        default:
            return try scalar(v)
        }
    }

    static func isTable(_ v: Value) -> Bool { if case .map = v { return true }; return false }

    /// BurntSushi/toml leaves out nil values: nil interfaces, slices and maps alike.
    static func isNil(_ v: Value) -> Bool {
        switch v {
        case .null: return true
        case .list(let l): return l.isNil
        case .map(let m): return m.isNil
        default: return false
        }
    }

    static func isTableArray(_ v: Value) -> Bool {
        if case .list(let l) = v, !l.items.isEmpty, l.items.allSatisfy(isTable) { return true }
        return false
    }

    static func key(_ k: String) -> String {
        let bare = !k.isEmpty && k.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        return bare ? k : GoQuote.quote(k)
    }

    static func table(_ m: Map, path: [String], into out: inout String) throws {
        let indent = String(repeating: "  ", count: max(path.count - 1, 0))
        let keys = m.sortedKeys
        for k in keys {
            let v = m.entries[k]!
            if isNil(v) || isTable(v) || isTableArray(v) { continue }
            out += indent + (path.isEmpty ? "" : "  ") + "\(key(k)) = \(try scalar(v))\n"
        }
        for k in keys {
            let v = m.entries[k]!
            let p = path + [k]
            let header = p.map(key).joined(separator: ".")
            let hIndent = String(repeating: "  ", count: p.count - 1)
            if case .map(let sub) = v, !sub.isNil {
                out += "\n\(hIndent)[\(header)]\n"
                try table(sub, path: p, into: &out)
            } else if isTableArray(v), case .list(let l) = v {
                for item in l.items {
                    guard case .map(let sub) = item else { continue }
                    out += "\n\(hIndent)[[\(header)]]\n"
                    try table(sub, path: p, into: &out)
                }
            }
        }
    }

    static func scalar(_ v: Value) throws -> String {
        switch v {
        case .bool(let b): return b ? "true" : "false"
        case .int(let i, _): return String(i)
        case .uint(let u, _): return String(u)
        case .float(let f, _):
            if f.isNaN { return "nan" }
            if f.isInfinite { return f > 0 ? "inf" : "-inf" }
            // strconv 'g', shortest; a decimal point added where there is neither one nor an exponent.
            var s = ShortestDecimal(f).gFormat()
            if f < 0 { s = "-" + s }
            if !s.contains(".") && !s.contains("e") { s += ".0" }
            return s
        case .string(let s): return GoQuote.quote(s.string)
        case .list(let l):
            return "[" + (try l.items.filter { !$0.isNull }.map(scalar)).joined(separator: ", ") + "]"
        case .map(let m):
            return "{" + (try m.sortedKeys.compactMap { k -> String? in
                let x = m.entries[k]!
                if x.isNull { return nil }
                return "\(key(k)) = \(try scalar(x))"
            }).joined(separator: ", ") + "}"
        case .object(let o): return GoQuote.quote(o.formatted)
        default: throw EncodeError(description: "toml: cannot encode a value of type \(v.goType)")
        }
    }

    // MARK: decoding

    struct DecodeError: Error, CustomStringConvertible { let description: String }

    static func decode(_ text: String) throws -> Map {
        var p = Parser(chars: Array(text.unicodeScalars))
        return try p.document()
    }

    struct Parser {
        let chars: [Unicode.Scalar]
        var i = 0
        var line = 1

        func fail(_ msg: String) -> DecodeError { DecodeError(description: "toml: line \(line): \(msg)") }
        var atEnd: Bool { i >= chars.count }
        func peek(_ o: Int = 0) -> Unicode.Scalar? { i + o < chars.count ? chars[i + o] : nil }

        mutating func skipSpace() { while let c = peek(), c == " " || c == "\t" { i += 1 } }
        mutating func skipComment() { if peek() == "#" { while let c = peek(), c != "\n" { i += 1 } } }
        mutating func skipBlank() {
            while true {
                skipSpace(); skipComment()
                if peek() == "\n" { i += 1; line += 1; continue }
                if peek() == "\r" { i += 1; continue }
                return
            }
        }

        mutating func document() throws -> Map {
            let root = Map([:])
            var current = root
            while true {
                skipBlank()
                guard let c = peek() else { return root }
                if c == "[" {
                    let array = peek(1) == "["
                    i += array ? 2 : 1
                    skipSpace()
                    let path = try keyPath()
                    skipSpace()
                    guard peek() == "]" else { throw fail("expected ']'") }
                    i += 1
                    if array { guard peek() == "]" else { throw fail("expected ']]'") }; i += 1 }
                    current = try open(root, path, array: array)
                } else {
                    let path = try keyPath()
                    skipSpace()
                    guard peek() == "=" else { throw fail("expected '=' after key") }
                    i += 1
                    skipSpace()
                    let v = try value()
                    var target = current
                    for k in path.dropLast() { target = try open(target, [k], array: false) }
                    if target.entries[path.last!] != nil { throw fail("key \(path.last!) is already defined") }
                    target.entries[path.last!] = v
                }
                skipSpace(); skipComment()
                if let c = peek(), c != "\n", c != "\r" { throw fail("expected newline after value") }
            }
        }

        func open(_ root: Map, _ path: [String], array: Bool) throws -> Map {
            var cur = root
            for (n, k) in path.enumerated() {
                let last = n == path.count - 1
                if last && array {
                    var items: [Value] = []
                    if case .list(let l)? = cur.entries[k] { items = l.items }
                    let m = Map([:])
                    items.append(.map(m))
                    cur.entries[k] = .list(items)
                    return m
                }
                switch cur.entries[k] {
                case .map(let m)?: cur = m
                case .list(let l)? where !l.items.isEmpty:
                    guard case .map(let m) = l.items.last! else { throw fail("key \(k) is not a table") }
                    cur = m
                case nil:
                    let m = Map([:]); cur.entries[k] = .map(m); cur = m
                default:
                    throw fail("key \(k) is not a table")
                }
            }
            return cur
        }

        mutating func keyPath() throws -> [String] {
            var parts: [String] = []
            while true {
                skipSpace()
                if peek() == "\"" { parts.append(try basicString()) }
                else if peek() == "'" { parts.append(try literalString()) }
                else {
                    var k = ""
                    while let c = peek(), c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" || c == "-" { k.unicodeScalars.append(c); i += 1 }
                    if k.isEmpty { throw fail("expected a key") }
                    parts.append(k)
                }
                skipSpace()
                if peek() == "." { i += 1; continue }
                return parts
            }
        }

        mutating func basicString() throws -> String {
            if peek(1) == "\"" && peek(2) == "\"" { return try multiline(quote: "\"") }
            i += 1
            var s = ""
            while let c = peek() {
                if c == "\"" { i += 1; return s }
                if c == "\n" { throw fail("unterminated string") }
                if c == "\\" { s.unicodeScalars.append(try escape()); continue }
                s.unicodeScalars.append(c); i += 1
            }
            throw fail("unterminated string")
        }

        mutating func escape() throws -> Unicode.Scalar {
            i += 1
            guard let e = peek() else { throw fail("bad escape") }
            i += 1
            switch e {
            case "n": return "\n"
            case "t": return "\t"
            case "r": return "\r"
            case "b": return "\u{8}"
            case "f": return "\u{C}"
            case "\"": return "\""
            case "\\": return "\\"
            case "u", "U":
                let n = e == "u" ? 4 : 8
                var v: UInt32 = 0
                for _ in 0..<n {
                    guard let h = peek(), let d = UInt32(String(h), radix: 16) else { throw fail("bad unicode escape") }
                    v = v * 16 + d; i += 1
                }
                guard let sc = Unicode.Scalar(v) else { throw fail("bad unicode escape") }
                return sc
            default: throw fail("invalid escape \\\(e)")
            }
        }

        mutating func literalString() throws -> String {
            if peek(1) == "'" && peek(2) == "'" { return try multiline(quote: "'") }
            i += 1
            var s = ""
            while let c = peek() {
                if c == "'" { i += 1; return s }
                if c == "\n" { throw fail("unterminated string") }
                s.unicodeScalars.append(c); i += 1
            }
            throw fail("unterminated string")
        }

        mutating func multiline(quote: Unicode.Scalar) throws -> String {
            i += 3
            if peek() == "\n" { i += 1; line += 1 }
            var s = ""
            while let c = peek() {
                if c == quote && peek(1) == quote && peek(2) == quote { i += 3; return s }
                if c == "\n" { line += 1 }
                if quote == "\"" && c == "\\" {
                    if peek(1) == "\n" || peek(1) == " " {
                        i += 1
                        while let w = peek(), w == " " || w == "\n" || w == "\t" || w == "\r" { if w == "\n" { line += 1 }; i += 1 }
                        continue
                    }
                    s.unicodeScalars.append(try escape()); continue
                }
                s.unicodeScalars.append(c); i += 1
            }
            throw fail("unterminated multi-line string")
        }

        mutating func value() throws -> Value {
            guard let c = peek() else { throw fail("expected a value") }
            switch c {
            case "\"": return .string(try basicString())
            case "'": return .string(try literalString())
            case "[":
                i += 1
                var items: [Value] = []
                while true {
                    skipBlank()
                    if peek() == "]" { i += 1; return .list(items) }
                    items.append(try value())
                    skipBlank()
                    if peek() == "," { i += 1; continue }
                    skipBlank()
                    if peek() == "]" { i += 1; return .list(items) }
                    throw fail("expected ',' or ']' in array")
                }
            case "{":
                i += 1
                let m = Map([:])
                skipSpace()
                if peek() == "}" { i += 1; return .map(m) }
                while true {
                    let path = try keyPath()
                    skipSpace()
                    guard peek() == "=" else { throw fail("expected '=' in inline table") }
                    i += 1; skipSpace()
                    let v = try value()
                    var target = m
                    for k in path.dropLast() { target = try open(target, [k], array: false) }
                    target.entries[path.last!] = v
                    skipSpace()
                    if peek() == "," { i += 1; skipSpace(); continue }
                    if peek() == "}" { i += 1; return .map(m) }
                    throw fail("expected ',' or '}' in inline table")
                }
            default:
                var word = ""
                while let x = peek(), !(x == "," || x == "]" || x == "}" || x == "\n" || x == "\r" || x == "#" || (x == " " && !word.contains("-"))) {
                    word.unicodeScalars.append(x); i += 1
                }
                word = word.trimmingCharacters(in: " \t")
                switch word {
                case "true": return .bool(true)
                case "false": return .bool(false)
                case "inf", "+inf": return .float(.infinity)
                case "-inf": return .float(-.infinity)
                case "nan", "+nan", "-nan": return .float(.nan)
                default: break
                }
                let clean = word.filter { $0 != "_" }
                if let n = Int64(clean) { return .int(n, .int64) }
                for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where clean.hasPrefix(prefix) {
                    if let n = Int64(clean.dropFirst(2), radix: radix) { return .int(n, .int64) }
                }
                if let f = Double(clean), clean.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return .float(f) }
                if !word.isEmpty, word.first!.isNumber { return .string(word) } // dates and times stay text
                throw fail("invalid value \(GoQuote.quote(word))")
            }
        }
    }
}
