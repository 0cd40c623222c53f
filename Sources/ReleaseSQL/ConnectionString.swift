/// A PostgreSQL connection string as lib/pq (Helm's client) reads it: a URL
/// (`postgres://user:password@host:port/dbname?sslmode=disable`) or `key=value` pairs separated
/// by spaces (`host=localhost port=5432 user=helm dbname=helm sslmode=disable`, values in single
/// quotes with backslash escapes when they hold spaces). Missing settings come from the PG*
/// environment variables, then lib/pq's defaults (localhost:5432, sslmode require).
public struct ConnectionString: Sendable, Equatable {
    public var settings: [String: String]

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public init(_ text: String, environment: [String: String] = [:]) throws {
        var s: [String: String] = [:]
        // lib/pq's environment defaults, overridden by the string.
        let env: [(String, String)] = [("PGHOST", "host"), ("PGPORT", "port"), ("PGDATABASE", "dbname"), ("PGUSER", "user"),
                                       ("PGPASSWORD", "password"), ("PGSSLMODE", "sslmode"), ("PGSSLROOTCERT", "sslrootcert"),
                                       ("PGSSLCERT", "sslcert"), ("PGSSLKEY", "sslkey"), ("PGCONNECT_TIMEOUT", "connect_timeout")]
        for (variable, key) in env { if let v = environment[variable], !v.isEmpty { s[key] = v } }
        let trimmed = text.drop { $0 == " " }
        let pairs = trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://")
            ? try ConnectionString.parseURL(String(trimmed)) : try ConnectionString.parsePairs(text)
        for (k, v) in pairs { s[k] = v }
        settings = s
    }

    public var host: String { settings["host"].flatMap { $0.isEmpty ? nil : $0 } ?? "localhost" }
    public var port: Int { settings["port"].flatMap { Int($0) } ?? 5432 }
    public var user: String? { settings["user"] }
    public var password: String? { settings["password"] }
    public var database: String? { settings["dbname"].flatMap { $0.isEmpty ? nil : $0 } }
    /// lib/pq treats an unset sslmode as `require`.
    public var sslMode: String { settings["sslmode"].flatMap { $0.isEmpty ? nil : $0 } ?? "require" }
    public var connectTimeout: Int? { settings["connect_timeout"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } }

    /// `key=value key2='a value'`, as lib/pq's parseOpts.
    static func parsePairs(_ text: String) throws -> [(String, String)] {
        var out: [(String, String)] = []
        var chars = Array(text)[...]
        func skipSpace() { while let c = chars.first, c == " " || c == "\t" || c == "\n" || c == "\r" { chars.removeFirst() } }
        while true {
            skipSpace()
            guard !chars.isEmpty else { return out }
            var key = ""
            while let c = chars.first, c != "=", c != " " { key.append(c); chars.removeFirst() }
            skipSpace()
            guard chars.first == "=" else {
                throw ParseError(description: "missing \"=\" after \"\(key)\" in connection info string")
            }
            chars.removeFirst()
            skipSpace()
            var value = ""
            if chars.first == "'" {
                chars.removeFirst()
                var closed = false
                while let c = chars.popFirst() {
                    if c == "\\" { if let n = chars.popFirst() { value.append(n) }; continue }
                    if c == "'" { closed = true; break }
                    value.append(c)
                }
                guard closed else { throw ParseError(description: "unterminated quoted string in connection info string") }
            } else {
                while let c = chars.first, c != " " {
                    chars.removeFirst()
                    if c == "\\" { if let n = chars.popFirst() { value.append(n) }; continue }
                    value.append(c)
                }
            }
            out.append((key, value))
        }
    }

    /// `postgres://user:password@host:port/dbname?key=value`, as lib/pq's ParseURL.
    static func parseURL(_ text: String) throws -> [(String, String)] {
        var rest = Substring(text)
        rest = rest[rest.range(of: "://")!.upperBound...]
        var out: [(String, String)] = []
        var query = ""
        if let q = rest.firstIndex(of: "?") { query = String(rest[rest.index(after: q)...]); rest = rest[..<q] }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        var path = ""
        if let slash = rest.firstIndex(of: "/") { path = String(rest[rest.index(after: slash)...]); rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userinfo.firstIndex(of: ":") {
                out.append(("user", try unescape(String(userinfo[..<colon]))))
                out.append(("password", try unescape(String(userinfo[userinfo.index(after: colon)...]))))
            } else {
                out.append(("user", try unescape(String(userinfo))))
            }
        }
        var host = String(rest), port = ""
        if host.hasPrefix("[") , let close = host.firstIndex(of: "]") {
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") { port = String(after.dropFirst()) }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            port = String(host[host.index(after: colon)...])
            host = String(host[..<colon])
        }
        if !host.isEmpty { out.append(("host", try unescape(host))) }
        if !port.isEmpty { out.append(("port", port)) }
        if !path.isEmpty { out.append(("dbname", try unescape(path))) }
        for item in query.split(separator: "&") where !item.isEmpty {
            let kv = item.split(separator: "=", maxSplits: 1)
            out.append((try unescape(String(kv[0]), plus: true), kv.count > 1 ? try unescape(String(kv[1]), plus: true) : ""))
        }
        return out
    }

    static func unescape(_ s: String, plus: Bool = false) throws -> String {
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%") {
                guard it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else {
                    throw ParseError(description: "invalid URL escape in connection string: \"\(s)\"")
                }
                bytes.append(v); it = it.dropFirst(2)
            } else if plus && b == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
