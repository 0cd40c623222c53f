import Values

/// Go's fmt package over Values: Sprint, Sprintln and Sprintf with Go's verbs, flags,
/// widths, precisions, argument indexes and error notations (`%!d(string=x)`).
public enum GoFmt {
    public static func sprint(_ args: [Value]) -> GoString {
        var p = Printer()
        var prevString = false
        for (i, arg) in args.enumerated() {
            let isString: Bool
            if case .string = arg { isString = true } else { isString = false }
            if i > 0 && !isString && !prevString { p.buf.append(0x20) }
            p.printArg(arg, verb: "v")
            prevString = isString
        }
        return p.result
    }

    public static func sprintln(_ args: [Value]) -> GoString {
        var p = Printer()
        for (i, arg) in args.enumerated() {
            if i > 0 { p.buf.append(0x20) }
            p.printArg(arg, verb: "v")
        }
        p.buf.append(0x0A)
        return p.result
    }

    public static func sprintf(_ format: GoString, _ args: [Value]) -> GoString {
        var p = Printer()
        p.doPrintf(format.bytes, args)
        return p.result
    }

    /// `%v` of one value: what templates print for an action.
    public static func print(_ v: Value) -> GoString {
        if case .string(let s) = v { return s }
        var p = Printer()
        p.printArg(v, verb: "v")
        return p.result
    }

    /// Appends `%v` of one value to a byte buffer (the executor's hot path).
    public static func append(_ v: Value, to out: inout [UInt8]) {
        if case .string(let s) = v { s.append(to: &out); return }
        var p = Printer()
        swap(&p.buf, &out)
        p.printArg(v, verb: "v")
        swap(&p.buf, &out)
    }
}

struct Flags {
    var plus = false, minus = false, sharp = false, space = false, zero = false
    var plusV = false, sharpV = false
    var wid = 0, prec = 0
    var widPresent = false, precPresent = false
}

struct Printer {
    var buf: [UInt8] = []
    var f = Flags()
    var goodArgNum = true
    var reordered = false

    var result: GoString { GoString(bytes: buf) }

    mutating func write(_ s: String) { buf.append(contentsOf: s.utf8) }

    // MARK: padding

    mutating func writePadding(_ n: Int) {
        guard n > 0 else { return }
        let byte: UInt8 = f.zero && !f.minus ? 0x30 : 0x20
        buf.append(contentsOf: repeatElement(byte, count: n))
    }

    mutating func pad(_ s: String) { pad(bytes: Array(s.utf8)) }

    /// Width counts runes; a byte that is not valid UTF-8 is one rune, as in Go.
    mutating func pad(bytes s: [UInt8]) {
        if !f.widPresent || f.wid == 0 { buf.append(contentsOf: s); return }
        let width = f.wid - Printer.runeCount(s)
        if !f.minus { writePadding(width); buf.append(contentsOf: s) } else { buf.append(contentsOf: s); writePadding(width) }
    }

    static func runeCount(_ s: [UInt8]) -> Int {
        var n = 0, i = 0
        while i < s.count { i += max(1, GoString.validSequenceLength(s, at: i)); n += 1 }
        return n
    }

    /// Strings pad with zeros too when the 0 flag asks (`%05s` of "ab" is "000ab").
    mutating func padString(_ s: String) { pad(bytes: Array(s.utf8)) }

    mutating func padString(bytes s: [UInt8]) { pad(bytes: s) }

    // MARK: dispatch

    mutating func printArg(_ arg: Value, verb: Character) {
        if case .null = arg {
            switch verb {
            case "T", "v": padString("<nil>")
            default: badVerb(verb, arg)
            }
            return
        }
        if verb == "T" { fmtS(GoString(arg.goType.description)); return }
        if verb == "p" { badVerb(verb, arg); return }
        printValue(arg, verb: verb, depth: 0)
    }

