/// A YAML document could not be read. The message follows go-yaml's wording
/// (`yaml: line 3: mapping values are not allowed in this context`).
public struct YAMLError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// 1-based line, when known.
    public let line: Int?
    public init(_ message: String, line: Int? = nil) { self.message = message; self.line = line }
    public var description: String { message }
}

/// Limits that keep hostile input from exhausting time or memory.
public struct YAMLLimits: Sendable {
    /// The deepest nesting of sequences and mappings accepted.
    public var maxDepth: Int
    /// The most nodes a document may expand to through aliases.
    public var maxExpandedNodes: Int
    public init(maxDepth: Int = 1000, maxExpandedNodes: Int = 10_000_000) {
        self.maxDepth = maxDepth
        self.maxExpandedNodes = maxExpandedNodes
    }
    public static let `default` = YAMLLimits()
}
