import Values

extension Regexp {
    /// Go's Regexp.Expand: `$$` is `$`; `$name` and `${name}` take the longest run of letters,
    /// digits and `_` as the name; a name of digits alone (no leading zero) is a group number;
    /// any other name is a named group; an unknown group or one that did not take part adds
    /// nothing; a `$` not followed by a valid name stays as it is.
    func expand(_ template: [UInt8], _ src: [UInt8], _ match: [Int], into dst: inout [UInt8]) {
        var t = template[...]
        while let dollar = t.firstIndex(of: UInt8(ascii: "$")) {
            dst.append(contentsOf: t[t.startIndex..<dollar])
            t = t[(dollar + 1)...]
            if t.first == UInt8(ascii: "$") {
                dst.append(UInt8(ascii: "$"))
                t = t.dropFirst()
                continue
            }
            guard let (name, num, rest) = Self.extract(t) else {
                dst.append(UInt8(ascii: "$"))
                continue
            }
            t = rest
            if let num {
                if 2 * num + 1 < match.count && match[2 * num] >= 0 {
                    dst.append(contentsOf: src[match[2 * num]..<match[2 * num + 1]])
                }
            } else {
                for (i, n) in subexpNames.enumerated() where n == name && 2 * i + 1 < match.count && match[2 * i] >= 0 {
                    dst.append(contentsOf: src[match[2 * i]..<match[2 * i + 1]])
                    break
                }
            }
        }
        dst.append(contentsOf: t)
    }

    /// Go's extract: the name after `$`, its number (nil when not a plain number) and the rest.
    static func extract(_ s: ArraySlice<UInt8>) -> (String, Int?, ArraySlice<UInt8>)? {
        var str = s
        guard !str.isEmpty else { return nil }
        var brace = false
        if str.first == UInt8(ascii: "{") { brace = true; str = str.dropFirst() }
        var i = str.startIndex
        while i < str.endIndex {
            let (scalar, size) = Runes.decode(str, i)
            let ok = scalar == "_" || scalar.isGoLetter || scalar.isGoDigit
            if !ok { break }
            i += size
        }
        if i == str.startIndex { return nil }
        let nameBytes = str[str.startIndex..<i]
        if brace {
            if i >= str.endIndex || str[i] != UInt8(ascii: "}") { return nil }
            i += 1
        }
        var num: Int? = 0
        for c in nameBytes {
            if c < UInt8(ascii: "0") || c > UInt8(ascii: "9") || num! >= 100_000_000 { num = nil; break }
            num = num! * 10 + Int(c - UInt8(ascii: "0"))
        }
        if nameBytes.first == UInt8(ascii: "0") && nameBytes.count > 1 { num = nil }
        return (String(decoding: nameBytes, as: UTF8.self), num, str[i...])
    }
}
