import ArgumentParser
import FileIO
import Values
import ChartSource
#if canImport(Glibc)
import Glibc
#endif

/// `hrctl image`: hrctl's container image without Docker (an OCI image layout), and its push.
struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "image", abstract: "Build hrctl's container image (an OCI image layout) and push it to a registry.",
                                                    subcommands: [ImageBuild.self, ImagePush.self])
}

struct ImageBuild: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "build", abstract: "Write an OCI image layout of an hrctl binary: the same bytes from the same binary.")

    @Option(name: .long, help: "The hrctl binary (default: this one).") var binary: String?
    @Option(name: [.short, .long], help: "The image layout's directory.") var output: String
    @Option(name: .long, help: "The tag the layout's index names (default: hrctl's version).") var tag: String?
    @Option(name: .customLong("ca-bundle"), help: "The CA certificates the image trusts.") var caBundle = "/etc/ssl/certs/ca-certificates.crt"
    @Option(name: .long, help: "org.opencontainers.image.revision (a git commit).") var revision: String?
    @Option(name: .long, help: "org.opencontainers.image.source.") var source: String?
    @Option(name: .long, help: "The image's creation time, RFC 3339 (default: SOURCE_DATE_EPOCH when set, else none; the epoch in the layer).") var created: String?

    func run() throws {
        let path = binary ?? ImageBuild.ownPath()
        guard FileSystem.kind(path) == .file else { throw CLIError.invalidOption("--binary", path, expected: "an executable file") }
        var when = created
        if let c = created {
            guard Timestamp.parse(c) != nil else { throw CLIError.invalidOption("--created", c, expected: "an RFC 3339 time such as 2026-01-02T03:04:05Z") }
        } else if let epoch = Subprocess.environment["SOURCE_DATE_EPOCH"], !epoch.isEmpty {
            guard let s = Int(epoch) else { throw CLIError.invalidOption("SOURCE_DATE_EPOCH", epoch, expected: "seconds since the epoch") }
            when = Timestamp.format(seconds: s)
        }
        let image = try OCIImage.hrctl(binary: path, libraries: try OCIImage.sharedLibraries(of: path), caBundle: caBundle,
                                       version: Hrctl.version, revision: revision, created: when, source: source)
        let built = try image.build()
        try OCIImage.writeLayout(built, tag: tag ?? Hrctl.version, to: output)
        Output.write(Array("Image: \(output) (\(tag ?? Hrctl.version))\nDigest: \(built.manifest.digest)\nLayer: \(built.layer.digest) (\(built.layer.bytes.count) bytes)\n".utf8))
    }
}

extension ImageBuild {
    /// This program's file (ldd must be given the file, not /proc/self/exe, which is ldd's own).
    static func ownPath() -> String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        return n > 0 ? String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "/proc/self/exe"
    }
}

struct ImagePush: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "push", abstract: "Push an OCI image layout to a registry: oci://HOST/REPOSITORY[:TAG].")

    @Argument(help: "The image layout's directory.") var layout: String
    @Argument(help: "Where to: oci://HOST/REPOSITORY[:TAG] (default tag: the layout's).") var remote: String
    @OptionGroup var sources: SourceOptions

    func run() async throws {
        guard remote.hasPrefix("oci://") else { throw CLIError.invalidOption("REMOTE", remote, expected: "an oci:// reference") }
        var target = remote
        var tag: String?
        if let colon = remote.lastIndex(of: ":"), !remote[colon...].contains("/") {
            tag = String(remote[remote.index(after: colon)...])
            target = String(remote[..<colon])
        }
        let (built, layoutTag) = try OCIImage.readLayout(layout)
        guard let name = tag ?? layoutTag else { throw CLIError.invalidOption("REMOTE", remote, expected: "a tag (the layout names none)") }
        let ref = try OCIRegistry.Reference.parse(target)
        let http = try HTTPFetcher(options: sources.fetcherOptions().http)
        do {
            let digest = try await OCIRegistry(http: http, plainHTTP: sources.plainHTTP).push(image: built, tag: name, to: ref)
            await http.shutdown()
            Output.write(Array("Pushed: \(ref.host)/\(ref.repository):\(name)\nDigest: \(digest)\n".utf8))
        } catch {
            await http.shutdown()
            throw error
        }
    }
}
