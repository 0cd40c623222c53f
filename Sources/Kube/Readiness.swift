import Values

/// Whether an object has reached the state its spec asks for, computed by kstatus' rules (what
/// Helm 4's `--wait` uses), with its messages, so a timeout reads as helm's does.
///
/// One deliberate difference: a kind kstatus has no rule for is judged by its `Ready` condition
/// when it has one (False or Unknown: in progress), as Flux judges its own kinds; kstatus
/// alone calls such an object current at once and helm stops waiting for it.
public enum Readiness: Equatable, Sendable {
    case current
    case inProgress(String)
    case failed(String)

    /// Which rules apply (Helm 4 picks its status readers the same way).
    public enum Mode: Sendable, Equatable {
        /// `--wait`: kstatus; a Job counts once it has started, unless `jobs` (`--wait-for-jobs`),
        /// when it must complete.
        case resources(jobs: Bool)
        /// A hook or test: only Jobs (complete) and Pods (succeeded) are waited for; a failed
        /// Pod fails it.
        case hook
    }

    public var isCurrent: Bool { self == .current }

    /// The status kstatus names (`InProgress`, `Failed`, `Current`), as helm's messages print it.
    public var kstatus: String {
        switch self {
        case .current: return "Current"
        case .inProgress: return "InProgress"
        case .failed: return "Failed"
        }
    }

    public var message: String {
        switch self {
        case .current: return ""
        case .inProgress(let m), .failed(let m): return m
        }
    }

    /// `apiVersion` and `kind` stand in for an object that lacks them (the items of a list).
    public static func of(_ object: Value, mode: Mode = .resources(jobs: true), apiVersion: String? = nil, kind: String? = nil) -> Readiness {
        guard case .map(let o) = object else { return .current }
        let kind = o.entries["kind"]?.stringValue ?? kind ?? ""
        let apiVersion = o.entries["apiVersion"]?.stringValue ?? apiVersion ?? ""
        let group: String? = apiVersion.isEmpty ? nil : apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
        let spec = map(o, "spec"), status = map(o, "status"), md = map(o, "metadata")
        let builtIn = Readiness.builtIn(kind, group) ?? ""
        if case .hook = mode {
            switch builtIn {
            case "Job": return helmJob(spec, status)
            case "Pod": return helmPod(status, md)
            default: return .current
            }
        }
        if let generic = genericProperties(kind, spec, status, md) { return generic }
        switch builtIn {
        case "Deployment": return deployment(spec, status)
        case "StatefulSet": return statefulSet(spec, status)
        case "DaemonSet": return daemonSet(kind, status, md)
        case "ReplicaSet": return replicaSet(spec, status)
        case "Pod": return pod(status)
        case "Job":
            if case .resources(jobs: true) = mode { return helmJob(spec, status) }
            return job(spec, status)
        case "PersistentVolumeClaim":
            let phase = status?.entries["phase"]?.stringValue ?? "unknown"
            return phase == "Bound" ? .current : .inProgress("PVC is not Bound. phase: \(phase)")
        case "Service":
            // kstatus asks a LoadBalancer only for its cluster IP, not for an ingress address.
            let type = spec?.entries["type"]?.stringValue ?? "ClusterIP"
            if type == "LoadBalancer" && (spec?.entries["clusterIP"]?.stringValue ?? "").isEmpty {
                return .inProgress("ClusterIP not set. Service type: LoadBalancer")
            }
            return .current
        case "CustomResourceDefinition": return crd(status)
        case "Secret", "ConfigMap", "CronJob", "PodDisruptionBudget": return .current
        default:
            switch condition(status, "Ready") {
            case "True", nil: return .current
            default:
                let m = conditionMessage(status, "Ready")
                return .inProgress(m.isEmpty ? "Ready condition is \(condition(status, "Ready") ?? "")" : "Ready: \(m)")
            }
        }
    }

