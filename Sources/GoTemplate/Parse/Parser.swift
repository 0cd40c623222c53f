import Values
/// A parsed template: its root list and the text it came from (for error positions).
public final class Tree: @unchecked Sendable {
    public var name: String
    /// The name of the top-level template being parsed (the file name), used in messages.
    public let parseName: String
    public internal(set) var root: ListNode!
    let text: [UInt8]

    init(name: String, parseName: String, text: [UInt8]) {
        self.name = name; self.parseName = parseName; self.text = text
    }

    /// `NAME:LINE:COL` of a node, and the node's text, as Go's ErrorContext gives them.
    func errorContext(_ n: Node) -> (location: String, context: String) {
        let pos = min(n.pos, text.count)
        var lineNum = 1
        var lastNL = -1
        for i in 0..<pos where text[i] == 0x0A { lineNum += 1; lastNL = i }
        let col = lastNL == -1 ? pos : pos - (lastNL + 1)
        return ("\(parseName):\(lineNum):\(col)", n.description)
    }
}

/// A template parse failure, worded as Go words it: `template: NAME:LINE: MESSAGE`.
public struct ParseError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Go's text/template/parse: builds trees from lexer items. A parse yields the main
/// tree and one tree per `define`/`block`.
struct Parser {
    let items: [Item]
    let itemText: ItemText
    var index = 0
    var furthest = 0
    let parseName: String
    let text: [UInt8]
    let hasFunction: (String) -> Bool
    var vars: [String] = ["$"]
    var rangeDepth = 0
    var parenDepth = 0
    static let maxParenDepth = 10_000
    let stack = StackGuard()
    var actionLine = 0
    /// The tree being built and every tree defined so far in this parse.
    var tree: Tree
    var treeSet: [String: Tree]

    init(name: String, text: [UInt8], hasFunction: @escaping (String) -> Bool) {
        (self.items, self.itemText) = Lexer.lex(name: name, input: text)
        self.parseName = name
        self.text = text
        self.hasFunction = hasFunction
        self.tree = Tree(name: name, parseName: name, text: text)
        self.treeSet = [:]
    }

    // MARK: tokens

    mutating func next() -> Item {
        let it = items[min(index, items.count - 1)]
        if index < items.count { index += 1 }
        furthest = max(furthest, index - 1)
        return it
    }
    mutating func backup(_ n: Int = 1) { index -= n }
    mutating func peek() -> Item {
        let it = items[min(index, items.count - 1)]
        furthest = max(furthest, min(index, items.count - 1))
        return it
    }
    mutating func nextNonSpace() -> Item {
        var t: Item
        repeat { t = next() } while t.type == .space
        return t
    }
    mutating func peekNonSpace() -> Item {
        let t = nextNonSpace()
        backup()
        return t
    }

    // MARK: errors

    func val(_ t: Item) -> String { itemText.val(t) }

    func fail(_ msg: String) -> ParseError {
        let line = items[min(furthest, items.count - 1)].line
        return ParseError(message: "template: \(parseName):\(line): \(msg)")
    }

    func unexpected(_ token: Item, _ context: String) -> ParseError {
        if token.type == .error {
            var extra = ""
            if actionLine != 0 && actionLine != token.line {
                extra = " in action started at \(parseName):\(actionLine)"
                if val(token).hasSuffix(" action") { extra = String(extra.dropFirst(" in action".count)) }
            }
            return fail("\(itemText.describe(token))\(extra)")
        }
        return fail("unexpected \(itemText.describe(token)) in \(context)")
    }

    mutating func expect(_ type: ItemType, _ context: String) throws -> Item {
        let t = nextNonSpace()
        if t.type != type { throw unexpected(t, context) }
        return t
    }

    mutating func expectOneOf(_ a: ItemType, _ b: ItemType, _ context: String) throws -> Item {
        let t = nextNonSpace()
        if t.type != a && t.type != b { throw unexpected(t, context) }
        return t
    }

    // MARK: top level

    /// Parses the whole text: the main tree and its definitions.
    mutating func parse() throws -> (main: Tree, defined: [Tree]) {
        let main = tree
        var defined: [Tree] = []
        main.root = ListNode(pos: peek().pos)
        while peek().type != .eof {
            if peek().type == .leftDelim {
                let delim = next()
                if nextNonSpace().type == .define {
                    let saved = (tree, vars, rangeDepth)
                    tree = Tree(name: "definition", parseName: parseName, text: text)
                    vars = ["$"]
                    rangeDepth = 0
                    try parseDefinition()
                    defined.append(try add(tree))
                    (tree, vars, rangeDepth) = saved
                    continue
                }
                // Back up to the delimiter.
                while index > 0 && items[index - 1].pos != delim.pos { backup() }
                backup()
            }
            let n = try textOrAction()
            switch n.kind {
            case .end, .else: throw fail("unexpected \(n)")
            default: main.root.nodes.append(n)
            }
        }
        return (main, defined + pendingBlocks)
    }

