import Values
import YAML
import Engine
import FileIO
import HelmRelease
import Release

/// Post-renderers on a release's manifests (hooks are left alone, as in Helm): the result is
/// split into documents again and put back in Helm's install order.
public enum PostRender {
    public struct Failure: Error, CustomStringConvertible, Sendable { public let description: String }

    public static func run(_ renderers: [PostRenderer], _ manifests: [Manifest]) throws -> [Manifest] {
        var ms = manifests
        for r in renderers {
            switch r {
            case .executable(let path, let args): ms = try executable(path, args, ms)
            case .kustomize(let k): ms = try kustomize(k, ms)
            }
        }
        var order: [String: Int] = [:]
        for (i, k) in Manifests.installOrder.enumerated() { order[k] = i }
        return ms.enumerated().sorted { a, b in
            let x = order[a.element.kind] ?? Int.max, y = order[b.element.kind] ?? Int.max
            return x != y ? x < y : a.offset < b.offset
        }.map(\.element)
    }

    /// What decides the post-renderers' effect: the executable's path, arguments and content, the
    /// patches and images. Stored with the release, so a change of post-renderer is an upgrade.
    public static func fingerprint(_ renderers: [PostRenderer]) -> String {
        guard !renderers.isEmpty else { return "" }
        var text = ""
        for r in renderers {
            switch r {
            case .executable(let path, let args):
                let content = (try? FileSystem.read(Subprocess.find(path, environment: Subprocess.environment) ?? path)) ?? []
                text += "exec\u{0}\(path)\u{0}\(args.joined(separator: "\u{0}"))\u{0}\(ChartRecord.sha256Hex(content))\n"
            case .kustomize(let k):
                for p in k.patches {
                    let t = p.target
                    text += "patch\u{0}\(t.group)/\(t.version)/\(t.kind)/\(t.namespace)/\(t.name)\u{0}\((try? JSONEncoding.encode(.list(p.operations))) ?? "")\n"
                }
                for i in k.images { text += "image\u{0}\(i.name)\u{0}\(i.newName)\u{0}\(i.newTag)\u{0}\(i.digest)\n" }
            }
        }
        return ChartRecord.sha256Hex(Array(text.utf8))
    }

    static func executable(_ path: String, _ args: [String], _ ms: [Manifest]) throws -> [Manifest] {
        let input = ResourceList.manifestText(ms)
        let r: (status: Int32, out: [UInt8], err: [UInt8])
        do { r = try Subprocess.run(path, args, input: Array(input.utf8)) } catch {
            throw Failure(description: "error while running the post-renderer \(path): \(error)")
        }
        guard r.status == 0 else {
            throw Failure(description: "error while running the post-renderer \(path): exit status \(r.status): \(String(decoding: r.err, as: UTF8.self).trimmingCharacters(in: "\n"))")
        }
        return try documents(String(decoding: r.out, as: UTF8.self), source: "post-renderer \(path)")
    }

    /// Documents of post-rendered text; a `# Source:` comment keeps the template's name.
    static func documents(_ text: String, source: String) throws -> [Manifest] {
        var out: [Manifest] = []
        for doc in Manifests.split(text) {
            var name = source, body = Substring(doc)
            if body.hasPrefix("# Source: "), let nl = body.firstIndex(of: "\n") {
                name = String(body[body.index(body.startIndex, offsetBy: 10)..<nl])
                body = body[body.index(after: nl)...]
            }
            let value: Value?
            do { value = try YAML.load(String(body)) } catch {
                throw Failure(description: "\(source) wrote invalid YAML: \(error)")
            }
            guard case .map(let m)? = value else { continue }
            out.append(Manifest(name: name, content: String(body).trimmingCharacters(in: "\n"), kind: m.entries["kind"]?.stringValue ?? "", hookEvents: []))
        }
        return out
    }

    static func kustomize(_ k: Kustomize, _ ms: [Manifest]) throws -> [Manifest] {
        try ms.map { m in
            guard case .map(let obj)? = try YAML.load(m.content) else { return m }
            var doc: Value = .map(obj)
            for p in k.patches where matches(p.target, obj) {
                if case .map(let op)? = p.operations.first, op.entries["op"]?.stringValue == "merge" {
                    doc = MergePatch.apply(op.entries["value"] ?? .null, to: doc)
                    continue
                }
                do { doc = try JSONPatch.apply(p.operations, to: doc) } catch {
                    throw Failure(description: "postRenderers: patch on \(m.kind) \(name(obj)): \(error)")
                }
            }
            if !k.images.isEmpty { setImages(doc, k.images) }
            let text = try YAMLWriter.marshal(doc).trimmingCharacters(in: "\n")
            return Manifest(name: m.name, content: text, kind: m.kind, hookEvents: [])
        }
    }

    static func name(_ obj: Map) -> String {
        if case .map(let md)? = obj.entries["metadata"] { return md.entries["name"]?.stringValue ?? "" }
        return ""
    }

    static func matches(_ t: Kustomize.Target, _ obj: Map) -> Bool {
        let api = obj.entries["apiVersion"]?.stringValue ?? ""
        let parts = api.split(separator: "/").map(String.init)
        let group = parts.count == 2 ? parts[0] : "", version = parts.last ?? ""
        var ns = ""
        if case .map(let md)? = obj.entries["metadata"] { ns = md.entries["namespace"]?.stringValue ?? "" }
        return (t.kind.isEmpty || t.kind == obj.entries["kind"]?.stringValue) && (t.name.isEmpty || t.name == name(obj))
            && (t.group.isEmpty || t.group == group) && (t.version.isEmpty || t.version == version) && (t.namespace.isEmpty || t.namespace == ns)
    }

    /// kustomize's `images`: containers (and initContainers) whose image name matches get the new name, tag or digest.
    static func setImages(_ v: Value, _ images: [Kustomize.Image]) {
        switch v {
        case .map(let m):
            for key in ["containers", "initContainers"] {
                guard case .list(let l)? = m.entries[key] else { continue }
                for c in l.items {
                    guard case .map(let cm) = c, let image = cm.entries["image"]?.stringValue else { continue }
                    cm.entries["image"] = .string(rewrite(image, images))
                }
            }
            for (_, x) in m.entries { setImages(x, images) }
        case .list(let l):
            for x in l.items { setImages(x, images) }
        default:
            break
        }
    }

    static func rewrite(_ image: String, _ images: [Kustomize.Image]) -> String {
        var name = image, tag = ""
        if let at = image.firstIndex(of: "@") { name = String(image[..<at]); tag = String(image[at...]) }
        else if let colon = image.lastIndex(of: ":"), !image[colon...].contains("/") { name = String(image[..<colon]); tag = String(image[colon...]) }
        guard let rule = images.first(where: { $0.name == name }) else { return image }
        if !rule.newName.isEmpty { name = rule.newName }
        if !rule.digest.isEmpty { tag = "@" + rule.digest } else if !rule.newTag.isEmpty { tag = ":" + rule.newTag }
        return name + tag
    }
}

extension String {
    func trimmingCharacters(in c: Character) -> String {
        var s = Substring(self)
        while s.first == c { s = s.dropFirst() }
        while s.last == c { s = s.dropLast() }
        return String(s)
    }
}
