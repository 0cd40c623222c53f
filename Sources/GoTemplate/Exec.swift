import Values
import GoFmt

/// A value during execution: Go's reflect.Value. `value == nil` is an invalid Value
/// (a missing key, nil data); `boxed` says it was read out of an `interface{}` slot
/// (a map or list element), which Go's messages name as `interface {}`.
struct Operand {
    var value: Value?
    var boxed: Bool = false
    init(_ value: Value?, boxed: Bool = false) { self.value = value; self.boxed = boxed }

    /// The static type Go would name in "can't evaluate field X in type T".
    var staticTypeName: String {
        if boxed { return "interface {}" }
        return value?.goType.description ?? "<nil>"
    }
}

enum Control { case normal, breakLoop, continueLoop }

/// One execution of a template: the output, the variable stack and the node being
/// evaluated (for error messages). Mirrors Go's exec.go state.
final class ExecState {
    let set: TemplateSet
    var tree: Tree
    var out: [UInt8] = []
    var vars: [(name: String, value: Operand)]
    var node: Node?
    let stack = StackGuard()
    /// Loop iterations since the clock was last read.
    var ticks = 0

    init(set: TemplateSet, tree: Tree, data: Value?) {
        self.set = set
        self.tree = tree
        self.vars = [("$", Operand(data))]
    }

    // MARK: errors

    func fail(_ message: String, underlying: (any Error & Sendable)? = nil) -> ExecError {
        let name = tree.name
        if let node {
            // The node is always in the tree being executed (a call switches both), so its
            // file is that tree's: trees of one text parsed once share their nodes.
            let (location, context) = tree.errorContext(node)
            return ExecError(name: name, message: "template: \(location): executing \(goQuote(name)) at <\(context)>: \(message)", underlying: underlying)
        }
        return ExecError(name: name, message: "template: \(name): \(message)", underlying: underlying)
    }

    // MARK: limits

    func checkDeadline() throws {
        guard let deadline = set.deadline else { return }
        if ContinuousClock.now > deadline {
            throw LimitError(fail("rendering took longer than its time limit").message, .time, located: true)
        }
    }

    /// A template's output may not grow past the string limit (the whole render's is checked
    /// by the caller).
    @inline(__always)
    func checkOutput() throws {
        if out.count > set.limits.maxStringBytes {
            throw LimitError(fail("output of \(out.count) bytes exceeds the limit of \(set.limits.maxStringBytes) bytes").message, .string, located: true)
        }
    }

    /// What a function returned may not exceed the string and list limits.
    func checkResult(_ v: Value?) throws {
        switch v {
        case .string(let s)?:
            if s.count > set.limits.maxStringBytes {
                throw LimitError("string of \(s.count) bytes exceeds the limit of \(set.limits.maxStringBytes) bytes", .string)
            }
        case .list(let l)?:
            if l.count > set.limits.maxListItems && l.elem != .uint8 {
                throw LimitError("list of \(l.count) items exceeds the limit of \(set.limits.maxListItems) items", .list)
            }
        default:
            break
        }
    }

    // MARK: variables

    func push(_ name: String, _ v: Operand) { vars.append((name, v)) }
    var mark: Int { vars.count }
    func pop(_ m: Int) { if vars.count > m { vars.removeSubrange(m...) } }

    func setVar(_ name: String, _ v: Operand) throws {
        var i = vars.count - 1
        while i >= 0 {
            if vars[i].name == name { vars[i].value = v; return }
            i -= 1
        }
        throw fail("undefined variable: \(name)")
    }

    func varValue(_ name: String) throws -> Operand {
        var i = vars.count - 1
        while i >= 0 {
            if vars[i].name == name { return vars[i].value }
            i -= 1
        }
        throw fail("undefined variable: \(name)")
    }

    // MARK: walking