    /// The kinds kstatus has rules for, by the groups that serve them; a kind of another group
    /// (a custom resource named `Service`, say) is judged as any custom resource.
    static let builtIns: [String: Set<String>] = [
        "Deployment": ["apps", "extensions"], "StatefulSet": ["apps"], "DaemonSet": ["apps", "extensions"],
        "ReplicaSet": ["apps", "extensions"], "Pod": [""], "Job": ["batch"], "PersistentVolumeClaim": [""], "Service": [""],
        "CustomResourceDefinition": ["apiextensions.k8s.io"], "Secret": [""], "ConfigMap": [""], "CronJob": ["batch"],
        "PodDisruptionBudget": ["policy"],
    ]

    /// `kind` when kstatus has a rule for it in `group` (nil: the group is not known).
    static func builtIn(_ kind: String, _ group: String?) -> String? {
        guard let groups = builtIns[kind] else { return nil }
        if let group, !groups.contains(group) { return nil }
        return kind
    }

    /// Deletion, an unobserved generation and the standard Reconciling/Stalled conditions decide
    /// before any kind's own rule.
    static func genericProperties(_ kind: String, _ spec: Map?, _ status: Map?, _ md: Map?) -> Readiness? {
        if let d = md?.entries["deletionTimestamp"]?.stringValue, !d.isEmpty { return .inProgress("Resource scheduled for deletion") }
        if let g = int(md, "generation"), let observed = int(status, "observedGeneration"), observed != g {
            return .inProgress("\(kind) generation is \(g), but latest observed generation is \(observed)")
        }
        if condition(status, "Reconciling") == "True" { return .inProgress(conditionEntry(status, "Reconciling")?.entries["message"]?.stringValue ?? "") }
        if condition(status, "Stalled") == "True" { return .failed(conditionEntry(status, "Stalled")?.entries["message"]?.stringValue ?? "") }
        return nil
    }

    static func deployment(_ spec: Map?, _ status: Map?) -> Readiness {
        // Without progressDeadlineSeconds the controller never sets Progressing: always progressing.
        var progressing = int(spec, "progressDeadlineSeconds") == nil || int(spec, "progressDeadlineSeconds") == Int(Int32.max)
        var available = false
        for c in conditions(status) {
            let type = c.entries["type"]?.stringValue, st = c.entries["status"]?.stringValue, reason = c.entries["reason"]?.stringValue
            if type == "Progressing" {
                if reason == "ProgressDeadlineExceeded" { return .failed("Progress deadline exceeded") }
                if st == "True" && reason == "NewReplicaSetAvailable" { progressing = true }
            }
            if type == "Available" && st == "True" { available = true }
        }
        let want = int(spec, "replicas") ?? 1
        let replicas = int(status, "replicas") ?? 0, updated = int(status, "updatedReplicas") ?? 0
        let ready = int(status, "readyReplicas") ?? 0, avail = int(status, "availableReplicas") ?? 0
        if want > replicas { return .inProgress("Replicas: \(replicas)/\(want)") }
        if want > updated { return .inProgress("Updated: \(updated)/\(want)") }
        if replicas > want { return .inProgress("Pending termination: \(replicas - want)") }
        if updated > avail { return .inProgress("Available: \(avail)/\(updated)") }
        if want > ready { return .inProgress("Ready: \(ready)/\(want)") }
        if !progressing { return .inProgress("ReplicaSet not Available") }
        if !available { return .inProgress("Deployment not Available") }
        return .current
    }

