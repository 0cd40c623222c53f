import Values
import GoFmt

/// Go's predefined template functions (text/template funcs.go), with Go's messages.
enum Builtins {
    static let functions: [String: GoFunction] = {
        var f: [String: GoFunction] = [:]
        func add(_ name: String, _ params: [GoFunction.Param], variadic: GoFunction.Param? = nil,
                 _ body: @escaping @Sendable ([Value?]) throws -> Value?) {
            f[name] = GoFunction(name, params, variadic: variadic, body)
        }
        // and/or are evaluated lazily by the executor; these bodies are never called.
        add("and", [.reflectValue], variadic: .reflectValue) { $0.last ?? nil }
        add("or", [.reflectValue], variadic: .reflectValue) { $0.last ?? nil }
        add("not", [.reflectValue]) { .bool(!(isTrue(indirectInterface($0[0])) ?? false)) }
        add("call", [.reflectValue], variadic: .reflectValue) { _ in nil } // handled by the executor
        add("len", [.reflectValue]) { try length($0[0]) }
        add("index", [.reflectValue], variadic: .reflectValue) { try index($0[0], Array($0.dropFirst())) }
        add("slice", [.reflectValue], variadic: .reflectValue) { try slice($0[0], Array($0.dropFirst())) }
        add("print", [], variadic: .any) { .string(GoFmt.sprint($0.map { $0 ?? .null })) }
        add("println", [], variadic: .any) { .string(GoFmt.sprintln($0.map { $0 ?? .null })) }
        add("printf", [.typed(.string)], variadic: .any) { args in
            .string(GoFmt.sprintf(args[0]?.goString ?? .empty, args.dropFirst().map { $0 ?? .null }))
        }
        add("html", [], variadic: .any) { .string(htmlEscape(evalArgs($0))) }
        add("js", [], variadic: .any) { .string(jsEscape(evalArgs($0))) }
        add("urlquery", [], variadic: .any) { .string(queryEscape(evalArgs($0))) }
        add("eq", [.reflectValue], variadic: .reflectValue) { try .bool(eq($0[0], Array($0.dropFirst()))) }
        add("ne", [.reflectValue, .reflectValue]) { try .bool(!eq($0[0], [$0[1]])) }
        add("lt", [.reflectValue, .reflectValue]) { try .bool(lt($0[0], $0[1])) }
        add("le", [.reflectValue, .reflectValue]) { args in
            let l = try lt(args[0], args[1])
            return .bool(l ? true : try eq(args[0], [args[1]]))
        }
        add("gt", [.reflectValue, .reflectValue]) { args in
            let l = try lt(args[0], args[1])
            return .bool(!(l ? true : try eq(args[0], [args[1]])))
        }
        add("ge", [.reflectValue, .reflectValue]) { .bool(!(try lt($0[0], $0[1]))) }
        return f
    }()

    static func isShortCircuit(_ fn: GoFunction) -> Bool {
        (fn.name == "and" || fn.name == "or") && fn.variadic == .reflectValue && fn.params == [.reflectValue]
    }

    static func indirectInterface(_ v: Value?) -> Value? {
        if case .null? = v { return nil }
        return v
    }

    static func length(_ item: Value?) throws -> Value {
        guard let item else { throw FunctionError("reflect: call of reflect.Value.Type on zero Value") }
        switch item {
        case .null: throw FunctionError("len of nil pointer")
        case .string(let s): return .int(Int64(s.count))
        case .list(let l): return .int(Int64(l.count))
        case .map(let m): return .int(Int64(m.entries.count))
        default: throw FunctionError("len of type \(item.goType)")
        }
    }

    static func indexArg(_ index: Value?, cap: Int) throws -> Int {
        let x: Int64
        switch index {
        case .int(let i, _)?: x = i
        case .uint(let u, _)?: x = u > UInt64(Int64.max) ? -1 : Int64(u)
        case nil: throw FunctionError("cannot index slice/array with nil")
        case let v?: throw FunctionError("cannot index slice/array with type \(v.goType)")
        }
        if x < 0 || x > Int64(cap) { throw FunctionError("index out of range: \(x)") }
        return Int(x)
    }

