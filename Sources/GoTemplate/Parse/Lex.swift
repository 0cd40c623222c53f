/// The lexer of Go's text/template: turns template text into items. Delimiters are
/// `{{` and `}}`; `{{- ` and ` -}}` trim the white space next to them.
enum ItemType: Equatable {
    case error, bool, char, charConstant, comment, complex, assign, declare, eof, field
    case identifier, leftDelim, leftParen, number, pipe, rawString, rightDelim, rightParen
    case space, string, text, variable
    // Keywords (shown as <name> in messages).
    case block, `break`, `continue`, dot, define, `else`, end, `if`, `nil`, range, template, with

    var isKeyword: Bool {
        switch self {
        case .block, .break, .continue, .dot, .define, .else, .end, .if, .nil, .range, .template, .with: return true
        default: return false
        }
    }
}

/// A token: its text is `input[pos..<end]` of the lexed template (an error's text is the
/// lexer's message), so lexing allocates nothing per token.
struct Item {
    var type: ItemType
    var pos: Int
    var end: Int
    var line: Int
}

/// The text of tokens, from the lexed template.
struct ItemText {
    let input: [UInt8]
    let errorMessage: String

    func val(_ t: Item) -> String {
        t.type == .error ? errorMessage : String(decoding: input[t.pos..<t.end], as: UTF8.self)
    }

    func bytes(_ t: Item) -> ArraySlice<UInt8> { input[t.pos..<t.end] }

    /// As Go's item.String(): used in "unexpected X in Y" messages.
    func describe(_ t: Item) -> String {
        let val = val(t)
        switch t.type {
        case .eof: return "EOF"
        case .error: return val
        default:
            if t.type.isKeyword { return "<\(val)>" }
            let scalars = Array(val.unicodeScalars)
            if scalars.count > 10 {
                // Go's %.10q: quote the first ten characters.
                let head = String(String.UnicodeScalarView(scalars[0..<10]))
                return goQuote(head) + "..."
            }
            return goQuote(val)
        }
    }
}

private let keywords: [String: ItemType] = [
    ".": .dot, "block": .block, "break": .break, "continue": .continue, "define": .define,
    "else": .else, "end": .end, "if": .if, "range": .range, "nil": .nil, "template": .template, "with": .with,
]

struct Lexer {
    let input: [UInt8]
    let name: String
    var pos = 0
    var start = 0
    var line = 1
    var startLine = 1
    var parenDepth = 0
    var items: [Item] = []
    var errorMessage = ""
    /// Which names are keywords: `break` and `continue` only count inside `range`,
    /// which the parser knows; the lexer always emits them as keywords, as Go does.
    static let leftDelim = Array("{{".utf8)
    static let rightDelim = Array("}}".utf8)
    static let leftComment = Array("/*".utf8)
    static let rightComment = Array("*/".utf8)

    init(name: String, input: [UInt8]) {
        self.name = name
        self.input = input
    }

    /// Lexes the whole input. The last item is EOF or an error.
    static func lex(name: String, input: [UInt8]) -> ([Item], ItemText) {
        var l = Lexer(name: name, input: input)
        l.run()
        return (l.items, ItemText(input: input, errorMessage: l.errorMessage))
    }

    // MARK: helpers

    func hasPrefix(_ p: [UInt8], at i: Int) -> Bool {
        guard i + p.count <= input.count else { return false }
        for k in 0..<p.count where input[i + k] != p[k] { return false }
        return true
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }

    func peekByte(_ i: Int) -> UInt8? { i < input.count ? input[i] : nil }

    /// Decodes the rune at pos; returns (scalar, width) or nil at EOF.
    func rune(at i: Int) -> (UInt32, Int)? {
        guard i < input.count else { return nil }
        let b0 = input[i]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        var width = 1
        var v: UInt32 = 0xFFFD
        if b0 >= 0xF0, i + 3 < input.count {
            v = (UInt32(b0 & 0x07) << 18) | (UInt32(input[i + 1] & 0x3F) << 12) | (UInt32(input[i + 2] & 0x3F) << 6) | UInt32(input[i + 3] & 0x3F)
            width = 4
        } else if b0 >= 0xE0, i + 2 < input.count {
            v = (UInt32(b0 & 0x0F) << 12) | (UInt32(input[i + 1] & 0x3F) << 6) | UInt32(input[i + 2] & 0x3F)
            width = 3
        } else if b0 >= 0xC0, i + 1 < input.count {
            v = (UInt32(b0 & 0x1F) << 6) | UInt32(input[i + 1] & 0x3F)
            width = 2
        }
        return (v, width)
    }

