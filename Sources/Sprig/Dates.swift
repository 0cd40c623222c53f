import Values
#if canImport(Glibc)
import Glibc
#endif

/// Go's time.Time as templates see it: `now`, `toDate` and `dateModify` return these.
public final class GoTime: GoObject, @unchecked Sendable {
    /// Seconds since the Unix epoch and nanoseconds within the second.
    public let seconds: Int64
    public let nanos: Int64
    /// The zone: offset east of UTC in seconds and its abbreviation.
    public let offset: Int
    public let zone: String

    public init(seconds: Int64, nanos: Int64 = 0, offset: Int, zone: String) {
        self.seconds = seconds; self.nanos = nanos; self.offset = offset; self.zone = zone
    }

    /// The time in the process's local zone (TZ, else UTC).
    public static func local(seconds: Int64, nanos: Int64 = 0) -> GoTime {
        var t = time_t(seconds)
        var tmv = tm()
        localtime_r(&t, &tmv)
        let zone = tmv.tm_zone.map { String(cString: $0) } ?? "UTC"
        return GoTime(seconds: seconds, nanos: nanos, offset: Int(tmv.tm_gmtoff), zone: zone)
    }

    public static func now() -> GoTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return local(seconds: Int64(ts.tv_sec), nanos: Int64(ts.tv_nsec))
    }

    public var goType: GoType { .named("time.Time", .struct) }
    public var formatted: String { format("2006-01-02 15:04:05.999999999 -0700 MST") }

    public func method(_ name: String) -> GoFunction? {
        switch name {
        case "Unix": return GoFunction(name, []) { [self] _ in .int(seconds, .int64) }
        case "Format": return GoFunction(name, [.typed(.string)]) { [self] a in .string(format(a[0]?.stringValue ?? "")) }
        case "UTC": return GoFunction(name, []) { [self] _ in .object(GoTime(seconds: seconds, nanos: nanos, offset: 0, zone: "UTC")) }
        case "Year": return GoFunction(name, []) { [self] _ in .int(Int64(civil.year)) }
        case "String": return GoFunction(name, []) { [self] _ in .string(formatted) }
        default: return nil
        }
    }

    struct Civil { var year, month, day, hour, minute, second, weekday, yday: Int }

    var civil: Civil {
        let local = seconds + Int64(offset)
        var days = local >= 0 ? local / 86400 : (local - 86399) / 86400
        let secs = Int(local - days * 86400)
        let weekday = Int(((days % 7) + 11) % 7) // 1970-01-01 was a Thursday (4)
        days += 719468
        let era = (days >= 0 ? days : days - 146096) / 146097
        let doe = days - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        var y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        if m <= 2 { y += 1 }
        let isLeap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let cum = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
        let yday = cum[Int(m) - 1] + Int(d) + (isLeap && m > 2 ? 1 : 0)
        return Civil(year: Int(y), month: Int(m), day: Int(d), hour: secs / 3600, minute: secs / 60 % 60,
                     second: secs % 60, weekday: (weekday + 7 + 4 - 4) % 7, yday: yday)
    }

    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    static let days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    /// Go's Time.Format with a reference-time layout.
    public func format(_ layout: String) -> String {
        let c = civil
        var out = ""
        var l = Substring(layout)
        func pad(_ v: Int, _ w: Int, _ ch: Character = "0") -> String {
            let s = String(abs(v))
            return (v < 0 ? "-" : "") + String(repeating: ch, count: max(0, w - s.count)) + s
        }
        func zoneOffset(_ colon: Bool, _ seconds: Bool, z: Bool, short: Bool = false) -> String {
            if z && offset == 0 { return "Z" }
            let o = abs(offset)
            var s = (offset < 0 ? "-" : "+") + pad(o / 3600, 2)
            if short { return s }
            s += (colon ? ":" : "") + pad(o / 60 % 60, 2)
            if seconds { s += (colon ? ":" : "") + pad(o % 60, 2) }
            return s
        }
        let tokens: [(String, () -> String)] = [
            ("January", { GoTime.months[c.month - 1] }), ("Jan", { String(GoTime.months[c.month - 1].prefix(3)) }),
            ("Monday", { GoTime.days[c.weekday] }), ("Mon", { String(GoTime.days[c.weekday].prefix(3)) }),
            ("MST", { self.zone }),
            ("2006", { pad(c.year, 4) }), ("Z07:00:00", { zoneOffset(true, true, z: true) }), ("-07:00:00", { zoneOffset(true, true, z: false) }),
            ("Z07:00", { zoneOffset(true, false, z: true) }), ("-07:00", { zoneOffset(true, false, z: false) }),
            ("Z0700", { zoneOffset(false, false, z: true) }), ("-0700", { zoneOffset(false, false, z: false) }),
            ("Z07", { zoneOffset(false, false, z: true, short: true) }), ("-07", { zoneOffset(false, false, z: false, short: true) }),
            ("002", { pad(c.yday, 3) }), ("__2", { pad(c.yday, 3, " ") }),
            ("01", { pad(c.month, 2) }), ("02", { pad(c.day, 2) }), ("_2", { pad(c.day, 2, " ") }),
            ("03", { pad(c.hour % 12 == 0 ? 12 : c.hour % 12, 2) }), ("04", { pad(c.minute, 2) }), ("05", { pad(c.second, 2) }),
            ("06", { pad(c.year % 100, 2) }), ("15", { pad(c.hour, 2) }),
            ("PM", { c.hour >= 12 ? "PM" : "AM" }), ("pm", { c.hour >= 12 ? "pm" : "am" }),
            ("1", { String(c.month) }), ("2", { String(c.day) }), ("3", { String(c.hour % 12 == 0 ? 12 : c.hour % 12) }),
            ("4", { String(c.minute) }), ("5", { String(c.second) }),
        ]
        outer: while !l.isEmpty {
            // Fractional seconds: .000 / ,000 (fixed) and .999 (trailing zeros dropped).
            if let f = l.first, f == "." || f == ",", let d = l.dropFirst().first, d == "0" || d == "9" {
                let run = l.dropFirst().prefix(while: { $0 == d })
                let after = l.dropFirst(1 + run.count).first
                if after == nil || !after!.isNumber {
                    var frac = pad(Int(nanos), 9)
                    frac = String(frac.prefix(run.count))
                    if d == "9" { while frac.hasSuffix("0") { frac.removeLast() } }
                    if !frac.isEmpty { out += String(f) + frac }
                    l = l.dropFirst(1 + run.count)
                    continue
                }
            }
            for (tok, f) in tokens where l.hasPrefix(tok) {
                out += f()
                l = l.dropFirst(tok.count)
                continue outer
            }
            out.append(l.removeFirst())
        }
        return out
    }

    /// Go's time.Parse for the common layouts: returns nil with Go's message on failure.
    static func parse(layout: String, value: String) -> Result<GoTime, FunctionError> {
        var l = Substring(layout), v = Substring(value)
        var year = 1, month = 1, day = 1, hour = 0, minute = 0, second = 0, nanos: Int64 = 0
        var pm: Bool? = nil
        var offset: Int? = nil
        func fail(_ valueElem: Substring, _ layoutElem: String) -> Result<GoTime, FunctionError> {
            .failure(FunctionError("parsing time \(quote(value)) as \(quote(layout)): cannot parse \(quote(String(valueElem))) as \(quote(layoutElem))"))
        }
        func num(_ n: Int, exact: Bool) -> Int? {
            let digits = v.prefix(while: { $0.isASCII && $0.isNumber })
            if exact { guard digits.count >= n else { return nil }; let d = digits.prefix(n); v = v.dropFirst(n); return Int(d) }
            guard !digits.isEmpty, digits.count <= max(n, 2) else { return nil }
            v = v.dropFirst(digits.count); return Int(digits)
        }
        let numeric: [(String, Int, Bool, (Int) -> Void)] = [
            ("2006", 4, true, { year = $0 }), ("01", 2, true, { month = $0 }), ("02", 2, true, { day = $0 }),
            ("15", 2, false, { hour = $0 }), ("03", 2, true, { hour = $0 }), ("04", 2, true, { minute = $0 }),
            ("05", 2, true, { second = $0 }), ("06", 2, true, { year = 2000 + $0 }),
            ("1", 2, false, { month = $0 }), ("2", 2, false, { day = $0 }), ("3", 2, false, { hour = $0 }),
            ("4", 2, false, { minute = $0 }), ("5", 2, false, { second = $0 }),
        ]
        outer: while !l.isEmpty {
            for name in ["January", "Jan"] where l.hasPrefix(name) {
                guard let i = months.firstIndex(where: { name == "Jan" ? v.hasPrefix($0.prefix(3)) : v.hasPrefix($0) }) else { return fail(v, String(l)) }
                v = v.dropFirst(name == "Jan" ? 3 : months[i].count); month = i + 1; l = l.dropFirst(name.count); continue outer
            }
            for name in ["Monday", "Mon"] where l.hasPrefix(name) {
                guard let i = days.firstIndex(where: { name == "Mon" ? v.hasPrefix($0.prefix(3)) : v.hasPrefix($0) }) else { return fail(v, String(l)) }
                v = v.dropFirst(name == "Mon" ? 3 : days[i].count); l = l.dropFirst(name.count); continue outer
            }
            for z in ["Z07:00", "-07:00", "Z0700", "-0700"] where l.hasPrefix(z) {
                if z.hasPrefix("Z") && v.hasPrefix("Z") { offset = 0; v = v.dropFirst(); l = l.dropFirst(z.count); continue outer }
                guard let sign = v.first, sign == "+" || sign == "-" else { return fail(v, String(l)) }
                v = v.dropFirst()
                guard let h = num(2, exact: true) else { return fail(v, String(l)) }
                if z.contains(":") { guard v.first == ":" else { return fail(v, String(l)) }; v = v.dropFirst() }
                guard let m = num(2, exact: true) else { return fail(v, String(l)) }
                offset = (sign == "-" ? -1 : 1) * (h * 3600 + m * 60)
                l = l.dropFirst(z.count); continue outer
            }
            if l.hasPrefix("MST") {
                let name = v.prefix(while: { $0.isUppercase })
                guard name.count >= 3 else { return fail(v, "MST") }
                if name == "UTC" || name == "GMT" { offset = 0 }
                v = v.dropFirst(name.count); l = l.dropFirst(3); continue outer
            }
            if l.hasPrefix("PM") || l.hasPrefix("pm") {
                let p = v.prefix(2).uppercased()
                guard p == "AM" || p == "PM" else { return fail(v, String(l.prefix(2))) }
                pm = p == "PM"; v = v.dropFirst(2); l = l.dropFirst(2); continue outer
            }
            if let f = l.first, f == "." || f == ",", let d = l.dropFirst().first, d == "0" || d == "9" {
                let run = l.dropFirst().prefix(while: { $0 == d })
                l = l.dropFirst(1 + run.count)
                if v.first == "." || v.first == "," {
                    v = v.dropFirst()
                    let digits = v.prefix(while: { $0.isASCII && $0.isNumber })
                    let nine = String(digits.prefix(9)) + String(repeating: "0", count: max(0, 9 - digits.count))
                    nanos = Int64(nine) ?? 0
                    v = v.dropFirst(digits.count)
                } else if d == "0" { return fail(v, "." + String(run)) }
                continue outer
            }
            for (tok, n, exact, set) in numeric where l.hasPrefix(tok) {
                let before = v
                guard let x = num(n, exact: exact) else { return fail(before, tok) }
                set(x); l = l.dropFirst(tok.count); continue outer
            }
            guard let lc = l.first, let vc = v.first, lc == vc else { return fail(v, String(l)) }
            l = l.dropFirst(); v = v.dropFirst()
        }
        if !v.isEmpty { return .failure(FunctionError("parsing time \(quote(value)): extra text: \(quote(String(v)))")) }
        if let pm { if pm && hour < 12 { hour += 12 } else if !pm && hour == 12 { hour = 0 } }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else {
            return .failure(FunctionError("parsing time \(quote(value)): month out of range"))
        }
        let days = daysFromCivil(year, month, day)
        let utcSeconds = days * 86400 + Int64(hour * 3600 + minute * 60 + second)
        if let offset {
            let t = GoTime(seconds: utcSeconds - Int64(offset), nanos: nanos, offset: offset, zone: offset == 0 ? "UTC" : "")
            return .success(t)
        }
        // No zone in the value: local time (UTC unless TZ says otherwise).
        let guess = GoTime.local(seconds: utcSeconds)
        return .success(GoTime.local(seconds: utcSeconds - Int64(guess.offset), nanos: nanos))
    }

    static func daysFromCivil(_ yIn: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = Int64(m <= 2 ? yIn - 1 : yIn)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(m > 2 ? m - 3 : m + 9)
        let doy = (153 * mp + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func quote(_ s: String) -> String { "\"" + s + "\"" }
}

enum DateFunctions {
    static func time(_ v: Value?) -> GoTime {
        switch v {
        case .object(let t as GoTime)?: return t
        case .int(let i, _)?: return GoTime.local(seconds: i)
        default: return GoTime.now()
        }
    }

    static func inZone(_ t: GoTime, _ zone: String) -> GoTime {
        if zone == "UTC" || zone.isEmpty { return GoTime(seconds: t.seconds, nanos: t.nanos, offset: 0, zone: "UTC") }
        return GoTime.local(seconds: t.seconds, nanos: t.nanos)
    }

    /// Seconds as a duration: ints count seconds, strings are Go durations or seconds.
    static func duration(_ v: Value?) throws -> Int64 {
        switch v {
        case .string(let gs)?:
            let s = gs.string
            if let d = GoDuration.parse(s) { return d }
            if let n = Int64(s) { return n * 1_000_000_000 }
            throw FunctionError("time: invalid duration \"\(s)\"")
        case .int(let i, _)?: return i * 1_000_000_000
        case .float(let f, _)?: return Int64(f * 1e9)
        default: return 0
        }
    }

    static func register(_ t: inout FunctionTable) {
        t.add("now", []) { _ in .object(GoTime.now()) }
        t.add("date", [.s, .a]) { a in .string(time(a[1]).format(a.str(0))) }
        t.add("dateInZone", [.s, .a, .s]) { a in .string(inZone(time(a[1]), a.str(2)).format(a.str(0))) }
        t.add("htmlDate", [.a]) { a in .string(time(a[0]).format("2006-01-02")) }
        t.add("htmlDateInZone", [.a, .s]) { a in .string(inZone(time(a[0]), a.str(1)).format("2006-01-02")) }
        t.add("unixEpoch", [.a]) { a in .string(String(time(a[0]).seconds)) }
        t.add("toDate", [.s, .s]) { a in
            switch GoTime.parse(layout: a.str(0), value: a.str(1)) {
            case .success(let t): return .object(t)
            case .failure: return .object(GoTime(seconds: -62135596800, offset: 0, zone: "UTC"))
            }
        }
        t.add("mustToDate", [.s, .s]) { a in
            switch GoTime.parse(layout: a.str(0), value: a.str(1)) {
            case .success(let t): return .object(t)
            case .failure(let e): throw e
            }
        }
        for must in [false, true] {
            t.add(must ? "mustDateModify" : "dateModify", [.s, .a]) { a in
                let base = time(a[1])
                guard let d = GoDuration.parse(a.str(0)) else {
                    if must { throw FunctionError("time: invalid duration \"\(a.str(0))\"") }
                    return .object(base)
                }
                var ns = base.nanos + d % 1_000_000_000
                var secs = base.seconds + d / 1_000_000_000
                if ns < 0 { ns += 1_000_000_000; secs -= 1 } else if ns >= 1_000_000_000 { ns -= 1_000_000_000; secs += 1 }
                return .object(GoTime(seconds: secs, nanos: ns, offset: base.offset, zone: base.zone))
            }
        }
        t.add("ago", [.a]) { a in
            let now = GoTime.now()
            return .string(GoDuration.string((now.seconds - time(a[0]).seconds) * 1_000_000_000))
        }
        t.add("duration", [.a]) { a in
            var n: Int64 = 0
            switch a[0] {
            case .string(let s)?: n = Int64(s.string) ?? 0
            case .int(let i, .int64)?: n = i
            default: n = 0
            }
            return .string(GoDuration.string(n &* 1_000_000_000))
        }
        t.add("durationRound", [.a]) { a in
            var d: Int64 = 0
            switch a[0] {
            case .string(let s)?: d = GoDuration.parse(s.string) ?? 0
            case .int(let i, .int64)?: d = i
            case .object(let t as GoTime)?: d = (GoTime.now().seconds - t.seconds) * 1_000_000_000
            default: d = 0
            }
            let u = d.magnitude
            let second: UInt64 = 1_000_000_000, minute = 60 * second, hour = 60 * minute, day = 24 * hour
            let month = 30 * day, year = 365 * day
            let r: String
            switch u {
            case let x where x > year: r = "\(x / year)y"
            case let x where x > month: r = "\(x / month)mo"
            case let x where x > day: r = "\(x / day)d"
            case let x where x > hour: r = "\(x / hour)h"
            case let x where x > minute: r = "\(x / minute)m"
            case let x where x > second: r = "\(x / second)s"
            default: r = "0s"
            }
            return .string((d < 0 ? "-" : "") + r)
        }
    }
}