    static func index(_ itemIn: Value?, _ indexes: [Value?]) throws -> Value? {
        guard var item = indirectInterface(itemIn) else { throw FunctionError("index of untyped nil") }
        for idx in indexes {
            let index = indirectInterface(idx)
            switch item {
            case .null:
                throw FunctionError("index of nil pointer")
            case .list(let l):
                let x = try indexArg(index, cap: l.items.count)
                // Go's reflect panics at the length itself; the template reports the panic.
                if x == l.items.count { throw FunctionError("reflect: slice index out of range") }
                item = l.items[x]
            case .string(let s):
                let bytes = s.bytes
                let x = try indexArg(index, cap: bytes.count)
                if x == bytes.count { throw FunctionError("reflect: string index out of range") }
                item = .uint(UInt64(bytes[x]), .uint8)
            case .map(let m):
                guard let index else { throw FunctionError("value is nil; should be of type string") }
                guard case .string(let key) = index else {
                    throw FunctionError("value has type \(index.goType); should be string")
                }
                item = m.entries[key.string] ?? zero(m.elem)
            default:
                throw FunctionError("can't index item of type \(item.goType)")
            }
        }
        return item
    }

    static func zero(_ t: GoType) -> Value {
        switch t {
        case .string: return .string("")
        case .bool: return .bool(false)
        case .int, .int8, .int16, .int32, .int64: return .int(0, t)
        case .float64, .float32: return .float(0, t)
        default: return .null
        }
    }

    static func slice(_ itemIn: Value?, _ indexes: [Value?]) throws -> Value? {
        guard let item = indirectInterface(itemIn) else { throw FunctionError("slice of untyped nil") }
        if indexes.count > 3 { throw FunctionError("too many slice indexes: \(indexes.count)") }
        let len: Int
        switch item {
        case .string(let s):
            if indexes.count == 3 { throw FunctionError("cannot 3-index slice a string") }
            len = s.count
        case .list(let l):
            len = l.items.count
        default:
            throw FunctionError("can't slice item of type \(item.goType)")
        }
        var idx = [0, len, len]
        for (i, index) in indexes.enumerated() {
            idx[i] = try indexArg(indirectInterface(index), cap: len)
        }
        if idx[0] > idx[1] { throw FunctionError("invalid slice index: \(idx[0]) > \(idx[1])") }
        if indexes.count == 3 && idx[1] > idx[2] { throw FunctionError("invalid slice index: \(idx[1]) > \(idx[2])") }
        switch item {
        case .string(let s):
            return .string(s.slice(idx[0], idx[1]))
        case .list(var l):
            l.items = Array(l.items[idx[0]..<idx[1]])
            return .list(l)
        default:
            return nil
        }
    }

    // MARK: comparison

    enum BasicKind { case invalid, bool, complex, int, float, string, uint }

    static func basicKind(_ v: Value?) -> BasicKind {
        switch v {
        case .bool?: return .bool
        case .int?: return .int
        case .uint?: return .uint
        case .float?: return .float
        case .complex?: return .complex
        case .string?: return .string
        default: return .invalid
        }
    }

    enum ReflectKind { case invalid, basic, slice, map, object, function }

    static func reflectKind(_ v: Value?) -> ReflectKind {
        switch v {
        case nil, .null?: return .invalid
        case .list?: return .slice
        case .map?: return .map
        case .object?: return .object
        case .function?: return .function
        default: return .basic
        }
    }

    static func typeName(_ v: Value?) -> String { v?.goType.description ?? "<nil>" }

    static func isNilValue(_ v: Value?) -> Bool {
        guard let v else { return true }
        if case .null = v { return true }
        return false
    }

