import Values
import YAML

/// Reads one HelmRelease document: required fields, defaults of each API version, and
/// messages that point at the line and field.
struct DocumentParser {
    let file: String
    let index: Int
    let positions: YAMLPositions
    let sources: [String: Map]
    let warn: (String) -> Void

    func fail(_ field: String, _ msg: String) -> HelmReleaseError {
        HelmReleaseError(file, field, msg, at: positions.position(document: index, path: field))
    }

    func str(_ m: Map?, _ key: String) -> String? { HelmReleaseLoader.str(m, key) }
    func map(_ m: Map?, _ key: String) -> Map? { HelmReleaseLoader.map(m, key) }

    func bool(_ m: Map?, _ key: String, _ field: String) throws -> Bool? {
        switch m?.entries[key] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        default: throw fail(field, "must be true or false")
        }
    }

    func int(_ m: Map?, _ key: String, _ field: String) throws -> Int? {
        switch m?.entries[key] {
        case nil, .null?: return nil
        case .float(let f, _)? where f == f.rounded() && f >= 0: return Int(f)
        case .int(let i, _)? where i >= 0: return Int(i)
        default: throw fail(field, "must be a whole number")
        }
    }

    /// v1 timeouts are seconds; v2 ones Go durations ("5m").
    func duration(_ m: Map?, _ key: String, _ field: String) throws -> Double? {
        switch m?.entries[key] {
        case nil, .null?: return nil
        case .float(let f, _)?: return f
        case .int(let i, _)?: return Double(i)
        case .string(let s)?:
            guard let d = GoDuration.seconds(s.string) else { throw fail(field, "\"\(s)\" is not a duration (like 300s or 5m)") }
            return d
        default: throw fail(field, "must be a duration")
        }
    }

    func crdPolicy(_ m: Map?, _ field: String) throws -> CRDPolicy? {
        switch m?.entries["crds"] {
        case nil, .null?: return nil
        case .string(let s)?:
            guard let p = CRDPolicy(rawValue: s.string) else { throw fail(field, CRDPolicy.unsupported(s.string)) }
            return p
        case let v?: throw fail(field, CRDPolicy.unsupported(v.stringValue ?? "\(v)"))
        }
    }

    func checkKnown(_ m: Map?, _ known: Set<String>, _ prefix: String) {
        guard let m else { return }
        for k in m.entries.keys.sorted() where !known.contains(k) {
            let field = prefix.isEmpty ? k : prefix + "." + k
            let at = positions.position(document: index, path: field).map { ":\($0.line):\($0.column)" } ?? ""
            warn("\(file)\(at): unknown field \(field) (ignored)")
        }
    }

    mutating func parse(_ m: Map) throws -> HelmRelease {
        let api = str(m, "apiVersion") ?? ""
        guard api == HelmReleaseLoader.v1 || api == HelmReleaseLoader.v2 else {
            throw fail("apiVersion", "unsupported \"\(api)\" (want \(HelmReleaseLoader.v1) or \(HelmReleaseLoader.v2))")
        }
        let meta = map(m, "metadata")
        guard let name = str(meta, "name"), !name.isEmpty else { throw fail("metadata.name", "is required") }
        let namespace = str(meta, "namespace") ?? "default"
        guard let spec = map(m, "spec") else { throw fail("spec", "is required") }
        guard let chart = map(spec, "chart") else { throw fail("spec.chart", "is required") }
        var labels: [String: String] = [:]
        if let l = map(meta, "labels") { labels = l.entries.compactMapValues { $0.stringValue } }
        let target = str(spec, "targetNamespace") ?? namespace
        var values = Map([:])
        if let v = spec.entries["values"], !v.isNull {
            guard case .map(let vm) = v else { throw fail("spec.values", "must be a map") }
            values = vm
        }
        var r = HelmRelease(apiVersion: api, name: name, namespace: namespace, releaseName: str(spec, "releaseName") ?? "",
                            targetNamespace: target, storageNamespace: target, chart: .path(""), values: values, labels: labels, file: file)
        if api == HelmReleaseLoader.v1 { try parseV1(spec, chart, &r) } else { try parseV2(spec, chart, &r) }
        if let kc = spec.entries["kubeConfig"], !kc.isNull {
            guard case .map(let km) = kc, let ref = map(km, "secretRef"), let secret = str(ref, "name"), !secret.isEmpty else {
                throw fail("spec.kubeConfig.secretRef.name", "is required with spec.kubeConfig")
            }
            r.kubeConfig = .init(secret: secret, key: str(ref, "key"))
        }
        return r
    }

    mutating func parseV1(_ spec: Map, _ chart: Map, _ r: inout HelmRelease) throws {
        checkKnown(spec, ["releaseName", "targetNamespace", "chart", "values", "valuesFrom", "timeout", "resetValues", "skipCRDs", "wait",
                          "forceUpgrade", "maxHistory", "rollback", "test", "helmVersion", "chartPullSecret", "disableOpenAPIValidation", "kubeConfig"], "spec")
        // Helm Operator named releases NAMESPACE-NAME unless told otherwise.
        if r.releaseName.isEmpty { r.releaseName = "\(r.namespace)-\(r.name)" }
        if let path = str(chart, "path"), str(chart, "git") == nil {
            r.chart = .path(path)
        } else if let git = str(chart, "git") {
            r.chart = .git(url: git, ref: str(chart, "ref") ?? "master", path: str(chart, "path") ?? "")
        } else if let repo = str(chart, "repository") {
            guard let n = str(chart, "name") else { throw fail("spec.chart.name", "is required with spec.chart.repository") }
            guard let v = str(chart, "version") else { throw fail("spec.chart.version", "is required with spec.chart.repository") }
            r.chart = .repository(url: repo, name: n, version: v)
        } else {
            throw fail("spec.chart", "needs path, git or repository")
        }
        r.timeout = try duration(spec, "timeout", "spec.timeout") ?? 300
        r.maxHistory = try int(spec, "maxHistory", "spec.maxHistory") ?? 10
        r.resetValues = try bool(spec, "resetValues", "spec.resetValues") ?? false
        // The Helm Operator ran helm's install (crds/ created unless skipCRDs) and helm's
        // upgrade (crds/ never touched).
        if try bool(spec, "skipCRDs", "spec.skipCRDs") == true { r.installCRDs = .skip }
        r.upgradeCRDs = .skip
        r.forceUpgrade = try bool(spec, "forceUpgrade", "spec.forceUpgrade") ?? false
        let rollback = map(spec, "rollback"), test = map(spec, "test")
        r.atomic = try bool(rollback, "enable", "spec.rollback.enable") ?? false
        r.rollbackRetry = try bool(rollback, "retry", "spec.rollback.retry") ?? false
        let testing = try bool(test, "enable", "spec.test.enable") ?? false
        r.runTests = testing
        r.ignoreTestFailures = try bool(test, "ignoreFailures", "spec.test.ignoreFailures") ?? false
        // Helm Operator waited whenever rollback or tests were enabled.
        r.wait = try bool(spec, "wait", "spec.wait") ?? (r.atomic || testing)
        if case .list(let l)? = spec.entries["valuesFrom"] {
            for (i, item) in l.items.enumerated() {
                let field = "spec.valuesFrom[\(i)]"
                guard case .map(let vm) = item else { throw fail(field, "must be a map") }
                if let c = map(vm, "configMapKeyRef") {
                    guard let n = str(c, "name") else { throw fail(field + ".configMapKeyRef.name", "is required") }
                    r.valuesFrom.append(.init(kind: .configMap(name: n, namespace: str(c, "namespace"), key: str(c, "key") ?? "values.yaml"),
                                              optional: try bool(c, "optional", field) ?? false))
                } else if let s = map(vm, "secretKeyRef") {
                    guard let n = str(s, "name") else { throw fail(field + ".secretKeyRef.name", "is required") }
                    r.valuesFrom.append(.init(kind: .secret(name: n, namespace: str(s, "namespace"), key: str(s, "key") ?? "values.yaml"),
                                              optional: try bool(s, "optional", field) ?? false))
                } else if let e = map(vm, "externalSourceRef") {
                    guard let u = str(e, "url") else { throw fail(field + ".externalSourceRef.url", "is required") }
                    r.valuesFrom.append(.init(kind: .external(url: u), optional: try bool(e, "optional", field) ?? false))
                } else if let c = map(vm, "chartFileRef") {
                    guard let p = str(c, "path") else { throw fail(field + ".chartFileRef.path", "is required") }
                    r.valuesFrom.append(.init(kind: .chartFile(path: p), optional: try bool(c, "optional", field) ?? false))
                } else {
                    throw fail(field, "needs configMapKeyRef, secretKeyRef, externalSourceRef or chartFileRef")
                }
            }
        } else if let v = spec.entries["valuesFrom"], !v.isNull { throw fail("spec.valuesFrom", "must be a list") }
    }

    /// `postRenderers[].kustomize`: `patches` (a target and a patch: JSON 6902 operations, or a
    /// map merged into the object), `patchesJson6902` and `images`.
    func postRenderers(_ spec: Map) throws -> [PostRenderer] {
        guard case .list(let l)? = spec.entries["postRenderers"] else { return [] }
        var out: [PostRenderer] = []
        for (i, item) in l.items.enumerated() {
            let field = "spec.postRenderers[\(i)].kustomize"
            guard case .map(let pm) = item, let k = map(pm, "kustomize") else { throw fail("spec.postRenderers[\(i)]", "needs kustomize") }
            var kz = Kustomize()
            func target(_ m: Map?) -> Kustomize.Target {
                var t = Kustomize.Target()
                t.group = str(m, "group") ?? ""; t.version = str(m, "version") ?? ""; t.kind = str(m, "kind") ?? ""
                t.name = str(m, "name") ?? ""; t.namespace = str(m, "namespace") ?? ""
                return t
            }
            for key in ["patches", "patchesJson6902"] {
                guard case .list(let ps)? = k.entries[key] else { continue }
                for (j, p) in ps.items.enumerated() {
                    let pf = "\(field).\(key)[\(j)].patch"
                    guard case .map(let pmap) = p else { throw fail("\(field).\(key)[\(j)]", "must be a map") }
                    var patch = pmap.entries["patch"] ?? .null
                    if case .string(let text) = patch {
                        do { patch = try YAML.load(text.string) ?? .null } catch { throw fail(pf, "is not YAML: \(error)") }
                    }
                    switch patch {
                    case .list(let ops):
                        kz.patches.append(.init(target: target(map(pmap, "target")), operations: ops.items))
                    case .map:
                        // A strategic-merge patch, applied as a JSON merge patch of the whole object.
                        kz.patches.append(.init(target: target(map(pmap, "target")),
                                                operations: [.map(["op": .string("merge"), "path": .string(""), "value": patch])]))
                    default:
                        throw fail(pf, "must be a list of JSON 6902 operations or a patch object")
                    }
                }
            }
            if case .list(let imgs)? = k.entries["images"] {
                for img in imgs.items {
                    guard case .map(let im) = img, let n = str(im, "name") else { continue }
                    var x = Kustomize.Image(name: n)
                    x.newName = str(im, "newName") ?? ""; x.newTag = str(im, "newTag") ?? ""; x.digest = str(im, "digest") ?? ""
                    kz.images.append(x)
                }
            }
            out.append(.kustomize(kz))
        }
        return out
    }

    mutating func parseV2(_ spec: Map, _ chart: Map, _ r: inout HelmRelease) throws {
        checkKnown(spec, ["releaseName", "targetNamespace", "storageNamespace", "chart", "chartRef", "values", "valuesFrom", "interval", "timeout",
                          "install", "upgrade", "rollback", "uninstall", "test", "dependsOn", "maxHistory", "suspend", "serviceAccountName",
                          "kubeConfig", "postRenderers", "driftDetection", "persistentClient"], "spec")
        if r.releaseName.isEmpty { r.releaseName = str(spec, "targetNamespace").map { "\($0)-\(r.name)" } ?? r.name }
        r.storageNamespace = str(spec, "storageNamespace") ?? r.namespace
        guard let cs = map(chart, "spec"), let c = str(cs, "chart") else { throw fail("spec.chart.spec.chart", "is required") }
        let version = str(cs, "version") ?? "*"
        if let ref = map(cs, "sourceRef") {
            let kind = str(ref, "kind") ?? "", refName = str(ref, "name") ?? ""
            let key = "\(kind)/\(str(ref, "namespace") ?? r.namespace)/\(refName)"
            if let src = sources[key], let sspec = map(src, "spec"), let url = str(sspec, "url") {
                if kind == "GitRepository" {
                    let gref = map(sspec, "ref")
                    r.chart = .git(url: url, ref: str(gref, "commit") ?? str(gref, "tag") ?? str(gref, "branch") ?? "master", path: c)
                } else {
                    r.chart = .repository(url: url, name: c, version: version)
                }
            } else {
                r.chart = .sourceRef(kind: kind, name: refName, chart: c, version: version)
            }
        } else {
            r.chart = .path(c)
        }
        r.timeout = try duration(spec, "timeout", "spec.timeout") ?? 300
        r.maxHistory = try int(spec, "maxHistory", "spec.maxHistory") ?? 5
        let install = map(spec, "install"), upgrade = map(spec, "upgrade")
        // Flux v2 waits unless told not to.
        r.wait = !(try bool(upgrade, "disableWait", "spec.upgrade.disableWait") ?? (try bool(install, "disableWait", "spec.install.disableWait") ?? false))
        // install.skipCRDs is the deprecated spelling of install.crds: Skip.
        let legacySkip = try bool(install, "skipCRDs", "spec.install.skipCRDs") ?? false
        r.installCRDs = try crdPolicy(install, "spec.install.crds") ?? (legacySkip ? .skip : .create)
        r.upgradeCRDs = try crdPolicy(upgrade, "spec.upgrade.crds") ?? .skip
        r.forceUpgrade = try bool(upgrade, "force", "spec.upgrade.force") ?? false
        if let rem = map(upgrade, "remediation") {
            r.atomic = (try int(rem, "retries", "spec.upgrade.remediation.retries") ?? 0) != 0 && str(rem, "strategy") != "uninstall"
        }
        r.postRenderers = try postRenderers(spec)
        r.runTests = try bool(map(spec, "test"), "enable", "spec.test.enable") ?? false
        r.ignoreTestFailures = try bool(map(spec, "test"), "ignoreFailures", "spec.test.ignoreFailures") ?? false
        if case .list(let deps)? = spec.entries["dependsOn"] {
            r.dependsOn = deps.items.compactMap { d in
                guard case .map(let dm) = d, let n = str(dm, "name") else { return nil }
                return "\(str(dm, "namespace") ?? r.namespace)/\(n)"
            }
        }
        if case .list(let l)? = spec.entries["valuesFrom"] {
            for (i, item) in l.items.enumerated() {
                let field = "spec.valuesFrom[\(i)]"
                guard case .map(let vm) = item, let kind = str(vm, "kind"), let n = str(vm, "name") else {
                    throw fail(field, "needs kind (ConfigMap or Secret) and name")
                }
                let key = str(vm, "valuesKey") ?? "values.yaml"
                let k: HelmRelease.ValuesSource.Kind
                switch kind {
                case "ConfigMap": k = .configMap(name: n, namespace: nil, key: key)
                case "Secret": k = .secret(name: n, namespace: nil, key: key)
                default: throw fail(field + ".kind", "must be ConfigMap or Secret, not \(kind)")
                }
                r.valuesFrom.append(.init(kind: k, optional: try bool(vm, "optional", field) ?? false, targetPath: str(vm, "targetPath")))
            }
        }
    }
}
