/// Decodes JSON the way Go's encoding/json fills an `interface{}`: objects become
/// `map[string]interface {}`, arrays `[]interface {}`, every number a float64.
public enum JSON {
    public struct SyntaxError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public let offset: Int
        public let line: Int
        public var description: String { "line \(line): \(message)" }
    }

    public static func decode(_ text: String) throws -> Value {
        var p = Parser(bytes: Array(text.utf8))
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        if p.pos < p.bytes.count { throw p.error("invalid character \(p.quoteChar(p.bytes[p.pos])) after top-level value") }
        return v
    }

    struct Parser {
        let bytes: [UInt8]
        var pos = 0
        static let maxDepth = 10000

        func error(_ msg: String) -> SyntaxError {
            let line = 1 + bytes[0..<min(pos, bytes.count)].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            return SyntaxError(message: msg, offset: pos, line: line)
        }
        func quoteChar(_ c: UInt8) -> String {
            c == UInt8(ascii: "'") ? "'\\''" : (c == UInt8(ascii: "\"") ? "'\"'" : "'\(Character(Unicode.Scalar(c)))'")
        }

        mutating func skipSpace() {
            while pos < bytes.count, bytes[pos] == 32 || bytes[pos] == 9 || bytes[pos] == 10 || bytes[pos] == 13 { pos += 1 }
        }

        mutating func value(depth: Int) throws -> Value {
            guard pos < bytes.count else { throw error("unexpected end of JSON input") }
            if depth > Parser.maxDepth { throw error("exceeded max depth") }
            let c = bytes[pos]
            switch c {
            case UInt8(ascii: "{"):
                pos += 1
                var entries: [String: Value] = [:]
                skipSpace()
                if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .map(entries) }
                while true {
                    skipSpace()
                    guard pos < bytes.count else { throw error("unexpected end of JSON input") }
                    guard bytes[pos] == UInt8(ascii: "\"") else {
                        throw error("invalid character \(quoteChar(bytes[pos])) looking for beginning of object key string")
                    }
                    let key = try string()
                    skipSpace()
                    guard pos < bytes.count else { throw error("unexpected end of JSON input") }
                    guard bytes[pos] == UInt8(ascii: ":") else {
                        throw error("invalid character \(quoteChar(bytes[pos])) after object key")
                    }
                    pos += 1
                    skipSpace()
                    entries[key] = try value(depth: depth + 1)
                    skipSpace()
                    guard pos < bytes.count else { throw error("unexpected end of JSON input") }
                    if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                    if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .map(entries) }
                    throw error("invalid character \(quoteChar(bytes[pos])) after object key:value pair")
                }
            case UInt8(ascii: "["):
                pos += 1
                var items: [Value] = []
                skipSpace()
                if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .list(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard pos < bytes.count else { throw error("unexpected end of JSON input") }
                    if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                    if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .list(items) }
                    throw error("invalid character \(quoteChar(bytes[pos])) after array element")
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return .float(try number())
            default:
                throw error("invalid character \(quoteChar(c)) looking for beginning of value")
            }
        }

        mutating func literal(_ word: String) throws {
            for b in word.utf8 {
                guard pos < bytes.count else { throw error("unexpected end of JSON input") }
                guard bytes[pos] == b else { throw error("invalid character \(quoteChar(bytes[pos])) in literal \(word) (expecting '\(Character(Unicode.Scalar(b)))')") }
                pos += 1
            }
        }

        mutating func number() throws -> Double {
            let start = pos
            if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            func digits(_ p: inout Int) -> Int {
                let s = p
                while p < bytes.count, bytes[p] >= 48, bytes[p] <= 57 { p += 1 }
                return p - s
            }
            guard pos < bytes.count else { throw error("unexpected end of JSON input") }
            if bytes[pos] == UInt8(ascii: "0") { pos += 1 }
            else if digits(&pos) == 0 { throw error("invalid character \(quoteChar(bytes[pos])) in numeric literal") }
            if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
                pos += 1
                if digits(&pos) == 0 { throw error("invalid character after decimal point in numeric literal") }
            }
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
                pos += 1
                if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
                if digits(&pos) == 0 { throw error("invalid character in exponent of numeric literal") }
            }
            let text = String(decoding: bytes[start..<pos], as: UTF8.self)
            guard let d = Double(text) else { throw error("cannot parse number \(text)") }
            return d
        }

        mutating func hex4() throws -> UInt32 {
            guard pos + 4 <= bytes.count else { throw error("unexpected end of JSON input") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[pos]
                let d: UInt32
                switch c {
                case 48...57: d = UInt32(c - 48)
                case 97...102: d = UInt32(c - 87)
                case 65...70: d = UInt32(c - 55)
                default: throw error("invalid character \(quoteChar(c)) in \\u hexadecimal character escape")
                }
                v = v * 16 + d
                pos += 1
            }
            return v
        }

        mutating func string() throws -> String {
            pos += 1 // opening quote
            var out: [UInt8] = []
            while true {
                guard pos < bytes.count else { throw error("unexpected end of JSON input") }
                let c = bytes[pos]
                if c == UInt8(ascii: "\"") { pos += 1; break }
                if c < 0x20 { throw error("invalid character \(quoteChar(c)) in string literal") }
                if c != UInt8(ascii: "\\") { out.append(c); pos += 1; continue }
                pos += 1
                guard pos < bytes.count else { throw error("unexpected end of JSON input") }
                let e = bytes[pos]; pos += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "u"):
                    var u = try hex4()
                    if u >= 0xD800 && u < 0xDC00 {
                        // A surrogate pair; an unpaired half becomes U+FFFD as in Go.
                        if pos + 6 <= bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") {
                            let save = pos
                            pos += 2
                            let lo = try hex4()
                            if lo >= 0xDC00 && lo < 0xE000 { u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00) }
                            else { pos = save; u = 0xFFFD }
                        } else { u = 0xFFFD }
                    } else if u >= 0xDC00 && u < 0xE000 { u = 0xFFFD }
                    out.append(contentsOf: Array(String(Character(Unicode.Scalar(u)!)).utf8))
                default:
                    throw error("invalid character \(quoteChar(e)) in string escape code")
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
