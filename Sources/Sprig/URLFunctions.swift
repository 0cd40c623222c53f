import Values

/// urlParse and urlJoin over Go's net/url view of a URL.
enum URLFunctions {
    static func register(_ t: inout FunctionTable) {
        t.add("urlParse", [.s]) { a in
            let u = parse(a.str(0))
            return .map([
                "scheme": .string(u.scheme), "host": .string(u.host), "hostname": .string(u.hostname),
                "path": .string(u.path), "query": .string(u.query), "opaque": .string(""),
                "fragment": .string(u.fragment), "userinfo": .string(u.userinfo),
            ])
        }
        t.add("urlJoin", [.dict]) { a in
            guard let m = a.map(0) else { return .string("") }
            func f(_ k: String) -> String { m.entries[k].map { Cast.string($0) } ?? "" }
            var s = ""
            if !f("scheme").isEmpty { s += f("scheme") + ":" }
            if !f("host").isEmpty || !f("userinfo").isEmpty {
                s += "//"
                if !f("userinfo").isEmpty { s += f("userinfo") + "@" }
                s += f("host")
            }
            let path = f("path")
            if !path.isEmpty && !path.hasPrefix("/") && !f("host").isEmpty { s += "/" }
            s += path
            if !f("query").isEmpty { s += "?" + f("query") }
            if !f("fragment").isEmpty { s += "#" + f("fragment") }
            return .string(s)
        }
    }

    struct Parts { var scheme = "", userinfo = "", host = "", hostname = "", path = "", query = "", fragment = "" }

    static func parse(_ sIn: String) -> Parts {
        var p = Parts()
        var s = Substring(sIn)
        if let h = s.firstIndex(of: "#") { p.fragment = String(s[s.index(after: h)...]); s = s[..<h] }
        if let q = s.firstIndex(of: "?") { p.query = String(s[s.index(after: q)...]); s = s[..<q] }
        if let c = s.firstIndex(of: ":"), s[..<c].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }), !s[..<c].isEmpty {
            p.scheme = String(s[..<c]).lowercased()
            s = s[s.index(after: c)...]
        }
        if s.hasPrefix("//") {
            s = s.dropFirst(2)
            let end = s.firstIndex(of: "/") ?? s.endIndex
            var auth = s[..<end]
            s = s[end...]
            if let at = auth.lastIndex(of: "@") { p.userinfo = String(auth[..<at]); auth = auth[auth.index(after: at)...] }
            p.host = String(auth)
            if let colon = auth.lastIndex(of: ":"), !auth.hasSuffix("]") { p.hostname = String(auth[..<colon]) } else { p.hostname = String(auth) }
        }
        p.path = String(s)
        return p
    }
}
