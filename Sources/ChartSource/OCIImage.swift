import Values
import FileIO
import Archive

/// A container image made without a container runtime: one layer (a tar of the files, gzipped),
/// its OCI config and manifest, written as an OCI image layout (`oci-layout`, `index.json`,
/// `blobs/sha256/…`). Reproducible: entries are sorted, owners and times fixed (`created`, or the
/// epoch), gzip carries no name or time, JSON keys are sorted, so the same files give the same bytes.
public struct OCIImage: Sendable {
    public static let indexType = "application/vnd.oci.image.index.v1+json"
    public static let configType = "application/vnd.oci.image.config.v1+json"
    public static let layerType = "application/vnd.oci.image.layer.v1.tar+gzip"

    public struct File: Sendable, Equatable {
        public enum Kind: Sendable, Equatable { case file([UInt8]), directory, symlink(String) }
        public var path: String
        public var kind: Kind
        public var mode: Int
        public var uid = 0
        public var gid = 0
        public init(path: String, kind: Kind, mode: Int, uid: Int = 0, gid: Int = 0) {
            self.path = OCIImage.clean(path); self.kind = kind; self.mode = mode; self.uid = uid; self.gid = gid
        }
    }

    public var files: [File] = []
    public var entrypoint: [String] = []
    public var cmd: [String] = []
    public var env: [String] = []
    /// `uid:gid`; a numeric user passes `runAsNonRoot` without a passwd lookup.
    public var user = ""
    public var workingDir = "/"
    public var labels: [String: String] = [:]
    /// RFC 3339; nil leaves `created` out (the config then depends on nothing but the files).
    public var created: String?
    public var architecture = "amd64"
    public var os = "linux"

    public init() {}

    /// A blob and how a manifest names it.
    public struct Blob: Sendable, Equatable {
        public var mediaType: String
        public var bytes: [UInt8]
        public var digest: String { "sha256:" + ChartCache.sha256(bytes) }
        public var descriptor: Value {
            .map(["mediaType": .string(mediaType), "digest": .string(digest), "size": .float(Double(bytes.count))])
        }
    }

    /// The image's blobs: manifest, config, and the one layer.
    public struct Built: Sendable, Equatable {
        public var manifest: Blob
        public var config: Blob
        public var layer: Blob
    }

    public func build() throws -> Built {
        let tar = try layerTar()
        let layer = Blob(mediaType: OCIImage.layerType, bytes: try Gzip.compress(tar, level: 9))
        var cfg: [String: Value] = ["WorkingDir": .string(workingDir)]
        if !entrypoint.isEmpty { cfg["Entrypoint"] = .list(entrypoint.map { .string($0) }) }
        if !cmd.isEmpty { cfg["Cmd"] = .list(cmd.map { .string($0) }) }
        if !env.isEmpty { cfg["Env"] = .list(env.map { .string($0) }) }
        if !user.isEmpty { cfg["User"] = .string(user) }
        if !labels.isEmpty { cfg["Labels"] = .map(Map(labels.mapValues { .string($0) })) }
        var config: [String: Value] = [
            "architecture": .string(architecture), "os": .string(os), "config": .map(Map(cfg)),
            "rootfs": .map(["type": .string("layers"), "diff_ids": .list([.string("sha256:" + ChartCache.sha256(tar))])]),
        ]
        if let created { config["created"] = .string(created) }
        let configBlob = Blob(mediaType: OCIImage.configType, bytes: Array(try JSONEncoding.encode(.map(Map(config)), escapeHTML: false).utf8))
        var manifest: [String: Value] = [
            "schemaVersion": .float(2), "mediaType": .string(OCIRegistry.manifestType),
            "config": configBlob.descriptor, "layers": .list([layer.descriptor]),
        ]
        // The labels that describe the image are the manifest's annotations too (registries show them).
        let annotations = labels.filter { $0.key.hasPrefix("org.opencontainers.image.") }
        if !annotations.isEmpty { manifest["annotations"] = .map(Map(annotations.mapValues { .string($0) })) }
        let manifestBlob = Blob(mediaType: OCIRegistry.manifestType, bytes: Array(try JSONEncoding.encode(.map(Map(manifest)), escapeHTML: false).utf8))
        return Built(manifest: manifestBlob, config: configBlob, layer: layer)
    }

