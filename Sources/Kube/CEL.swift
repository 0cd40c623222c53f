import Values

/// The subset of CEL (the Common Expression Language) that Flux's health check expressions use
/// (`status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True')`): literals,
/// field and index access, `has()`, arithmetic, comparison, `in`, `&&`/`||`/`!`, `?:`, `size()`,
/// `string()`, `int()`, the string functions `startsWith`, `endsWith`, `contains`, and the macros
/// `all`, `exists`, `exists_one`, `filter`, `map`. The object's top-level fields are the
/// variables. Anything else (`matches`, timestamps, protobuf types) is an error naming it.
public struct CELExpression: Sendable {
    public let source: String
    let root: Node

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    indirect enum Node: Sendable {
        case literal(CEL)
        case ident(String)
        case member(Node, String)
        case index(Node, Node)
        case call(Node?, String, [Node])
        case unary(String, Node)
        case binary(String, Node, Node)
        case conditional(Node, Node, Node)
        case list([Node])
    }

    public init(_ source: String) throws {
        self.source = source
        var p = Parser(tokens: try Lexer.tokens(source), source: source)
        root = try p.expression()
        guard p.at >= p.tokens.count else { throw Failure(description: "CEL expression \"\(source)\": unexpected \(p.tokens[p.at])") }
    }

    /// The expression's value for `object` (its top-level fields as variables), as a boolean.
    public func isTrue(for object: Value) throws -> Bool {
        var scope: [String: CEL] = [:]
        if case .map(let m) = object { for (k, v) in m.entries { scope[k] = CEL(v) } }
        guard case .bool(let b) = try Evaluator(source: source).eval(root, scope) else {
            throw Failure(description: "CEL expression \"\(source)\" does not give a boolean")
        }
        return b
    }
}

/// A CEL value.
enum CEL: Sendable, Equatable {
    case null, bool(Bool), int(Int64), double(Double), string(String), list([CEL]), map([String: CEL])

    init(_ v: Value) {
        switch v {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i, _): self = .int(i)
        case .uint(let u, _): self = Int64(exactly: u).map { .int($0) } ?? .double(Double(u))
        case .float(let f, _): self = f == f.rounded() && abs(f) < 9e15 ? .int(Int64(f)) : .double(f)
        case .string(let s): self = .string(s.string)
        case .list(let l): self = .list(l.items.map(CEL.init))
        case .map(let m): self = .map(m.entries.mapValues(CEL.init))
        default: self = .null
        }
    }

    var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}

struct Lexer {
    enum Token: Equatable, CustomStringConvertible {
        case ident(String), int(Int64), double(Double), string(String), op(String)
        var description: String {
            switch self {
            case .ident(let s), .op(let s): return "'\(s)'"
            case .int(let i): return "\(i)"
            case .double(let d): return "\(d)"
            case .string(let s): return "'\(s)'"
            }
        }
    }

    static func tokens(_ s: String) throws -> [Token] {
        let c = Array(s.unicodeScalars)
        var i = 0, out: [Token] = []
        func fail(_ what: String) -> CELExpression.Failure { CELExpression.Failure(description: "CEL expression \"\(s)\": \(what)") }
        while i < c.count {
            let ch = c[i]
            if ch == " " || ch == "\t" || ch == "\n" || ch == "\r" { i += 1; continue }
            if ch.properties.isAlphabetic || ch == "_" {
                var j = i
                while j < c.count && (c[j].properties.isAlphabetic || c[j] == "_" || ("0"..."9").contains(c[j])) { j += 1 }
                out.append(.ident(String(String.UnicodeScalarView(c[i..<j])))); i = j; continue
            }
            if ("0"..."9").contains(ch) {
                var j = i
                while j < c.count && (("0"..."9").contains(c[j]) || c[j] == ".") { j += 1 }
                let text = String(String.UnicodeScalarView(c[i..<j]))
                if text.contains(".") { guard let d = Double(text) else { throw fail("bad number \(text)") }; out.append(.double(d)) }
                else { guard let n = Int64(text) else { throw fail("bad number \(text)") }; out.append(.int(n)) }
                if j < c.count && c[j] == "u" { j += 1 }
                i = j; continue
            }
            if ch == "'" || ch == "\"" {
                var j = i + 1, text = String.UnicodeScalarView()
                while j < c.count && c[j] != ch {
                    if c[j] == "\\" && j + 1 < c.count {
                        j += 1
                        switch c[j] { case "n": text.append("\n"); case "t": text.append("\t"); default: text.append(c[j]) }
                    } else { text.append(c[j]) }
                    j += 1
                }
                guard j < c.count else { throw fail("unterminated string") }
                out.append(.string(String(text))); i = j + 1; continue
            }
            let two = i + 1 < c.count ? String(String.UnicodeScalarView([ch, c[i + 1]])) : ""
            if ["==", "!=", "<=", ">=", "&&", "||"].contains(two) { out.append(.op(two)); i += 2; continue }
            if "+-*/%<>!?:.,()[]".unicodeScalars.contains(ch) { out.append(.op(String(ch))); i += 1; continue }
            throw fail("unexpected character '\(ch)'")
        }
        return out
    }
}

