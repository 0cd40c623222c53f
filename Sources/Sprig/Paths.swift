import Values

/// Go's path package (slash-separated), which Sprig's base, dir, clean, ext and isAbs use;
/// the os* forms use path/filepath, the same on Linux.
enum PathFunctions {
    static func register(_ t: inout FunctionTable) {
        for prefix in ["", "os"] {
            func name(_ n: String) -> String { prefix.isEmpty ? n : prefix + n.prefix(1).uppercased() + n.dropFirst() }
            t.add(name("base"), [.s]) { .string(base($0.str(0))) }
            t.add(name("dir"), [.s]) { .string(dir($0.str(0))) }
            t.add(name("clean"), [.s]) { .string(clean($0.str(0))) }
            t.add(name("ext"), [.s]) { .string(ext($0.str(0))) }
            t.add(name("isAbs"), [.s]) { .bool($0.str(0).hasPrefix("/")) }
        }
    }

    static func clean(_ p: String) -> String {
        if p.isEmpty { return "." }
        let rooted = p.hasPrefix("/")
        var out: [Substring] = []
        for part in p.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if let last = out.last, last != ".." { out.removeLast() }
                else if !rooted { out.append(part) }
                continue
            }
            out.append(part)
        }
        let joined = out.joined(separator: "/")
        if rooted { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    static func base(_ pIn: String) -> String {
        if pIn.isEmpty { return "." }
        var p = Substring(pIn)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        if p == "/" { return "/" }
        if let i = p.lastIndex(of: "/") { p = p[p.index(after: i)...] }
        return p.isEmpty ? "/" : String(p)
    }

    static func dir(_ p: String) -> String {
        guard let i = p.lastIndex(of: "/") else { return clean("") }
        return clean(String(p[...i]))
    }

    static func ext(_ p: String) -> String {
        var i = p.endIndex
        while i > p.startIndex {
            let j = p.index(before: i)
            if p[j] == "/" { break }
            if p[j] == "." { return String(p[j...]) }
            i = j
        }
        return ""
    }
}