    mutating func next() -> UInt32? {
        guard let (r, w) = rune(at: pos) else { return nil }
        pos += w
        if r == 0x0A { line += 1 }
        return r
    }

    mutating func backup(_ width: Int = 1) {
        pos -= width
        if pos < input.count, input[pos] == 0x0A { line -= 1 }
    }

    func text(_ from: Int, _ to: Int) -> String { String(decoding: input[from..<to], as: UTF8.self) }

    mutating func emit(_ t: ItemType) {
        items.append(Item(type: t, pos: start, end: pos, line: startLine))
        start = pos
        startLine = line
    }

    mutating func ignore() {
        for i in start..<pos where input[i] == 0x0A { line += 0 ; _ = i }
        start = pos
        startLine = line
    }

    /// Emits an error item and stops lexing.
    mutating func errorf(_ msg: String) {
        errorMessage = msg
        items.append(Item(type: .error, pos: start, end: start, line: startLine))
    }

    func atRightDelim() -> (delim: Bool, trim: Bool) {
        if pos + 1 < input.count, Lexer.isSpace(input[pos]), input[pos + 1] == UInt8(ascii: "-"),
           hasPrefix(Lexer.rightDelim, at: pos + 2) { return (true, true) }
        if hasPrefix(Lexer.rightDelim, at: pos) { return (true, false) }
        return (false, false)
    }

    func hasLeftTrimMarker(_ i: Int) -> Bool {
        i + 1 < input.count && input[i] == UInt8(ascii: "-") && Lexer.isSpace(input[i + 1])
    }

    // MARK: states

    enum State { case text, leftDelim, insideAction, done }

    mutating func run() {
        var state = State.text
        while state != .done {
            switch state {
            case .text: state = lexText()
            case .leftDelim: state = lexLeftDelim()
            case .insideAction: state = lexInsideAction()
            case .done: break
            }
        }
    }

    /// Counts newlines between start and pos into `line` (used where pos jumps ahead).
    mutating func countLines(_ from: Int, _ to: Int) {
        var i = from
        while i < to { if input[i] == 0x0A { line += 1 }; i += 1 }
    }

    mutating func lexText() -> State {
        var x = pos
        var found = false
        while x + 1 < input.count {
            if input[x] == UInt8(ascii: "{") && input[x + 1] == UInt8(ascii: "{") { found = true; break }
            x += 1
        }
        if found {
            if x > pos {
                var trimLength = 0
                let delimEnd = x + 2
                if hasLeftTrimMarker(delimEnd) {
                    var k = x
                    while k > start && Lexer.isSpace(input[k - 1]) { k -= 1 }
                    trimLength = x - k
                }
                let textEnd = x - trimLength
                countLines(pos, textEnd)
                pos = textEnd
                if pos > start {
                    items.append(Item(type: .text, pos: start, end: pos, line: startLine))
                }
                countLines(pos, x)
                pos = x
                start = pos
                startLine = line
            }
            return .leftDelim
        }
        countLines(pos, input.count)
        pos = input.count
        if pos > start { emit(.text) }
        emit(.eof)
        return .done
    }

    mutating func lexLeftDelim() -> State {
        pos += 2
        let trim = hasLeftTrimMarker(pos)
        let afterMarker = trim ? 2 : 0
        if hasPrefix(Lexer.leftComment, at: pos + afterMarker) {
            pos += afterMarker
            start = pos
            startLine = line
            return lexComment()
        }
        items.append(Item(type: .leftDelim, pos: start, end: start + 2, line: startLine))
        pos += afterMarker
        start = pos
        startLine = line
        parenDepth = 0
        return .insideAction
    }

    mutating func lexComment() -> State {
        pos += 2
        var x = pos
        var found = false
        while x + 1 < input.count {
            if input[x] == UInt8(ascii: "*") && input[x + 1] == UInt8(ascii: "/") { found = true; break }
            x += 1
        }
        if !found { errorf("unclosed comment"); return .done }
        countLines(pos, x + 2)
        pos = x + 2
        let (delim, trim) = atRightDelim()
        if !delim { errorf("comment ends before closing delimiter"); return .done }
        if trim { pos += 2 }
        pos += 2
        if trim { trimLeadingSpace() }
        start = pos
        startLine = line
        return .text
    }

