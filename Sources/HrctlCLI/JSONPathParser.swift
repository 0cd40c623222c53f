import Values

/// client-go's jsonpath parser (util/jsonpath/parser.go), with its error messages: text outside
/// `{…}` is printed as it is; inside, the path, literals and `range`/`end`.
struct JSONPathParser {
    typealias Node = JSONPath.Node
    private let input: [Unicode.Scalar]
    private var pos = 0, start = 0

    init(_ text: String) { input = Array(text.unicodeScalars) }

    mutating func parse() throws -> [Node] {
        var root: [Node] = []
        while true {
            if at("{") {
                if pos > start { root.append(.text(consume())) }
                pos += 1
                _ = consume()
                var action: [Node] = []
                try parseInsideAction(&action)
                root.append(.list(action))
                continue
            }
            if pos >= input.count { break }
            pos += 1
        }
        if pos > start { root.append(.text(consume())) }
        return root
    }

    private func at(_ prefix: String) -> Bool {
        let p = Array(prefix.unicodeScalars)
        return pos + p.count <= input.count && Array(input[pos..<(pos + p.count)]) == p
    }

    private var peek: Unicode.Scalar? { pos < input.count ? input[pos] : nil }

    private mutating func next() -> Unicode.Scalar? {
        guard pos < input.count else { return nil }
        pos += 1
        return input[pos - 1]
    }