    mutating func printValue(_ v: Value, verb: Character, depth: Int) {
        switch v {
        case .null:
            if f.sharpV { write("interface {}(nil)") } else { padString("<nil>") }
        case .bool(let b):
            if verb == "t" || verb == "v" { padString(b ? "true" : "false") } else { badVerb(verb, v) }
        case .int(let i, _):
            fmtInteger(UInt64(bitPattern: i), signed: true, verb: verb, value: v)
        case .uint(let u, let t):
            if verb == "v" && f.sharpV { write("0x" + String(u, radix: 16)); _ = t; return }
            fmtInteger(u, signed: false, verb: verb, value: v)
        case .float(let d, let t):
            fmtFloat(d, size: t == .float32 ? 32 : 64, verb: verb, value: v)
        case .complex(let re, let im):
            switch verb {
            case "v", "b", "g", "G", "x", "X", "f", "F", "e", "E":
                let oldPlus = f.plus
                buf.append(UInt8(ascii: "("))
                fmtFloat(re, size: 64, verb: verb, value: v)
                f.plus = true
                fmtFloat(im, size: 64, verb: verb, value: v)
                write("i)")
                f.plus = oldPlus
            default: badVerb(verb, v)
            }
        case .string(let s):
            fmtString(s, verb: verb, value: v)
        case .list(let l):
            if l.elem == .uint8 && l.name == nil, ["s", "q", "x", "X"].contains(verb), let bytes = l.bytes {
                fmtString(GoString(bytes: bytes), verb: verb, value: v)
                return
            }
            if f.sharpV {
                write(l.type.description)
                if l.isNil { write("(nil)"); return }
                write("{")
                for (i, item) in l.items.enumerated() {
                    if i > 0 { write(", ") }
                    printElement(item, elem: l.elem, verb: verb, depth: depth + 1)
                }
                write("}")
                return
            }
            buf.append(UInt8(ascii: "["))
            for (i, item) in l.items.enumerated() {
                if i > 0 { buf.append(0x20) }
                printElement(item, elem: l.elem, verb: verb, depth: depth + 1)
            }
            buf.append(UInt8(ascii: "]"))
        case .map(let m):
            if f.sharpV && m.isNil { write(m.type.description); write("(nil)"); return }
            if f.sharpV { write(m.type.description); write("{") } else { write("map[") }
            for (i, k) in m.sortedKeys.enumerated() {
                if i > 0 { if f.sharpV { write(", ") } else { buf.append(0x20) } }
                printValue(.string(k), verb: verb, depth: depth + 1)
                buf.append(UInt8(ascii: ":"))
                printElement(m.entries[k]!, elem: m.elem, verb: verb, depth: depth + 1)
            }
            write(f.sharpV ? "}" : "]")
        case .object(let o):
            switch verb {
            case "v", "s", "x", "X", "q":
                if f.sharpV { write(o.formatted) } else { fmtString(GoString(o.formatted), verb: verb, value: v) }
            default:
                badVerb(verb, v)
            }
        case .function:
            if verb == "v" || verb == "p" { write("0xfunc") } else { badVerb(verb, v) }
        }
    }

    /// An element of a container whose element type is interface{}: nil prints as <nil>.
    mutating func printElement(_ item: Value, elem: GoType, verb: Character, depth: Int) {
        if case .null = item {
            if f.sharpV { write(elem == .interface ? "interface {}(nil)" : "<nil>") } else { write("<nil>") }
            return
        }
        printValue(item, verb: verb, depth: depth)
    }

    mutating func badVerb(_ verb: Character, _ v: Value?) {
        write("%!")
        write(String(verb))
        write("(")
        if let v, !v.isNull {
            write(v.goType.description)
            write("=")
            // Go prints the operand as %v with the bad verb's flags, width and precision.
            printArg(v, verb: "v")
        } else {
            write("<nil>")
        }
        write(")")
    }

    // MARK: integers

    static let ldigits = Array("0123456789abcdefx".utf8)
    static let udigits = Array("0123456789ABCDEFX".utf8)

