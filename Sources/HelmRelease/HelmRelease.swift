import Values
import YAML
import Chart

/// A HelmRelease document: Flux's Helm Operator `helm.fluxcd.io/v1` or Flux v2's
/// `helm.toolkit.fluxcd.io/v2`, reduced to what a release needs, with each API's defaults.
public struct HelmRelease: Sendable {
    public enum ChartSource: Sendable, Equatable {
        /// A chart folder or .tgz on disk (an hrctl extension: `spec.chart.path`), absolute or
        /// relative to the document's file.
        case path(String)
        /// A Helm HTTP repository or OCI registry (`repository`/`name`/`version`).
        case repository(url: String, name: String, version: String)
        /// A chart in a git repository (`git`/`ref`/`path`).
        case git(url: String, ref: String, path: String)
        /// Flux v2: a chart from a source object not found in the same input.
        case sourceRef(kind: String, name: String, chart: String, version: String)
    }

    /// Where values come from besides `spec.values`, merged in order before them.
    public struct ValuesSource: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case configMap(name: String, namespace: String?, key: String)
            case secret(name: String, namespace: String?, key: String)
            case external(url: String)
            case chartFile(path: String)
        }
        public var kind: Kind
        public var optional: Bool
        /// Flux v2: put the value at this dotted path instead of merging a document.
        public var targetPath: String?
    }

    public var apiVersion: String
    public var name: String
    public var namespace: String
    public var releaseName: String
    public var targetNamespace: String
    /// Where release records live (Flux v2 `storageNamespace`; the target namespace otherwise).
    public var storageNamespace: String
    public var chart: ChartSource
    public var values: Map
    public var valuesFrom: [ValuesSource] = []
    public var labels: [String: String] = [:]
    public var timeout: Double = 300
    public var maxHistory = 10
    public var wait = false
    public var atomic = false
    /// v2 `postRenderers` (kustomize patches and images), run on the rendered manifests.
    public var postRenderers: [PostRenderer] = []
    /// `test.enable` / `test.ignoreFailures`: run the chart's tests after each release.
    public var runTests = false
    public var ignoreTestFailures = false
    /// `rollback.retry`: try the upgrade again after a successful rollback.
    public var rollbackRetry = false
    /// What an install (`spec.install.crds`; v1 `skipCRDs`) and an upgrade (`spec.upgrade.crds`)
    /// do with the chart's crds/: helm-controller's defaults, Create and Skip.
    public var installCRDs = CRDPolicy.create
    public var upgradeCRDs = CRDPolicy.skip
    public var forceUpgrade = false
    public var resetValues = false
    public var dependsOn: [String] = []
    /// Flux v2 `spec.kubeConfig.secretRef`: the release goes to the cluster of the kubeconfig in
    /// this Secret (beside the HelmRelease), under `key` (nil: `value`, else `value.yaml`).
    public struct KubeConfigRef: Sendable, Equatable {
        public var secret: String
        public var key: String?
    }
    public var kubeConfig: KubeConfigRef?
    /// The file the document came from (for messages and relative paths).
    public var file: String

    /// `NAMESPACE/NAME`, as dependsOn names releases.
    public var id: String { "\(namespace)/\(name)" }
}

/// A HelmRelease that cannot be used, naming the file, line, column and field.
public struct HelmReleaseError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ file: String, _ field: String, _ message: String, at: YAMLPositions.Position? = nil) {
        let place = at.map { "\(file):\($0.line):\($0.column)" } ?? file
        description = field.isEmpty ? "\(place): \(message)" : "\(place): \(field): \(message)"
    }
}

public enum HelmReleaseLoader {
    static let v1 = "helm.fluxcd.io/v1"
    static let v2 = "helm.toolkit.fluxcd.io/v2"
    static let v2Sources = ["source.toolkit.fluxcd.io/v1", "source.toolkit.fluxcd.io/v1beta2"]

    /// Every HelmRelease document of a YAML file (other kinds are skipped; Flux source objects
    /// are used to resolve `sourceRef`). `warn` hears about unknown fields.
    public static func load(file: String, text: String, warn: @escaping (String) -> Void = { _ in }) throws -> [HelmRelease] {
        let docs: [Value?]
        do { docs = try YAML.loadAll(text) } catch let e as YAMLError {
            throw HelmReleaseError(e.line.map { "\(file):\($0)" } ?? file, "", e.message)
        }
        let positions = YAMLPositions.of(text)
        var sources: [String: Map] = [:]
        for doc in docs {
            guard case .map(let m)? = doc, let kind = str(m, "kind"), ["HelmRepository", "GitRepository", "OCIRepository"].contains(kind) else { continue }
            let md = map(m, "metadata")
            sources["\(kind)/\(str(md, "namespace") ?? "default")/\(str(md, "name") ?? "")"] = m
        }
        var out: [HelmRelease] = []
        for (i, doc) in docs.enumerated() {
            guard case .map(let m)? = doc else { continue }
            guard case .string(let kind)? = m.entries["kind"], kind == "HelmRelease" else { continue }
            var parser = DocumentParser(file: file, index: i, positions: positions, sources: sources, warn: warn)
            out.append(try parser.parse(m))
        }
        if out.isEmpty { throw HelmReleaseError(file, "", "no HelmRelease document found") }
        return out
    }

    static func str(_ m: Map?, _ key: String) -> String? {
        if case .string(let s)? = m?.entries[key] { return s.string }
        if case .float(let f, _)? = m?.entries[key] { return ShortestDecimal(f).gFormat() }
        if case .bool(let b)? = m?.entries[key] { return b ? "true" : "false" }
        return nil
    }

    static func map(_ m: Map?, _ key: String) -> Map? {
        if case .map(let x)? = m?.entries[key] { return x }
        return nil
    }

    /// The local chart a release names, resolved against the document's folder.
    public static func localChartPath(_ r: HelmRelease) throws -> String {
        guard case .path(let p) = r.chart else {
            throw HelmReleaseError(r.file, "spec.chart", "not a local chart path")
        }
        return relative(p, to: r.file)
    }

    public static func relative(_ p: String, to file: String) -> String {
        if p.hasPrefix("/") { return p }
        let dir = file.contains("/") ? String(file[..<file.lastIndex(of: "/")!]) : "."
        return dir + "/" + p
    }
}