    mutating func trimLeadingSpace() {
        while pos < input.count && Lexer.isSpace(input[pos]) {
            if input[pos] == 0x0A { line += 1 }
            pos += 1
        }
    }

    mutating func lexRightDelim() -> State {
        let (_, trim) = atRightDelim()
        if trim {
            if input[pos] == 0x0A { line += 1 }
            pos += 2
            start = pos
            startLine = line
        }
        pos += 2
        emit(.rightDelim)
        if trim {
            trimLeadingSpace()
            start = pos
            startLine = line
        }
        return .text
    }

    mutating func lexInsideAction() -> State {
        let (delim, _) = atRightDelim()
        if delim {
            if parenDepth == 0 { return lexRightDelim() }
            errorf("unclosed left paren")
            return .done
        }
        guard let r = next() else { errorf("unclosed action"); return .done }
        switch r {
        case 0x20, 0x09, 0x0D, 0x0A:
            backup()
            return lexSpace()
        case UInt32(UInt8(ascii: "=")):
            emit(.assign)
        case UInt32(UInt8(ascii: ":")):
            if next() != UInt32(UInt8(ascii: "=")) { errorf("expected :="); return .done }
            emit(.declare)
        case UInt32(UInt8(ascii: "|")):
            emit(.pipe)
        case UInt32(UInt8(ascii: "\"")):
            return lexQuote()
        case UInt32(UInt8(ascii: "`")):
            return lexRawQuote()
        case UInt32(UInt8(ascii: "$")):
            return lexFieldOrVariable(.variable)
        case UInt32(UInt8(ascii: "'")):
            return lexChar()
        case UInt32(UInt8(ascii: ".")):
            if pos < input.count {
                let c = input[pos]
                if c < UInt8(ascii: "0") || c > UInt8(ascii: "9") {
                    return lexFieldOrVariable(.field)
                }
            }
            backup()
            return lexNumber()
        case UInt32(UInt8(ascii: "+")), UInt32(UInt8(ascii: "-")), 0x30...0x39:
            backup()
            return lexNumber()
        case UInt32(UInt8(ascii: "(")):
            emit(.leftParen)
            parenDepth += 1
        case UInt32(UInt8(ascii: ")")):
            parenDepth -= 1
            if parenDepth < 0 { errorf("unexpected right paren"); return .done }
            emit(.rightParen)
        default:
            if isAlphaNumeric(r) {
                pos = start
                return lexIdentifier()
            }
            if r < 0x80 && r >= 0x20 && r < 0x7F {
                emit(.char)
            } else {
                errorf("unrecognized character in action: \(goUnicodeNotation(r))")
                return .done
            }
        }
        return .insideAction
    }

    mutating func lexSpace() -> State {
        var numSpaces = 0
        while pos < input.count && Lexer.isSpace(input[pos]) {
            _ = next()
            numSpaces += 1
        }
        // A trim-marked right delimiter starts with a space: leave that space for it.
        if pos >= 1, pos + 2 < input.count + 1,
           Lexer.isSpace(input[pos - 1]), pos < input.count, input[pos] == UInt8(ascii: "-"),
           hasPrefix(Lexer.rightDelim, at: pos + 1) {
            backup()
            if numSpaces == 1 { return lexRightDelim() }
        }
        emit(.space)
        return .insideAction
    }

    mutating func lexIdentifier() -> State {
        while let (r, w) = rune(at: pos), isAlphaNumeric(r) { pos += w }
        let word = text(start, pos)
        if !atTerminator() {
            errorf("bad character \(goUnicodeNotation(rune(at: pos)?.0 ?? 0))")
            return .done
        }
        if let kw = keywords[word], kw != .dot {
            emit(kw)
        } else if word == "true" || word == "false" {
            emit(.bool)
        } else {
            emit(.identifier)
        }
        return .insideAction
    }

    mutating func lexFieldOrVariable(_ type: ItemType) -> State {
        if atTerminator() {
            if type == .variable { emit(.variable) } else { emit(.dot) }
            return .insideAction
        }
        while let (r, w) = rune(at: pos), isAlphaNumeric(r) { pos += w }
        if !atTerminator() {
            errorf("bad character \(goUnicodeNotation(rune(at: pos)?.0 ?? 0))")
            return .done
        }
        emit(type)
        return .insideAction
    }