    func walk(_ dot: Operand, _ node: Node) throws -> Control {
        self.node = node
        switch node.kind {
        case .action:
            let a = unsafeDowncast(node, to: ActionNode.self)
            let val = try evalPipeline(dot, a.pipe)
            if a.pipe.decl.isEmpty { try printValue(a, val) }
        case .comment:
            break
        case .if, .with:
            return try walkIfOrWith(dot, unsafeDowncast(node, to: BranchNode.self))
        case .list:
            for n in unsafeDowncast(node, to: ListNode.self).nodes {
                let c = try walk(dot, n)
                if c != .normal { return c }
            }
        case .range:
            try walkRange(dot, unsafeDowncast(node, to: BranchNode.self))
        case .template:
            try walkTemplate(dot, unsafeDowncast(node, to: TemplateNode.self))
        case .text:
            out.append(contentsOf: unsafeDowncast(node, to: TextNode.self).text)
            try checkOutput()
        case .break:
            return .breakLoop
        case .continue:
            return .continueLoop
        default:
            throw fail("unknown node: \(node)")
        }
        return .normal
    }

    func walkIfOrWith(_ dot: Operand, _ n: BranchNode) throws -> Control {
        let m = mark
        defer { pop(m) }
        let val = try evalPipeline(dot, n.pipe)
        guard let truth = isTrue(val.value) else {
            throw fail("if/with can't use \(val.value.map(GoFmt.print) ?? "<nil>")")
        }
        if truth {
            return try walk(n.kind == .with ? val : dot, n.list)
        } else if let e = n.elseList {
            return try walk(dot, e)
        }
        return .normal
    }

    func walkRange(_ dot: Operand, _ r: BranchNode) throws {
        self.node = r
        let outer = mark
        defer { pop(outer) }
        let val = try evalPipeline(dot, r.pipe).value
        let m = mark
        let decl = r.pipe.decl
        // Returns false when the body said {{break}}.
        func oneIteration(_ index: Operand, _ elem: Operand) throws -> Bool {
            if !decl.isEmpty {
                if r.pipe.isAssign {
                    try setVar(decl[0].ident[0], decl.count > 1 ? index : elem)
                } else {
                    vars[vars.count - 1].value = elem
                }
            }
            if decl.count > 1 {
                if r.pipe.isAssign {
                    try setVar(decl[1].ident[0], elem)
                } else {
                    vars[vars.count - 2].value = index
                }
            }
            defer { pop(m) }
            ticks &+= 1
            if ticks & 255 == 0 { try checkDeadline() }
            return try walk(elem, r.list) != .breakLoop
        }
        switch val {
        case .list(let l)?:
            if !l.items.isEmpty {
                let boxed = l.elem == .interface
                for (i, item) in l.items.enumerated() {
                    if try !oneIteration(Operand(.int(Int64(i))), Operand(item, boxed: boxed)) { break }
                }
                return
            }
        case .map(let mp)?:
            if !mp.entries.isEmpty {
                let boxed = mp.elem == .interface
                for k in mp.sortedKeys {
                    if try !oneIteration(Operand(.string(k)), Operand(mp.entries[k]!, boxed: boxed)) { break }
                }
                return
            }
        case .int(let n, let t)?:
            if decl.count > 1 { throw fail("can't use \(GoFmt.print(val!)) to iterate over more than one variable") }
            if n > 0 {
                var i: Int64 = 0
                while i < n {
                    if try !oneIteration(Operand(nil), Operand(.int(i, t))) { break }
                    i += 1
                }
                return
            }
        case .uint(let n, let t)?:
            if decl.count > 1 { throw fail("can't use \(GoFmt.print(val!)) to iterate over more than one variable") }
            if n > 0 {
                var i: UInt64 = 0
                while i < n {
                    if try !oneIteration(Operand(nil), Operand(.uint(i, t))) { break }
                    i += 1
                }
                return
            }
        case nil, .null?:
            break
        default:
            throw fail("range can't iterate over \(GoFmt.print(val!))")
        }
        if let e = r.elseList { _ = try walk(dot, e) }
    }

