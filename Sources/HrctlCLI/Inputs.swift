import FileIO
import HelmRelease
import Values
#if canImport(Glibc)
import Glibc
#endif

/// HelmRelease documents from files, folders (their .yaml/.yml files, sorted) or `-` (stdin),
/// as kubectl reads -f; `-l key=value` selects by label as helmfile's selectors do.
enum ReleaseDocuments {
    static func load(_ paths: [String], selector: String?) throws -> [HelmRelease] {
        var out: [HelmRelease] = []
        for p in paths {
            for f in try files(p) {
                let text = f == "-" ? readStdin() : try Files.readText(f)
                out += try HelmReleaseLoader.load(file: f == "-" ? "<stdin>" : f, text: text, warn: { Output.error("warning: \($0)\n") })
            }
        }
        if let selector {
            let wanted = try parse(selector)
            out = out.filter { r in wanted.allSatisfy { k, v in r.labels[k] == v } }
            if out.isEmpty { throw CLIError.badData(paths.joined(separator: ", "), "no HelmRelease matches the selector \(selector)") }
        }
        return out
    }

    static func parse(_ selector: String) throws -> [(String, String)] {
        try selector.split(separator: ",").map { part in
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, !kv[0].isEmpty else { throw CLIError.invalidOption("--selector", selector, expected: "key=value[,key=value]") }
            return (kv[0], kv[1])
        }
    }

    /// The files `-f PATH` names: `-`, the file, or a folder's .yaml/.yml files in name order.
    static func files(_ p: String) throws -> [String] {
        if p == "-" { return ["-"] }
        if FileSystem.kind(p) == .directory {
            return try FileSystem.list(p).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { p + "/" + $0 }
        }
        return [p]
    }

    static func readStdin() -> String { String(decoding: FileSystem.readStandardInput(), as: UTF8.self) }
}