    mutating func fmtInteger(_ u: UInt64, signed: Bool, verb: Character, value: Value) {
        switch verb {
        case "v", "d": fmtInteger(u, base: 10, signed: signed, verb: verb, digits: Printer.ldigits)
        case "b": fmtInteger(u, base: 2, signed: signed, verb: verb, digits: Printer.ldigits)
        case "o", "O": fmtInteger(u, base: 8, signed: signed, verb: verb, digits: Printer.ldigits)
        case "x": fmtInteger(u, base: 16, signed: signed, verb: verb, digits: Printer.ldigits)
        case "X": fmtInteger(u, base: 16, signed: signed, verb: verb, digits: Printer.udigits)
        case "c":
            let r = (signed && Int64(bitPattern: u) < 0) || u > 0x10FFFF ? 0xFFFD : UInt32(u)
            pad(String(Unicode.Scalar(r).map(Character.init) ?? "\u{FFFD}"))
        case "q":
            let r = (signed && Int64(bitPattern: u) < 0) || u > 0x10FFFF ? 0xFFFD : Int64(u)
            pad(GoQuote.quoteRune(r, asciiOnly: f.plus))
        case "U":
            var hex = String(u, radix: 16, uppercase: true)
            let minDigits = f.precPresent && f.prec > 4 ? f.prec : 4
            if hex.count < minDigits { hex = String(repeating: "0", count: minDigits - hex.count) + hex }
            var s = "U+" + hex
            if f.sharp, u <= 0x10FFFF, let sc = Unicode.Scalar(UInt32(u)), GoQuote.isPrint(sc) {
                s += " '" + String(Character(sc)) + "'"
            }
            let z = f.zero; f.zero = false; pad(s); f.zero = z
        default:
            badVerb(verb, value)
        }
    }

    mutating func fmtInteger(_ uIn: UInt64, base: Int, signed: Bool, verb: Character, digits: [UInt8]) {
        var u = uIn
        let negative = signed && Int64(bitPattern: u) < 0
        if negative { u = 0 &- u }
        var prec = 0
        if f.precPresent {
            prec = f.prec
            if prec == 0 && u == 0 {
                let z = f.zero; f.zero = false; writePadding(f.wid); f.zero = z
                return
            }
        } else if f.zero && !f.minus && f.widPresent {
            prec = f.wid
            if negative || f.plus || f.space { prec -= 1 }
        }
        var out: [UInt8] = []
        let b = UInt64(base)
        repeat {
            out.append(digits[Int(u % b)])
            u /= b
        } while u > 0
        while out.count < prec { out.append(0x30) }
        if f.sharp {
            switch base {
            case 2: out.append(UInt8(ascii: "b")); out.append(0x30)
            case 8: if out.last != 0x30 { out.append(0x30) }
            case 16: out.append(digits[16]); out.append(0x30)
            default: break
            }
        }
        if verb == "O" { out.append(UInt8(ascii: "o")); out.append(0x30) }
        if negative { out.append(UInt8(ascii: "-")) }
        else if f.plus { out.append(UInt8(ascii: "+")) }
        else if f.space { out.append(0x20) }
        out.reverse()
        let z = f.zero
        f.zero = false
        pad(String(decoding: out, as: UTF8.self))
        f.zero = z
    }

    // MARK: floats

    mutating func fmtFloat(_ v: Double, size: Int, verb: Character, value: Value) {
        switch verb {
        case "v": fmtFloat(v, size: size, verb: "g", prec: -1)
        case "b", "g", "G", "x", "X": fmtFloat(v, size: size, verb: verb, prec: -1)
        case "f", "e", "E", "F": fmtFloat(v, size: size, verb: verb, prec: 6)
        default: badVerb(verb, value)
        }
    }

    mutating func fmtFloat(_ v: Double, size: Int, verb: Character, prec precIn: Int) {
        var prec = precIn
        if f.precPresent { prec = f.prec }
        var num: String
        var sign: Character = "+"
        if v.isNaN {
            num = "NaN"
        } else if v.isInfinite {
            num = "Inf"; if v < 0 { sign = "-" }
        } else {
            if v.sign == .minus { sign = "-" }
            let a = Swift.abs(v)
            num = FloatFormat.format(size == 32 ? Double(Float(a)) : a, verb: verb, prec: prec, sharp: f.sharp)
            if f.sharp && verb != "b" { num = sharpFloat(num, verb: verb, prec: prec) }
        }
        if f.space && sign == "+" && !f.plus { sign = " " }
        if v.isNaN || v.isInfinite {
            let z = f.zero
            f.zero = false
            if v.isNaN && !f.space && !f.plus { pad(num) } else { pad(String(sign) + num) }
            f.zero = z
            return
        }
        if f.plus || sign != "+" {
            if f.zero && !f.minus && f.widPresent && f.wid > num.count + 1 {
                write(String(sign))
                writePadding(f.wid - num.count - 1)
                write(num)
                return
            }
            pad(String(sign) + num)
            return
        }
        pad(num)
    }

