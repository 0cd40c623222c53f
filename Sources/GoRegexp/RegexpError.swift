/// A pattern Go's regexp.Compile refuses, worded as Go's regexp/syntax.Error prints it:
/// `error parsing regexp: CODE: `EXPR``.
public struct RegexpError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Go's syntax.ErrorCode texts.
    public enum Code: String, Sendable {
        case internalError = "regexp/syntax: internal error"
        case invalidCharClass = "invalid character class"
        case invalidCharRange = "invalid character class range"
        case invalidEscape = "invalid escape sequence"
        case invalidNamedCapture = "invalid named capture"
        case invalidPerlOp = "invalid or unsupported Perl syntax"
        case invalidRepeatOp = "invalid nested repetition operator"
        case invalidRepeatSize = "invalid repeat count"
        case invalidUTF8 = "invalid UTF-8"
        case missingBracket = "missing closing ]"
        case missingParen = "missing closing )"
        case missingRepeatArgument = "missing argument to repetition operator"
        case trailingBackslash = "trailing backslash at end of expression"
        case unexpectedParen = "unexpected )"
        case nestingDepth = "expression nests too deeply"
        case large = "expression too large"

        /// RE2's ErrorCode (re2.h) to Go's: the two parsers share their design and codes.
        init(re2 code: Int) {
            switch code {
            case 2: self = .invalidEscape
            case 3: self = .invalidCharClass
            case 4: self = .invalidCharRange
            case 5: self = .missingBracket
            case 6: self = .missingParen
            case 7: self = .unexpectedParen
            case 8: self = .trailingBackslash
            case 9: self = .missingRepeatArgument
            case 10: self = .invalidRepeatSize
            case 11: self = .invalidRepeatOp
            case 12: self = .invalidPerlOp
            case 13: self = .invalidUTF8
            case 14: self = .invalidNamedCapture
            case 15: self = .large
            default: self = .internalError
            }
        }
    }

    public let code: Code
    /// The offending fragment of the pattern.
    public let expr: String

    public init(code: Code, expr: String) { self.code = code; self.expr = expr }

    public var description: String { "error parsing regexp: \(code.rawValue): `\(expr)`" }
}
