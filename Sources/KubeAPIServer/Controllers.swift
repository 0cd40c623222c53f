import Values
#if canImport(Glibc)
import Glibc
#endif

/// Simulated controllers, so that waiting can be tested: workloads become available once
/// `controllerDelay` seconds have passed since their spec last changed, Jobs complete (or fail
/// when annotated `hrctl.test/fail: "true"`), Pods run (or succeed when restartPolicy is Never).
/// Like the CRD controller, they act when an object is read.
extension APIServerCore {
    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static let controlledKinds: Set<String> = ["deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "pods", "persistentvolumeclaims"]

    /// Brings a stored object's status to what its controller would report by now.
    func reconcile(_ r: ResourceType, _ key: String, _ obj: Value) -> Value {
        guard APIServerCore.controlledKinds.contains(r.name), case .map(let m) = obj, let md = metadata(obj) else { return obj }
        let generation = md.entries["generation"] ?? .float(1)
        let changedKey = self.key(r) + "|" + key + "|" + ((try? JSONEncoding.encode(generation)) ?? "")
        let now = APIServerCore.monotonicSeconds()
        if specChangedAt[changedKey] == nil { specChangedAt[changedKey] = now }
        guard now - specChangedAt[changedKey]! >= controllerDelay else { return obj }
        var replicas: Double = 1
        if case .map(let spec)? = m.entries["spec"], case .float(let n, _)? = spec.entries["replicas"] { replicas = n }
        let want: Value = .float(replicas)
        var status: [String: Value]
        let fail = (md.entries["annotations"].flatMap { if case .map(let a) = $0 { return a.entries["hrctl.test/fail"]?.stringValue } else { return nil } }) == "true"
        func cond(_ type: String, _ st: String, _ reason: String) -> Value {
            .map(["type": .string(type), "status": .string(st), "reason": .string(reason), "lastTransitionTime": .string(self.now())])
        }
        switch r.name {
        case "deployments":
            status = ["observedGeneration": generation, "replicas": want, "updatedReplicas": want, "readyReplicas": want, "availableReplicas": want,
                      "conditions": .list([cond("Available", "True", "MinimumReplicasAvailable"), cond("Progressing", "True", "NewReplicaSetAvailable")])]
        case "statefulsets":
            status = ["observedGeneration": generation, "replicas": want, "readyReplicas": want, "currentReplicas": want, "updatedReplicas": want,
                      "availableReplicas": want, "currentRevision": .string("r1"), "updateRevision": .string("r1")]
        case "replicasets":
            status = ["observedGeneration": generation, "replicas": want, "readyReplicas": want, "availableReplicas": want]
        case "daemonsets":
            status = ["observedGeneration": generation, "desiredNumberScheduled": .float(1), "currentNumberScheduled": .float(1),
                      "updatedNumberScheduled": .float(1), "numberAvailable": .float(1), "numberReady": .float(1)]
        case "jobs":
            status = fail ? ["failed": .float(1), "conditions": .list([cond("Failed", "True", "BackoffLimitExceeded")])]
                          : ["succeeded": .float(1), "conditions": .list([cond("Complete", "True", "")])]
        case "pods":
            var never = false
            if case .map(let spec)? = m.entries["spec"], spec.entries["restartPolicy"]?.stringValue == "Never" { never = true }
            status = fail ? ["phase": .string("Failed"), "reason": .string("Error")]
                : never ? ["phase": .string("Succeeded")] : ["phase": .string("Running"), "conditions": .list([cond("Ready", "True", "")])]
        case "persistentvolumeclaims":
            status = ["phase": .string("Bound")]
        default:
            return obj
        }
        let new = Value.map(Map(status))
        if APIServerCore.sameValue(m.entries["status"], new) || (m.entries["status"] != nil && statusSettled.contains(changedKey)) { return obj }
        m.entries["status"] = new
        md.entries["resourceVersion"] = .string(nextResourceVersion())
        statusSettled.insert(changedKey)
        return obj
    }
}