struct Parser {
    typealias Node = CELExpression.Node
    let tokens: [Lexer.Token]
    let source: String
    var at = 0

    init(tokens: [Lexer.Token], source: String) { self.tokens = tokens; self.source = source }

    func fail(_ what: String) -> CELExpression.Failure { CELExpression.Failure(description: "CEL expression \"\(source)\": \(what)") }
    var peek: Lexer.Token? { at < tokens.count ? tokens[at] : nil }
    mutating func take(_ op: String) -> Bool { if peek == .op(op) { at += 1; return true }; return false }
    mutating func expect(_ op: String) throws { guard take(op) else { throw fail("expected '\(op)'" + (peek.map { ", found \($0)" } ?? " at the end")) } }

    mutating func expression() throws -> Node {
        let c = try binary(0)
        guard take("?") else { return c }
        let a = try expression()
        try expect(":")
        return .conditional(c, a, try expression())
    }

    static let levels: [[String]] = [["||"], ["&&"], ["==", "!=", "<", "<=", ">", ">=", "in"], ["+", "-"], ["*", "/", "%"]]

    mutating func binary(_ level: Int) throws -> Node {
        guard level < Parser.levels.count else { return try unary() }
        var left = try binary(level + 1)
        while let t = peek, Parser.levels[level].contains(where: { t == .op($0) || t == .ident($0) }) {
            at += 1
            let op: String
            switch t { case .op(let o), .ident(let o): op = o; default: op = "" }
            left = .binary(op, left, try binary(level + 1))
        }
        return left
    }

    mutating func unary() throws -> Node {
        if take("!") { return .unary("!", try unary()) }
        if take("-") { return .unary("-", try unary()) }
        var n = try primary()
        while true {
            if take(".") {
                guard case .ident(let name)? = peek else { throw fail("expected a field name after '.'") }
                at += 1
                if take("(") { n = .call(n, name, try arguments()) } else { n = .member(n, name) }
            } else if take("[") {
                let i = try expression()
                try expect("]")
                n = .index(n, i)
            } else { return n }
        }
    }

    mutating func arguments() throws -> [Node] {
        var args: [Node] = []
        if take(")") { return args }
        repeat { args.append(try expression()) } while take(",")
        try expect(")")
        return args
    }

    mutating func primary() throws -> Node {
        guard let t = peek else { throw fail("unexpected end") }
        at += 1
        switch t {
        case .int(let i): return .literal(.int(i))
        case .double(let d): return .literal(.double(d))
        case .string(let s): return .literal(.string(s))
        case .ident("true"): return .literal(.bool(true))
        case .ident("false"): return .literal(.bool(false))
        case .ident("null"): return .literal(.null)
        case .ident(let name): return take("(") ? .call(nil, name, try arguments()) : .ident(name)
        case .op("("):
            let e = try expression()
            try expect(")")
            return e
        case .op("["):
            var items: [Node] = []
            if !take("]") {
                repeat { items.append(try expression()) } while take(",")
                try expect("]")
            }
            return .list(items)
        default: throw fail("unexpected \(t)")
        }
    }
}

struct Evaluator {
    typealias Node = CELExpression.Node
    let source: String

    func fail(_ what: String) -> CELExpression.Failure { CELExpression.Failure(description: "CEL expression \"\(source)\": \(what)") }