    func walkTemplate(_ dot: Operand, _ t: TemplateNode) throws {
        self.node = t
        guard let target = set.trees[t.name] else {
            throw fail("template \(goQuote(t.name)) not defined")
        }
        let depth = ExecDepth.current
        if depth.value >= set.maxDepth || !stack.hasRoom() {
            throw LimitError(fail("exceeded maximum template depth (\(set.maxDepth))").message, .depth, located: true)
        }
        try checkDeadline()
        let newDot = try evalPipeline(dot, t.pipe)
        let savedTree = tree, savedVars = vars
        tree = target
        vars = [("$", newDot)]
        depth.value += 1
        defer { tree = savedTree; vars = savedVars; depth.value -= 1 }
        _ = try walk(newDot, target.root)
    }

    // MARK: pipelines and commands

    func evalPipeline(_ dot: Operand, _ pipe: PipeNode?) throws -> Operand {
        guard let pipe else { return Operand(nil) }
        node = pipe
        var value: Operand? = nil // nil: no final value yet (Go's missingVal)
        for cmd in pipe.cmds {
            var v = try evalCommand(dot, cmd, final: value)
            // Dig out of interface{}: a nil interface becomes an invalid value.
            if case .null? = v.value { v = Operand(nil) }
            v.boxed = false
            value = v
        }
        let result = value ?? Operand(nil)
        for variable in pipe.decl {
            if pipe.isAssign { try setVar(variable.ident[0], result) } else { push(variable.ident[0], result) }
        }
        return result
    }

    func notAFunction(_ args: [Node], _ final: Operand?) throws {
        if args.count > 1 || final != nil {
            throw fail("can't give argument to non-function \(args[0])")
        }
    }

    func evalCommand(_ dot: Operand, _ cmd: CommandNode, final: Operand?) throws -> Operand {
        let first = cmd.args[0]
        switch first.kind {
        case .field:
            return try evalFieldNode(dot, unsafeDowncast(first, to: FieldNode.self), cmd.args, final)
        case .chain:
            return try evalChainNode(dot, unsafeDowncast(first, to: ChainNode.self), cmd.args, final)
        case .identifier:
            return try evalFunction(dot, unsafeDowncast(first, to: IdentifierNode.self), cmd, cmd.args, final)
        case .pipe:
            try notAFunction(cmd.args, final)
            return try evalPipeline(dot, unsafeDowncast(first, to: PipeNode.self))
        case .variable:
            return try evalVariableNode(dot, unsafeDowncast(first, to: VariableNode.self), cmd.args, final)
        default: break
        }
        node = first
        try notAFunction(cmd.args, final)
        switch first.kind {
        case .bool: return Operand(.bool(unsafeDowncast(first, to: BoolNode.self).value))
        case .dot: return dot
        case .nil: throw fail("nil is not a command")
        case .number: return Operand(try idealConstant(unsafeDowncast(first, to: NumberNode.self)))
        case .string: return Operand(.string(unsafeDowncast(first, to: StringNode.self).text))
        default: throw fail("can't evaluate command \(goQuote(first.description))")
        }
    }

    /// A number literal with no type context: Go's rules pick int, float64 or complex128.
    func idealConstant(_ c: NumberNode) throws -> Value {
        node = c
        if c.isComplex { return .complex(c.complex.0, c.complex.1) }
        let t = c.text
        let isHexInt = t.count > 2 && t.hasPrefix("0") && (t.dropFirst().first == "x" || t.dropFirst().first == "X") && !t.contains(where: { $0 == "p" || $0 == "P" })
        let isRune = t.hasPrefix("'")
        if c.isFloat && !isHexInt && !isRune && t.contains(where: { ".eEpP".contains($0) }) {
            return .float(c.float64)
        }
        if c.isInt { return .int(c.int64) }
        if c.isUint { throw fail("\(t) overflows int") }
        return .null
    }

    func evalFieldNode(_ dot: Operand, _ field: FieldNode, _ args: [Node], _ final: Operand?) throws -> Operand {
        node = field
        return try evalFieldChain(dot, dot, field, field.ident, args, final)
    }

    func evalChainNode(_ dot: Operand, _ chain: ChainNode, _ args: [Node], _ final: Operand?) throws -> Operand {
        node = chain
        if chain.fields.isEmpty { throw fail("internal error: no fields in evalChainNode") }
        if chain.node.kind == .nil { throw fail("indirection through explicit nil in \(chain)") }
        let pipe = try evalArg(dot, nil, chain.node)
        return try evalFieldChain(dot, pipe, chain, chain.fields, args, final)
    }