    static func statefulSet(_ spec: Map?, _ status: Map?) -> Readiness {
        let strategy = map(spec, "updateStrategy")
        if strategy?.entries["type"]?.stringValue == "OnDelete" { return .current }
        let want = int(spec, "replicas") ?? 1
        let ready = int(status, "readyReplicas") ?? 0, current = int(status, "currentReplicas") ?? 0
        let updated = int(status, "updatedReplicas") ?? 0, replicas = int(status, "replicas") ?? 0
        let partition = int(map(strategy, "rollingUpdate"), "partition")
        if want > replicas { return .inProgress("Replicas: \(replicas)/\(want)") }
        if want > ready { return .inProgress("Ready: \(ready)/\(want)") }
        if replicas > want { return .inProgress("Pending termination: \(replicas - want)") }
        if let partition {
            return updated < want - partition ? .inProgress("updated: \(updated)/\(want - partition)") : .current
        }
        if want > current { return .inProgress("current: \(current)/\(want)") }
        if status?.entries["currentRevision"]?.stringValue != status?.entries["updateRevision"]?.stringValue {
            return .inProgress("Waiting for updated revision to match current")
        }
        return .current
    }

    static func daemonSet(_ kind: String, _ status: Map?, _ md: Map?) -> Readiness {
        // The controller always sets these once it has seen the object.
        if int(md, "generation") == nil { return .inProgress("\(kind) metadata.generation not found") }
        if int(status, "observedGeneration") == nil { return .inProgress("\(kind) status.observedGeneration not found") }
        guard let desired = int(status, "desiredNumberScheduled") else { return .inProgress("Missing .status.desiredNumberScheduled") }
        let checks = [("Current", int(status, "currentNumberScheduled") ?? 0), ("Updated", int(status, "updatedNumberScheduled") ?? 0),
                      ("Available", int(status, "numberAvailable") ?? 0), ("Ready", int(status, "numberReady") ?? 0)]
        for (what, n) in checks where n < desired { return .inProgress("\(what): \(n)/\(desired)") }
        return .current
    }

    static func replicaSet(_ spec: Map?, _ status: Map?) -> Readiness {
        if condition(status, "ReplicaFailure") == "True" { return .inProgress("Replica Failure condition. Check Pods") }
        let want = int(spec, "replicas") ?? 1
        let checks = [("Labelled", int(status, "fullyLabeledReplicas") ?? 0), ("Available", int(status, "availableReplicas") ?? 0),
                      ("Ready", int(status, "readyReplicas") ?? 0)]
        for (what, n) in checks where n < want { return .inProgress("\(what): \(n)/\(want)") }
        let replicas = int(status, "replicas") ?? 0
        if replicas > want { return .inProgress("Pending termination: \(replicas - want)") }
        return .current
    }

    static func pod(_ status: Map?) -> Readiness {
        switch status?.entries["phase"]?.stringValue ?? "" {
        case "Succeeded", "Failed": return .current
        case "Running":
            if condition(status, "Ready") == "True" { return .current }
            let looping = crashLooping(status)
            if !looping.isEmpty { return .failed("Containers in CrashLoop state: \(looping.joined(separator: ","))") }
            return .inProgress("Pod is running but is not Ready")
        case "Pending":
            if let why = unschedulable(status) { return .inProgress("Pod has not been scheduled: \(why)") }
            return .inProgress("Pod is in the Pending phase")
        case "": return .inProgress("Pod phase not available")
        case let phase: return .inProgress("unknown phase \(phase)")
        }
    }

    /// kstatus counts a started Job as current.
    static func job(_ spec: Map?, _ status: Map?) -> Readiness {
        let (succeeded, failed, completions) = jobCounts(spec, status)
        if condition(status, "Complete") == "True" { return .current }
        if condition(status, "Failed") == "True" { return .failed("Job Failed. failed: \(failed)/\(completions)") }
        if condition(status, "Suspended") == "True" { return .current }
        if (status?.entries["startTime"]?.stringValue ?? "").isEmpty { return .inProgress("Job not started") }
        _ = succeeded
        return .current
    }

    /// Helm's Job rule for --wait-for-jobs and hooks: current only once complete.
    static func helmJob(_ spec: Map?, _ status: Map?) -> Readiness {
        let (succeeded, failed, completions) = jobCounts(spec, status)
        if condition(status, "Complete") == "True" { return .current }
        if condition(status, "Failed") == "True" {
            let reason = conditionEntry(status, "Failed")?.entries["reason"]?.stringValue
            return .failed("Job Failed. failed: \(failed)/\(completions)" + (reason.map { " (\($0))" } ?? ""))
        }
        let active = int(status, "active") ?? 0
        return .inProgress(active > 0 ? "Job running: \(succeeded)/\(completions) succeeded, \(active) active" : "Job in progress")
    }