    /// Go's Tree.add: a second non-empty definition of one name in one parse is an error.
    mutating func add(_ t: Tree) throws -> Tree {
        if let existing = treeSet[t.name], !isEmptyTree(existing.root) {
            if !isEmptyTree(t.root) {
                throw fail("template: multiple definition of template \(goQuote(t.name))")
            }
            return existing
        }
        treeSet[t.name] = t
        return t
    }

    mutating func parseDefinition() throws {
        let context = "define clause"
        let name = try expectOneOf(.string, .rawString, context)
        tree.name = try unquote(name).string
        _ = try expect(.rightDelim, context)
        let (list, end) = try itemList()
        if end.kind != .end { throw fail("unexpected \(end) in \(context)") }
        tree.root = list
    }

    mutating func itemList() throws -> (ListNode, Node) {
        let list = ListNode(pos: peekNonSpace().pos)
        while peekNonSpace().type != .eof {
            let n = try textOrAction()
            if n.kind == .end || n.kind == .else { return (list, n) }
            list.nodes.append(n)
        }
        throw fail("unexpected EOF")
    }

    mutating func textOrAction() throws -> Node {
        let token = nextNonSpace()
        switch token.type {
        case .text:
            return TextNode(pos: token.pos, text: Array(itemText.bytes(token)))
        case .leftDelim:
            actionLine = token.line
            defer { actionLine = 0 }
            return try action()
        case .comment:
            return CommentNode(pos: token.pos, text: val(token))
        default:
            throw unexpected(token, "input")
        }
    }

    mutating func action() throws -> Node {
        let token = nextNonSpace()
        switch token.type {
        case .block: return try blockControl()
        case .break: return try loopControl(.break, token)
        case .continue: return try loopControl(.continue, token)
        case .else: return try elseControl()
        case .end: return EndNode(pos: try expect(.rightDelim, "end").pos)
        case .if: return try branchControl(.if, "if")
        case .range: return try branchControl(.range, "range")
        case .template: return try templateControl()
        case .with: return try branchControl(.with, "with")
        default: break
        }
        backup()
        let t = peek()
        return ActionNode(pos: t.pos, line: t.line, pipe: try pipeline("command", end: .rightDelim))
    }

    mutating func loopControl(_ kind: NodeKind, _ token: Item) throws -> Node {
        let name = kind == .break ? "{{break}}" : "{{continue}}"
        let t = nextNonSpace()
        if t.type != .rightDelim { throw unexpected(t, name) }
        if rangeDepth == 0 { throw fail("\(name) outside {{range}}") }
        return LoopControlNode(kind, pos: token.pos, line: token.line)
    }

    mutating func elseControl() throws -> Node {
        let p = peekNonSpace()
        if p.type == .if || p.type == .with { return ElseNode(pos: p.pos, line: p.line) }
        let t = try expect(.rightDelim, "else")
        return ElseNode(pos: t.pos, line: t.line)
    }

    mutating func branchControl(_ kind: NodeKind, _ context: String) throws -> Node {
        let mark = vars.count
        defer { vars.removeSubrange(mark...) }
        let pipe = try pipeline(context, end: .rightDelim)
        if kind == .range { rangeDepth += 1 }
        let (list, first) = try itemList()
        var next = first
        if kind == .range { rangeDepth -= 1 }
        var elseList: ListNode? = nil
        if next.kind == .else {
            if kind == .if && peek().type == .if {
                _ = self.next()
                let el = ListNode(pos: next.pos)
                el.nodes.append(try branchControl(.if, "if"))
                elseList = el
            } else if kind == .with && peek().type == .with {
                _ = self.next()
                let el = ListNode(pos: next.pos)
                el.nodes.append(try branchControl(.with, "with"))
                elseList = el
            } else {
                let (el, n2) = try itemList()
                if n2.kind != .end { throw fail("expected end; found \(n2)") }
                elseList = el
                next = n2
            }
        }
        return BranchNode(kind, pos: pipe.pos, line: pipe.line, pipe: pipe, list: list, elseList: elseList)
    }

