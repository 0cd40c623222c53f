import Values

/// What a field lookup on a map yields when the key is absent (Go's `missingkey` option).
public enum MissingKey: String, Sendable {
    /// An invalid value: prints `<no value>`.
    case `default`
    /// The zero value of the map's element type (nil for `interface{}`).
    case zero
    /// Execution stops with an error.
    case error
}

/// An execution failure, worded as Go words it:
/// `template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE`.
public struct ExecError: Error, CustomStringConvertible, Sendable {
    /// The template that was executing.
    public let name: String
    public let message: String
    /// The error a function returned, when the failure came from one (Helm's `fail`, `required`).
    public let underlying: (any Error & Sendable)?
    public var description: String { message }
}

extension ExecError: WrappingError {
    public var wrapped: (any Error)? { underlying }
}

/// A set of associated templates sharing functions and options, like Go's *template.Template
/// with its common set: `parse` adds a template and its `define`s, `execute` runs one by name.
public final class TemplateSet: @unchecked Sendable {
    public private(set) var funcs: [String: GoFunction]
    public var missingKey: MissingKey = .default
    /// Templates calling templates deeper than this fail with an error instead of exhausting the
    /// stack: `template` and every nested execution (a function such as include or tpl calling
    /// `execute`) count together on a thread.
    public var maxDepth = 10_000
    /// Caps on strings, lists and output built during execution (RenderLimits.maxDepth is
    /// applied through `maxDepth`).
    public var limits = RenderLimits()
    /// When set, execution stops with an error once this instant has passed.
    public var deadline: ContinuousClock.Instant?
    var trees: [String: Tree] = [:]
    /// The name of the set's root template (Go's t.Name()), used in "no template" messages.
    public var name: String = ""

    public init(funcs: [String: GoFunction] = [:]) {
        self.funcs = Builtins.functions
        for (k, v) in funcs { self.funcs[k] = v }
    }

    /// Adds or replaces functions (Go's Funcs): must happen before parsing templates that use them.
    public func addFuncs(_ more: [String: GoFunction]) {
        for (k, v) in more { funcs[k] = v }
    }

    public var templateNames: [String] { Array(trees.keys) }

    public func hasTemplate(_ name: String) -> Bool { trees[name] != nil }

    /// Parses `text` as the template `name`, adding its definitions to the set. A later
    /// non-empty definition replaces an earlier one, as Go's associate does.
    public func parse(name: String, text: String) throws {
        let funcs = self.funcs
        var parser = Parser(name: name, text: Array(text.utf8), hasFunction: { funcs[$0] != nil })
        let (main, defined) = try parser.parse()
        for t in defined { associate(t) }
        associate(main)
    }

    /// A template parsed apart from any set, to be added later (parsing can run in parallel;
    /// adding must follow the order Go's Parse calls would).
    public struct Parsed: @unchecked Sendable {
        let main: Tree
        let defined: [Tree]
    }

    /// The same template as if its text had been parsed under another file name: the trees
    /// are new (their names and the file named in messages differ), the nodes are shared.
    public func parsed(_ p: Parsed, renamedTo name: String) -> Parsed {
        func copy(_ t: Tree, name treeName: String) -> Tree {
            let c = Tree(name: treeName, parseName: name, text: t.text)
            c.root = t.root
            return c
        }
        return Parsed(main: copy(p.main, name: name), defined: p.defined.map { copy($0, name: $0.name) })
    }

    /// Parses `text` as template `name` against this set's functions without changing the set.
    public func parseDetached(name: String, text: String) throws -> Parsed {
        let funcs = self.funcs
        var parser = Parser(name: name, text: Array(text.utf8), hasFunction: { funcs[$0] != nil })
        let (main, defined) = try parser.parse()
        return Parsed(main: main, defined: defined)
    }

    /// Adds a template parsed with `parseDetached`.
    public func add(_ p: Parsed) {
        for t in p.defined { associate(t) }
        associate(p.main)
    }

    func associate(_ t: Tree) {
        if let old = trees[t.name], isEmptyTree(t.root), !isEmptyTree(old.root) { return }
        trees[t.name] = t
    }

    /// Executes the named template with `data`, appending its output to `output`. On error the
    /// output written so far stays in `output`.
    public func execute(_ name: String, data: Value?, output: inout [UInt8]) throws {
        guard let tree = trees[name] else {
            throw ExecError(name: name, message: "template: no template \(goQuote(name)) associated with template \(goQuote(self.name.isEmpty ? name : self.name))", underlying: nil)
        }
        try execute(tree: tree, data: data, output: &output)
    }

    /// Executes the main template of `parsed` itself, as Go's `t.New(name).Parse(text)` then
    /// `t.Execute` does: an empty text is not added over a non-empty template of the same name
    /// (associate keeps the old one), yet the new, empty template is what runs.
    public func execute(_ parsed: Parsed, data: Value?, output: inout [UInt8]) throws {
        try execute(tree: parsed.main, data: data, output: &output)
    }

    func execute(tree: Tree, data: Value?, output: inout [UInt8]) throws {
        let data: Value? = { if case .null = data { return nil } else { return data } }()
        let depth = ExecDepth.current
        if depth.value >= maxDepth {
            throw LimitError("exceeded maximum template depth (\(maxDepth))", .depth)
        }
        if let deadline, ContinuousClock.now > deadline {
            throw LimitError("rendering took longer than its time limit", .time)
        }
        depth.value += 1
        defer { depth.value -= 1 }
        let state = ExecState(set: self, tree: tree, data: data)
        if !state.stack.hasRoom() {
            throw LimitError("exceeded maximum template depth: the stack is exhausted at depth \(depth.value)", .depth)
        }
        swap(&state.out, &output)
        defer { swap(&state.out, &output) }
        _ = try state.walk(Operand(data), tree.root)
    }

    /// A copy sharing the parsed templates, to which more templates and functions can be
    /// added without changing this set (Go's Clone).
    public func clone() -> TemplateSet {
        let c = TemplateSet(funcs: [:])
        c.funcs = funcs
        c.trees = trees
        c.missingKey = missingKey
        c.maxDepth = maxDepth
        c.limits = limits
        c.deadline = deadline
        c.name = name
        return c
    }

    /// Executes the named template and returns its output.
    public func execute(_ name: String, data: Value?) throws -> String {
        var out: [UInt8] = []
        try execute(name, data: data, output: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