    /// The layer's tar: every file's parent directories, all sorted by path.
    func layerTar() throws -> [UInt8] {
        var byPath: [String: File] = [:]
        for f in files {
            guard !f.path.isEmpty else { throw SourceError.unsupported("an image file needs a path below /") }
            byPath[f.path] = f
            var parts = f.path.split(separator: "/").dropLast()
            while !parts.isEmpty {
                let dir = parts.joined(separator: "/")
                if byPath[dir] == nil { byPath[dir] = File(path: dir, kind: .directory, mode: 0o755) }
                parts = parts.dropLast()
            }
        }
        let mtime = created.flatMap(Timestamp.parse).map { Int($0) } ?? 0
        var out: [UInt8] = []
        for path in byPath.keys.sorted() { out += try TarWriter.entry(byPath[path]!, mtime: mtime) }
        out += [UInt8](repeating: 0, count: 1024)
        return out
    }

    static func clean(_ path: String) -> String { path.split(separator: "/").filter { $0 != "." }.joined(separator: "/") }

    /// The shared objects a dynamically linked program loads (its interpreter among them), as
    /// `ldd` resolves them on this machine; none for a static one.
    public static func sharedLibraries(of binary: String) throws -> [String] {
        let r = try Subprocess.run("ldd", [binary])
        let text = String(decoding: r.out + r.err, as: UTF8.self)
        if text.contains("not a dynamic executable") || text.contains("statically linked") { return [] }
        guard r.status == 0 else { throw SourceError.unsupported("ldd \(binary) failed: \(text)") }
        var out: [String] = []
        for line in text.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if line.contains("=> not found") { throw SourceError.unsupported("ldd \(binary): \(String(line).trimmingCharacters())") }
            if let arrow = words.firstIndex(of: "=>"), arrow + 1 < words.count, words[arrow + 1].hasPrefix("/") { out.append(words[arrow + 1]) }
            else if let first = words.first, first.hasPrefix("/") { out.append(first) }
        }
        return out
    }

    // MARK: the image layout on disk

    /// Writes `dir` as an OCI image layout holding this image under `tag`.
    public static func writeLayout(_ built: Built, tag: String, to dir: String) throws {
        try FileSystem.makeDirectories(dir + "/blobs/sha256")
        for blob in [built.layer, built.config, built.manifest] {
            try FileSystem.writeAtomically(dir + "/blobs/sha256/" + blob.digest.dropFirst("sha256:".count), blob.bytes)
        }
        var descriptor = built.manifest.descriptor
        if case .map(var m) = descriptor {
            m.entries["annotations"] = .map(["org.opencontainers.image.ref.name": .string(tag)])
            descriptor = .map(m)
        }
        let index: Value = .map(["schemaVersion": .float(2), "mediaType": .string(indexType), "manifests": .list([descriptor])])
        try FileSystem.writeAtomically(dir + "/index.json", Array(try JSONEncoding.encode(index, escapeHTML: false).utf8))
        try FileSystem.writeAtomically(dir + "/oci-layout", Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
    }

    /// The image an OCI image layout holds (its only manifest, or the one tagged `tag`), each
    /// blob checked against its digest.
    public static func readLayout(_ dir: String, tag: String? = nil) throws -> (built: Built, tag: String?) {
        func fail(_ why: String) -> SourceError { .unsupported("\(dir) is not an OCI image layout: \(why)") }
        guard let text = try? FileSystem.readText(dir + "/index.json"), case .map(let index)? = try? JSON.decode(text),
              case .list(let manifests)? = index.entries["manifests"] else { throw fail("no readable index.json") }
        var chosen: (Map, String?)?
        for case .map(let m) in manifests.items {
            var name: String?
            if case .map(let a)? = m.entries["annotations"] { name = a.entries["org.opencontainers.image.ref.name"]?.stringValue }
            if tag == nil || name == tag { chosen = (m, name); break }
        }
        guard let (descriptor, name) = chosen else { throw fail(tag.map { "no manifest tagged \($0)" } ?? "index.json lists no manifest") }
        func blob(_ d: Map, _ what: String) throws -> Blob {
            guard let digest = d.entries["digest"]?.stringValue, digest.hasPrefix("sha256:"),
                  let type = d.entries["mediaType"]?.stringValue else { throw fail("\(what) has no sha256 digest or media type") }
            let bytes: [UInt8]
            do { bytes = try FileSystem.read(dir + "/blobs/sha256/" + digest.dropFirst("sha256:".count)) } catch { throw fail("\(what) \(digest) is missing") }
            let b = Blob(mediaType: type, bytes: bytes)
            guard b.digest == digest else { throw SourceError.digestMismatch(url: dir + "/blobs/sha256/" + digest.dropFirst(7), want: digest, got: b.digest) }
            return b
        }
        let manifest = try blob(descriptor, "the manifest")
        guard case .map(let m)? = try? JSON.decode(String(decoding: manifest.bytes, as: UTF8.self)),
              case .map(let c)? = m.entries["config"], case .list(let layers)? = m.entries["layers"],
              layers.items.count == 1, case .map(let l) = layers.items[0] else { throw fail("the manifest is not a one-layer image manifest") }
        return (Built(manifest: manifest, config: try blob(c, "the config"), layer: try blob(l, "the layer")), name)
    }
}