    mutating func blockControl() throws -> Node {
        let context = "block clause"
        let token = nextNonSpace()
        let name = try templateName(token, context)
        let pipe = try pipeline(context, end: .rightDelim)
        let saved = (tree, vars, rangeDepth)
        tree = Tree(name: name, parseName: parseName, text: text)
        vars = ["$"]
        rangeDepth = 0
        let (list, end) = try itemList()
        if end.kind != .end { throw fail("unexpected \(end) in \(context)") }
        tree.root = list
        let blockTree = tree
        (tree, vars, rangeDepth) = saved
        pendingBlocks.append(try add(blockTree))
        return TemplateNode(pos: token.pos, line: token.line, name: name, pipe: pipe)
    }

    var pendingBlocks: [Tree] = []

    mutating func templateControl() throws -> Node {
        let context = "template clause"
        let token = nextNonSpace()
        let name = try templateName(token, context)
        var pipe: PipeNode? = nil
        if nextNonSpace().type != .rightDelim {
            backup()
            pipe = try pipeline(context, end: .rightDelim)
        }
        return TemplateNode(pos: token.pos, line: token.line, name: name, pipe: pipe)
    }

    mutating func templateName(_ token: Item, _ context: String) throws -> String {
        switch token.type {
        case .string, .rawString: return try unquote(token).string
        default: throw unexpected(token, context)
        }
    }

    // MARK: pipelines

    mutating func pipeline(_ context: String, end: ItemType) throws -> PipeNode {
        let t = peekNonSpace()
        let pipe = PipeNode(pos: t.pos, line: t.line)
        decls: while true {
            let v = peekNonSpace()
            guard v.type == .variable else { break }
            let variableIndex = index
            _ = nextNonSpace()
            let tokenAfterVariable = peek()
            let nxt = peekNonSpace()
            if nxt.type == .assign || nxt.type == .declare {
                pipe.isAssign = nxt.type == .assign
                _ = nextNonSpace()
                pipe.decl.append(VariableNode(pos: v.pos, ident: val(v)))
                vars.append(val(v))
            } else if nxt.type == .char && val(nxt) == "," {
                _ = nextNonSpace()
                pipe.decl.append(VariableNode(pos: v.pos, ident: val(v)))
                vars.append(val(v))
                if context == "range" && pipe.decl.count < 2 {
                    switch peekNonSpace().type {
                    case .variable, .rightDelim, .rightParen:
                        continue decls
                    default:
                        throw fail("range can only initialize variables")
                    }
                }
                throw fail("too many declarations in \(context)")
            } else {
                // "$x foo": $x is an argument, not a declaration; put it back.
                _ = tokenAfterVariable
                index = variableIndex
            }
            break
        }
        while true {
            let token = nextNonSpace()
            if token.type == end {
                try checkPipeline(pipe, context)
                return pipe
            }
            switch token.type {
            case .bool, .charConstant, .complex, .dot, .field, .identifier, .number, .nil,
                 .rawString, .string, .variable, .leftParen:
                backup()
                pipe.cmds.append(try command())
            default:
                throw unexpected(token, context)
            }
        }
    }

    func checkPipeline(_ pipe: PipeNode, _ context: String) throws {
        if pipe.cmds.isEmpty { throw fail("missing value for \(context)") }
        for (i, c) in pipe.cmds.enumerated().dropFirst() {
            switch c.args[0].kind {
            case .bool, .dot, .nil, .number, .string:
                throw fail("non executable command in pipeline stage \(i + 1)")
            default: break
            }
        }
    }

    mutating func command() throws -> CommandNode {
        let cmd = CommandNode(pos: peekNonSpace().pos)
        while true {
            _ = peekNonSpace()
            if let operand = try operand() { cmd.args.append(operand) }
            let token = next()
            switch token.type {
            case .space: continue
            case .rightDelim, .rightParen: backup()
            case .pipe: break
            default: throw unexpected(token, "operand")
            }
            break
        }
        if cmd.args.isEmpty { throw fail("empty command") }
        return cmd
    }

    mutating func operand() throws -> Node? {
        guard var n = try term() else { return nil }
        if peek().type == .field {
            let chain = ChainNode(pos: peek().pos, node: n)
            while peek().type == .field { chain.add(val(next())) }
            switch n.kind {
            case .field:
                n = FieldNode(pos: chain.pos, ident: chain.description)
            case .variable:
                n = VariableNode(pos: chain.pos, ident: chain.description)
            case .bool, .string, .number, .nil, .dot:
                throw fail("unexpected . after term \(goQuote(n.description))")
            default:
                n = chain
            }
        }
        return n
    }

