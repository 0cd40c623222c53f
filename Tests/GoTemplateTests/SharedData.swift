import Foundation

/// Locates the reference data in `../shared` beside the repository root.
enum SharedData {
    static var repoRoot: URL {
        // Tests/GoTemplateTests/SharedData.swift -> repository root
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var sharedDir: URL { repoRoot.deletingLastPathComponent().appendingPathComponent("shared") }

    static func url(_ relative: String) -> URL { sharedDir.appendingPathComponent(relative) }

    /// Lines of a JSONL file as dictionaries.
    static func jsonLines(_ relative: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: url(relative), encoding: .utf8)
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }
}
