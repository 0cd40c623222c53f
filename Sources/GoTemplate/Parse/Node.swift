import Values
/// The parse tree of a template, as Go's text/template/parse builds it. Nodes keep their
/// byte offset so that execution errors can name `file:line:column` as Go does.
public enum NodeKind {
    case list, text, comment, action, pipe, command, identifier, variable, dot, `nil`, field, chain
    case bool, number, string, end, `else`, `if`, range, with, template, `break`, `continue`
}

public class Node: CustomStringConvertible, @unchecked Sendable {
    public let kind: NodeKind
    public let pos: Int
    init(_ kind: NodeKind, pos: Int) { self.kind = kind; self.pos = pos }
    public var description: String { "" }
}

public final class ListNode: Node, @unchecked Sendable {
    public var nodes: [Node] = []
    init(pos: Int) { super.init(.list, pos: pos) }
    public override var description: String { nodes.map(\.description).joined() }
}

public final class TextNode: Node, @unchecked Sendable {
    public let text: [UInt8]
    init(pos: Int, text: [UInt8]) { self.text = text; super.init(.text, pos: pos) }
    public override var description: String { goQuote(String(decoding: text, as: UTF8.self)) }
}

public final class CommentNode: Node, @unchecked Sendable {
    public let text: String
    init(pos: Int, text: String) { self.text = text; super.init(.comment, pos: pos) }
    public override var description: String { "{{\(text)}}" }
}

public final class PipeNode: Node, @unchecked Sendable {
    public let line: Int
    public var isAssign = false
    public var decl: [VariableNode] = []
    public var cmds: [CommandNode] = []
    init(pos: Int, line: Int) { self.line = line; super.init(.pipe, pos: pos) }
    public override var description: String {
        var s = ""
        if !decl.isEmpty {
            s += decl.map(\.description).joined(separator: ", ")
            s += " := "
        }
        s += cmds.map(\.description).joined(separator: " | ")
        return s
    }
}

public final class ActionNode: Node, @unchecked Sendable {
    public let line: Int
    public let pipe: PipeNode
    init(pos: Int, line: Int, pipe: PipeNode) { self.line = line; self.pipe = pipe; super.init(.action, pos: pos) }
    public override var description: String { "{{\(pipe)}}" }
}

public final class CommandNode: Node, @unchecked Sendable {
    public var args: [Node] = []
    init(pos: Int) { super.init(.command, pos: pos) }
    public override var description: String {
        args.map { $0.kind == .pipe ? "(\($0))" : $0.description }.joined(separator: " ")
    }
}

public final class IdentifierNode: Node, @unchecked Sendable {
    public let ident: String
    init(pos: Int, ident: String) { self.ident = ident; super.init(.identifier, pos: pos) }
    public override var description: String { ident }
}

public final class VariableNode: Node, @unchecked Sendable {
    public let ident: [String]
    init(pos: Int, ident: String) {
        self.ident = splitDots(ident, keepEmpty: true)
        super.init(.variable, pos: pos)
    }
    public override var description: String { ident.joined(separator: ".") }
}

public final class DotNode: Node, @unchecked Sendable {
    init(pos: Int) { super.init(.dot, pos: pos) }
    public override var description: String { "." }
}

public final class NilNode: Node, @unchecked Sendable {
    init(pos: Int) { super.init(.nil, pos: pos) }
    public override var description: String { "nil" }
}

public final class FieldNode: Node, @unchecked Sendable {
    public let ident: [String]
    init(pos: Int, ident: String) {
        // ".a.b" -> ["a", "b"]
        self.ident = splitDots(ident, keepEmpty: false)
        super.init(.field, pos: pos)
    }
    public override var description: String { ident.map { "." + $0 }.joined() }
}

public final class ChainNode: Node, @unchecked Sendable {
    public let node: Node
    public var fields: [String] = []
    init(pos: Int, node: Node) { self.node = node; super.init(.chain, pos: pos) }
    func add(_ field: String) {
        // Fields arrive as ".x" (possibly ".x.y" never, the lexer splits them).
        let f = field.hasPrefix(".") ? String(field.dropFirst()) : field
        fields.append(f)
    }
    public override var description: String {
        let head = node.kind == .pipe ? "(\(node))" : node.description
        return head + fields.map { "." + $0 }.joined()
    }
}

