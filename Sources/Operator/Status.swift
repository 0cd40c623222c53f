import Values

/// A HelmRelease's `.status`, as Helm Operator reported it.
public struct ReleaseStatus: Sendable, Equatable {
    public enum Phase: String, Sendable {
        case chartFetched = "ChartFetched", chartFetchFailed = "ChartFetchFailed", deploying = "Deploying", deployed = "Deployed"
        case deployFailed = "DeployFailed", rollingBack = "RollingBack", rolledBack = "RolledBack", rollbackFailed = "RollbackFailed"
        case succeeded = "Succeeded", failed = "Failed"
    }

    public struct Condition: Sendable, Equatable {
        public var type: String
        public var status: String
        public var reason: String
        public var message: String
        public var lastTransitionTime: String
        public var lastUpdateTime: String

        var value: Value {
            .map(["type": .string(type), "status": .string(status), "reason": .string(reason), "message": .string(message),
                  "lastTransitionTime": .string(lastTransitionTime), "lastUpdateTime": .string(lastUpdateTime)])
        }
    }

    public var phase: Phase?
    public var releaseName = ""
    public var releaseStatus = ""
    public var revision = ""
    public var lastAttemptedRevision = ""
    public var observedGeneration: Int = 0
    public var conditions: [Condition] = []

    public init() {}

    public init(_ v: Value?) {
        guard case .map(let m)? = v else { return }
        phase = m.entries["phase"]?.stringValue.flatMap(Phase.init(rawValue:))
        releaseName = m.entries["releaseName"]?.stringValue ?? ""
        releaseStatus = m.entries["releaseStatus"]?.stringValue ?? ""
        revision = m.entries["revision"]?.stringValue ?? ""
        lastAttemptedRevision = m.entries["lastAttemptedRevision"]?.stringValue ?? ""
        if case .float(let g, _)? = m.entries["observedGeneration"] { observedGeneration = Int(g) }
        if case .list(let l)? = m.entries["conditions"] {
            for c in l.items {
                guard case .map(let cm) = c else { continue }
                func s(_ k: String) -> String { cm.entries[k]?.stringValue ?? "" }
                conditions.append(Condition(type: s("type"), status: s("status"), reason: s("reason"), message: s("message"),
                                            lastTransitionTime: s("lastTransitionTime"), lastUpdateTime: s("lastUpdateTime")))
            }
        }
    }

    public var value: Value {
        var m: [String: Value] = ["releaseName": .string(releaseName), "releaseStatus": .string(releaseStatus),
                                  "revision": .string(revision), "lastAttemptedRevision": .string(lastAttemptedRevision),
                                  "observedGeneration": .float(Double(observedGeneration)),
                                  "conditions": .list(conditions.map(\.value))]
        if let phase { m["phase"] = .string(phase.rawValue) }
        return .map(Map(m))
    }

    public func condition(_ type: String) -> Condition? { conditions.first { $0.type == type } }

    /// Sets a condition; its transition time changes only when its status does.
    public mutating func set(_ type: String, _ status: Bool, reason: String, message: String, now: String = ReleaseStatus.now()) {
        let st = status ? "True" : "False"
        if let i = conditions.firstIndex(where: { $0.type == type }) {
            if conditions[i].status != st { conditions[i].lastTransitionTime = now }
            conditions[i].status = st
            conditions[i].reason = reason
            conditions[i].message = message
            conditions[i].lastUpdateTime = now
        } else {
            conditions.append(Condition(type: type, status: st, reason: reason, message: message, lastTransitionTime: now, lastUpdateTime: now))
        }
    }

    /// The same status but for the times its conditions were last looked at: writing it
    /// again would tell nobody anything (a resync that changed nothing writes nothing).
    public static func same(_ a: ReleaseStatus, _ b: ReleaseStatus) -> Bool {
        var x = a, y = b
        for i in x.conditions.indices { x.conditions[i].lastUpdateTime = "" }
        for i in y.conditions.indices { y.conditions[i].lastUpdateTime = "" }
        return x == y
    }

    public static func now() -> String { Timestamp.format(seconds: Timestamp.unixNow()) }

}
