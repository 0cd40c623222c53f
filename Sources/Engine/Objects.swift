import Values
import Chart
import YAML
import Sprig

/// `.Chart`: Helm v4 hands templates the metadata as a map (its MetadataAsMap), keyed by
/// the Go field names, so a field the metadata does not have renders empty, not an error.
enum ChartObject {
    static func make(_ md: Metadata, isRoot: Bool) -> Value {
        func strings(_ l: [String]) -> Value { .list(l.map { .string($0) }) }
        return .map([
            "Name": .string(md.name), "Home": .string(md.home), "Sources": strings(md.sources),
            "Version": .string(md.version), "Description": .string(md.description),
            "Keywords": strings(md.keywords),
            "Maintainers": .list(md.maintainers.map { m in
                .map(["Name": .string(m.name), "Email": .string(m.email), "URL": .string(m.url)])
            }),
            "Icon": .string(md.icon), "APIVersion": .string(md.apiVersion), "Condition": .string(md.condition),
            "Tags": .string(md.tags), "AppVersion": .string(md.appVersion), "Deprecated": .bool(md.deprecated),
            "Annotations": .map(Map(md.annotations.mapValues { .string($0) }, elem: .string)),
            "KubeVersion": .string(md.kubeVersion), "Type": .string(md.type), "IsRoot": .bool(isRoot),
            "Dependencies": .list(md.dependencies.map { d in
                .map(["Name": .string(d.name), "Version": .string(d.version), "Repository": .string(d.repository),
                      "Condition": .string(d.condition), "Tags": strings(d.tags), "Enabled": .bool(d.enabled),
                      "ImportValues": .list(d.importValues), "Alias": .string(d.alias)])
            }),
        ])
    }
}

/// `.Capabilities.KubeVersion`.
final class KubeVersionObject: GoObject, @unchecked Sendable {
    let version: String
    init(_ version: String) { self.version = version }
    var goType: GoType { .pointer(.named("common.KubeVersion", .struct)) }
    var formatted: String { version }
    var parts: [String] {
        var v = Substring(version)
        if v.hasPrefix("v") { v = v.dropFirst() }
        return v.split(separator: "-")[0].split(separator: ".").map(String.init)
    }
    func field(_ name: String) -> Value? {
        switch name {
        case "Version", "GitVersion": return .string(version)
        case "Major": return .string(parts.first ?? "")
        case "Minor": return .string(parts.count > 1 ? parts[1] : "")
        default: return nil
        }
    }
    func method(_ name: String) -> GoFunction? {
        name == "String" ? GoFunction(name, []) { [version] _ in .string(version) } : nil
    }
}

/// `.Capabilities.APIVersions`: Helm's VersionSet, a named `[]string` with `Has`, so every
/// function that takes a slice (`has`, `first`, `join`, `range`, `len`) takes it too.
enum APIVersionsList {
    static func make(_ versions: [String]) -> Value {
        let set = Set(versions)
        let has = GoFunction("Has", [.typed(.string)]) { a in .bool(set.contains(a[0]?.stringValue ?? "")) }
        return .list(List(versions.map { .string($0) }, elem: .string, name: "common.VersionSet",
                          methods: { $0 == "Has" ? has : nil }))
    }
}

/// `.Capabilities`.
final class CapabilitiesObject: GoObject, @unchecked Sendable {
    let kube: KubeVersionObject
    let versions: [String]
    let api: Value
    let helmVersion: String
    init(kubeVersion: String, apiVersions: [String], helmVersion: String) {
        kube = KubeVersionObject(kubeVersion); versions = apiVersions; api = APIVersionsList.make(apiVersions)
        self.helmVersion = helmVersion
    }
    var goType: GoType { .pointer(.named("common.Capabilities", .struct)) }
    var formatted: String { "&{\(kube.version) [\(versions.joined(separator: " "))]}" }
    func field(_ name: String) -> Value? {
        switch name {
        case "KubeVersion": return .object(kube)
        case "APIVersions": return api
        case "HelmVersion":
            return .map(["Version": .string(helmVersion), "GitCommit": .string(""), "GitTreeState": .string(""), "GoVersion": .string("")])
        default: return nil
        }
    }
}

/// `.Files`: the chart's non-template files, with Helm's accessors.
enum FilesObject {
    static func make(_ files: [(String, [UInt8])]) -> Value {
        var collected: [String: Value] = [:]
        for (name, data) in files { collected[name] = bytes(data) }
        let entries = collected
        return .map(Map(entries, elem: .slice(.uint8), name: "engine.files", methods: { methods(name: $0, entries: entries) }))
    }

    static func bytes(_ d: [UInt8]) -> Value { .list(List(bytes: d)) }

    static func data(_ v: Value?) -> [UInt8]? {
        guard case .list(let l)? = v else { return nil }
        return l.bytes
    }

    static func methods(name: String, entries: [String: Value]) -> GoFunction? {
        switch name {
        case "Get":
            return GoFunction(name, [.typed(.string)]) { a in
                .string(bytes: data(entries[a[0]?.stringValue ?? ""]) ?? [])
            }
        case "GetBytes":
            return GoFunction(name, [.typed(.string)]) { a in entries[a[0]?.stringValue ?? ""] ?? bytes([]) }
        case "Lines":
            return GoFunction(name, [.typed(.string)]) { a in
                guard let d = data(entries[a[0]?.stringValue ?? ""]), !d.isEmpty else { return .list([], of: .string) }
                let body = d.last == 0x0A ? d.dropLast() : d[...]
                return .list(body.split(separator: 0x0A, omittingEmptySubsequences: false).map { .string(bytes: $0) }, of: .string)
            }
        case "Glob":
            return GoFunction(name, [.typed(.string)]) { a in
                let pattern = Glob.Pattern(a[0]?.stringValue ?? "")
                var picked: [(String, [UInt8])] = []
                for (k, v) in entries where pattern.matches(k) { picked.append((k, data(v) ?? [])) }
                return make(picked)
            }
        case "AsConfig":
            return GoFunction(name, []) { _ in
                var m: [String: Value] = [:]
                for (k, v) in entries { m[baseName(k)] = .string(bytes: data(v) ?? []) }
                return .string(toYAML(.map(Map(m, elem: .string))))
            }
        case "AsSecrets":
            return GoFunction(name, []) { _ in
                var m: [String: Value] = [:]
                for (k, v) in entries { m[baseName(k)] = .string(Base64.encode(data(v) ?? [])) }
                return .string(toYAML(.map(Map(m, elem: .string))))
            }
        default:
            return nil
        }
    }

    static func baseName(_ p: String) -> String { String(p.split(separator: "/").last ?? "") }
}

/// Helm's toYAML: go-yaml through JSON, trailing newline removed; "" on failure.
func toYAML(_ v: Value) -> String {
    guard var s = try? YAMLWriter.marshal(v) else { return "" }
    if s.hasSuffix("\n") { s.removeLast() }
    return s
}
