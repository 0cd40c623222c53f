import FileIO
import Archive
import Chart

/// `helm pull`: a located chart saved as its archive, or unpacked (`--untar`) into a folder named
/// after the chart, refusing to overwrite one that exists.
public enum ChartPull {
    /// Writes the chart and returns the path written.
    @discardableResult
    public static func save(_ located: ChartLocator.Located, destination: String, untar: Bool, untarDir: String = ".") throws -> String {
        guard let archive = located.archive else { throw SourceError.unsupported("\(located.localPath ?? located.fileName) is a local chart; nothing to pull") }
        try FileSystem.makeDirectories(destination)
        if !untar {
            let out = join(destination, located.fileName)
            try FileSystem.writeAtomically(out, archive)
            return out
        }
        let target = untarDir.hasPrefix("/") ? untarDir : join(destination, untarDir)
        try unpack(archive, into: target, name: located.fileName)
        return target
    }

    /// Unpacks an archive's top folder into `directory` (Helm's `chartutil.ExpandFile`).
    public static func unpack(_ archive: [UInt8], into directory: String, name: String) throws {
        let entries: [Tar.Entry]
        do {
            entries = try Tar.read(try Gzip.decompress(archive, limit: 512 << 20), limits: Tar.Limits(maxFileSize: 64 << 20, maxTotalSize: 512 << 20))
        } catch let e as ArchiveError { throw ChartError("\(name): \(e.description)") }
        guard let top = entries.first.map({ String($0.path.split(separator: "/")[0]) }) else { throw ChartError("\(name): no files in chart archive") }
        let root = join(directory, top)
        if FileSystem.kind(root) != .missing { throw SourceError.exists(root) }
        for e in entries {
            let path = join(directory, e.path)
            if let slash = path.lastIndex(of: "/") { try FileSystem.makeDirectories(String(path[..<slash])) }
            try FileSystem.write(path, e.data)
        }
    }

    /// filepath.Join for the simple cases: no doubled or trailing `/`, `.` dropped.
    static func join(_ a: String, _ b: String) -> String {
        var parts = a.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
        parts += b.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
        let joined = parts.joined(separator: "/")
        if a.hasPrefix("/") { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }
}