    static func eq(_ a1: Value?, _ rest: [Value?]) throws -> Bool {
        let arg1 = indirectInterface(a1)
        if rest.isEmpty { throw FunctionError("missing argument for comparison") }
        let k1 = basicKind(arg1)
        for a in rest {
            let arg = indirectInterface(a)
            let k2 = basicKind(arg)
            var truth = false
            if k1 != k2 {
                switch (k1, k2, arg1, arg) {
                case (.int, .uint, .int(let i, _)?, .uint(let u, _)?): truth = i >= 0 && UInt64(i) == u
                case (.uint, .int, .uint(let u, _)?, .int(let i, _)?): truth = i >= 0 && u == UInt64(i)
                default:
                    if arg1 != nil && arg != nil {
                        throw FunctionError("incompatible types for comparison: \(typeName(arg1)) and \(typeName(arg))")
                    }
                }
            } else {
                switch (arg1, arg) {
                case (.bool(let x)?, .bool(let y)?): truth = x == y
                case (.complex(let r1, let i1)?, .complex(let r2, let i2)?): truth = r1 == r2 && i1 == i2
                case (.float(let x, _)?, .float(let y, _)?): truth = x == y
                case (.int(let x, _)?, .int(let y, _)?): truth = x == y
                case (.string(let x)?, .string(let y)?): truth = x == y
                case (.uint(let x, _)?, .uint(let y, _)?): truth = x == y
                default:
                    // Go's canCompare: the same reflect kind, or one side nil.
                    let r1 = reflectKind(arg1), r2 = reflectKind(arg)
                    if r1 != r2 && r1 != .invalid && r2 != .invalid {
                        throw FunctionError("non-comparable types \(GoFmt.sprintf("%s", [arg1!])): \(arg1!.goType), \(arg!.goType): \(GoFmt.sprintf("%v", [arg!]))")
                    }
                    if isNilValue(arg1) || isNilValue(arg) {
                        truth = isNilValue(arg1) == isNilValue(arg)
                    } else if case .object(let o1)? = arg1, case .object(let o2)? = arg {
                        truth = o1 === o2
                    } else {
                        let v = arg!
                        throw FunctionError("non-comparable type \(GoFmt.sprintf("%s", [v])): \(v.goType)")
                    }
                }
            }
            if truth { return true }
        }
        return false
    }

    static func lt(_ a1: Value?, _ a2: Value?) throws -> Bool {
        let arg1 = indirectInterface(a1), arg2 = indirectInterface(a2)
        let k1 = basicKind(arg1), k2 = basicKind(arg2)
        if k1 == .invalid || k2 == .invalid { throw FunctionError("invalid type for comparison") }
        if k1 != k2 {
            switch (arg1, arg2) {
            case (.int(let i, _)?, .uint(let u, _)?): return i < 0 || UInt64(i) < u
            case (.uint(let u, _)?, .int(let i, _)?): return i >= 0 && u < UInt64(i)
            default:
                throw FunctionError("incompatible types for comparison: \(typeName(arg1)) and \(typeName(arg2))")
            }
        }
        switch (arg1, arg2) {
        case (.float(let x, _)?, .float(let y, _)?): return x < y
        case (.int(let x, _)?, .int(let y, _)?): return x < y
        case (.string(let x)?, .string(let y)?): return x < y
        case (.uint(let x, _)?, .uint(let y, _)?): return x < y
        default: throw FunctionError("invalid type for comparison")
        }
    }

    // MARK: escaping

    /// The text of the arguments as Go's evalArgs builds it: a lone string as is,
    /// otherwise Sprint with absent values shown as <no value>.
    static func evalArgs(_ args: [Value?]) -> GoString {
        if args.count == 1, case .string(let s)? = args[0] { return s }
        var parts: [Value] = []
        for a in args {
            if a == nil || a!.isNull { parts.append(.string("<no value>")) } else { parts.append(a!) }
        }
        return GoFmt.sprint(parts)
    }

