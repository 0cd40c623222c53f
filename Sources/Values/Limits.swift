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

    public init() {}

    private static let shared = Mutex(fromEnvironment.limits)

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
        func value(_ key: String) -> String? {
            guard let v = lookup(prefix + key), !v.isEmpty else { return nil }
            return v
        }
        if let v = value("MAX_TEMPLATE_DEPTH") { maxDepth = try Self.count(v, prefix + "MAX_TEMPLATE_DEPTH") }
        if let v = value("MAX_STRING_SIZE") { maxStringBytes = try Self.quantity(v, prefix + "MAX_STRING_SIZE") }
        if let v = value("MAX_LIST_ITEMS") { maxListItems = try Self.count(v, prefix + "MAX_LIST_ITEMS") }
        if let v = value("MAX_RENDER_SIZE") { maxOutputBytes = try Self.quantity(v, prefix + "MAX_RENDER_SIZE") }
        if let v = value("RENDER_TIMEOUT") {
            guard let ns = GoDuration.parse(v), ns >= 0 else {
                throw InvalidSetting(description: "invalid \(prefix)RENDER_TIMEOUT \"\(v)\": want a duration such as 30s or 2m")
            }
            renderTimeout = ns == 0 ? nil : .nanoseconds(ns)
        }
    }

    static func count(_ s: String, _ name: String) throws -> Int {
        guard let n = Int(s), n > 0 else { throw InvalidSetting(description: "invalid \(name) \"\(s)\": want a positive whole number") }
        return n
    }

    /// A byte size as Kubernetes quantities write it (Helm's --max-chart-size takes these).
    public static func quantity(_ s: String, _ name: String) throws -> Int {
        let units: [(String, Int)] = [("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("Ti", 1 << 40),
                                      ("k", 1_000), ("K", 1_000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000)]
        var digits = Substring(s), unit = 1
        for (suffix, m) in units where s.hasSuffix(suffix) {
            digits = s.dropLast(suffix.count); unit = m
            break
        }
        guard let n = Int(digits), n > 0, case let (v, o) = n.multipliedReportingOverflow(by: unit), !o else {
            throw InvalidSetting(description: "invalid \(name) \"\(s)\": want a size such as 64Mi or 1Gi")
        }
        return v
    }

    /// The process's limits: set once from flags and the environment, read by every render.
    public static var current: RenderLimits {
        get { shared.withLock { $0 } }
        set { shared.withLock { $0 = newValue } }
    }

    /// The environment variable that raises each limit, for messages.
    public enum Kind: String, Sendable {
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

    public var description: String { message + " (render limit; raise it with \(kind.rawValue))" }
}
