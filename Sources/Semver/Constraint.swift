import GoFmt
/// Version constraints with Masterminds/semver v3's syntax and rules: comparison operators,
/// `~`, `^`, `x`/`*` wildcards, hyphen ranges, `,` (and) and `||` (or). A version with a
/// prerelease only satisfies a constraint that names a prerelease itself.
public struct Constraints: Sendable, CustomStringConvertible {
    struct Single: Sendable {
        var op: String
        var version: Version
        var original: String
        var dirty = false, minorDirty = false, patchDirty = false
    }

    let groups: [[Single]]
    public let description: String

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public init(_ text: String) throws {
        description = text
        var groups: [[Single]] = []
        for segment in Constraints.splitOr(Constraints.rewriteRanges(text)) {
            let tokens = Constraints.tokens(segment)
            if tokens.isEmpty {
                groups.append([try Constraints.parse("*")])
                continue
            }
            groups.append(try tokens.map { try Constraints.parse($0) })
        }
        self.groups = groups
    }

    static func splitOr(_ s: String) -> [String] {
        var out: [String] = []
        var cur = ""
        var chars = Array(s)[...]
        while let c = chars.first {
            if c == "|" && chars.dropFirst().first == "|" { out.append(cur); cur = ""; chars = chars.dropFirst(2); continue }
            cur.append(c); chars = chars.dropFirst()
        }
        out.append(cur)
        return out
    }

    /// "1.2 - 1.4.5" becomes ">= 1.2, <= 1.4.5".
    static func rewriteRanges(_ s: String) -> String {
        var words = s.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var i = 1
        while i + 1 < words.count {
            if words[i] == "-" {
                words.replaceSubrange((i - 1)...(i + 1), with: [">=" + words[i - 1] + ",", "<=" + words[i + 1]])
            }
            i += 1
        }
        return words.joined(separator: " ")
    }

    static let operators = [">=", "=>", "<=", "=<", "!=", "~>", ">", "<", "=", "~", "^"]

    /// Splits a segment into "op version" tokens; an operator may stand apart from its version.
    static func tokens(_ s: String) -> [String] {
        var out: [String] = []
        var pendingOp = ""
        for raw in s.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }) {
            let w = String(raw)
            if operators.contains(w) { pendingOp = w; continue }
            out.append(pendingOp + w)
            pendingOp = ""
        }
        if !pendingOp.isEmpty { out.append(pendingOp) }
        return out
    }

    static func isX(_ s: Substring) -> Bool { s == "x" || s == "X" || s == "*" }

    static func parse(_ token: String) throws -> Single {
        var op = ""
        var rest = Substring(token)
        for o in operators where rest.hasPrefix(o) { op = o; rest = rest.dropFirst(o.count); break }
        let orig = String(rest)
        var body = rest
        if body.hasPrefix("v") { body = body.dropFirst() }
        var suffix = ""
        if let i = body.firstIndex(where: { $0 == "-" || $0 == "+" }) { suffix = String(body[i...]); body = body[..<i] }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count), parts.allSatisfy({ isX($0) || (!$0.isEmpty && $0.allSatisfy(\.isASCIINumber)) }) else {
            throw ParseError(description: "improper constraint: \(GoQuote.quote(String(token)))")
        }
        var s = Single(op: op, version: Version(major: 0, minor: 0, patch: 0), original: orig)
        let pre = suffix.hasPrefix("-") ? String(suffix.dropFirst().prefix(while: { $0 != "+" })) : ""
        let preSuffix = pre.isEmpty ? "" : "-" + pre
        var ver: String
        if isX(parts[0]) {
            ver = "0.0.0" + preSuffix; s.dirty = true
        } else if parts.count < 2 || isX(parts[1]) {
            ver = "\(parts[0]).0.0" + preSuffix; s.dirty = true; s.minorDirty = true
        } else if parts.count < 3 || isX(parts[2]) {
            ver = "\(parts[0]).\(parts[1]).0" + preSuffix; s.dirty = true; s.patchDirty = true
        } else {
            ver = "\(parts[0]).\(parts[1]).\(parts[2])" + suffix
        }
        do { s.version = try Version(ver) } catch { throw ParseError(description: "improper constraint: \(GoQuote.quote(String(token)))") }
        return s
    }

    public func check(_ v: Version) -> Bool {
        groups.contains { group in group.allSatisfy { Constraints.check(v, $0) } }
    }

    static func check(_ v: Version, _ c: Single) -> Bool {
        let con = c.version
        if !v.prerelease.isEmpty && con.prerelease.isEmpty { return false }
        switch c.op {
        case "", "=":
            if c.dirty { return tilde(v, c) }
            return v == con
        case "!=":
            if c.dirty {
                if v.major != con.major { return true }
                if v.minor != con.minor && !c.minorDirty { return true }
                if c.minorDirty { return false }
                if v.patch != con.patch && !c.patchDirty { return true }
                return false
            }
            return !(v == con)
        case ">":
            if !c.dirty { return v.compare(con) > 0 }
            if v.major > con.major { return true }
            if v.major < con.major { return false }
            if c.minorDirty { return false }
            if c.patchDirty { return v.minor > con.minor }
            return v.compare(con) > 0
        case "<":
            return v.compare(con) < 0
        case ">=", "=>":
            return v.compare(con) >= 0
        case "<=", "=<":
            if !c.dirty { return v.compare(con) <= 0 }
            if v.major > con.major { return false }
            if v.major == con.major && v.minor > con.minor && !c.minorDirty { return false }
            return true
        case "~", "~>":
            return tilde(v, c)
        case "^":
            if v.compare(con) < 0 { return false }
            if con.major > 0 || c.minorDirty { return v.major == con.major }
            if v.major > 0 { return false }
            if con.minor > 0 || c.patchDirty { return v.minor == con.minor }
            if v.minor > 0 { return false }
            return v.patch == con.patch
        default:
            return false
        }
    }

    static func tilde(_ v: Version, _ c: Single) -> Bool {
        let con = c.version
        if v.compare(con) < 0 { return false }
        if con.major == 0 && con.minor == 0 && con.patch == 0 && !c.minorDirty && !c.patchDirty { return true }
        if v.major != con.major { return false }
        if v.minor != con.minor && !c.minorDirty { return false }
        return true
    }
}
