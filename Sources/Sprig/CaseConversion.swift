/// huandu/xstrings v1.5's case conversions, which Sprig's snakecase, kebabcase and camelcase
/// call: text is cut into words (upper-case runs, lower-case runs, numbers, punctuation,
/// connectors) and the words are joined again by their rules.
enum CaseConversion {
    /// Spaces, `-` and `_` join words.
    static func isConnector(_ r: Unicode.Scalar) -> Bool {
        r == "-" || r == "_" || StringFunctions.isGoSpace(r)
    }

    static func isAlphabet(_ r: Unicode.Scalar) -> Bool {
        (r >= "a" && r <= "z") || (r >= "A" && r <= "Z")
    }

    /// unicode.IsUpper: category Lu.
    static func isUpper(_ r: Unicode.Scalar) -> Bool { r.properties.generalCategory == .uppercaseLetter }

    static func isNumber(_ r: Unicode.Scalar) -> Bool {
        switch r.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    static func isPunct(_ r: Unicode.Scalar) -> Bool {
        switch r.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    static func lower(_ r: Unicode.Scalar) -> String { r.properties.lowercaseMapping }
    static func upper(_ r: Unicode.Scalar) -> String { r.properties.uppercaseMapping }

    // MARK: camelcase (xstrings' ToPascalCase)

    static func pascalCase(_ s: String) -> String {
        let u = Array(s.unicodeScalars)
        guard !u.isEmpty else { return "" }
        var out = ""
        var i = 0
        // Leading connectors stay.
        while i < u.count && isConnector(u[i]) { out.unicodeScalars.append(u[i]); i += 1 }
        // Only connectors: xstrings writes the last one a second time.
        guard i < u.count else { out.unicodeScalars.append(u[i - 1]); return out }
        var firstUpper = isUpper(u[i])
        var r0 = upper(u[i])
        i += 1
        if i == u.count { return out + r0 }
        while i < u.count {
            let r1 = r0, raw1 = r1.unicodeScalars.first!
            var next = String(u[i])
            let c0 = u[i]
            i += 1
            if isConnector(c0) && isConnector(raw1) { out += r1; r0 = next; continue }
            if isConnector(raw1) {
                firstUpper = isUpper(c0)
                next = upper(c0)
            } else {
                if firstUpper {
                    if isUpper(c0) { next = lower(c0) } else { firstUpper = false }
                }
                out += r1
            }
            r0 = next
        }
        return out + r0
    }

    // MARK: snakecase and kebabcase

    enum WordType { case invalid, number, upperCase, alphabet, connector, punct, other }

    struct Word { var type: WordType; var range: Range<Int> }

    /// The next word of `u` from `start`.
    static func nextWord(_ u: [Unicode.Scalar], _ start: Int) -> Word {
        guard start < u.count else { return Word(type: .invalid, range: start..<start) }
        var i = start + 1
        let r = u[start]
        func take(while keep: (Unicode.Scalar) -> Bool) { while i < u.count && keep(u[i]) { i += 1 } }
        if isConnector(r) {
            take(while: isConnector)
            return Word(type: .connector, range: start..<i)
        }
        if isPunct(r) {
            take(while: isPunct)
            return Word(type: .punct, range: start..<i)
        }
        if isUpper(r) {
            guard i < u.count else { return Word(type: .upperCase, range: start..<i) }
            if isUpper(u[i]) {
                take(while: isUpper)
                // "HTTPStatus" is "HTTP" and "Status": the last capital starts the next word.
                if i < u.count && isAlphabet(u[i]) { i -= 1 }
            } else if isAlphabet(u[i]) {
                take(while: { isAlphabet($0) && !isUpper($0) })
            }
            return Word(type: .upperCase, range: start..<i)
        }
        if isAlphabet(r) {
            take(while: { isAlphabet($0) && !isUpper($0) })
            return Word(type: .alphabet, range: start..<i)
        }
        if isNumber(r) {
            take(while: isNumber)
            return Word(type: .number, range: start..<i)
        }
        take(while: { !(isConnector($0) || isAlphabet($0) || isNumber($0) || isPunct($0)) })
        return Word(type: .other, range: start..<i)
    }

    static func append(_ w: Word, of u: [Unicode.Scalar], to out: inout String, connector: Character) {
        for r in u[w.range] {
            if w.type != .upperCase && w.type != .connector { out.unicodeScalars.append(r) }
            else if isConnector(r) { out.append(connector) }
            else if isUpper(r) { out += lower(r) }
            else { out.unicodeScalars.append(r) }
        }
    }

    static func lowerCase(_ s: String, connector: Character) -> String {
        let u = Array(s.unicodeScalars)
        guard !u.isEmpty else { return "" }
        var out = ""
        var w = nextWord(u, 0)
        func more() -> Bool { w.range.upperBound < u.count }
        func advance() { w = nextWord(u, w.range.upperBound) }
        while more() {
            if w.type != .connector { append(w, of: u, to: &out, connector: connector) }
            let prev = w
            advance()
            switch prev.type {
            case .number:
                while w.type == .alphabet || w.type == .number {
                    append(w, of: u, to: &out, connector: connector)
                    advance()
                }
                if w.type != .invalid && w.type != .punct && w.type != .connector { out.append(connector) }
            case .connector:
                append(prev, of: u, to: &out, connector: connector)
            case .punct:
                break
            default:
                if w.type != .number {
                    if w.type != .connector && w.type != .punct { out.append(connector) }
                    break
                }
                guard more() else { break }
                let number = w
                advance()
                // A number followed by anything but letters belongs to the word before it
                // ("Bld4Floor" is "bld4_floor"); followed by letters it starts a word ("http_2xx").
                if w.type != .alphabet {
                    append(Word(type: .number, range: number.range), of: u, to: &out, connector: connector)
                    if w.type != .connector && w.type != .punct { out.append(connector) }
                    break
                }
                out.append(connector)
                append(Word(type: .number, range: number.range), of: u, to: &out, connector: connector)
                while w.type == .alphabet || w.type == .number {
                    append(w, of: u, to: &out, connector: connector)
                    advance()
                }
                if w.type != .invalid && w.type != .connector && w.type != .punct { out.append(connector) }
            }
        }
        append(w, of: u, to: &out, connector: connector)
        return out
    }
}