    func eval(_ n: Node, _ scope: [String: CEL]) throws -> CEL {
        switch n {
        case .literal(let v): return v
        case .ident(let name):
            guard let v = scope[name] else { throw fail("no such key: \(name)") }
            return v
        case .member(let base, let name):
            guard case .map(let m) = try eval(base, scope) else { throw fail("no such key: \(name)") }
            guard let v = m[name] else { throw fail("no such key: \(name)") }
            return v
        case .index(let base, let i):
            switch (try eval(base, scope), try eval(i, scope)) {
            case (.list(let l), .int(let k)):
                guard k >= 0 && Int(k) < l.count else { throw fail("index \(k) out of range") }
                return l[Int(k)]
            case (.map(let m), .string(let k)):
                guard let v = m[k] else { throw fail("no such key: \(k)") }
                return v
            default: throw fail("cannot index")
            }
        case .list(let items): return .list(try items.map { try eval($0, scope) })
        case .conditional(let c, let a, let b):
            guard case .bool(let t) = try eval(c, scope) else { throw fail("condition is not a boolean") }
            return try eval(t ? a : b, scope)
        case .unary(let op, let e):
            let v = try eval(e, scope)
            if op == "!", case .bool(let b) = v { return .bool(!b) }
            if op == "-", case .int(let i) = v { return .int(-i) }
            if op == "-", case .double(let d) = v { return .double(-d) }
            throw fail("no such overload: \(op)")
        case .binary(let op, let l, let r): return try binary(op, l, r, scope)
        case .call(let target, let name, let args): return try call(target, name, args, scope)
        }
    }

    func binary(_ op: String, _ l: Node, _ r: Node, _ scope: [String: CEL]) throws -> CEL {
        // CEL's && and || are commutative over errors; short-circuit is enough for these checks.
        if op == "&&" || op == "||" {
            let a = try eval(l, scope)
            if case .bool(let x) = a, x == (op == "||") { return a }
            let b = try eval(r, scope)
            guard case .bool = a, case .bool = b else { throw fail("no such overload: \(op)") }
            return b
        }
        let a = try eval(l, scope), b = try eval(r, scope)
        switch op {
        case "==": return .bool(equal(a, b))
        case "!=": return .bool(!equal(a, b))
        case "in":
            switch b {
            case .list(let items): return .bool(items.contains { equal($0, a) })
            case .map(let m): if case .string(let k) = a { return .bool(m[k] != nil) }
            default: break
            }
            throw fail("no such overload: in")
        case "<", "<=", ">", ">=":
            let order: Int
            if let x = a.number, let y = b.number { order = x < y ? -1 : x > y ? 1 : 0 }
            else if case .string(let x) = a, case .string(let y) = b { order = x < y ? -1 : x > y ? 1 : 0 }
            else { throw fail("no such overload: \(op)") }
            return .bool(op == "<" ? order < 0 : op == "<=" ? order <= 0 : op == ">" ? order > 0 : order >= 0)
        case "+":
            switch (a, b) {
            case (.int(let x), .int(let y)): return .int(x &+ y)
            case (.string(let x), .string(let y)): return .string(x + y)
            case (.list(let x), .list(let y)): return .list(x + y)
            default: if let x = a.number, let y = b.number { return .double(x + y) }
            }
        case "-", "*", "/", "%":
            if case .int(let x) = a, case .int(let y) = b {
                if (op == "/" || op == "%") && y == 0 { throw fail("division by zero") }
                return .int(op == "-" ? x &- y : op == "*" ? x &* y : op == "/" ? x / y : x % y)
            }
            if let x = a.number, let y = b.number, op != "%" { return .double(op == "-" ? x - y : op == "*" ? x * y : x / y) }
        default: break
        }
        throw fail("no such overload: \(op)")
    }

    func equal(_ a: CEL, _ b: CEL) -> Bool {
        if let x = a.number, let y = b.number { return x == y }
        return a == b
    }

