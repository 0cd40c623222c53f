import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Bounds on what one render may build, so that a hostile template (any tenant who may create
/// a HelmRelease can write one) ends in an error instead of exhausting memory or the stack.
/// Helm has none of these beyond its include depth; the defaults are far above what real
/// charts need (see docs/template-engine.md for the measurements) and can be raised.
public struct RenderLimits: Sendable, Equatable {
    /// Nested template calls: `template`, `include` and `tpl` together, across nested `tpl`s.
    public var maxDepth = 2_000
    /// Bytes of any one string a function builds, and of any one template's output.
    public var maxStringBytes = 64 << 20
    /// Items of any one list a function builds.
    public var maxListItems = 1 << 20
    /// Bytes of a whole render's output, all templates together.
    public var maxOutputBytes = 256 << 20
    /// Wall time of one render; nil for none (the operator sets one when none is given).
    public var renderTimeout: Duration?
    /// Whether a flag or the environment set `renderTimeout`, 0 (no limit) included.
    public var renderTimeoutGiven = false

    public init() {}

    private static let shared = Mutex((limits: fromEnvironment.limits, problem: fromEnvironment.problem))

    /// The limits the environment sets (HRCTL_MAX_TEMPLATE_DEPTH, HRCTL_MAX_STRING_SIZE,
    /// HRCTL_MAX_LIST_ITEMS, HRCTL_MAX_RENDER_SIZE, HRCTL_RENDER_TIMEOUT) over the defaults,
    /// and what was wrong with any of them (renders then fail with that message).
    public static let fromEnvironment: (limits: RenderLimits, problem: String?) = {
        var l = RenderLimits()
        do {
            try l.set(from: { name in getenv(name).map { String(cString: $0) } }, prefix: "HRCTL_")
            return (l, nil)
        } catch {
            return (l, "\(error)")
        }
    }()

    public struct InvalidSetting: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Reads each limit from `lookup("<prefix>MAX_TEMPLATE_DEPTH")` and so on: sizes as helm's
    /// quantity flags take them (`64Mi`, `1Gi`, `500000`), the timeout as a Go duration.
    public mutating func set(from lookup: (String) -> String?, prefix: String) throws {
        try set(from: { lookup(prefix + $0.rawValue.dropFirst(6)) }, problem: { "invalid \(prefix)\($0.rawValue.dropFirst(6)) \"\($1)\": \($2)" })
    }

    /// Reads each limit from `lookup(kind)`; a bad value throws `problem(kind, value, what was wanted)`.
    public mutating func set(from lookup: (Kind) -> String?, problem: (Kind, String, String) -> String) throws {
        func value(_ k: Kind) -> String? {
            guard let v = lookup(k), !v.isEmpty else { return nil }
            return v
        }
        func fail(_ k: Kind, _ v: String, _ want: String) -> InvalidSetting { InvalidSetting(description: problem(k, v, want)) }
        func count(_ k: Kind, _ v: String) throws -> Int {
            guard let n = Int(v), n > 0 else { throw fail(k, v, "want a positive whole number") }
            return n
        }
        func size(_ k: Kind, _ v: String) throws -> Int {
            guard let n = Self.quantity(v) else { throw fail(k, v, "want a size such as 64Mi or 1Gi") }
            return n
        }
        if let v = value(.depth) { maxDepth = try count(.depth, v) }
        if let v = value(.string) { maxStringBytes = try size(.string, v) }
        if let v = value(.list) { maxListItems = try count(.list, v) }
        if let v = value(.output) { maxOutputBytes = try size(.output, v) }
        if let v = value(.time) {
            guard let ns = GoDuration.parse(v), ns >= 0 else { throw fail(.time, v, "want a duration such as 30s or 2m") }
            renderTimeout = ns == 0 ? nil : .nanoseconds(ns)
            renderTimeoutGiven = true
        }
    }

    /// The process's limits from command-line flags (`flags(kind)`, e.g. --max-template-depth)
    /// over the environment over the defaults. A bad flag throws `problem(kind, value, want)`; a
    /// bad variable that no flag overrides is kept as `problem`, so that renders fail naming it.
    public static func configure(flags: (Kind) -> String?, problem: (Kind, String, String) -> String) throws {
        var l = RenderLimits()
        var envProblem: String?
        for kind in Kind.allCases {
            guard flags(kind) == nil, let v = getenv(kind.rawValue).map({ String(cString: $0) }) else { continue }
            do { try l.set(from: { $0 == kind ? v : nil }, problem: { "invalid \($0.rawValue) \"\($1)\": \($2)" }) } catch {
                envProblem = envProblem ?? "\(error)"
            }
        }
        try l.set(from: flags, problem: problem)
        shared.withLock { $0 = (l, envProblem) }
    }

    /// What was wrong with the environment's limits (renders fail with it), if anything.
    public static var problem: String? { shared.withLock { $0.problem } }

    /// A byte size as Kubernetes quantities write it (Helm's --max-chart-size takes these).
    public static func quantity(_ s: String) -> Int? {
        let units: [(String, Int)] = [("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("Ti", 1 << 40),
                                      ("k", 1_000), ("K", 1_000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000)]
        var digits = Substring(s), unit = 1
        for (suffix, m) in units where s.hasSuffix(suffix) {
            digits = s.dropLast(suffix.count); unit = m
            break
        }
        guard let n = Int(digits), n > 0, case let (v, o) = n.multipliedReportingOverflow(by: unit), !o else { return nil }
        return v
    }

    /// The process's limits: set once from flags and the environment, read by every render.
    public static var current: RenderLimits {
        get { shared.withLock { $0.limits } }
        set { shared.withLock { $0.limits = newValue } }
    }

    /// The environment variable that raises each limit, for messages (each has a flag of the
    /// same name on the commands that render: HRCTL_MAX_STRING_SIZE is --max-string-size).
    public enum Kind: String, Sendable, CaseIterable {
        case depth = "HRCTL_MAX_TEMPLATE_DEPTH"
        case string = "HRCTL_MAX_STRING_SIZE"
        case list = "HRCTL_MAX_LIST_ITEMS"
        case output = "HRCTL_MAX_RENDER_SIZE"
        case time = "HRCTL_RENDER_TIMEOUT"
    }

    /// Refuses a string of `bytes` bytes about to be built.
    public func checkString(_ bytes: Int, _ what: @autoclosure () -> String = "string") throws(LimitError) {
        if bytes > maxStringBytes || bytes < 0 {
            throw LimitError("\(what()) of \(bytes < 0 ? "more than \(Int.max)" : String(bytes)) bytes exceeds the limit of \(maxStringBytes) bytes", .string)
        }
    }

    /// Refuses a list of `items` items about to be built.
    public func checkList(_ items: Int, _ what: @autoclosure () -> String = "list") throws(LimitError) {
        if items > maxListItems || items < 0 {
            throw LimitError("\(what()) of \(items < 0 ? "more than \(Int.max)" : String(items)) items exceeds the limit of \(maxListItems) items", .list)
        }
    }

    /// The byte count `a * b`, or -1 when it overflows.
    public static func product(_ a: Int, _ b: Int) -> Int {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        return o ? -1 : r
    }
}

/// A render limit was reached. Thrown once, where it happens, and passed up unchanged by
/// every enclosing call (never wrapped per level, which would make a deep recursion's message
/// grow with the square of its depth).
public struct LimitError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public let kind: RenderLimits.Kind
    /// Whether the message already names the template and line.
    public var located = false

    public init(_ message: String, _ kind: RenderLimits.Kind, located: Bool = false) {
        self.message = message; self.kind = kind; self.located = located
    }

    public var description: String { message + " (render limit; raise it with \(kind.flag) or \(kind.rawValue))" }
}

extension RenderLimits.Kind {
    /// The command-line flag that sets the limit: the variable's name, lower case, dashed.
    public var flag: String { "--" + String(rawValue.dropFirst(6).lowercased().map { $0 == "_" ? "-" : $0 }) }
}
