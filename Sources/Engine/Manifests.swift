import Values
import YAML
import Chart
import Dispatch

/// One rendered Kubernetes document and where it came from.
public struct Manifest: Sendable {
    public let name: String      // the template path, "chart/templates/x.yaml"
    public let content: String
    public let kind: String
    public let hookEvents: [String]
    public var isHook: Bool { !hookEvents.isEmpty }

    public init(name: String, content: String, kind: String, hookEvents: [String]) {
        self.name = name; self.content = content; self.kind = kind; self.hookEvents = hookEvents
    }
}

/// Helm's releaseutil: splits rendered templates into documents, separates hooks and sorts
/// by install order of kinds (stable within a kind).
public enum Manifests {
    public static let installOrder = [
        "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
        "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
        "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
        "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
        "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
        "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
        "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
    ]

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0B || c == 0x0C }

    /// SplitManifests: documents separated by `---` at the start of a line (with the white
    /// space after it); each document loses its leading white space and keeps its trailing.
    public static func split(_ text: String) -> [String] {
        let b = Array(text.utf8)
        var docs: [String] = []
        var docStart = 0
        var i = 0
        while i + 2 < b.count {
            if b[i] == 0x2D && b[i + 1] == 0x2D && b[i + 2] == 0x2D && (i == 0 || b[i - 1] == 0x0A) {
                docs.append(String(decoding: b[docStart..<i], as: UTF8.self))
                var j = i + 3
                while j < b.count && isSpace(b[j]) { j += 1 }
                docStart = j
                i = j
                continue
            }
            i += 1
        }
        docs.append(String(decoding: b[min(docStart, b.count)...], as: UTF8.self))
        return docs.compactMap { d in
            let u = Array(d.utf8)
            var k = 0
            while k < u.count && isSpace(u[k]) { k += 1 }
            return k == u.count ? nil : String(decoding: u[k...], as: UTF8.self)
        }
    }

    public struct ParseError: Error, CustomStringConvertible, Sendable { public let description: String }

    /// SortManifests: files in name order, partials and NOTES.txt skipped, documents read for
    /// their kind and hook annotations, then ordered by kind.
    public static func sort(_ files: [String: String]) throws -> (hooks: [Manifest], manifests: [Manifest]) {
        // Documents in file-name order; reading each document's head is independent work.
        var docs: [(path: String, text: String)] = []
        for path in files.keys.sorted() {
            let base = path.split(separator: "/").last.map(String.init) ?? path
            if base.hasPrefix("_") || path.hasSuffix("NOTES.txt") { continue }
            let content = files[path]!
            if content.allSatisfy({ $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }) { continue }
            for doc in split(content) { docs.append((path, doc)) }
        }
        let heads = HeadReader.read(docs)
        var hooks: [Manifest] = [], generic: [Manifest] = []
        for (i, d) in docs.enumerated() {
            let (kind, events) = try heads[i].get()
            let m = Manifest(name: d.path, content: d.text, kind: kind, hookEvents: events)
            if m.isHook { hooks.append(m) } else { generic.append(m) }
        }
        return (sortByKind(hooks), sortByKind(generic))
    }

    /// Reads kind and hook annotations of documents, on all cores for large charts.
    enum HeadReader {
        typealias Head = Result<(String, [String]), ParseError>

        final class Slots: @unchecked Sendable {
            let base: UnsafeMutablePointer<Head>
            let count: Int
            init(_ n: Int) {
                count = n
                base = .allocate(capacity: max(n, 1))
                base.initialize(repeating: .success(("", [])), count: n)
            }
            deinit { base.deinitialize(count: count); base.deallocate() }
        }

        static func read(_ docs: [(path: String, text: String)]) -> [Head] {
            let slots = Slots(docs.count)
            let work: @Sendable (Int) -> Void = { i in (slots.base + i).pointee = head(docs[i].path, docs[i].text) }
            if docs.count < 16 { for i in docs.indices { work(i) } }
            else { DispatchQueue.concurrentPerform(iterations: docs.count, execute: work) }
            return Array(UnsafeBufferPointer(start: slots.base, count: slots.count))
        }

        static func head(_ path: String, _ doc: String) -> Head {
            let value: Value?
            do {
                value = try YAML.load(doc)
            } catch let e as YAMLError {
                return .failure(ParseError(description: "YAML parse error on \(path): error converting YAML to JSON: \(e.message)"))
            } catch {
                return .failure(ParseError(description: "YAML parse error on \(path): \(error)"))
            }
            var kind = "", events: [String] = []
            switch value {
            case .map(let m)?:
                if let k = m.entries["kind"]?.stringValue { kind = k }
                if case .map(let md)? = m.entries["metadata"], case .map(let ann)? = md.entries["annotations"],
                   let h = ann.entries["helm.sh/hook"]?.stringValue {
                    events = h.split(separator: ",").map { String($0).trimmingCharacters(in: " ") }
                }
            case nil, .null?:
                break
            case let v?:
                return .failure(ParseError(description: "YAML parse error on \(path): error unmarshaling JSON: while decoding JSON: json: cannot unmarshal \(HelmFunctions.jsonKind(v)) into Go value of type util.SimpleHead"))
            }
            return .success((kind, events))
        }
    }

    static func sortByKind(_ ms: [Manifest]) -> [Manifest] {
        var order: [String: Int] = [:]
        for (i, k) in installOrder.enumerated() { order[k] = i }
        let indexed = ms.enumerated().map { ($0.offset, $0.element) }
        return indexed.sorted { a, b in
            let ka = a.1.kind, kb = b.1.kind
            let oa = order[ka], ob = order[kb]
            switch (oa, ob) {
            case let (x?, y?): return x != y ? x < y : a.0 < b.0
            case (nil, nil): return ka != kb ? goLess(ka, kb) : a.0 < b.0
            case (nil, _?): return false
            case (_?, nil): return true
            }
        }.map(\.1)
    }

    /// What `helm template` prints: CRDs when asked, manifests, then hooks, each headed `---`
    /// and `# Source:`.
    public static func templateOutput(hooks: [Manifest], manifests: [Manifest], includeHooks: Bool = true,
                                      crds: [(name: String, text: String)] = []) -> String {
        var body = ""
        for c in crds { body += "---\n# Source: \(c.name)\n\(c.text)\n" }
        for m in manifests { body += "---\n# Source: \(m.name)\n\(m.content)\n" }
        var out = body.trimmingCharacters(in: " \n\t\r") + "\n"
        if includeHooks {
            for h in hooks { out += "---\n# Source: \(h.name)\n\(h.content)\n" }
        }
        return out
    }
}

extension Manifests {
    public struct ShowOnlyError: Error, CustomStringConvertible, Sendable { public let description: String }

    /// `--show-only`: the documents whose template path (without the chart name) matches each
    /// pattern, in output order; a pattern matching nothing is an error.
    public static func showOnly(_ patterns: [String], from output: String) throws -> String {
        let docs = split(output)
        var out = ""
        for pattern in patterns {
            var found = false
            for doc in docs {
                guard doc.hasPrefix("# Source: ") else { continue }
                let firstLine = doc.prefix(while: { $0 != "\n" })
                let name = firstLine.dropFirst("# Source: ".count)
                guard let slash = name.firstIndex(of: "/") else { continue }
                let path = String(name[name.index(after: slash)...])
                if Glob.match(pattern, path) {
                    var d = doc
                    while d.hasSuffix("\n") || d.hasSuffix(" ") { d.removeLast() }
                    out += "---\n\(d)\n"
                    found = true
                }
            }
            if !found { throw ShowOnlyError(description: "could not find template \(pattern) in chart") }
        }
        return out
    }
}
