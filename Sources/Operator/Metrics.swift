/// The operator's Prometheus metrics: reconcile counts by result, their durations, and gauges
/// for the queue and leadership, in the text exposition format.
public actor Metrics {
    var reconciles: [String: Int] = [:]
    var durationSum = 0.0
    var durationCount = 0
    var buckets: [Double: Int] = [:]
    static let bounds: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
    public var isLeader = false
    public var managed = 0
    public var queueDepth = 0

    public init() {}

    public func record(result: String, seconds: Double) {
        reconciles[result, default: 0] += 1
        durationSum += seconds
        durationCount += 1
        for b in Metrics.bounds where seconds <= b { buckets[b, default: 0] += 1 }
    }

    /// Resyncs that found nothing changed (no request made).
    public var skipped = 0
    public func record(skipped n: Int) { skipped += n }
    public var apiRequests = 0
    public func set(apiRequests n: Int) { apiRequests = n }

    public func set(leader: Bool) { isLeader = leader }
    public func set(managed: Int, queueDepth: Int) { self.managed = managed; self.queueDepth = queueDepth }
    public func count(_ result: String) -> Int { reconciles[result, default: 0] }

    public func text() -> String {
        var s = "# HELP hrctl_reconcile_total HelmRelease reconciles by result.\n# TYPE hrctl_reconcile_total counter\n"
        for r in ["success", "error", "gone"] { s += "hrctl_reconcile_total{result=\"\(r)\"} \(reconciles[r, default: 0])\n" }
        s += "# HELP hrctl_reconcile_skipped_total Reconciles found unneeded: nothing they read had changed.\n# TYPE hrctl_reconcile_skipped_total counter\nhrctl_reconcile_skipped_total \(skipped)\n"
        s += "# HELP hrctl_reconcile_duration_seconds How long reconciles take.\n# TYPE hrctl_reconcile_duration_seconds histogram\n"
        for b in Metrics.bounds { s += "hrctl_reconcile_duration_seconds_bucket{le=\"\(b)\"} \(buckets[b, default: 0])\n" }
        s += "hrctl_reconcile_duration_seconds_bucket{le=\"+Inf\"} \(durationCount)\n"
        s += "hrctl_reconcile_duration_seconds_sum \(durationSum)\nhrctl_reconcile_duration_seconds_count \(durationCount)\n"
        s += "# HELP hrctl_helmreleases HelmRelease objects watched.\n# TYPE hrctl_helmreleases gauge\nhrctl_helmreleases \(managed)\n"
        s += "# HELP hrctl_workqueue_depth Reconciles waiting.\n# TYPE hrctl_workqueue_depth gauge\nhrctl_workqueue_depth \(queueDepth)\n"
        s += "# HELP hrctl_api_requests_total Requests sent to the API server (watches included).\n# TYPE hrctl_api_requests_total counter\nhrctl_api_requests_total \(apiRequests)\n"
        s += "# HELP hrctl_leader Whether this replica holds the leader lease.\n# TYPE hrctl_leader gauge\nhrctl_leader \(isLeader ? 1 : 0)\n"
        return s
    }
}