    func evalVariableNode(_ dot: Operand, _ v: VariableNode, _ args: [Node], _ final: Operand?) throws -> Operand {
        node = v
        let value = try varValue(v.ident[0])
        if v.ident.count == 1 {
            try notAFunction(args, final)
            return value
        }
        return try evalFieldChain(dot, value, v, Array(v.ident.dropFirst()), args, final)
    }

    func evalFieldChain(_ dot: Operand, _ receiverIn: Operand, _ n: Node, _ ident: [String], _ args: [Node], _ final: Operand?) throws -> Operand {
        var receiver = receiverIn
        for i in 0..<(ident.count - 1) {
            receiver = try evalField(dot, ident[i], n, [], nil, receiver)
        }
        return try evalField(dot, ident[ident.count - 1], n, args, final, receiver)
    }

    func evalFunction(_ dot: Operand, _ n: IdentifierNode, _ cmd: Node, _ args: [Node], _ final: Operand?) throws -> Operand {
        node = n
        guard let fn = set.funcs[n.ident] else { throw fail("\(goQuote(n.ident)) is not a defined function") }
        return try evalCall(dot, fn, cmd, n.ident, args, final)
    }

    func evalField(_ dot: Operand, _ name: String, _ n: Node, _ args: [Node], _ final: Operand?, _ receiver: Operand) throws -> Operand {
        guard let value = receiver.value else {
            if set.missingKey == .error { throw fail("nil data; no entry for key \(goQuote(name))") }
            return Operand(nil)
        }
        let typ = receiver.staticTypeName
        let hasArgs = args.count > 1 || final != nil
        switch value {
        case .null:
            throw fail("nil pointer evaluating \(typ).\(name)")
        case .object(let o):
            if let m = o.method(name) {
                return try evalCall(dot, m, n, name, args, final)
            }
            if let f = o.field(name) {
                if hasArgs { throw fail("\(name) has arguments but cannot be invoked as function") }
                return Operand(f)
            }
        case .list(let l):
            if let method = l.methods?(name) {
                return try evalCall(dot, method, n, name, args, final)
            }
        case .map(let m):
            if let method = m.methods?(name) {
                return try evalCall(dot, method, n, name, args, final)
            }
            if hasArgs { throw fail("\(name) is not a method but has arguments") }
            if let v = m.entries[name] { return Operand(v, boxed: m.elem == .interface) }
            switch set.missingKey {
            case .default: return Operand(nil)
            case .zero: return Operand(zeroValue(m.elem), boxed: m.elem == .interface)
            case .error: throw fail("map has no entry for key \(goQuote(name))")
            }
        default:
            break
        }
        throw fail("can't evaluate field \(name) in type \(typ)")
    }

    // MARK: calls

