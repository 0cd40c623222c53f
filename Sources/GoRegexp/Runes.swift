/// UTF-8 decoding as Go's utf8.DecodeRune does it: an invalid or truncated sequence is one
/// byte wide and reads as U+FFFD.
enum Runes {
    static func decode<C: RandomAccessCollection>(_ b: C, _ i: C.Index) -> (Unicode.Scalar, Int) where C.Element == UInt8, C.Index == Int {
        let c0 = b[i]
        if c0 < 0x80 { return (Unicode.Scalar(c0), 1) }
        var need = 0, value: UInt32 = 0, min: UInt32 = 0
        switch c0 {
        case 0xC2...0xDF: need = 1; value = UInt32(c0 & 0x1F); min = 0x80
        case 0xE0...0xEF: need = 2; value = UInt32(c0 & 0x0F); min = 0x800
        case 0xF0...0xF4: need = 3; value = UInt32(c0 & 0x07); min = 0x10000
        default: return ("\u{FFFD}", 1)
        }
        guard i + need < b.endIndex else { return ("\u{FFFD}", 1) }
        for k in 1...need {
            let c = b[i + k]
            guard c & 0xC0 == 0x80 else { return ("\u{FFFD}", 1) }
            value = value << 6 | UInt32(c & 0x3F)
        }
        guard value >= min, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value), let s = Unicode.Scalar(value) else {
            return ("\u{FFFD}", 1)
        }
        return (s, need + 1)
    }

    static func width(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int { decode(b, i).1 }
}