    static func htmlEscape(_ s: GoString) -> GoString {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        for c in s.bytes {
            switch c {
            case UInt8(ascii: "\""): out.append(contentsOf: "&#34;".utf8)
            case UInt8(ascii: "'"): out.append(contentsOf: "&#39;".utf8)
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case 0: out.append(contentsOf: "\u{FFFD}".utf8)
            default: out.append(c)
            }
        }
        return GoString(bytes: out)
    }

    static let hexUpper = Array("0123456789ABCDEF".utf8)

    /// Runes are read from the bytes; a byte that is not valid UTF-8 is written as it is
    /// (Go reads it as U+FFFD, which is printable, and copies the input bytes).
    static func jsEscape(_ gs: GoString) -> GoString {
        var out: [UInt8] = []
        let b = gs.bytes
        var i = 0
        while i < b.count {
            let n = GoString.validSequenceLength(b, at: i)
            if n == 0 { out.append(b[i]); i += 1; continue }
            let r = String(decoding: b[i..<(i + n)], as: UTF8.self).unicodeScalars.first!
            i += n
            let v = r.value
            if v < 0x80 {
                switch v {
                case 0x5C: out.append(contentsOf: "\\\\".utf8)
                case 0x27: out.append(contentsOf: "\\'".utf8)
                case 0x22: out.append(contentsOf: "\\\"".utf8)
                case 0x3C: out.append(contentsOf: "\\u003C".utf8)
                case 0x3E: out.append(contentsOf: "\\u003E".utf8)
                case 0x26: out.append(contentsOf: "\\u0026".utf8)
                case 0x3D: out.append(contentsOf: "\\u003D".utf8)
                default:
                    if v < 0x20 {
                        out.append(contentsOf: "\\u00".utf8)
                        out.append(hexUpper[Int(v >> 4)]); out.append(hexUpper[Int(v & 0xF)])
                    } else {
                        out.append(UInt8(v))
                    }
                }
            } else if GoQuote.isPrint(r) {
                out.append(contentsOf: String(r).utf8)
            } else {
                var hex = String(v, radix: 16, uppercase: true)
                if hex.count < 4 { hex = String(repeating: "0", count: 4 - hex.count) + hex }
                out.append(contentsOf: "\\u\(hex)".utf8)
            }
        }
        return GoString(bytes: out)
    }

    /// url.QueryEscape.
    static func queryEscape(_ s: GoString) -> GoString {
        var out: [UInt8] = []
        for c in s.bytes {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(c)
            case UInt8(ascii: " "):
                out.append(UInt8(ascii: "+"))
            default:
                out.append(UInt8(ascii: "%")); out.append(hexUpper[Int(c >> 4)]); out.append(hexUpper[Int(c & 0xF)])
            }
        }
        return GoString(bytes: out)
    }

    /// The `call` builtin: calls a function value with the remaining arguments.
    static func call(_ calleeName: String, _ fnIn: Value?, _ args: [Value?]) throws -> Value? {
        guard let fnv = indirectInterface(fnIn) else { throw FunctionError("call of nil") }
        guard case .function(let fn) = fnv else {
            throw FunctionError("non-function \(calleeName) of type \(fnv.goType)")
        }
        if fn.variadic != nil {
            if args.count < fn.params.count {
                throw FunctionError("wrong number of args for \(calleeName): got \(args.count) want at least \(fn.params.count)")
            }
        } else if args.count != fn.params.count {
            throw FunctionError("wrong number of args for \(calleeName): got \(args.count) want \(fn.params.count)")
        }
        var argv: [Value?] = []
        for (i, a) in args.enumerated() {
            let p = i < fn.params.count ? fn.params[i] : fn.variadic!
            switch p {
            case .any: argv.append(a ?? .null)
            case .reflectValue: argv.append(a)
            case .typed(let t):
                guard let a, a.goType == t else {
                    throw FunctionError("arg \(i) has type \(a?.goType.description ?? "<nil>"); should be \(t)")
                }
                argv.append(a)
            }
        }
        return try fn.call(argv)
    }
}
