#if canImport(Glibc)
import Glibc
#endif

/// Times as Go's time.Time marshals them (RFC 3339 in UTC, nanoseconds without trailing zeros,
/// or a fixed number of fraction digits as metav1.MicroTime has) and Unix seconds for labels.
public enum Timestamp {
    public static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return format(seconds: Int(ts.tv_sec), nanos: Int(ts.tv_nsec))
    }

    public static func unixNow() -> Int { Int(time(nil)) }

    /// `fractionDigits`: always that many digits (6 for MicroTime); nil: Go's RFC3339Nano.
    public static func format(seconds: Int, nanos: Int = 0, fractionDigits: Int? = nil) -> String {
        var t = time_t(seconds)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        func p(_ v: Int, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        var frac = ""
        if let digits = fractionDigits, digits > 0 {
            frac = "." + String(p(nanos, 9).prefix(digits))
        } else if nanos > 0 {
            frac = "." + p(nanos, 9)
            while frac.hasSuffix("0") { frac.removeLast() }
        }
        return "\(p(Int(tmv.tm_year) + 1900, 4))-\(p(Int(tmv.tm_mon) + 1, 2))-\(p(Int(tmv.tm_mday), 2))T\(p(Int(tmv.tm_hour), 2)):\(p(Int(tmv.tm_min), 2)):\(p(Int(tmv.tm_sec), 2))\(frac)Z"
    }

    /// Seconds since the epoch of an RFC 3339 time (fractions and zone "Z" or ±hh:mm).
    public static func parse(_ s: String) -> Int? {
        let b = Array(s.utf8)
        guard b.count >= 20 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? { Int(String(decoding: b[from..<(from + len)], as: UTF8.self)) }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2), let se = num(17, 2) else { return nil }
        var tmv = tm()
        tmv.tm_year = Int32(y - 1900); tmv.tm_mon = Int32(mo - 1); tmv.tm_mday = Int32(d)
        tmv.tm_hour = Int32(h); tmv.tm_min = Int32(mi); tmv.tm_sec = Int32(se)
        var secs = Int(timegm(&tmv))
        var i = 19
        while i < b.count && (b[i] == UInt8(ascii: ".") || (b[i] >= 48 && b[i] <= 57)) { i += 1 }
        if i + 6 <= b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), let zh = num(i + 1, 2), let zm = num(i + 4, 2) {
            let off = zh * 3600 + zm * 60
            secs += b[i] == UInt8(ascii: "+") ? -off : off
        }
        return secs
    }
}
