/// Go's time.Duration: nanoseconds, printed as "1h2m0s".
public enum GoDuration {
    /// Seconds from a duration text; a bare number is seconds (as Helm Operator's timeouts).
    public static func seconds(_ text: String) -> Double? {
        if let n = Double(text) { return n }
        return parse(text).map { Double($0) / 1e9 }
    }

    /// Go's printing of a whole number of seconds: "5m0s".
    public static func format(seconds: Double) -> String { string(Int64((seconds * 1e9).rounded())) }

    public static func string(_ d: Int64) -> String {
        if d == 0 { return "0s" }
        let neg = d < 0
        let u = d.magnitude
        var s: String
        if u < 1_000_000_000 {
            let (unit, div): (String, UInt64) = u < 1000 ? ("ns", 1) : (u < 1_000_000 ? ("µs", 1000) : ("ms", 1_000_000))
            s = fraction(u, div) + unit
        } else {
            let secs = u / 1_000_000_000
            let frac = u % 1_000_000_000
            var sec = String(secs % 60)
            if frac != 0 {
                var f = String(frac)
                f = String(repeating: "0", count: 9 - f.count) + f
                while f.hasSuffix("0") { f.removeLast() }
                sec += "." + f
            }
            s = sec + "s"
            let mins = secs / 60
            if mins > 0 {
                s = String(mins % 60) + "m" + s
                let hours = mins / 60
                if hours > 0 { s = String(hours) + "h" + s }
            }
        }
        return (neg ? "-" : "") + s
    }

    static func fraction(_ v: UInt64, _ div: UInt64) -> String {
        if div == 1 { return String(v) }
        var f = String(v % div)
        let width = String(div).count - 1
        f = String(repeating: "0", count: width - f.count) + f
        while f.hasSuffix("0") { f.removeLast() }
        return String(v / div) + (f.isEmpty ? "" : "." + f)
    }

    /// time.ParseDuration.
    public static func parse(_ text: String) -> Int64? {
        var s = Substring(text)
        var neg = false
        if s.hasPrefix("-") { neg = true; s = s.dropFirst() } else if s.hasPrefix("+") { s = s.dropFirst() }
        if s == "0" { return 0 }
        if s.isEmpty { return nil }
        var total: Double = 0
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
        while !s.isEmpty {
            let numPart = s.prefix(while: { $0.isNumber || $0 == "." })
            guard !numPart.isEmpty, let n = Double(numPart) else { return nil }
            s = s.dropFirst(numPart.count)
            guard let (u, mult) = units.first(where: { s.hasPrefix($0.0) && !(($0.0 == "m") && s.hasPrefix("ms")) }) else { return nil }
            s = s.dropFirst(u.count)
            total += n * mult
        }
        return Int64(neg ? -total : total)
    }
}

