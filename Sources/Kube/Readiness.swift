import Values

/// Whether an object has reached the state its spec asks for, computed as kstatus computes it
/// (what `--wait` waits on).
public enum Readiness: Equatable, Sendable {
    case current
    case inProgress(String)
    case failed(String)

    public static func of(_ object: Value) -> Readiness {
        guard case .map(let o) = object else { return .current }
        let kind = o.entries["kind"]?.stringValue ?? ""
        let spec = map(o, "spec"), status = map(o, "status"), md = map(o, "metadata")
        if let g = int(md, "generation"), let observed = int(status, "observedGeneration"), observed < g {
            return .inProgress("\(kind) generation \(g) is not observed yet (\(observed))")
        }
        switch kind {
        case "Deployment": return deployment(spec, status)
        case "StatefulSet": return statefulSet(spec, status)
        case "DaemonSet": return daemonSet(status, md: md)
        case "ReplicaSet", "ReplicationController":
            let want = int(spec, "replicas") ?? 1
            let ready = int(status, "readyReplicas") ?? 0, available = int(status, "availableReplicas") ?? 0
            if ready < want { return .inProgress("Ready: \(ready)/\(want)") }
            if available < want { return .inProgress("Available: \(available)/\(want)") }
            return .current
        case "Pod":
            switch status?.entries["phase"]?.stringValue ?? "" {
            case "Succeeded": return .current
            case "Failed": return .failed("Pod failed: \(status?.entries["reason"]?.stringValue ?? status?.entries["message"]?.stringValue ?? "")")
            case "Running":
                return condition(status, "Ready") == "True" ? .current : .inProgress("Pod is running but not ready")
            default:
                return .inProgress("Pod phase is \(status?.entries["phase"]?.stringValue ?? "Pending")")
            }
        case "Job":
            if condition(status, "Failed") == "True" { return .failed("Job failed: \(conditionMessage(status, "Failed"))") }
            if condition(status, "Complete") == "True" { return .current }
            return .inProgress("Job has not completed")
        case "PersistentVolumeClaim":
            let phase = status?.entries["phase"]?.stringValue ?? ""
            return phase == "Bound" ? .current : .inProgress("PVC is \(phase.isEmpty ? "Pending" : phase)")
        case "Service":
            guard spec?.entries["type"]?.stringValue == "LoadBalancer" else { return .current }
            if let lb = map(status, "loadBalancer"), case .list(let ing)? = lb.entries["ingress"], !ing.items.isEmpty { return .current }
            return .inProgress("LoadBalancer has no ingress yet")
        case "CustomResourceDefinition":
            return condition(status, "Established") == "True" ? .current : .inProgress("CRD is not established")
        default:
            if condition(status, "Stalled") == "True" { return .failed(conditionMessage(status, "Stalled")) }
            switch condition(status, "Ready") {
            case "True", nil: return .current
            default: return .inProgress("Ready: \(conditionMessage(status, "Ready"))")
            }
        }
    }

    static func deployment(_ spec: Map?, _ status: Map?) -> Readiness {
        if conditionReason(status, "Progressing") == "ProgressDeadlineExceeded" {
            return .failed("Progress deadline exceeded")
        }
        let want = int(spec, "replicas") ?? 1
        let replicas = int(status, "replicas") ?? 0, updated = int(status, "updatedReplicas") ?? 0
        let ready = int(status, "readyReplicas") ?? 0, available = int(status, "availableReplicas") ?? 0
        if want > replicas { return .inProgress("Replicas: \(replicas)/\(want)") }
        if updated < want { return .inProgress("Updated: \(updated)/\(want)") }
        if replicas > updated { return .inProgress("Pending termination: \(replicas - updated)") }
        if available < updated { return .inProgress("Available: \(available)/\(updated)") }
        if ready < want { return .inProgress("Ready: \(ready)/\(want)") }
        return .current
    }

    static func statefulSet(_ spec: Map?, _ status: Map?) -> Readiness {
        let want = int(spec, "replicas") ?? 1
        let ready = int(status, "readyReplicas") ?? 0, replicas = int(status, "replicas") ?? 0
        if replicas < want { return .inProgress("Replicas: \(replicas)/\(want)") }
        if ready < want { return .inProgress("Ready: \(ready)/\(want)") }
        var partition = 0
        if let us = map(spec, "updateStrategy"), let ru = map(us, "rollingUpdate") { partition = int(ru, "partition") ?? 0 }
        if partition > 0 {
            let updated = int(status, "updatedReplicas") ?? 0
            return updated < want - partition ? .inProgress("Partitioned roll out: \(updated)/\(want - partition)") : .current
        }
        let current = status?.entries["currentRevision"]?.stringValue, update = status?.entries["updateRevision"]?.stringValue
        if let update, current != update { return .inProgress("Rolling out revision \(update)") }
        return .current
    }

    static func daemonSet(_ status: Map?, md: Map?) -> Readiness {
        let desired = int(status, "desiredNumberScheduled") ?? 0
        let checks = [("scheduled", int(status, "currentNumberScheduled") ?? 0), ("updated", int(status, "updatedNumberScheduled") ?? 0),
                      ("available", int(status, "numberAvailable") ?? 0), ("ready", int(status, "numberReady") ?? 0)]
        for (what, n) in checks where n < desired { return .inProgress("\(what): \(n)/\(desired)") }
        return .current
    }

    static func map(_ m: Map?, _ k: String) -> Map? { if case .map(let x)? = m?.entries[k] { return x }; return nil }

    static func int(_ m: Map?, _ k: String) -> Int? {
        switch m?.entries[k] {
        case .float(let f, _)?: return Int(f)
        case .int(let i, _)?: return Int(i)
        default: return nil
        }
    }

    static func conditionEntry(_ status: Map?, _ type: String) -> Map? {
        guard case .list(let l)? = status?.entries["conditions"] else { return nil }
        for c in l.items { if case .map(let m) = c, m.entries["type"]?.stringValue == type { return m } }
        return nil
    }

    static func condition(_ status: Map?, _ type: String) -> String? { conditionEntry(status, type)?.entries["status"]?.stringValue }
    static func conditionReason(_ status: Map?, _ type: String) -> String? { conditionEntry(status, type)?.entries["reason"]?.stringValue }
    static func conditionMessage(_ status: Map?, _ type: String) -> String {
        conditionEntry(status, type)?.entries["message"]?.stringValue ?? conditionEntry(status, type)?.entries["reason"]?.stringValue ?? ""
    }
}