    mutating func term() throws -> Node? {
        let token = nextNonSpace()
        switch token.type {
        case .identifier:
            if !hasFunction(val(token)) { throw fail("function \(goQuote(val(token))) not defined") }
            return IdentifierNode(pos: token.pos, ident: val(token))
        case .dot:
            return DotNode(pos: token.pos)
        case .nil:
            return NilNode(pos: token.pos)
        case .variable:
            let v = VariableNode(pos: token.pos, ident: val(token))
            if !vars.contains(v.ident[0]) { throw fail("undefined variable \(goQuote(v.ident[0]))") }
            return v
        case .field:
            return FieldNode(pos: token.pos, ident: val(token))
        case .bool:
            return BoolNode(pos: token.pos, value: val(token) == "true")
        case .charConstant, .complex, .number:
            return try number(token)
        case .leftParen:
            // Go's parser stops nesting at 10,000 levels; a thread with a smaller stack
            // stops earlier with the same error instead of overflowing.
            if parenDepth >= Parser.maxParenDepth || !stack.hasRoom() { throw fail("max expression depth exceeded") }
            parenDepth += 1
            defer { parenDepth -= 1 }
            return try pipeline("parenthesized pipeline", end: .rightParen)
        case .string, .rawString:
            return StringNode(pos: token.pos, quoted: val(token), text: try unquote(token))
        default:
            backup()
            return nil
        }
    }

    func unquote(_ token: Item) throws -> GoString {
        guard let s = GoLiteral.unquote(val(token)) else { throw fail("invalid syntax") }
        return s
    }

    func number(_ token: Item) throws -> NumberNode {
        let n = NumberNode(pos: token.pos, text: val(token))
        let text = val(token)
        switch token.type {
        case .charConstant:
            let scalars = Array(text.utf8)
            guard let (r, rest) = GoLiteral.unquoteChar(Array(scalars.dropFirst()), quote: UInt8(ascii: "'")),
                  rest == [UInt8(ascii: "'")] else {
                if GoLiteral.unquoteChar(Array(scalars.dropFirst()), quote: UInt8(ascii: "'")) == nil { throw fail("invalid syntax") }
                throw fail("malformed character constant: \(text)")
            }
            n.int64 = Int64(r); n.isInt = true
            n.uint64 = UInt64(r); n.isUint = true
            n.float64 = Double(r); n.isFloat = true
            return n
        case .complex:
            guard let c = GoLiteral.parseComplex(text) else { throw fail("expected integer") }
            n.isComplex = true
            n.complex = c
            simplifyComplex(n)
            return n
        default: break
        }
        if text.hasSuffix("i"), let f = GoLiteral.parseFloat(String(text.dropLast())) {
            n.isComplex = true
            n.complex = (0, f)
            simplifyComplex(n)
            return n
        }
        let u = GoLiteral.parseUint(text)
        if let u { n.isUint = true; n.uint64 = u }
        if let i = GoLiteral.parseInt(text) {
            n.isInt = true; n.int64 = i
            if i == 0 { n.isUint = true; n.uint64 = u ?? 0 }
        }
        if n.isInt {
            n.isFloat = true; n.float64 = Double(n.int64)
        } else if n.isUint {
            n.isFloat = true; n.float64 = Double(n.uint64)
        } else if let f = GoLiteral.parseFloat(text) {
            if !text.contains(where: { ".eEpP".contains($0) }) {
                throw fail("integer overflow: \(goQuote(text))")
            }
            n.isFloat = true; n.float64 = f
            if !n.isInt, f.isFinite, f.rounded() == f, abs(f) < 9.2e18 { n.isInt = true; n.int64 = Int64(f) }
            if !n.isUint, f.isFinite, f.rounded() == f, f >= 0, f < 1.8e19 { n.isUint = true; n.uint64 = UInt64(f) }
        }
        if !n.isInt && !n.isUint && !n.isFloat {
            throw fail("illegal number syntax: \(goQuote(text))")
        }
        return n
    }

    func simplifyComplex(_ n: NumberNode) {
        if n.complex.1 == 0 {
            n.isFloat = true
            n.float64 = n.complex.0
            if n.float64.isFinite, n.float64.rounded() == n.float64, abs(n.float64) < 9.2e18 {
                n.isInt = true; n.int64 = Int64(n.float64)
            }
            if n.float64.isFinite, n.float64.rounded() == n.float64, n.float64 >= 0, n.float64 < 1.8e19 {
                n.isUint = true; n.uint64 = UInt64(n.float64)
            }
        }
    }
}