    func call(_ target: Node?, _ name: String, _ args: [Node], _ scope: [String: CEL]) throws -> CEL {
        if target == nil && name == "has" {
            guard args.count == 1, case .member(let base, let field) = args[0] else { throw fail("has() takes a field selection") }
            guard case .map(let m) = try eval(base, scope) else { return .bool(false) }
            return .bool(m[field] != nil)
        }
        if let target, ["all", "exists", "exists_one", "filter", "map"].contains(name) {
            guard args.count == 2, case .ident(let v) = args[0] else { throw fail("\(name)() takes a variable and an expression") }
            let items: [CEL]
            switch try eval(target, scope) {
            case .list(let l): items = l
            case .map(let m): items = m.keys.sorted().map { .string($0) }
            default: throw fail("\(name)() needs a list or map")
            }
            var results: [(CEL, CEL)] = []
            for item in items {
                var inner = scope
                inner[v] = item
                results.append((item, try eval(args[1], inner)))
            }
            func truth(_ c: CEL) throws -> Bool { guard case .bool(let b) = c else { throw fail("\(name)() predicate is not a boolean") }; return b }
            switch name {
            case "all": return .bool(try results.allSatisfy { try truth($0.1) })
            case "exists": return .bool(try results.contains { try truth($0.1) })
            case "exists_one": return .bool(try results.filter { try truth($0.1) }.count == 1)
            case "filter": return .list(try results.filter { try truth($0.1) }.map(\.0))
            default: return .list(results.map(\.1))
            }
        }
        var values = try args.map { try eval($0, scope) }
        if let target { values.insert(try eval(target, scope), at: 0) }
        switch (name, values.count) {
        case ("size", 1):
            switch values[0] {
            case .list(let l): return .int(Int64(l.count))
            case .map(let m): return .int(Int64(m.count))
            case .string(let s): return .int(Int64(s.count))
            default: break
            }
        case ("startsWith", 2), ("endsWith", 2), ("contains", 2):
            if case .string(let s) = values[0], case .string(let x) = values[1] {
                return .bool(name == "startsWith" ? s.hasPrefix(x) : name == "endsWith" ? s.hasSuffix(x) : (x.isEmpty || s.contains(x)))
            }
        case ("string", 1):
            switch values[0] {
            case .string: return values[0]
            case .int(let i): return .string(String(i))
            case .bool(let b): return .string(b ? "true" : "false")
            default: break
            }
        case ("int", 1):
            if case .string(let s) = values[0], let i = Int64(s) { return .int(i) }
            if case .int = values[0] { return values[0] }
            if case .double(let d) = values[0] { return .int(Int64(d)) }
        default: throw fail("function \(name)() is not supported")
        }
        throw fail("no such overload: \(name)()")
    }
}

/// Flux's `healthCheckExprs` entry: CEL expressions that judge one kind where kstatus cannot.
/// The first of inProgress, failed, current that is true decides; none true: in progress.
public struct HealthCheckExpr: Sendable {
    public let apiVersion: String
    public let kind: String
    public let current: CELExpression
    public let inProgress: CELExpression?
    public let failed: CELExpression?

    public init(apiVersion: String, kind: String, current: String, inProgress: String? = nil, failed: String? = nil) throws {
        self.apiVersion = apiVersion; self.kind = kind
        self.current = try CELExpression(current)
        self.inProgress = try inProgress.map { try CELExpression($0) }
        self.failed = try failed.map { try CELExpression($0) }
    }

    public func applies(apiVersion: String, kind: String) -> Bool { self.kind == kind && self.apiVersion == apiVersion }

    /// A field the expression reads that is not there yet (no status) counts as in progress.
    public func judge(_ object: Value) -> Readiness {
        if let generic = Readiness.genericProperties(kind, nil, status(object), metadata(object)) { return generic }
        func holds(_ e: CELExpression?) -> Bool { (try? e?.isTrue(for: object)) == true }
        if holds(inProgress) { return .inProgress("health check: \(inProgress!.source)") }
        if holds(failed) { return .failed("health check: \(failed!.source)") }
        do {
            return try current.isTrue(for: object) ? .current : .inProgress("health check not true yet: \(current.source)")
        } catch {
            return .inProgress("health check: \(error)")
        }
    }

    func status(_ v: Value) -> Map? { if case .map(let m) = v { return Readiness.map(m, "status") }; return nil }
    func metadata(_ v: Value) -> Map? { if case .map(let m) = v { return Readiness.map(m, "metadata") }; return nil }
}
