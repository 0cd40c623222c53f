import Values
#if canImport(Glibc)
import Glibc
#endif

enum MathFunctions {
    static func register(_ t: inout FunctionTable) {
        t.add("add1", [.a]) { .int(Cast.int64($0[0]) &+ 1, .int64) }
        t.add("add", [], variadic: .a) { .int($0.reduce(Int64(0)) { $0 &+ Cast.int64($1) }, .int64) }
        t.add("sub", [.a, .a]) { .int(Cast.int64($0[0]) &- Cast.int64($0[1]), .int64) }
        t.add("div", [.a, .a]) { a in
            let d = Cast.int64(a[1])
            if d == 0 { throw FunctionError("runtime error: integer divide by zero") }
            return .int(Cast.int64(a[0]) / d, .int64)
        }
        t.add("mod", [.a, .a]) { a in
            let d = Cast.int64(a[1])
            if d == 0 { throw FunctionError("runtime error: integer divide by zero") }
            return .int(Cast.int64(a[0]) % d, .int64)
        }
        t.add("mul", [.a], variadic: .a) { .int($0.dropFirst().reduce(Cast.int64($0[0])) { $0 &* Cast.int64($1) }, .int64) }
        t.add("randInt", [.i, .i]) { a in
            let lo = a.int(0), hi = a.int(1)
            guard hi > lo else { throw FunctionError("invalid argument to Intn") }
            return .int(Int64(Int.random(in: lo..<hi)))
        }
        for name in ["max", "biggest"] {
            t.add(name, [.a], variadic: .a) { .int($0.dropFirst().reduce(Cast.int64($0[0])) { max($0, Cast.int64($1)) }, .int64) }
        }
        t.add("min", [.a], variadic: .a) { .int($0.dropFirst().reduce(Cast.int64($0[0])) { min($0, Cast.int64($1)) }, .int64) }
        t.add("maxf", [.a], variadic: .a) { .float($0.dropFirst().reduce(Cast.float64($0[0])) { Swift.max($0, Cast.float64($1)) }) }
        t.add("minf", [.a], variadic: .a) { .float($0.dropFirst().reduce(Cast.float64($0[0])) { Swift.min($0, Cast.float64($1)) }) }
        t.add("add1f", [.a]) { .float(Decimal.add(Cast.float64($0[0]), 1)) }
        t.add("addf", [], variadic: .a) { .float($0.reduce(0.0) { Decimal.add($0, Cast.float64($1)) }) }
        t.add("subf", [.a], variadic: .a) { .float($0.dropFirst().reduce(Cast.float64($0[0])) { Decimal.add($0, -Cast.float64($1)) }) }
        t.add("mulf", [.a], variadic: .a) { .float($0.dropFirst().reduce(Cast.float64($0[0])) { Decimal.mul($0, Cast.float64($1)) }) }
        t.add("divf", [.a], variadic: .a) { a in
            var r = Cast.float64(a[0])
            for v in a.dropFirst() {
                let d = Cast.float64(v)
                if d == 0 { throw FunctionError("decimal division by 0") }
                r = Decimal.div(r, d)
            }
            return .float(r)
        }
        t.add("ceil", [.a]) { .float(Glibc.ceil(Cast.float64($0[0]))) }
        t.add("floor", [.a]) { .float(Glibc.floor(Cast.float64($0[0]))) }
        t.add("round", [.a, .i], variadic: .typed(.float64)) { a in
            var roundOn = 0.5
            if a.count > 2, case .float(let f, _)? = a[2] { roundOn = f }
            let val = Cast.float64(a[0])
            let pow = Glibc.pow(10, Double(a.int(1)))
            let digit = pow * val
            let frac = digit - Glibc.trunc(digit)
            let r = frac >= roundOn ? Glibc.ceil(digit) : Glibc.floor(digit)
            return .float(r / pow)
        }
        t.add("int", [.a]) { .int(Cast.int64($0[0])) }
        t.add("int64", [.a]) { .int(Cast.int64($0[0]), .int64) }
        t.add("float64", [.a]) { .float(Cast.float64($0[0])) }
        t.add("atoi", [.s]) { a in
            let s = a.str(0)
            var body = Substring(s)
            var neg = false
            if body.hasPrefix("-") { neg = true; body = body.dropFirst() } else if body.hasPrefix("+") { body = body.dropFirst() }
            guard let v = Int64(body), !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .int(0) }
            return .int(neg ? -v : v)
        }
        t.add("toDecimal", [.a]) { a in .int(Int64(Cast.string(a[0]), radix: 8) ?? 0, .int64) }
    }
}

/// shopspring/decimal arithmetic as Sprig's float functions use it: exact decimal sums
/// and products of the operands' shortest decimal forms.
enum Decimal {
    /// (mantissa, exponent) with value = mantissa × 10^exponent, when it fits.
    static func parts(_ f: Double) -> (Int64, Int)? {
        let d = ShortestDecimal(f)
        if d.digits.isEmpty { return (0, 0) }
        guard d.digits.count <= 17, let m = Int64(String(decoding: d.digits, as: UTF8.self)) else { return nil }
        return (f < 0 ? -m : m, d.dp - d.digits.count)
    }

    static func value(_ m: Int64, _ e: Int) -> Double {
        Double("\(m)e\(e)") ?? Double(m) * Glibc.pow(10, Double(e))
    }

    static func add(_ a: Double, _ b: Double) -> Double {
        guard let (ma, ea) = parts(a), let (mb, eb) = parts(b) else { return a + b }
        let e = min(ea, eb)
        guard ea - e < 18, eb - e < 18 else { return a + b }
        let (x, o1) = ma.multipliedReportingOverflow(by: pow10(ea - e))
        let (y, o2) = mb.multipliedReportingOverflow(by: pow10(eb - e))
        let (s, o3) = x.addingReportingOverflow(y)
        if o1 || o2 || o3 { return a + b }
        return value(s, e)
    }

    static func mul(_ a: Double, _ b: Double) -> Double {
        guard let (ma, ea) = parts(a), let (mb, eb) = parts(b) else { return a * b }
        let (p, o) = ma.multipliedReportingOverflow(by: mb)
        if o { return a * b }
        return value(p, ea + eb)
    }

    /// decimal.Div: the quotient rounded half away from zero to 16 decimal places, then the
    /// nearest double to that decimal (so 1.5/7 is 0.2142857142857143, not a/b).
    static func div(_ a: Double, _ b: Double) -> Double {
        guard let (ma, ea) = parts(a), let (mb, eb) = parts(b), mb != 0 else { return a / b }
        let k = 16 + ea - eb
        var num = Int128(ma), den = Int128(mb)
        if k >= 0 {
            guard k <= 18 else { return a / b }
            num *= Int128(pow10(k))
        } else {
            guard -k <= 18 else { return a / b }
            den *= Int128(pow10(-k))
        }
        if den < 0 { num = -num; den = -den }
        var (q, r) = num.quotientAndRemainder(dividingBy: den)
        if r.magnitude * 2 >= den.magnitude { q += num < 0 ? -1 : 1 }
        return Double("\(q)e-16") ?? a / b
    }

    static func pow10(_ n: Int) -> Int64 {
        var r: Int64 = 1
        for _ in 0..<n { r *= 10 }
        return r
    }
}