    /// The # flag keeps a decimal point (and, for %g, trailing zeros up to the precision).
    func sharpFloat(_ num: String, verb: Character, prec: Int) -> String {
        var mantissa = num
        var exponent = ""
        if let idx = num.firstIndex(where: { $0 == "e" || $0 == "E" || $0 == "p" || $0 == "P" }) {
            mantissa = String(num[..<idx]); exponent = String(num[idx...])
        }
        if !mantissa.contains(".") { mantissa += "." }
        if verb == "g" || verb == "G" {
            var digits = prec
            if digits == -1 { digits = 6 }
            let sig = mantissa.filter { $0.isNumber }.drop(while: { $0 == "0" }).count
            if sig < digits && !(verb == "x" || verb == "X") {
                mantissa += String(repeating: "0", count: digits - max(sig, 1) + (sig == 0 ? 1 : 0))
            }
        }
        return mantissa + exponent
    }

    // MARK: strings

    mutating func fmtString(_ s: GoString, verb: Character, value: Value) {
        switch verb {
        case "v": if f.sharpV { fmtQ(s) } else { fmtS(s) }
        case "s": fmtS(s)
        case "x": fmtSx(s, digits: Printer.ldigits)
        case "X": fmtSx(s, digits: Printer.udigits)
        case "q": fmtQ(s)
        default: badVerb(verb, value)
        }
    }

    /// The precision counts runes (a byte that is not valid UTF-8 is one).
    func truncate(_ s: GoString) -> [UInt8] {
        let b = s.bytes
        if f.precPresent {
            var n = f.prec, i = 0
            while i < b.count {
                n -= 1
                if n < 0 { return Array(b[..<i]) }
                i += max(1, GoString.validSequenceLength(b, at: i))
            }
        }
        return b
    }

    mutating func fmtS(_ s: GoString) { padString(bytes: truncate(s)) }

    mutating func fmtQ(_ sIn: GoString) {
        let s = GoString(bytes: truncate(sIn))
        if f.sharp && GoQuote.canBackquote(s) { padString(bytes: [0x60] + s.bytes + [0x60]); return }
        padString(bytes: GoQuote.quote(s, asciiOnly: f.plus).bytes)
    }

    mutating func fmtSx(_ s: GoString, digits: [UInt8]) {
        var bytes = s.bytes
        if f.precPresent && f.prec < bytes.count { bytes = Array(bytes[0..<f.prec]) }
        var out: [UInt8] = []
        for (i, c) in bytes.enumerated() {
            if i > 0 && f.space { out.append(0x20) }
            if f.sharp && (f.space || i == 0) { out.append(0x30); out.append(digits[16]) }
            out.append(digits[Int(c >> 4)]); out.append(digits[Int(c & 0xF)])
        }
        padString(String(decoding: out, as: UTF8.self))
    }

    // MARK: Printf

