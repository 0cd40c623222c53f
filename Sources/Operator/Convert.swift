import Values

/// `hrctl convert`: a Helm Operator HelmRelease (helm.fluxcd.io/v1) as Flux v2 objects — a
/// helm.toolkit.fluxcd.io/v2 HelmRelease and the source.toolkit.fluxcd.io/v1 HelmRepository or
/// GitRepository its chart comes from — that keep the same Helm release: the v1 default release
/// name (NAMESPACE-NAME) and record namespace (the target namespace) are written out, since v2's
/// defaults differ, and so is v1's default of not waiting.
public enum FluxV2Converter {
    public static let helmReleaseAPI = "helm.toolkit.fluxcd.io/v2"
    public static let sourceAPI = "source.toolkit.fluxcd.io/v1"

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public struct Converted: Sendable {
        /// Sources first, then the HelmRelease.
        public var objects: [Value]
        public var warnings: [String]
    }

    public static func convert(_ doc: Value, file: String, interval: String = "5m") throws -> Converted {
        func fail(_ field: String, _ why: String) -> Failure { Failure(description: "\(file): \(field): \(why)") }
        guard case .map(let m) = doc else { throw fail("document", "is not a map") }
        guard m.entries["apiVersion"]?.stringValue == "helm.fluxcd.io/v1", m.entries["kind"]?.stringValue == "HelmRelease" else {
            throw fail("apiVersion", "\"\(m.entries["apiVersion"]?.stringValue ?? "")\" \(m.entries["kind"]?.stringValue ?? "") is not a helm.fluxcd.io/v1 HelmRelease")
        }
        let md = sub(m, "metadata") ?? Map([:])
        guard let name = str(md, "name") else { throw fail("metadata.name", "is required") }
        let namespace = str(md, "namespace") ?? "default"
        guard let spec = sub(m, "spec") else { throw fail("spec", "is required") }
        guard let chart = sub(spec, "chart") else { throw fail("spec.chart", "is required") }
        var warnings: [String] = []
        var objects: [Value] = []
        var out: [String: Value] = ["interval": .string(interval)]
        let target = str(spec, "targetNamespace") ?? namespace
        // The same release: v1's name and record namespace, spelled out.
        out["releaseName"] = .string(str(spec, "releaseName") ?? "\(namespace)-\(name)")
        if target != namespace {
            out["targetNamespace"] = .string(target)
            out["storageNamespace"] = .string(target)
        }

        var chartSpec: [String: Value] = [:]
        func source(_ kind: String, _ sourceName: String, _ sourceSpec: [String: Value]) {
            objects.append(.map(Map(["apiVersion": .string(sourceAPI), "kind": .string(kind),
                                     "metadata": .map(Map(["name": .string(sourceName), "namespace": .string(namespace)])),
                                     "spec": .map(Map(sourceSpec.merging(["interval": .string(interval)]) { a, _ in a }))])))
            chartSpec["sourceRef"] = .map(Map(["kind": .string(kind), "name": .string(sourceName)]))
        }
        if let git = str(chart, "git") {
            guard let path = str(chart, "path") else { throw fail("spec.chart.path", "is required with spec.chart.git") }
            let ref = str(chart, "ref") ?? "master"
            chartSpec["chart"] = .string(path)
            // A 40-hex ref is a commit; anything else a branch, as Helm Operator checked it out.
            let isCommit = ref.count == 40 && ref.allSatisfy(\.isHexDigit)
            source("GitRepository", sourceName(git), ["url": .string(git), "ref": .map(Map([isCommit ? "commit" : "branch": .string(ref)]))])
        } else if let repo = str(chart, "repository") {
            guard let chartName = str(chart, "name") else { throw fail("spec.chart.name", "is required with spec.chart.repository") }
            guard let version = str(chart, "version") else { throw fail("spec.chart.version", "is required with spec.chart.repository") }
            chartSpec["chart"] = .string(chartName)
            chartSpec["version"] = .string(version)
            var s: [String: Value] = ["url": .string(repo)]
            if repo.hasPrefix("oci://") { s["type"] = .string("oci") }
            source("HelmRepository", sourceName(repo), s)
        } else if str(chart, "path") != nil {
            throw fail("spec.chart.path", "a chart on the operator's disk has no Flux v2 source; put it in a git or Helm repository")
        } else {
            throw fail("spec.chart", "needs git or repository")
        }
        if let secret = sub(chart, "chartPullSecret").flatMap({ str($0, "name") }) ?? sub(spec, "chartPullSecret").flatMap({ str($0, "name") }) {
            warnings.append("\(file): chartPullSecret \(secret): Flux v2 reads credentials from a Secret with username and password keys (HelmRepository spec.secretRef), not a repositories.yaml; set it on the source")
        }
        out["chart"] = .map(Map(["spec": .map(Map(chartSpec))]))

        if let v = spec.entries["values"], !v.isNull { out["values"] = v }
        if case .list(let l)? = spec.entries["valuesFrom"] {
            var refs: [Value] = []
            for (i, item) in l.items.enumerated() {
                let field = "spec.valuesFrom[\(i)]"
                guard case .map(let vm) = item else { throw fail(field, "must be a map") }
                for (key, kind) in [("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")] {
                    guard let r = sub(vm, key) else { continue }
                    guard let n = str(r, "name") else { throw fail("\(field).\(key).name", "is required") }
                    if let ns = str(r, "namespace"), ns != namespace {
                        throw fail("\(field).\(key).namespace", "Flux v2 reads values from the HelmRelease's own namespace only, not \(ns)")
                    }
                    var ref: [String: Value] = ["kind": .string(kind), "name": .string(n)]
                    if let k = str(r, "key"), k != "values.yaml" { ref["valuesKey"] = .string(k) }
                    if bool(r, "optional") == true { ref["optional"] = .bool(true) }
                    refs.append(.map(Map(ref)))
                }
                if sub(vm, "externalSourceRef") != nil { throw fail("\(field).externalSourceRef", "Flux v2 has no values from URLs; put them in a ConfigMap") }
                if sub(vm, "chartFileRef") != nil { throw fail("\(field).chartFileRef", "Flux v2 has no values from the chart's files; use spec.chart.spec.valuesFiles") }
            }
            if !refs.isEmpty { out["valuesFrom"] = .list(refs) }
        }

        // v1 waited only with rollback or tests enabled; v2 always waits unless told not to.
        let rollback = sub(spec, "rollback"), test = sub(spec, "test")
        let atomic = bool(rollback, "enable") ?? false
        let testing = bool(test, "enable") ?? false
        let wait = bool(spec, "wait") ?? (atomic || testing)
        var install: [String: Value] = [:], upgrade: [String: Value] = [:]
        if !wait { install["disableWait"] = .bool(true); upgrade["disableWait"] = .bool(true) }
        if bool(spec, "skipCRDs") == true { install["crds"] = .string("Skip"); upgrade["crds"] = .string("Skip") }
        else { install["crds"] = .string("Create") }
        if bool(spec, "disableOpenAPIValidation") == true {
            install["disableOpenAPIValidation"] = .bool(true); upgrade["disableOpenAPIValidation"] = .bool(true)
        }
        if bool(spec, "forceUpgrade") == true { upgrade["force"] = .bool(true) }
        if atomic {
            // Roll back a failed upgrade; retried only with rollback.retry (maxRetries times).
            let retries = bool(rollback, "retry") == true ? (int(rollback, "maxRetries") ?? 5) : 0
            upgrade["remediation"] = .map(Map(["retries": .float(Double(retries)), "strategy": .string("rollback")]))
            var rb: [String: Value] = [:]
            if bool(rollback, "disableHooks") == true { rb["disableHooks"] = .bool(true) }
            if bool(rollback, "force") == true { rb["force"] = .bool(true) }
            if bool(rollback, "recreate") == true { rb["recreate"] = .bool(true) }
            if let t = int(rollback, "timeout") { rb["timeout"] = .string("\(t)s") }
            if !rb.isEmpty { out["rollback"] = .map(Map(rb)) }
        }
        if !install.isEmpty { out["install"] = .map(Map(install)) }
        if !upgrade.isEmpty { out["upgrade"] = .map(Map(upgrade)) }
        if testing {
            var t: [String: Value] = ["enable": .bool(true)]
            if bool(test, "ignoreFailures") == true { t["ignoreFailures"] = .bool(true) }
            if let s = int(test, "timeout") { t["timeout"] = .string("\(s)s") }
            out["test"] = .map(Map(t))
        }
        if let t = int(spec, "timeout") { out["timeout"] = .string("\(t)s") }
        if let h = int(spec, "maxHistory") { out["maxHistory"] = .float(Double(h)) }
        if let sa = str(spec, "serviceAccountName") { out["serviceAccountName"] = .string(sa) }
        if let kc = sub(spec, "kubeConfig") { out["kubeConfig"] = .map(kc) }
        if bool(spec, "resetValues") == true {
            warnings.append("\(file): spec.resetValues: Flux v2 always computes values afresh (as resetValues: true did); nothing to set")
        }

        var meta: [String: Value] = ["name": .string(name), "namespace": .string(namespace)]
        for key in ["labels", "annotations"] {
            guard let a = sub(md, key) else { continue }
            let kept = a.entries.filter { !$0.key.hasPrefix("kubectl.kubernetes.io/") }
            if !kept.isEmpty { meta[key] = .map(Map(kept)) }
        }
        objects.append(.map(Map(["apiVersion": .string(helmReleaseAPI), "kind": .string("HelmRelease"), "metadata": .map(Map(meta)), "spec": .map(Map(out))])))
        return Converted(objects: objects, warnings: warnings)
    }

    /// A source's name from its URL: host and path, lowercased, as a DNS label.
    public static func sourceName(_ url: String) -> String {
        var s = url.lowercased()
        for p in ["https://", "http://", "oci://", "ssh://", "git@"] where s.hasPrefix(p) { s.removeFirst(p.count) }
        if s.hasSuffix(".git") { s.removeLast(4) }
        let words = s.split(whereSeparator: { !($0.isLetter || $0.isNumber) })
        return String(words.joined(separator: "-").prefix(63)).split(separator: "-").joined(separator: "-")
    }

    static func sub(_ m: Map?, _ k: String) -> Map? { if case .map(let x)? = m?.entries[k] { return x }; return nil }
    static func bool(_ m: Map?, _ k: String) -> Bool? { if case .bool(let b)? = m?.entries[k] { return b }; return nil }
    static func str(_ m: Map?, _ k: String) -> String? { if let s = m?.entries[k]?.stringValue, !s.isEmpty { return s }; return nil }
    static func int(_ m: Map?, _ k: String) -> Int? {
        switch m?.entries[k] {
        case .float(let f, _)?: return Int(f)
        case .int(let i, _)?: return Int(i)
        case .string(let s)?: return Int(s.string)
        default: return nil
        }
    }
}