    private mutating func consume() -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: input[start..<pos])
        start = pos
        return String(s)
    }

    private func fail(_ message: String) -> JSONPath.ParseError { JSONPath.ParseError(description: message) }

    /// Everything up to the closing `}` of one action.
    private mutating func parseInsideAction(_ cur: inout [Node]) throws {
        while true {
            if at("}") { pos += 1; _ = consume(); return }
            if at("[?(") { try parseFilter(&cur); continue }
            if at("..") {
                if case .recursive? = cur.last { throw fail("invalid multiple recursive descent") }
                pos += 2
                _ = consume()
                cur.append(.recursive)
                if let r = peek, Self.isAlphaNumeric(r) { parseField(&cur) }
                continue
            }
            guard let r = next(), !Self.isEndOfLine(r) else { throw fail("unclosed action") }
            switch r {
            case " ", "@", "$": _ = consume()
            case "[": try parseArray(&cur)
            case "\"", "'": try parseQuote(&cur, r)
            case ".": parseField(&cur)
            case "+", "-": pos -= 1; try parseNumber(&cur)
            case _ where r.isGoDigit: pos -= 1; try parseNumber(&cur)
            case _ where Self.isAlphaNumeric(r): pos -= 1; parseIdentifier(&cur)
            default: throw fail("unrecognized character in action: \(Self.goRune(r))")
            }
        }
    }

    private mutating func parseIdentifier(_ cur: inout [Node]) {
        while let r = peek, !Self.isTerminator(r) { pos += 1 }
        let value = consume()
        if value == "true" || value == "false" { cur.append(.bool(value == "true")) } else { cur.append(.identifier(value)) }
    }

    private mutating func parseNumber(_ cur: inout [Node]) throws {
        if peek == "+" || peek == "-" { pos += 1 }
        while let r = peek, r == "." || r.isGoDigit { pos += 1 }
        let value = consume()
        if let i = Int(value.hasPrefix("+") ? String(value.dropFirst()) : value) { cur.append(.int(i)); return }
        if let d = Double(value) { cur.append(.float(d)); return }
        throw fail("cannot parse number \(value)")
    }

    private mutating func parseArray(_ cur: inout [Node]) throws {
        while true {
            guard let r = next(), r != "\n" else { throw fail("unterminated array") }
            if r == "]" { break }
        }
        var text = String(consume().dropFirst().dropLast())
        if text == "*" { text = ":" }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        if parts.count > 1 {
            var union: [[Node]] = []
            for part in parts {
                union.append(try Self.parseAction("[" + String(String(part).trimmingPrefixAndSuffix(" ")) + "]"))
            }
            cur.append(.union(union))
            return
        }
        // ['key']
        if text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'"), !text.dropFirst().dropLast().contains("'") {
            cur += try Self.parseAction("." + text.dropFirst().dropLast())
            return
        }
        guard let slice = Self.slice(text) else { throw fail("invalid array index \(text)") }
        cur.append(.array(slice))
    }

    /// `^(-?\d*)(:-?\d*)?(:-?\d*)?$` read as client-go reads it.
    static func slice(_ text: String) -> JSONPath.Slice? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 3 else { return nil }
        func number(_ s: String) -> Bool {
            let digits = s.hasPrefix("-") ? s.dropFirst() : Substring(s)
            return digits.allSatisfy { $0.isASCII && $0.isNumber }
        }
        guard parts.allSatisfy(number) else { return nil }
        var slice = JSONPath.Slice()
        func value(_ s: String) -> Int? { s.isEmpty || s == "-" ? nil : Int(s) }
        if parts[0] == "-" { return nil }
        slice.start = value(parts[0])
        if parts.count > 1 { slice.end = value(parts[1]); if parts[1] == "-" { return nil } } else {
            slice.end = (slice.start ?? 0) + 1
            slice.derivedEnd = true
        }
        if parts.count > 2 { slice.step = value(parts[2]); if parts[2] == "-" { return nil } }
        return slice
    }

    private mutating func parseFilter(_ cur: inout [Node]) throws {
        pos += 3
        _ = consume()
        var begin = false, end = false
        var pair: Unicode.Scalar = "\""
        loop: while true {
            guard let r = next(), r != "\n" else { throw fail("unterminated filter") }
            switch r {
            case "\"", "'":
                if !begin { begin = true; pair = r; continue }
                if input[pos - 2] != "\\" && r == pair { end = true }
            case ")":
                if begin == end { break loop }
            default: break
            }
        }
        guard next() == "]" else { throw fail("unclosed array expect ]") }
        let text = String(consume().dropLast(2))
        // ^([^!<>=]+)([!<>=]+)(.+?)$
        let scalars = Array(text.unicodeScalars)
        let isOp: (Unicode.Scalar) -> Bool = { "!<>=".unicodeScalars.contains($0) }
        if let opStart = scalars.firstIndex(where: isOp), opStart > 0 {
            let opEnd = scalars[opStart...].firstIndex(where: { !isOp($0) }) ?? scalars.count
            if opEnd < scalars.count {
                func string(_ s: ArraySlice<Unicode.Scalar>) -> String { var v = String.UnicodeScalarView(); v.append(contentsOf: s); return String(v) }
                let left = try Self.parseAction(string(scalars[..<opStart]))
                let right = try Self.parseAction(string(scalars[opEnd...]))
                cur.append(.filter(left: left, right: right, op: string(scalars[opStart..<opEnd])))
                return
            }
        }
        cur.append(.filter(left: try Self.parseAction(text), right: [], op: "exists"))
    }

    private mutating func parseQuote(_ cur: inout [Node], _ quote: Unicode.Scalar) throws {
        while true {
            guard let r = next(), r != "\n" else { throw fail("unterminated quoted string") }
            if r == quote && input[pos - 2] != "\\" { break }
        }
        let value = consume()
        guard let s = Self.unquote(value) else { throw fail("unquote string \(value) error invalid syntax") }
        cur.append(.text(s))
    }

    private mutating func parseField(_ cur: inout [Node]) {
        _ = consume()
        while let r = next() {
            if r == "\\" { _ = next(); continue }
            if Self.isTerminator(r) { pos -= 1; break }
        }
        let value = consume()
        cur.append(value == "*" ? .wildcard : .field(value.replacingOccurrences(of: "\\", with: "")))
    }

    /// The nodes of one action's text (client-go's parseAction).
    static func parseAction(_ text: String) throws -> [Node] {
        var p = JSONPathParser("{" + text + "}")
        guard case .list(let nodes)? = try p.parse().first else { return [] }
        return nodes
    }

    static func isTerminator(_ r: Unicode.Scalar) -> Bool {
        " \t\r\n.,[]$@{}".unicodeScalars.contains(r)
    }

    static func isEndOfLine(_ r: Unicode.Scalar) -> Bool { r == "\r" || r == "\n" }

    static func isAlphaNumeric(_ r: Unicode.Scalar) -> Bool {
        r == "_" || r.isGoLetter || r.isGoDigit
    }

    /// Go's %#U.
    static func goRune(_ r: Unicode.Scalar) -> String {
        let hex = String(r.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        return r.properties.isPrintableGo ? "\(code) '\(r)'" : code
    }

    /// strconv.Unquote extended to single-quoted strings (client-go's UnquoteExtend).
    static func unquote(_ s: String) -> String? {
        var chars = Array(s.unicodeScalars)
        guard chars.count >= 2, let q = chars.first, q == chars.last, q == "\"" || q == "'" else { return nil }
        chars = Array(chars.dropFirst().dropLast())
        var out = String.UnicodeScalarView()
        var i = 0
        func hex(_ n: Int) -> Unicode.Scalar? {
            guard i + n <= chars.count, let v = UInt32(String(String.UnicodeScalarView(chars[i..<(i + n)])), radix: 16) else { return nil }
            i += n
            return Unicode.Scalar(v)
        }
        while i < chars.count {
            let c = chars[i]
            i += 1
            if c == q { return nil }
            guard c == "\\" else { out.append(c); continue }
            guard i < chars.count else { return nil }
            let e = chars[i]
            i += 1
            switch e {
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "\\": out.append("\\")
            case "'", "\"": guard e == q else { return nil }; out.append(e)
            case "x": guard let v = hex(2) else { return nil }; out.append(v)
            case "u": guard let v = hex(4) else { return nil }; out.append(v)
            case "U": guard let v = hex(8) else { return nil }; out.append(v)
            case "0"..."7":
                guard i + 2 <= chars.count, let v = UInt32(String(String.UnicodeScalarView([e] + chars[i..<(i + 2)])), radix: 8), v <= 255,
                      let scalar = Unicode.Scalar(v) else { return nil }
                i += 2
                out.append(scalar)
            default: return nil
            }
        }
        return String(out)
    }
}

extension Unicode.Scalar.Properties {
    /// Go's strconv.IsPrint, near enough for an error message.
    var isPrintableGo: Bool { !(generalCategory == .control || generalCategory == .format || generalCategory == .unassigned) }
}
