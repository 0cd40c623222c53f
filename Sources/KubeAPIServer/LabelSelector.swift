/// Kubernetes label selectors: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
/// comma-separated; errors worded as the API server words them.
public struct LabelSelector: Sendable {
    enum Requirement: Sendable {
        case equals(String, String), notEquals(String, String)
        case isIn(String, Set<String>), notIn(String, Set<String>)
        case exists(String), doesNotExist(String)
    }
    let requirements: [Requirement]

    public struct ParseError: Error, CustomStringConvertible, Sendable { public let description: String }

    public init(_ text: String) throws {
        var reqs: [Requirement] = []
        var p = Tokens(text)
        while true {
            p.skipSpace()
            if p.atEnd { break }
            var negate = false
            if p.peekChar == "!" { negate = true; p.i += 1; p.skipSpace() }
            guard let key = p.identifier() else {
                throw ParseError(description: "found '\(p.token())', expected: !, identifier, or 'end of string'")
            }
            p.skipSpace()
            if negate {
                reqs.append(.doesNotExist(key))
            } else if p.consume("==") || p.consume("=") {
                p.skipSpace()
                reqs.append(.equals(key, p.identifier() ?? ""))
            } else if p.consume("!=") {
                p.skipSpace()
                reqs.append(.notEquals(key, p.identifier() ?? ""))
            } else if p.consumeWord("notin") || p.consumeWord("in") {
                let isIn = p.lastWord == "in"
                p.skipSpace()
                // Errors inside a requirement carry kube-apiserver's prefix (v1.28 words).
                guard p.consume("(") else { throw ParseError(description: "unable to parse requirement: found '\(p.token())' expected: '('") }
                var values: Set<String> = []
                while true {
                    p.skipSpace()
                    if p.consume(")") { break }
                    if let v = p.identifier() { values.insert(v) }
                    p.skipSpace()
                    if p.consume(",") { continue }
                    if p.consume(")") { break }
                    throw ParseError(description: "unable to parse requirement: found '\(p.token())', expected: ',' or ')'")
                }
                reqs.append(isIn ? .isIn(key, values) : .notIn(key, values))
            } else {
                reqs.append(.exists(key))
            }
            p.skipSpace()
            if p.atEnd { break }
            guard p.consume(",") else { throw ParseError(description: "found '\(p.token())', expected: ',' or 'end of string'") }
        }
        requirements = reqs
    }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { r in
            switch r {
            case .equals(let k, let v): return labels[k] == v
            case .notEquals(let k, let v): return labels[k] != v
            case .isIn(let k, let vs): return labels[k].map(vs.contains) ?? false
            case .notIn(let k, let vs): return !(labels[k].map(vs.contains) ?? false)
            case .exists(let k): return labels[k] != nil
            case .doesNotExist(let k): return labels[k] == nil
            }
        }
    }

    struct Tokens {
        let c: [Character]
        var i = 0
        var lastWord = ""
        init(_ s: String) { c = Array(s) }
        var atEnd: Bool { i >= c.count }
        var peekChar: Character? { i < c.count ? c[i] : nil }
        mutating func skipSpace() { while i < c.count && c[i] == " " { i += 1 } }
        static func isIdent(_ ch: Character) -> Bool { ch.isLetter || ch.isNumber || "-_./".contains(ch) }
        mutating func identifier() -> String? {
            let st = i
            while i < c.count && Tokens.isIdent(c[i]) { i += 1 }
            return i > st ? String(c[st..<i]) : nil
        }
        mutating func consume(_ s: String) -> Bool {
            let a = Array(s)
            guard i + a.count <= c.count, Array(c[i..<(i + a.count)]) == a else { return false }
            i += a.count
            return true
        }
        mutating func consumeWord(_ w: String) -> Bool {
            let save = i
            guard let id = identifier(), id == w else { i = save; return false }
            lastWord = w
            return true
        }
        /// The next token as the server's lexer would show it.
        func token() -> String {
            guard i < c.count else { return "" }
            var j = i
            if "=!<>".contains(c[i]) { while j < c.count && "=!<>".contains(c[j]) { j += 1 } }
            else if Tokens.isIdent(c[i]) { while j < c.count && Tokens.isIdent(c[j]) { j += 1 } }
            else { j += 1 }
            return String(c[i..<j])
        }
    }
}