    func evalCall(_ dot: Operand, _ fn: GoFunction, _ callNode: Node, _ name: String, _ argsIn: [Node], _ final: Operand?) throws -> Operand {
        let args = argsIn.isEmpty ? [] : Array(argsIn.dropFirst())
        var numIn = args.count
        if final != nil { numIn += 1 }
        var numFixed = args.count
        if fn.variadic != nil {
            numFixed = fn.params.count
            if numIn < numFixed {
                throw fail("wrong number of args for \(name): want at least \(fn.params.count) got \(args.count)")
            }
        } else if numIn != fn.params.count {
            throw fail("wrong number of args for \(name): want \(fn.params.count) got \(numIn)")
        }

        // and/or evaluate their arguments lazily and return the deciding one.
        if Builtins.isShortCircuit(fn) {
            let isOr = name == "or"
            var v: Operand = Operand(nil)
            for arg in args {
                v = try evalArg(dot, .reflectValue, arg)
                if let v2 = v.value, case .null = v2 { v = Operand(nil) }
                if (isTrue(v.value) ?? true) == isOr { return v }
            }
            if let final { v = final }
            return v
        }

        var argv: [Value?] = []
        argv.reserveCapacity(numIn)
        let isCall = name == "call" && fn.params == [.reflectValue] && fn.variadic == .reflectValue
        var i = 0
        while i < numFixed && i < args.count {
            argv.append(try evalArg(dot, fn.params[i], args[i]).value)
            i += 1
        }
        if let variadic = fn.variadic {
            while i < args.count {
                argv.append(try evalArg(dot, variadic, args[i]).value)
                i += 1
            }
        }
        if let final {
            var t = fn.variadic ?? fn.params[fn.params.count - 1]
            if fn.variadic != nil && numIn - 1 < numFixed { t = fn.params[numIn - 1] }
            argv.append(try validateType(final, t).value)
        }
        do {
            let result = isCall
                ? try Builtins.call(args.first?.description ?? "", argv[0], Array(argv.dropFirst()))
                : try fn.call(argv)
            try checkResult(result)
            return Operand(result)
        } catch var e as LimitError {
            // Located once, where it happened; passed up unchanged after that.
            if e.located { throw e }
            node = callNode
            e.message = fail("error calling \(name): \(e.message)").message
            e.located = true
            throw e
        } catch let e as ExecError {
            // An error from a nested execution (include, tpl) already carries its context.
            node = callNode
            throw fail("error calling \(name): \(e.message)", underlying: e)
        } catch let e as FunctionError {
            node = callNode
            throw fail("error calling \(name): \(e.message)", underlying: e)
        } catch {
            node = callNode
            throw fail("error calling \(name): \(error)", underlying: error)
        }
    }

    func zeroValue(_ t: GoType) -> Value {
        switch t {
        case .interface, .pointer, .function: return .null
        case .bool: return .bool(false)
        case .int, .int8, .int16, .int32, .int64: return .int(0, t)
        case .uint, .uint8, .uint16, .uint32, .uint64, .uintptr: return .uint(0, t)
        case .float32, .float64: return .float(0, t)
        case .complex64, .complex128: return .complex(0, 0)
        case .string: return .string("")
        case .slice(let e): return .list(List([], elem: e))
        case .map(_, let e): return .map(Map([:], elem: e))
        case .named(let n, let k):
            switch k {
            case .map: return .map(Map([:], name: n))
            case .slice: return .list(List([], name: n))
            default: return .null
            }
        }
    }

    /// Go's assignability for the types templates meet.
    func assignable(_ v: Value, to t: GoType) -> Bool {
        let vt = v.goType
        if vt == t || t == .interface { return true }
        // A named map or slice is assignable to its unnamed underlying type and back.
        switch (v, t) {
        case (.map(let m), .map(.string, let e)): return m.elem == e
        case (.list(let l), .slice(let e)): return l.elem == e
        case (.map(let m), .named(_, .map)): return m.name == nil
        case (.list(let l), .named(_, .slice)): return l.name == nil
        default: return false
        }
    }

    func validateType(_ op: Operand, _ param: GoFunction.Param?) throws -> Operand {
        guard let param else { return op }
        switch param {
        case .any:
            return Operand(op.value ?? .null)
        case .reflectValue:
            return op
        case .typed(let t):
            guard let v = op.value else {
                if t.canBeNil { return Operand(zeroValue(t)) }
                throw fail("invalid value; expected \(t)")
            }
            if assignable(v, to: t) { return Operand(v) }
            if case .null = v { throw fail("wrong type for value; expected \(t); got interface {}") }
            throw fail("wrong type for value; expected \(t); got \(v.goType)")
        }
    }

