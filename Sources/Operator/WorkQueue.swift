/// The operator's queue of HelmReleases to reconcile, as client-go's workqueue: a key is queued
/// at most once, a key being processed is never handed out again until it is done (a change
/// meanwhile queues it once more), and failures come back after an exponential backoff.
public actor WorkQueue {
    var queue: [String] = []
    var queued: Set<String> = []
    var processing: Set<String> = []
    /// Keys added while being processed: queued again when done.
    var dirty: Set<String> = []
    var failures: [String: Int] = [:]
    var waiters: [CheckedContinuation<String?, Never>] = []
    var shuttingDown = false
    let baseDelay: Double
    let maxDelay: Double

    public init(baseDelay: Double = 1, maxDelay: Double = 300) { self.baseDelay = baseDelay; self.maxDelay = maxDelay }

    public func add(_ key: String) {
        guard !shuttingDown else { return }
        if processing.contains(key) { dirty.insert(key); return }
        guard !queued.contains(key) else { return }
        queued.insert(key)
        if !waiters.isEmpty { waiters.removeFirst().resume(returning: take(key)) } else { queue.append(key) }
    }

    func take(_ key: String) -> String {
        queued.remove(key)
        processing.insert(key)
        return key
    }

    /// The next key, waiting for one; nil once the queue shuts down.
    public func next() async -> String? {
        if !queue.isEmpty { return take(queue.removeFirst()) }
        if shuttingDown { return nil }
        return await withCheckedContinuation { waiters.append($0) }
    }

    /// Marks a key processed; a failed one comes back after 2^n × baseDelay (capped).
    public func done(_ key: String, failed: Bool) {
        processing.remove(key)
        if failed {
            let n = failures[key, default: 0]
            failures[key] = n + 1
            let delay = min(maxDelay, baseDelay * Double(1 << min(n, 20)))
            Task { [weak self] in
                try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                await self?.add(key)
            }
        } else {
            failures[key] = nil
        }
        if dirty.remove(key) != nil { add(key) }
    }

    public func retries(_ key: String) -> Int { failures[key, default: 0] }
    public var depth: Int { queue.count }

    /// No new keys; workers waiting for one get nil.
    public func shutDown() {
        shuttingDown = true
        queue = []
        for w in waiters { w.resume(returning: nil) }
        waiters = []
    }
}
