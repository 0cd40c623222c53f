import Values

/// Injected failures for reliability tests: requests matching a method and a path fragment fail
/// a number of times, optionally only from the Nth request on — with a status (500, 503, 429…),
/// by the connection being dropped without an answer, or by the answer coming late.
public struct Fault: Sendable {
    public enum Effect: Sendable, Equatable {
        case status(Int)
        /// The connection closes without a response.
        case dropConnection
        /// The request is handled, but its answer waits this many seconds (a slow or hung server).
        case delay(Double)
    }
    public var method: String?
    public var pathContains: String?
    public var effect: Effect
    public var times: Int
    /// Requests (of any kind) to let through before this fault applies.
    public var after: Int

    public var status: Int { if case .status(let s) = effect { return s }; return 0 }

    public init(method: String? = nil, pathContains: String? = nil, status: Int = 500, times: Int = 1, after: Int = 0) {
        self.init(method: method, pathContains: pathContains, effect: .status(status), times: times, after: after)
    }

    public init(method: String? = nil, pathContains: String? = nil, effect: Effect, times: Int = 1, after: Int = 0) {
        self.method = method; self.pathContains = pathContains; self.effect = effect; self.times = times; self.after = after
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
            switch f.effect {
            case .dropConnection: return APIResponse(status: 0, body: .null, fault: .dropConnection)
            case .delay(let s):
                var r = (try? route(req)).map { $0 } ?? APIResponse(status: 500, body: .null)
                r.fault = .delay(s)
                return r
            case .status: break
            }
            let reason = f.status == 429 ? "TooManyRequests" : f.status == 503 ? "ServiceUnavailable" : "InternalError"
            return APIResponse(status: f.status, body: APIError(code: f.status, reason: reason, message: "injected fault: \(req.method) \(req.path)").body)
        }
        return nil
    }
}
