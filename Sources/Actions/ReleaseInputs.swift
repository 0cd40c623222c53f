import Values
import YAML
import Chart
import ChartSource
import HelmRelease
import Kube

/// Turns HelmRelease documents into what an action deploys: the chart fetched from its source
/// and the values assembled as Helm Operator did (valuesFrom in order, then spec.values).
public struct ReleaseInputs: Sendable {
    public let fetcher: ChartFetcher
    /// The cluster, for valuesFrom ConfigMaps and Secrets (nil when rendering only).
    public let client: KubeClient?

    public init(fetcher: ChartFetcher, client: KubeClient?) { self.fetcher = fetcher; self.client = client }

    public struct InputError: Error, CustomStringConvertible, Sendable {
        public let description: String
        init(_ r: HelmRelease, _ field: String, _ msg: String) { description = "\(r.file): HelmRelease \(r.id): \(field): \(msg)" }
    }

    /// The chart a HelmRelease names.
    public func chart(_ r: HelmRelease) async throws -> Chart {
        switch r.chart {
        case .path:
            return try ChartLoader.load(path: try HelmReleaseLoader.localChartPath(r))
        case .repository(let url, let name, let version):
            if url.hasPrefix("oci://") {
                let f = try await fetcher.fetchOCI(repository: url, name: name, version: version)
                return try ChartLoader.load(archive: f.bytes, name: f.url)
            }
            let f = try await fetcher.fetch(repository: url, name: name, version: version)
            return try ChartLoader.load(archive: f.bytes, name: f.url)
        case .git(let url, let ref, let path):
            return try ChartLoader.load(directory: try fetcher.git(url: url, ref: ref, path: path))
        case .sourceRef(let kind, let name, _, _):
            throw InputError(r, "spec.chart.spec.sourceRef", "\(kind) \(r.namespace)/\(name) is not in the input; give its document in the same file")
        }
    }

    /// valuesFrom merged in order, then spec.values on top.
    public func values(_ r: HelmRelease, chart: Chart) async throws -> Map {
        let merged = Map([:])
        for (i, source) in r.valuesFrom.enumerated() {
            let field = "spec.valuesFrom[\(i)]"
            guard let text = try await read(source, r, chart: chart, field: field) else { continue }
            if let target = source.targetPath {
                ReleaseInputs.set(merged, path: target.split(separator: ".").map(String.init), value: .string(text))
                continue
            }
            let parsed: Value?
            do { parsed = try YAML.load(text) } catch let e as YAMLError { throw InputError(r, field, "the values are not valid YAML: \(e.message)") }
            switch parsed {
            case .map(let m)?: ReleaseInputs.merge(merged, m)
            case nil, .null?: continue
            default: throw InputError(r, field, "the values are not a map")
            }
        }
        ReleaseInputs.merge(merged, Coalesce.copyMap(r.values))
        return merged
    }

    func read(_ s: HelmRelease.ValuesSource, _ r: HelmRelease, chart: Chart, field: String) async throws -> String? {
        func missing(_ what: String) throws -> String? {
            if s.optional { return nil }
            throw InputError(r, field, what)
        }
        switch s.kind {
        case .configMap(let name, let ns, let key), .secret(let name, let ns, let key):
            let isSecret: Bool
            if case .secret = s.kind { isSecret = true } else { isSecret = false }
            let kind = isSecret ? "Secret" : "ConfigMap"
            guard let client else { return try missing("\(kind) \(name) needs a cluster (the values come from it)") }
            let namespace = ns ?? r.namespace
            let obj: Value
            do { obj = try await client.request(.GET, "/api/v1/namespaces/\(namespace)/\(isSecret ? "secrets" : "configmaps")/\(name)") }
            catch let e as KubeAPIError where e.reason == .notFound { return try missing("\(kind) \(namespace)/\(name) not found") }
            guard case .map(let m) = obj, case .map(let data)? = m.entries["data"], let raw = data.entries[key]?.stringValue else {
                return try missing("\(kind) \(namespace)/\(name) has no key \(key)")
            }
            if !isSecret { return raw }
            guard case .success(let bytes) = Base64.decode(raw) else { throw InputError(r, field, "Secret \(namespace)/\(name) key \(key) is not base64") }
            return String(decoding: bytes, as: UTF8.self)
        case .external(let url):
            do { return String(decoding: try await fetcher.download(url), as: UTF8.self) } catch {
                return try missing("\(error)")
            }
        case .chartFile(let path):
            guard let f = chart.files.first(where: { $0.name == path }) else { return try missing("the chart has no file \(path)") }
            return f.text
        }
    }

    static func merge(_ a: Map, _ b: Map) {
        for (k, v) in b.entries {
            if case .map(let bm) = v, case .map(let am)? = a.entries[k] { merge(am, bm) } else { a.entries[k] = v }
        }
    }

    static func set(_ m: Map, path: [String], value: Value) {
        guard let first = path.first else { return }
        if path.count == 1 { m.entries[first] = value; return }
        let child: Map
        if case .map(let c)? = m.entries[first] { child = c } else { child = Map([:]); m.entries[first] = .map(child) }
        set(child, path: Array(path.dropFirst()), value: value)
    }

    /// What to deploy for a HelmRelease, with the values given on the command line on top.
    public func spec(_ r: HelmRelease, overrides: Map = Map([:])) async throws -> (ReleaseSpec, DeployOptions) {
        let chart = try await self.chart(r)
        let values = try await self.values(r, chart: chart)
        ReleaseInputs.merge(values, overrides)
        var spec = ReleaseSpec(name: r.releaseName, namespace: r.targetNamespace, chart: chart, values: values)
        spec.postRenderers = r.postRenderers
        if !r.storageNamespace.isEmpty && r.storageNamespace != r.targetNamespace { spec.storageNamespace = r.storageNamespace }
        if r.apiVersion == "helm.fluxcd.io/v1" { spec.extraAnnotations["helm.fluxcd.io/antecedent"] = "\(r.namespace):helmrelease/\(r.name)" }
        // helm-controller marks the CRDs it applies with the HelmRelease they came from.
        else { spec.crdLabels = ["helm.toolkit.fluxcd.io/name": r.name, "helm.toolkit.fluxcd.io/namespace": r.namespace] }
        var opts = DeployOptions()
        opts.wait = r.wait
        opts.timeout = r.timeout
        opts.atomic = r.atomic
        opts.maxHistory = r.maxHistory
        opts.installCRDs = r.installCRDs
        opts.upgradeCRDs = r.upgradeCRDs
        opts.runTests = r.runTests
        opts.ignoreTestFailures = r.ignoreTestFailures
        return (spec, opts)
    }
}
