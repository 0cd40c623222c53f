import Values
import GoFmt

/// A Go runtime panic turned into an error, as text/template's safeCall reports it.
struct RuntimeError: Error, CustomStringConvertible, Sendable {
    let description: String
    static let nilDereference = FunctionError("runtime error: invalid memory address or nil pointer dereference")
    static func sliceBounds(_ text: String) -> FunctionError { FunctionError("runtime error: slice bounds out of range \(text)") }
}

/// Conversions Sprig makes through spf13/cast and its own strval.
enum Cast {
    /// Sprig's strval: strings as they are, everything else as fmt's %v.
    static func string(_ v: Value?) -> String { goString(v).string }

    /// strval with the bytes exact: a Go string or []byte as it is.
    static func goString(_ v: Value?) -> GoString {
        guard let v else { return "<nil>" }
        switch v {
        case .string(let s): return s
        case .list(let l) where l.elem == .uint8 && l.name == nil:
            return GoString(bytes: l.bytes ?? [])
        default: return GoFmt.sprintf("%v", [v])
        }
    }

    /// cast.ToInt64: numbers truncate, strings parse with base prefixes, bools are 0/1.
    static func int64(_ v: Value?) -> Int64 {
        guard let v else { return 0 }
        switch v {
        case .int(let i, _): return i
        case .uint(let u, _): return Int64(truncatingIfNeeded: u)
        // Out of range, amd64 converts to the "integer indefinite" value, Int64.min.
        case .float(let f, _): return f.isFinite && f >= -9.223372036854775808e18 && f < 9.223372036854775808e18 ? Int64(f) : Int64.min
        case .bool(let b): return b ? 1 : 0
        case .string(let s): return parseIntString(s.string) ?? 0
        default: return 0
        }
    }

    /// cast's string to int: base prefixes allowed, "1.0" style zero decimals trimmed.
    static func parseIntString(_ sIn: String) -> Int64? {
        var s = sIn
        if let dot = s.firstIndex(of: "."), s[s.index(after: dot)...].allSatisfy({ $0 == "0" }), !s[..<dot].isEmpty {
            s = String(s[..<dot])
        }
        var neg = false
        var body = Substring(s)
        if body.hasPrefix("-") { neg = true; body = body.dropFirst() } else if body.hasPrefix("+") { body = body.dropFirst() }
        var base = 10
        if body.count > 1 && body.hasPrefix("0") {
            switch body.dropFirst().first {
            case "x", "X": base = 16; body = body.dropFirst(2)
            case "o", "O": base = 8; body = body.dropFirst(2)
            case "b", "B": base = 2; body = body.dropFirst(2)
            default: base = 8; body = body.dropFirst(1)
            }
        }
        let clean = body.filter { $0 != "_" }
        guard !clean.isEmpty, let m = UInt64(clean, radix: base) else { return nil }
        if neg { return m <= UInt64(Int64.max) + 1 ? Int64(bitPattern: 0 &- m) : nil }
        return m <= UInt64(Int64.max) ? Int64(m) : nil
    }

    /// cast.ToFloat64.
    static func float64(_ v: Value?) -> Double {
        guard let v else { return 0 }
        switch v {
        case .int(let i, _): return Double(i)
        case .uint(let u, _): return Double(u)
        case .float(let f, _): return f
        case .bool(let b): return b ? 1 : 0
        case .string(let s): return Double(s.string.filter { $0 != "_" }) ?? 0
        default: return 0
        }
    }

    /// Sprig's strslice: a list's items as strings (nil items dropped), a lone value as one.
    static func strings(_ v: Value?) -> [String] { goStrings(v).map(\.string) }

    /// strslice with the bytes exact.
    static func goStrings(_ v: Value?) -> [GoString] {
        guard let v else { return [] }
        switch v {
        case .null: return []
        case .list(let l):
            return l.items.compactMap { $0.isNull ? nil : goString($0) }
        default:
            return [goString(v)]
        }
    }

    /// Sprig's empty: the zero value of its type.
    static func isEmpty(_ v: Value?) -> Bool {
        guard let v else { return true }
        switch v {
        case .null: return true
        case .bool(let b): return !b
        case .int(let i, _): return i == 0
        case .uint(let u, _): return u == 0
        case .float(let f, _): return f == 0
        case .complex(let r, let i): return r == 0 && i == 0
        case .string(let s): return s.isEmpty
        case .list(let l): return l.isEmpty
        case .map(let m): return m.entries.isEmpty
        case .object: return false
        case .function: return false
        }
    }