    /// Helm's Pod rule for hooks and tests.
    static func helmPod(_ status: Map?, _ md: Map?) -> Readiness {
        let name = md?.entries["name"]?.stringValue ?? ""
        switch status?.entries["phase"]?.stringValue {
        case "Succeeded": return .current
        case "Failed": return .failed("pod \(name) failed")
        default:
            if let why = unschedulable(status) { return .inProgress("Pod has not been scheduled: \(why)") }
            return .inProgress("Pod in progress")
        }
    }

    static func crd(_ status: Map?) -> Readiness {
        for c in conditions(status) {
            let type = c.entries["type"]?.stringValue, st = c.entries["status"]?.stringValue
            let reason = c.entries["reason"]?.stringValue ?? "", message = c.entries["message"]?.stringValue ?? ""
            if type == "NamesAccepted" && st == "False" { return .failed(message.isEmpty ? reason : message) }
            if type == "Established" {
                if st == "False" && reason != "Installing" { return .failed(message.isEmpty ? reason : message) }
                if st == "True" { return .current }
            }
        }
        return .inProgress("Install in progress")
    }

    static func jobCounts(_ spec: Map?, _ status: Map?) -> (Int, Int, Int) {
        let parallelism = int(spec, "parallelism") ?? 1
        return (int(status, "succeeded") ?? 0, int(status, "failed") ?? 0, int(spec, "completions") ?? parallelism)
    }

    /// The scheduler's word on a Pod it could not place (`0/3 nodes are available: ...`).
    public static func unschedulable(_ status: Map?) -> String? {
        guard let c = conditionEntry(status, "PodScheduled"), c.entries["status"]?.stringValue == "False",
              c.entries["reason"]?.stringValue == "Unschedulable" else { return nil }
        return c.entries["message"]?.stringValue ?? "Unschedulable"
    }

    static func crashLooping(_ status: Map?) -> [String] {
        guard case .list(let l)? = status?.entries["containerStatuses"] else { return [] }
        return l.items.compactMap { item in
            guard case .map(let cs) = item, let waiting = map(map(cs, "state"), "waiting"),
                  waiting.entries["reason"]?.stringValue == "CrashLoopBackOff" else { return nil }
            return cs.entries["name"]?.stringValue
        }
    }

    static func map(_ m: Map?, _ k: String) -> Map? { if case .map(let x)? = m?.entries[k] { return x }; return nil }

    /// An integer field; a numeric string counts too (Argo Rollouts writes observedGeneration
    /// as one, which left Helm 4 waiting on an `Unknown` status until its timeout, helm#32615).
    static func int(_ m: Map?, _ k: String) -> Int? {
        switch m?.entries[k] {
        case .float(let f, _)?: return Int(exactly: f)
        case .int(let i, _)?: return Int(i)
        case .uint(let u, _)?: return Int(exactly: u)
        case .string(let s)?: return Int(s.string)
        default: return nil
        }
    }

    static func conditions(_ status: Map?) -> [Map] {
        guard case .list(let l)? = status?.entries["conditions"] else { return [] }
        return l.items.compactMap { if case .map(let m) = $0 { return m }; return nil }
    }

    static func conditionEntry(_ status: Map?, _ type: String) -> Map? {
        conditions(status).first { $0.entries["type"]?.stringValue == type }
    }

    static func condition(_ status: Map?, _ type: String) -> String? { conditionEntry(status, type)?.entries["status"]?.stringValue }
    static func conditionMessage(_ status: Map?, _ type: String) -> String {
        conditionEntry(status, type)?.entries["message"]?.stringValue ?? conditionEntry(status, type)?.entries["reason"]?.stringValue ?? ""
    }
}