    func evalArg(_ dot: Operand, _ param: GoFunction.Param?, _ n: Node) throws -> Operand {
        node = n
        switch n.kind {
        case .dot:
            return try validateType(dot, param)
        case .nil:
            switch param {
            case nil, .any?: return Operand(.null)
            case .reflectValue?: return Operand(nil)
            case .typed(let t)?:
                if t.canBeNil { return Operand(zeroValue(t)) }
                throw fail("cannot assign nil to \(t)")
            }
        case .field:
            return try validateType(evalFieldNode(dot, unsafeDowncast(n, to: FieldNode.self), [n], nil), param)
        case .variable:
            return try validateType(evalVariableNode(dot, unsafeDowncast(n, to: VariableNode.self), [], nil), param)
        case .pipe:
            return try validateType(evalPipeline(dot, unsafeDowncast(n, to: PipeNode.self)), param)
        case .identifier:
            let id = unsafeDowncast(n, to: IdentifierNode.self)
            return try validateType(evalFunction(dot, id, id, [], nil), param)
        case .chain:
            return try validateType(evalChainNode(dot, unsafeDowncast(n, to: ChainNode.self), [], nil), param)
        default:
            break
        }
        guard case .typed(let t)? = param else {
            return Operand(try evalEmptyInterface(dot, n))
        }
        switch t.kind {
        case .bool:
            if n.kind == .bool { return Operand(.bool(unsafeDowncast(n, to: BoolNode.self).value)) }
            throw fail("expected bool; found \(n)")
        case .int:
            if n.kind == .number, case let num = unsafeDowncast(n, to: NumberNode.self), num.isInt {
                return Operand(.int(num.int64, t))
            }
            throw fail("expected integer; found \(n)")
        case .uint:
            if n.kind == .number, case let num = unsafeDowncast(n, to: NumberNode.self), num.isUint {
                return Operand(.uint(num.uint64, t))
            }
            throw fail("expected unsigned integer; found \(n)")
        case .float:
            if n.kind == .number, case let num = unsafeDowncast(n, to: NumberNode.self), num.isFloat {
                return Operand(.float(num.float64, t))
            }
            throw fail("expected float; found \(n)")
        case .complex:
            if n.kind == .number, case let num = unsafeDowncast(n, to: NumberNode.self), num.isComplex {
                return Operand(.complex(num.complex.0, num.complex.1))
            }
            throw fail("expected complex; found \(n)")
        case .string:
            if n.kind == .string { return Operand(.string(unsafeDowncast(n, to: StringNode.self).text)) }
            throw fail("expected string; found \(n)")
        case .interface:
            return Operand(try evalEmptyInterface(dot, n))
        default:
            throw fail("can't handle \(n) for arg of type \(t)")
        }
    }

    func evalEmptyInterface(_ dot: Operand, _ n: Node) throws -> Value? {
        node = n
        switch n.kind {
        case .bool: return .bool(unsafeDowncast(n, to: BoolNode.self).value)
        case .dot: return dot.value
        case .field: return try evalFieldNode(dot, unsafeDowncast(n, to: FieldNode.self), [], nil).value
        case .identifier:
            let id = unsafeDowncast(n, to: IdentifierNode.self)
            return try evalFunction(dot, id, id, [], nil).value
        case .number: return try idealConstant(unsafeDowncast(n, to: NumberNode.self))
        case .string: return .string(unsafeDowncast(n, to: StringNode.self).text)
        case .variable: return try evalVariableNode(dot, unsafeDowncast(n, to: VariableNode.self), [], nil).value
        case .pipe: return try evalPipeline(dot, unsafeDowncast(n, to: PipeNode.self)).value
        default: throw fail("can't handle assignment of \(n) to empty interface argument")
        }
    }

    // MARK: printing

    func printValue(_ n: Node, _ v: Operand) throws {
        node = n
        guard let value = v.value else {
            out.append(contentsOf: "<no value>".utf8)
            return
        }
        if case .function = value { throw fail("can't print \(n) of type func") }
        GoFmt.append(value, to: &out)
        try checkOutput()
    }
}

/// Go's truth: false, 0, nil, empty string, list or map are false. Returns nil when the
/// value has no truth value.
func isTrue(_ v: Value?) -> Bool? {
    guard let v else { return false }
    switch v {
    case .null: return false
    case .bool(let b): return b
    case .int(let i, _): return i != 0
    case .uint(let u, _): return u != 0
    case .float(let f, _): return f != 0
    case .complex(let r, let i): return r != 0 || i != 0
    case .string(let s): return !s.isEmpty
    case .list(let l): return !l.isEmpty
    case .map(let m): return !m.entries.isEmpty
    case .object: return true
    case .function: return true
    }
}
