import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// Every request a client sent, counted by method, and optionally traced one line each
/// (`hrctl --debug`): how the cluster side's cost per object is measured, client-side, on any
/// server (the genuine kube-apiserver keeps no count we can read).
public final class RequestStats: Sendable {
    struct Counts { var byMethod: [String: Int] = [:]; var total = 0 }
    let counts = NIOLockedValueBox(Counts())
    /// One line per answered request: "PATCH /api/v1/… -> 200 (3.1 ms)".
    let trace: (@Sendable (String) -> Void)?

    public init(trace: (@Sendable (String) -> Void)? = nil) { self.trace = trace }

    /// Requests sent so far (each attempt of a retried one counts).
    public var total: Int { counts.withLockedValue { $0.total } }

    /// "204 API requests (PATCH 200, GET 2, POST 1, PUT 1)", most frequent first.
    public var summary: String {
        let c = counts.withLockedValue { $0 }
        let parts = c.byMethod.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \($0.value)" }
        return "\(c.total) API request\(c.total == 1 ? "" : "s")" + (parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")")
    }

    func record(_ method: String, _ path: @autoclosure () -> String, status: Int?, since start: Double) {
        record(method, path(), outcome: status.map(String.init) ?? "no answer", since: start)
    }

    func record(_ method: String, _ path: @autoclosure () -> String, outcome: @autoclosure () -> String, since start: Double) {
        counts.withLockedValue { $0.total += 1; $0.byMethod[method, default: 0] += 1 }
        guard let trace else { return }
        let ms = (RequestStats.now() - start) * 1000
        trace("\(method) \(path()) -> \(outcome()) (\(Int(ms * 10) / 10).\(Int(ms * 10) % 10) ms)")
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