    mutating func doPrintf(_ format: [UInt8], _ a: [Value]) {
        let end = format.count
        var argNum = 0
        var afterIndex = false
        reordered = false
        var i = 0
        formatLoop: while i < end {
            goodArgNum = true
            let lasti = i
            while i < end && format[i] != UInt8(ascii: "%") { i += 1 }
            if i > lasti { buf.append(contentsOf: format[lasti..<i]) }
            if i >= end { break }
            i += 1
            f = Flags()
            simple: while i < end {
                let c = format[i]
                switch c {
                case UInt8(ascii: "#"): f.sharp = true
                case UInt8(ascii: "0"): f.zero = !f.minus
                case UInt8(ascii: "+"): f.plus = true
                case UInt8(ascii: "-"): f.minus = true; f.zero = false
                case UInt8(ascii: " "): f.space = true
                default:
                    if c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") && argNum < a.count {
                        if c == UInt8(ascii: "v") {
                            f.sharpV = f.sharp; f.sharp = false
                            f.plusV = f.plus; f.plus = false
                        }
                        printArg(a[argNum], verb: Character(Unicode.Scalar(c)))
                        argNum += 1
                        i += 1
                        continue formatLoop
                    }
                    break simple
                }
                i += 1
            }
            (argNum, i, afterIndex) = argNumber(argNum, format, i, a.count)
            if i < end && format[i] == UInt8(ascii: "*") {
                i += 1
                (f.wid, f.widPresent, argNum) = intFromArg(a, argNum)
                if !f.widPresent { write("%!(BADWIDTH)") }
                if f.wid < 0 { f.wid = -f.wid; f.minus = true; f.zero = false }
                afterIndex = false
            } else {
                (f.wid, f.widPresent, i) = parsenum(format, i, end)
                if afterIndex && f.widPresent { goodArgNum = false }
            }
            if i + 1 < end && format[i] == UInt8(ascii: ".") {
                i += 1
                if afterIndex { goodArgNum = false }
                (argNum, i, afterIndex) = argNumber(argNum, format, i, a.count)
                if i < end && format[i] == UInt8(ascii: "*") {
                    i += 1
                    (f.prec, f.precPresent, argNum) = intFromArg(a, argNum)
                    if f.prec < 0 { f.prec = 0; f.precPresent = false }
                    if !f.precPresent { write("%!(BADPREC)") }
                    afterIndex = false
                } else {
                    (f.prec, f.precPresent, i) = parsenum(format, i, end)
                    if !f.precPresent { f.prec = 0; f.precPresent = true }
                }
            }
            if !afterIndex { (argNum, i, afterIndex) = argNumber(argNum, format, i, a.count) }
            if i >= end { write("%!(NOVERB)"); break }
            // Decode one UTF-8 verb.
            var size = 1
            let lead = format[i]
            if lead >= 0xF0 { size = 4 } else if lead >= 0xE0 { size = 3 } else if lead >= 0xC0 { size = 2 }
            size = min(size, end - i)
            let verbStr = String(decoding: format[i..<(i + size)], as: UTF8.self)
            let verb = verbStr.first ?? "\u{FFFD}"
            i += size
            if verb == "%" { buf.append(UInt8(ascii: "%")); continue }
            if !goodArgNum { write("%!\(verb)(BADINDEX)"); continue }
            if argNum >= a.count { write("%!\(verb)(MISSING)"); continue }
            if verb == "v" {
                f.sharpV = f.sharp; f.sharp = false
                f.plusV = f.plus; f.plus = false
            }
            printArg(a[argNum], verb: verb)
            argNum += 1
        }
        if !reordered && argNum < a.count {
            f = Flags()
            write("%!(EXTRA ")
            for (k, arg) in a[argNum...].enumerated() {
                if k > 0 { write(", ") }
                if arg.isNull { write("<nil>") } else {
                    write(arg.goType.description); write("="); printArg(arg, verb: "v")
                }
            }
            write(")")
        }
    }

    func parsenum(_ s: [UInt8], _ start: Int, _ end: Int) -> (Int, Bool, Int) {
        var i = start
        var num = 0
        var isnum = false
        while i < end && s[i] >= 0x30 && s[i] <= 0x39 {
            if num > 1_000_000 { return (0, false, end) }
            num = num * 10 + Int(s[i] - 0x30)
            isnum = true
            i += 1
        }
        return (num, isnum, i)
    }

    mutating func argNumber(_ argNum: Int, _ format: [UInt8], _ i: Int, _ numArgs: Int) -> (Int, Int, Bool) {
        if format.count <= i || format[i] != UInt8(ascii: "[") { return (argNum, i, false) }
        reordered = true
        // parseArgNumber
        var index = 0, wid = 0, ok = false
        if format.count - i >= 3 {
            var j = i + 1
            while j < format.count {
                if format[j] == UInt8(ascii: "]") {
                    let (w, okNum, newi) = parsenum(format, i + 1, j)
                    if !okNum || newi != j { index = 0; wid = j - i + 1; ok = false }
                    else { index = w - 1; wid = j - i + 1; ok = true }
                    break
                }
                j += 1
            }
            if j >= format.count { index = 0; wid = 1; ok = false }
        } else { wid = 1 }
        if ok && index >= 0 && index < numArgs { return (index, i + wid, true) }
        goodArgNum = false
        return (argNum, i + wid, ok)
    }

    func intFromArg(_ a: [Value], _ argNum: Int) -> (Int, Bool, Int) {
        var num = 0, isInt = false, next = argNum
        if argNum < a.count {
            switch a[argNum] {
            case .int(let v, _): num = Int(v); isInt = true
            case .uint(let v, _): if v <= UInt64(Int.max) { num = Int(v); isInt = true }
            default: break
            }
            next = argNum + 1
            if num > 1_000_000 || num < -1_000_000 { num = 0; isInt = false }
        }
        return (num, isInt, next)
    }
}
