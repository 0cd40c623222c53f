/// A Go string: a sequence of bytes, usually but not necessarily UTF-8.
///
/// Chart files, `b64dec` results and strings cut inside a character are byte strings that
/// Swift's `String` cannot hold, so a template value keeps a Go string's bytes exactly.
/// Valid UTF-8 (nearly every string) stays a Swift `String`, whose native storage is
/// UTF-8, so byte views cost nothing; other bytes are kept as they are. Equality, order and
/// hashing are by bytes, as in Go.
public struct GoString: Sendable, Hashable, Comparable, ExpressibleByStringLiteral,
                        CustomStringConvertible, CustomDebugStringConvertible {
    enum Storage: Sendable, Hashable {
        case text(String)
        /// Never valid UTF-8: valid bytes are always `.text`, so the two never compare equal.
        case raw([UInt8])
    }
    var storage: Storage

    public init(_ s: String) { storage = .text(s) }
    public init(_ s: Substring) { storage = .text(String(s)) }
    public init(stringLiteral value: String) { storage = .text(value) }

    /// The string of these bytes, whatever they are.
    public init<C: Collection>(bytes: C) where C.Element == UInt8 {
        if let s = String(validating: bytes, as: UTF8.self) {
            storage = .text(s)
        } else {
            storage = .raw(Array(bytes))
        }
    }

    public static let empty = GoString("")

    /// The text, with each byte that is not part of valid UTF-8 read as U+FFFD, as Go's
    /// `for range` and `[]rune(s)` read it (one replacement per byte, not per sequence).
    public var string: String {
        switch storage {
        case .text(let s): return s
        case .raw(let b): return String(decoding: GoString.replacingInvalid(b), as: UTF8.self)
        }
    }

    public var isValidUTF8: Bool { if case .text = storage { return true } else { return false } }

    /// The bytes, copied.
    public var bytes: [UInt8] {
        switch storage {
        case .text(let s): return Array(s.utf8)
        case .raw(let b): return b
        }
    }

    /// Calls `body` with the bytes, without copying where the storage allows.
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        switch storage {
        case .text(var s):
            return try s.withUTF8(body)
        case .raw(let b):
            return try b.withUnsafeBufferPointer(body)
        }
    }

    /// The length in bytes, as Go's `len`.
    public var count: Int {
        switch storage {
        case .text(let s): return s.utf8.count
        case .raw(let b): return b.count
        }
    }

    public var isEmpty: Bool { count == 0 }

    public func append(to out: inout [UInt8]) {
        switch storage {
        case .text(let s): out.append(contentsOf: s.utf8)
        case .raw(let b): out.append(contentsOf: b)
        }
    }

    /// Go's `s[from:to]`, in bytes.
    public func slice(_ from: Int, _ to: Int) -> GoString {
        if case .text(let s) = storage, from == 0, to == s.utf8.count { return self }
        return withBytes { GoString(bytes: $0[from..<to]) }
    }

    public static func + (a: GoString, b: GoString) -> GoString {
        if case .text(let x) = a.storage, case .text(let y) = b.storage { return GoString(x + y) }
        var out = a.bytes
        b.append(to: &out)
        return GoString(bytes: out)
    }

    public static func < (a: GoString, b: GoString) -> Bool {
        a.withBytes { x in b.withBytes { y in x.lexicographicallyPrecedes(y) } }
    }

    public var description: String { string }
    public var debugDescription: String { string.debugDescription }

    /// Go's rule for reading bytes as UTF-8: a valid sequence stands, every other byte is
    /// one U+FFFD (Unicode's ranges: no overlong forms, no surrogates, nothing past U+10FFFF).
    public static func replacingInvalid(_ b: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(b.count + 8)
        var i = 0
        while i < b.count {
            let n = validSequenceLength(b, at: i)
            if n > 0 {
                out.append(contentsOf: b[i..<(i + n)])
                i += n
            } else {
                out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                i += 1
            }
        }
        return out
    }

    /// The length of the valid UTF-8 sequence starting at `i`, or 0 when there is none.
    public static func validSequenceLength<C: RandomAccessCollection>(_ b: C, at i: C.Index) -> Int
        where C.Element == UInt8, C.Index == Int {
        let c0 = b[i]
        if c0 < 0x80 { return 1 }
        let need: Int, lo: UInt8, hi: UInt8
        switch c0 {
        case 0xC2...0xDF: need = 2; lo = 0x80; hi = 0xBF
        case 0xE0: need = 3; lo = 0xA0; hi = 0xBF
        case 0xE1...0xEC, 0xEE...0xEF: need = 3; lo = 0x80; hi = 0xBF
        case 0xED: need = 3; lo = 0x80; hi = 0x9F
        case 0xF0: need = 4; lo = 0x90; hi = 0xBF
        case 0xF1...0xF3: need = 4; lo = 0x80; hi = 0xBF
        case 0xF4: need = 4; lo = 0x80; hi = 0x8F
        default: return 0
        }
        guard i + need <= b.endIndex else { return 0 }
        let c1 = b[i + 1]
        guard c1 >= lo && c1 <= hi else { return 0 }
        for k in 2..<need where b[i + k] & 0xC0 != 0x80 { return 0 }
        return need
    }
}

extension Sequence where Element == GoString {
    /// strings.Join, bytes exact.
    public func joined(separator: GoString = .empty) -> GoString {
        var out: [UInt8] = []
        var allText = true
        for (i, s) in self.enumerated() {
            if i > 0 { separator.append(to: &out) }
            s.append(to: &out)
            allText = allText && s.isValidUTF8
        }
        if allText && separator.isValidUTF8 { return GoString(String(decoding: out, as: UTF8.self)) }
        return GoString(bytes: out)
    }
}