/// ustar entries with the modes, owners and times an image needs (the chart packer's writer
/// knows only 0644 files).
enum TarWriter {
    static func entry(_ f: OCIImage.File, mtime: Int) throws -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: String, _ at: Int, _ len: Int) { for (i, b) in s.utf8.prefix(len).enumerated() { h[at + i] = b } }
        func octal(_ n: Int, _ w: Int) -> String { let o = String(n, radix: 8); return String(repeating: "0", count: max(0, w - o.count)) + o }
        var name = f.path
        var data: [UInt8] = []
        let type: UInt8
        switch f.kind {
        case .file(let bytes): type = UInt8(ascii: "0"); data = bytes
        case .directory: type = UInt8(ascii: "5"); name += "/"
        case .symlink(let target):
            type = UInt8(ascii: "2")
            guard target.utf8.count <= 100 else { throw SourceError.unsupported("symlink target too long for ustar: \(target)") }
            put(target, 157, 100)
        }
        // ustar splits long names into a prefix (155) and a name (100) at a slash.
        if name.utf8.count > 100 {
            guard let cut = name.utf8.indices.filter({ name.utf8[$0] == UInt8(ascii: "/") })
                .last(where: { name.utf8.distance(from: name.utf8.startIndex, to: $0) <= 155 && name.utf8.distance(from: $0, to: name.utf8.endIndex) - 1 <= 100 }) else {
                throw SourceError.unsupported("path too long for ustar: \(name)")
            }
            put(String(name[..<cut]), 345, 155)
            name = String(name[name.index(after: cut)...])
        }
        put(name, 0, 100)
        put(octal(f.mode, 7), 100, 7)
        put(octal(f.uid, 7), 108, 7)
        put(octal(f.gid, 7), 116, 7)
        put(octal(data.count, 11), 124, 11)
        put(octal(mtime, 11), 136, 11)
        h[156] = type
        put("ustar", 257, 5); put("00", 263, 2)
        put(octal(0, 7), 329, 7); put(octal(0, 7), 337, 7)
        for i in 148..<156 { h[i] = 0x20 }
        let sum = h.reduce(0) { $0 + Int($1) }
        put(octal(sum, 6), 148, 6)
        h[154] = 0; h[155] = 0x20
        var out = h + data
        out += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
        return out
    }
}