public final class BoolNode: Node, @unchecked Sendable {
    public let value: Bool
    init(pos: Int, value: Bool) { self.value = value; super.init(.bool, pos: pos) }
    public override var description: String { value ? "true" : "false" }
}

public final class NumberNode: Node, @unchecked Sendable {
    public var isInt = false, isUint = false, isFloat = false, isComplex = false
    public var int64: Int64 = 0
    public var uint64: UInt64 = 0
    public var float64: Double = 0
    public var complex: (Double, Double) = (0, 0)
    public let text: String
    init(pos: Int, text: String) { self.text = text; super.init(.number, pos: pos) }
    public override var description: String { text }
}

public final class StringNode: Node, @unchecked Sendable {
    public let quoted: String
    public let text: GoString
    init(pos: Int, quoted: String, text: GoString) { self.quoted = quoted; self.text = text; super.init(.string, pos: pos) }
    public override var description: String { quoted }
}

public final class EndNode: Node, @unchecked Sendable {
    init(pos: Int) { super.init(.end, pos: pos) }
    public override var description: String { "{{end}}" }
}

public final class ElseNode: Node, @unchecked Sendable {
    public let line: Int
    init(pos: Int, line: Int) { self.line = line; super.init(.else, pos: pos) }
    public override var description: String { "{{else}}" }
}

/// if, range and with share one shape.
public final class BranchNode: Node, @unchecked Sendable {
    public let line: Int
    public let pipe: PipeNode
    public let list: ListNode
    public let elseList: ListNode?
    init(_ kind: NodeKind, pos: Int, line: Int, pipe: PipeNode, list: ListNode, elseList: ListNode?) {
        self.line = line; self.pipe = pipe; self.list = list; self.elseList = elseList
        super.init(kind, pos: pos)
    }
    public override var description: String {
        let name: String
        switch kind {
        case .if: name = "if"
        case .range: name = "range"
        default: name = "with"
        }
        if let e = elseList { return "{{\(name) \(pipe)}}\(list){{else}}\(e){{end}}" }
        return "{{\(name) \(pipe)}}\(list){{end}}"
    }
}

public final class TemplateNode: Node, @unchecked Sendable {
    public let line: Int
    public let name: String
    public let pipe: PipeNode?
    init(pos: Int, line: Int, name: String, pipe: PipeNode?) {
        self.line = line; self.name = name; self.pipe = pipe
        super.init(.template, pos: pos)
    }
    public override var description: String {
        if let p = pipe { return "{{template \(goQuote(name)) \(p)}}" }
        return "{{template \(goQuote(name))}}"
    }
}

public final class LoopControlNode: Node, @unchecked Sendable {
    public let line: Int
    init(_ kind: NodeKind, pos: Int, line: Int) { self.line = line; super.init(kind, pos: pos) }
    public override var description: String { kind == .break ? "{{break}}" : "{{continue}}" }
}

/// Whether a tree holds nothing but white space text (Go's IsEmptyTree): such a
/// definition never replaces an existing one.
func isEmptyTree(_ n: Node?) -> Bool {
    guard let n else { return true }
    switch n.kind {
    case .list:
        return (n as! ListNode).nodes.allSatisfy { isEmptyTree($0) }
    case .text:
        return (n as! TextNode).text.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    case .comment:
        return true
    default:
        return false
    }
}

/// Splits "a.b.c" at dots, working on UTF-8 bytes (this runs for every field in every template).
func splitDots(_ s: String, keepEmpty: Bool) -> [String] {
    var out: [String] = []
    if !s.utf8.contains(UInt8(ascii: ".")) { return s.isEmpty && !keepEmpty ? [] : [s] }
    let bytes = Array(s.utf8)
    var start = 0
    for i in 0...bytes.count {
        if i == bytes.count || bytes[i] == UInt8(ascii: ".") {
            if i > start || keepEmpty { out.append(String(decoding: bytes[start..<i], as: UTF8.self)) }
            start = i + 1
        }
    }
    return out
}