    /// reflect.DeepEqual over Values.
    static func deepEqual(_ a: Value?, _ b: Value?) -> Bool {
        switch (a ?? .null, b ?? .null) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x, let t1), .int(let y, let t2)): return x == y && t1 == t2
        case (.uint(let x, let t1), .uint(let y, let t2)): return x == y && t1 == t2
        case (.float(let x, let t1), .float(let y, let t2)): return x == y && t1 == t2
        case (.string(let x), .string(let y)): return x == y
        case (.list(let x), .list(let y)):
            guard x.type == y.type, x.isNil == y.isNil, x.items.count == y.items.count else { return false }
            for i in 0..<x.items.count where !deepEqual(x.items[i], y.items[i]) { return false }
            return true
        case (.map(let x), .map(let y)):
            guard x.type == y.type, x.isNil == y.isNil, x.entries.count == y.entries.count else { return false }
            for (k, v) in x.entries {
                guard let w = y.entries[k], deepEqual(v, w) else { return false }
            }
            return true
        case (.object(let x), .object(let y)): return x === y
        default: return false
        }
    }

    /// A deep copy: maps are references, so copies must be made explicitly.
    static func deepCopy(_ v: Value) -> Value {
        switch v {
        case .list(let l):
            if l.isNil { return .list(l) }
            return .list(List(l.items.map(deepCopy), elem: l.elem, name: l.name))
        case .map(let m):
            if m.isNil { return v }
            var e: [String: Value] = [:]
            e.reserveCapacity(m.entries.count)
            for (k, x) in m.entries { e[k] = deepCopy(x) }
            return .map(Map(e, elem: m.elem, name: m.name))
        default: return v
        }
    }

    /// Go's reflect.TypeOf(x).Kind() name, for messages like "Cannot push on type string".
    static func kindName(_ v: Value?) -> String {
        guard let v, !v.isNull else { return "invalid" }
        return v.goType.kindName
    }
}

extension Array where Element == Value? {
    /// A string argument as text (invalid UTF-8 read as U+FFFD, as Go's rune functions do).
    func str(_ i: Int) -> String { if case .string(let s)? = self[i] { return s.string }; return "" }
    /// A string argument, bytes exact.
    func gostr(_ i: Int) -> GoString { if case .string(let s)? = self[i] { return s }; return .empty }
    func int(_ i: Int) -> Int {
        switch self[i] {
        case .int(let v, _)?: return Int(v)
        case .uint(let v, _)?: return Int(truncatingIfNeeded: v)
        default: return 0
        }
    }
    func bool(_ i: Int) -> Bool { if case .bool(let b)? = self[i] { return b }; return false }
    func val(_ i: Int) -> Value { self[i] ?? .null }
    func map(_ i: Int) -> Map? { if case .map(let m)? = self[i] { return m }; return nil }
}

/// Shorthands for parameter lists.
extension GoFunction.Param {
    static let s = GoFunction.Param.typed(.string)
    static let i = GoFunction.Param.typed(.int)
    static let b = GoFunction.Param.typed(.bool)
    static let a = GoFunction.Param.any
    static let dict = GoFunction.Param.typed(.map(.string, .interface))
}

/// Collects a family's functions.
struct FunctionTable {
    var functions: [String: GoFunction] = [:]
    mutating func add(_ name: String, _ params: [GoFunction.Param], variadic: GoFunction.Param? = nil,
                      _ body: @escaping @Sendable ([Value?]) throws -> Value?) {
        functions[name] = GoFunction(name, params, variadic: variadic, body)
    }
    /// A `must` variant returns the error; the plain one panics with it, which templates
    /// report the same way.
    mutating func addPair(_ name: String, _ params: [GoFunction.Param], variadic: GoFunction.Param? = nil,
                          _ body: @escaping @Sendable ([Value?]) throws -> Value?) {
        add(name, params, variadic: variadic, body)
        let must = "must" + name.prefix(1).uppercased() + name.dropFirst()
        add(must, params, variadic: variadic, body)
    }
}

func strList(_ items: [String]) -> Value { .list(items.map { .string($0) }, of: .string) }
func intList(_ items: [Int]) -> Value { .list(items.map { .int(Int64($0)) }, of: .int) }
