import Values
import YAML
import Chart

/// A HelmRelease document: Flux's Helm Operator `helm.fluxcd.io/v1` or Flux v2's
/// `helm.toolkit.fluxcd.io/v2`, reduced to what a release needs.
public struct HelmRelease: Sendable {
    public enum ChartSource: Sendable, Equatable {
        /// A chart folder or .tgz on disk (an hrctl extension: `spec.chart.path`), absolute or
        /// relative to the document's file.
        case path(String)
        /// A Helm HTTP repository or OCI registry (`repository`/`name`/`version`).
        case repository(url: String, name: String, version: String)
        /// A chart in a git repository (`git`/`ref`/`path`).
        case git(url: String, ref: String, path: String)
        /// Flux v2: a chart from a source object named in the same input.
        case sourceRef(kind: String, name: String, chart: String, version: String)
    }

    public var apiVersion: String
    public var name: String
    public var namespace: String
    public var releaseName: String
    public var targetNamespace: String
    public var chart: ChartSource
    public var values: Map
    /// The file the document came from (for messages and relative paths).
    public var file: String
}

/// A HelmRelease that cannot be used, naming the file and the field.
public struct HelmReleaseError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ file: String, _ field: String, _ message: String) {
        description = field.isEmpty ? "\(file): \(message)" : "\(file): \(field): \(message)"
    }
}

public enum HelmReleaseLoader {
    static let v1 = "helm.fluxcd.io/v1"
    static let v2 = "helm.toolkit.fluxcd.io/v2"

    /// Every HelmRelease document of a YAML file (other kinds are skipped).
    public static func load(file: String, text: String) throws -> [HelmRelease] {
        let docs: [Value?]
        do { docs = try YAML.loadAll(text) } catch let e as YAMLError { throw HelmReleaseError(file, "", e.message) }
        var out: [HelmRelease] = []
        for (i, doc) in docs.enumerated() {
            guard case .map(let m)? = doc else { continue }
            guard case .string(let kind)? = m.entries["kind"], kind == "HelmRelease" else { continue }
            out.append(try parse(m, file: file, index: i))
        }
        if out.isEmpty { throw HelmReleaseError(file, "", "no HelmRelease document found") }
        return out
    }

    static func str(_ m: Map?, _ key: String) -> String? {
        if case .string(let s)? = m?.entries[key] { return s }
        if case .float(let f, _)? = m?.entries[key] { return ShortestDecimal(f).gFormat() }
        return nil
    }

    static func map(_ m: Map?, _ key: String) -> Map? {
        if case .map(let x)? = m?.entries[key] { return x }
        return nil
    }

    static func parse(_ m: Map, file: String, index: Int) throws -> HelmRelease {
        let where_ = index == 0 ? "" : "document \(index + 1): "
        func fail(_ field: String, _ msg: String) -> HelmReleaseError { HelmReleaseError(file, where_ + field, msg) }
        let api = str(m, "apiVersion") ?? ""
        guard api == v1 || api == v2 else {
            throw fail("apiVersion", "unsupported \"\(api)\" (want \(v1) or \(v2))")
        }
        let meta = map(m, "metadata")
        guard let name = str(meta, "name"), !name.isEmpty else { throw fail("metadata.name", "is required") }
        let namespace = str(meta, "namespace") ?? "default"
        guard let spec = map(m, "spec") else { throw fail("spec", "is required") }
        guard let chart = map(spec, "chart") else { throw fail("spec.chart", "is required") }
        let target = str(spec, "targetNamespace") ?? namespace
        var release = str(spec, "releaseName") ?? ""
        let source: HelmRelease.ChartSource
        if api == v1 {
            // Helm Operator named releases NAMESPACE-NAME unless told otherwise.
            if release.isEmpty { release = "\(namespace)-\(name)" }
            if let path = str(chart, "path"), str(chart, "git") == nil {
                source = .path(path)
            } else if let git = str(chart, "git") {
                source = .git(url: git, ref: str(chart, "ref") ?? "master", path: str(chart, "path") ?? "")
            } else if let repo = str(chart, "repository") {
                guard let n = str(chart, "name") else { throw fail("spec.chart.name", "is required with spec.chart.repository") }
                guard let v = str(chart, "version") else { throw fail("spec.chart.version", "is required with spec.chart.repository") }
                source = .repository(url: repo, name: n, version: v)
            } else {
                throw fail("spec.chart", "needs path, git or repository")
            }
        } else {
            if release.isEmpty { release = str(spec, "targetNamespace").map { "\($0)-\(name)" } ?? name }
            guard let cs = map(chart, "spec"), let c = str(cs, "chart") else { throw fail("spec.chart.spec.chart", "is required") }
            if let ref = map(cs, "sourceRef") {
                source = .sourceRef(kind: str(ref, "kind") ?? "", name: str(ref, "name") ?? "", chart: c, version: str(cs, "version") ?? "*")
            } else {
                source = .path(c)
            }
        }
        var values = Map([:])
        if let v = spec.entries["values"] {
            guard case .map(let vm) = v else { throw fail("spec.values", "must be a map") }
            values = vm
        }
        return HelmRelease(apiVersion: api, name: name, namespace: namespace, releaseName: release,
                           targetNamespace: target, chart: source, values: values, file: file)
    }

    /// The local chart a release names, resolved against the document's folder.
    public static func localChartPath(_ r: HelmRelease) throws -> String {
        guard case .path(let p) = r.chart else {
            throw HelmReleaseError(r.file, "spec.chart", "only local chart paths (spec.chart.path) can be rendered for now; repositories, OCI and git arrive with chart sources")
        }
        if p.hasPrefix("/") { return p }
        let dir = r.file.contains("/") ? String(r.file[..<r.file.lastIndex(of: "/")!]) : "."
        return dir + "/" + p
    }
}
