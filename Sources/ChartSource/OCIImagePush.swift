import Values
import NIOHTTP1
import FileIO

/// Images to and from a registry: blobs first, then the manifest under a tag (the same upload
/// protocol as `helm push`, with the image's media types).
extension OCIRegistry {
    /// Pushes the image's config and layer (skipping blobs the registry has), then its manifest
    /// as `tag`; returns the manifest's digest.
    public func push(image: OCIImage.Built, tag: String, to ref: Reference) async throws -> String {
        var token: String? = nil
        for blob in [image.config, image.layer] { try await upload(blob.bytes, digest: blob.digest, to: ref, token: &token) }
        let url = base(ref) + "/manifests/" + tag
        let r = try await send(.PUT, url, ref, headers: [("Content-Type", image.manifest.mediaType)], body: image.manifest.bytes, token: &token)
        guard r.status == 201 else {
            throw SourceError.download(url: url, reason: "the registry answered \(r.status) to the manifest: \(String(decoding: r.body.prefix(300), as: UTF8.self))")
        }
        return image.manifest.digest
    }

    func upload(_ blob: [UInt8], digest: String, to ref: Reference, token: inout String?) async throws {
        let exists = try await send(.HEAD, base(ref) + "/blobs/" + digest, ref, token: &token)
        if exists.status == 200 { return }
        let start = try await send(.POST, base(ref) + "/blobs/uploads/", ref, token: &token)
        guard start.status == 202, var location = start.headers.first(where: { $0.0.lowercased() == "location" })?.1 else {
            throw SourceError.download(url: base(ref) + "/blobs/uploads/", reason: "the registry answered \(start.status) to an upload")
        }
        if location.hasPrefix("/") { location = "\(plainHTTP ? "http" : "https")://\(ref.host)" + location }
        location += (location.contains("?") ? "&" : "?") + "digest=" + PercentEncoding.escape(digest)
        let put = try await send(.PUT, location, ref, headers: [("Content-Type", "application/octet-stream")], body: blob, token: &token)
        guard put.status == 201 else { throw SourceError.download(url: location, reason: "the registry answered \(put.status) to a blob upload") }
    }

    /// An image by tag or digest: its manifest, config and layer, each checked against the
    /// digest that names it.
    public func pull(image reference: String, from ref: Reference) async throws -> OCIImage.Built {
        var token: String? = nil
        let url = base(ref) + "/manifests/" + reference
        let r = try await send(.GET, url, ref, headers: [("Accept", OCIRegistry.manifestType)], token: &token)
        guard r.status == 200 else { throw SourceError.download(url: url, reason: "the registry answered \(r.status)") }
        let manifest = OCIImage.Blob(mediaType: OCIRegistry.manifestType, bytes: r.body)
        if reference.hasPrefix("sha256:"), manifest.digest != reference {
            throw SourceError.digestMismatch(url: url, want: reference, got: manifest.digest)
        }
        guard case .map(let m)? = try? JSON.decode(String(decoding: r.body, as: UTF8.self)), case .map(let c)? = m.entries["config"],
              case .list(let layers)? = m.entries["layers"], layers.items.count == 1, case .map(let l) = layers.items[0],
              let cd = c.entries["digest"]?.stringValue, let ld = l.entries["digest"]?.stringValue else {
            throw SourceError.download(url: url, reason: "not a one-layer OCI image manifest")
        }
        let config = OCIImage.Blob(mediaType: c.entries["mediaType"]?.stringValue ?? "", bytes: try await blob(ref, digest: cd))
        let layer = OCIImage.Blob(mediaType: l.entries["mediaType"]?.stringValue ?? "", bytes: try await blob(ref, digest: ld))
        return OCIImage.Built(manifest: manifest, config: config, layer: layer)
    }
}

extension OCIImage {
    /// hrctl's own image: the binary as entrypoint, the shared objects it loads, a CA bundle,
    /// a non-root user (65532, as distroless's "nonroot") and the org.opencontainers.image labels.
    public static func hrctl(binary: String, libraries: [String], caBundle: String, version: String,
                             revision: String? = nil, created: String? = nil, source: String? = nil) throws -> OCIImage {
        var image = OCIImage()
        image.files.append(File(path: "usr/local/bin/hrctl", kind: .file(try FileSystem.read(binary)), mode: 0o755))
        for lib in libraries {
            // Stored at the path the loader asks for, with the bytes behind any symlink.
            image.files.append(File(path: lib, kind: .file(try FileSystem.read(lib)), mode: 0o755))
        }
        image.files.append(File(path: "etc/ssl/certs/ca-certificates.crt", kind: .file(try FileSystem.read(caBundle)), mode: 0o644))
        image.files.append(File(path: "etc/passwd", kind: .file(Array("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n".utf8)), mode: 0o644))
        image.files.append(File(path: "etc/group", kind: .file(Array("root:x:0:\nnonroot:x:65532:\n".utf8)), mode: 0o644))
        image.files.append(File(path: "home/nonroot", kind: .directory, mode: 0o700, uid: 65532, gid: 65532))
        image.files.append(File(path: "tmp", kind: .directory, mode: 0o1777))
        image.entrypoint = ["/usr/local/bin/hrctl"]
        image.user = "65532:65532"
        image.env = ["PATH=/usr/local/bin:/usr/bin:/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt", "HOME=/home/nonroot"]
        image.created = created
        var labels = ["org.opencontainers.image.title": "hrctl",
                      "org.opencontainers.image.description": "Helm v4 CLI and HelmRelease operator in one binary",
                      "org.opencontainers.image.version": version]
        if let revision { labels["org.opencontainers.image.revision"] = revision }
        if let created { labels["org.opencontainers.image.created"] = created }
        if let source { labels["org.opencontainers.image.source"] = source }
        image.labels = labels
        return image
    }
}