    func atTerminator() -> Bool {
        guard let (r, _) = rune(at: pos) else { return true }
        switch r {
        case 0x20, 0x09, 0x0D, 0x0A, UInt32(UInt8(ascii: ".")), UInt32(UInt8(ascii: ",")),
             UInt32(UInt8(ascii: "|")), UInt32(UInt8(ascii: ":")), UInt32(UInt8(ascii: ")")),
             UInt32(UInt8(ascii: "(")):
            return true
        default:
            return hasPrefix(Lexer.rightDelim, at: pos)
        }
    }

    mutating func lexChar() -> State {
        while true {
            guard let r = next() else { errorf("unterminated character constant"); return .done }
            if r == UInt32(UInt8(ascii: "\\")) {
                if let r2 = next(), r2 != 0x0A { continue }
                errorf("unterminated character constant"); return .done
            }
            if r == 0x0A { errorf("unterminated character constant"); return .done }
            if r == UInt32(UInt8(ascii: "'")) { break }
        }
        emit(.charConstant)
        return .insideAction
    }

    mutating func lexQuote() -> State {
        while true {
            guard let r = next() else { errorf("unterminated quoted string"); return .done }
            if r == UInt32(UInt8(ascii: "\\")) {
                if let r2 = next(), r2 != 0x0A { continue }
                errorf("unterminated quoted string"); return .done
            }
            if r == 0x0A { errorf("unterminated quoted string"); return .done }
            if r == UInt32(UInt8(ascii: "\"")) { break }
        }
        emit(.string)
        return .insideAction
    }

    mutating func lexRawQuote() -> State {
        while true {
            guard let r = next() else { errorf("unterminated raw quoted string"); return .done }
            if r == UInt32(UInt8(ascii: "`")) { break }
        }
        emit(.rawString)
        return .insideAction
    }

    mutating func lexNumber() -> State {
        if !scanNumber() {
            errorf("bad number syntax: \(goQuote(text(start, pos)))")
            return .done
        }
        if let s = peekByte(pos), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") {
            if !scanNumber() || input[pos - 1] != UInt8(ascii: "i") {
                errorf("bad number syntax: \(goQuote(text(start, pos)))")
                return .done
            }
            emit(.complex)
        } else {
            emit(.number)
        }
        return .insideAction
    }

    mutating func accept(_ valid: String) -> Bool {
        if let c = peekByte(pos), valid.utf8.contains(c) { pos += 1; return true }
        return false
    }

    mutating func acceptRun(_ valid: String) {
        while let c = peekByte(pos), valid.utf8.contains(c) { pos += 1 }
    }

    mutating func scanNumber() -> Bool {
        _ = accept("+-")
        var digits = "0123456789_"
        if accept("0") {
            if accept("xX") { digits = "0123456789abcdefABCDEF_" }
            else if accept("oO") { digits = "01234567_" }
            else if accept("bB") { digits = "01_" }
        }
        acceptRun(digits)
        if accept(".") { acceptRun(digits) }
        if digits.utf8.count == 11 && accept("eE") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        if digits.utf8.count == 23 && accept("pP") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        _ = accept("i")
        if let (r, w) = rune(at: pos), isAlphaNumeric(r) {
            pos += w
            return false
        }
        return true
    }
}

func isAlphaNumeric(_ r: UInt32) -> Bool {
    if r == UInt32(UInt8(ascii: "_")) { return true }
    if r < 0x80 {
        return (r >= 0x30 && r <= 0x39) || (r >= 0x41 && r <= 0x5A) || (r >= 0x61 && r <= 0x7A)
    }
    guard let s = Unicode.Scalar(r) else { return false }
    switch s.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber:
        return true
    default:
        return false
    }
}

/// Go's %#U: U+0023 '#'.
func goUnicodeNotation(_ r: UInt32) -> String {
    var hex = String(r, radix: 16, uppercase: true)
    if hex.count < 4 { hex = String(repeating: "0", count: 4 - hex.count) + hex }
    if let s = Unicode.Scalar(r), isPrintScalar(s) { return "U+\(hex) '\(Character(s))'" }
    return "U+\(hex)"
}
