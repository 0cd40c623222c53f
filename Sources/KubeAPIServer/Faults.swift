import Values

/// Injected failures for reliability tests: requests matching a method and a path fragment fail
/// with a status (500, 503, 429…) a number of times, optionally only from the Nth request on.
public struct Fault: Sendable {
    public var method: String?
    public var pathContains: String?
    public var status: Int
    public var times: Int
    /// Requests (of any kind) to let through before this fault applies.
    public var after: Int

    public init(method: String? = nil, pathContains: String? = nil, status: Int = 500, times: Int = 1, after: Int = 0) {
        self.method = method; self.pathContains = pathContains; self.status = status; self.times = times; self.after = after
    }
}

extension APIServerCore {
    public func inject(_ fault: Fault) {
        lock.lock(); defer { lock.unlock() }
        faults.append(fault)
        faultBase.append(requestCount)
    }

    public func clearFaults() {
        lock.lock(); defer { lock.unlock() }
        faults.removeAll(); faultBase.removeAll()
    }

    /// Requests handled so far.
    public var requests: Int { lock.lock(); defer { lock.unlock() }; return requestCount }

    func injectedFault(_ req: APIRequest) -> APIResponse? {
        for i in faults.indices where faults[i].times > 0 && requestCount - faultBase[i] > faults[i].after {
            let f = faults[i]
            if let m = f.method, m != req.method { continue }
            if let p = f.pathContains, !req.path.contains(p) { continue }
            faults[i].times -= 1
            let reason = f.status == 429 ? "TooManyRequests" : f.status == 503 ? "ServiceUnavailable" : "InternalError"
            return APIResponse(status: f.status, body: APIError(code: f.status, reason: reason, message: "injected fault: \(req.method) \(req.path)").body)
        }
        return nil
    }
}
