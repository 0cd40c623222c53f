import FileIO
import Archive

/// `helm package`: a chart folder as `NAME-VERSION.tgz`, every file under one top folder named
/// after the chart. Entries carry no timestamps or owners, so the same folder always packs to
/// the same bytes and the same digest.
public enum ChartPackager {
    public struct Package: Sendable {
        public let fileName: String
        public let bytes: [UInt8]
        public let metadata: Metadata
    }

    /// `version`/`appVersion` replace Chart.yaml's, as `helm package --version/--app-version` do.
    public static func package(directory: String, version: String? = nil, appVersion: String? = nil) throws -> Package {
        var files = try ChartLoader.files(directory: directory)
        if version != nil || appVersion != nil {
            guard let i = files.firstIndex(where: { $0.0 == "Chart.yaml" }) else { throw ChartError("Chart.yaml file is missing") }
            var text = String(decoding: files[i].1, as: UTF8.self)
            if let version { text = replaceTopLevel("version", in: text, with: version) }
            if let appVersion { text = replaceTopLevel("appVersion", in: text, with: appVersion) }
            files[i].1 = Array(text.utf8)
        }
        // Loading validates the chart, as helm package does before writing anything.
        let chart = try ChartLoader.load(files: files, source: directory)
        let top = chart.metadata.name
        var tar: [UInt8] = []
        for (path, data) in files.sorted(by: { order($0.0) < order($1.0) }) {
            tar += Tar.entry(top + "/" + path, data)
        }
        tar += [UInt8](repeating: 0, count: 1024)
        return Package(fileName: "\(top)-\(chart.metadata.version).tgz", bytes: try Gzip.compress(tar, level: 9), metadata: chart.metadata)
    }

    /// Chart.yaml first, as Helm writes it, then the rest by path.
    static func order(_ path: String) -> String { path == "Chart.yaml" ? "" : path }

    /// Replaces a top-level `key:` line (quoted so a version like 1.10 stays a string).
    static func replaceTopLevel(_ key: String, in text: String, with value: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let line = "\(key): \"\(value)\""
        if let i = lines.firstIndex(where: { $0.hasPrefix(key + ":") }) { lines[i] = line } else {
            if lines.last == "" { lines.insert(line, at: lines.count - 1) } else { lines.append(line) }
        }
        return lines.joined(separator: "\n")
    }
}
