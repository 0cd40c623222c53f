import ArgumentParser
import FileIO
import Values
import YAML
#if canImport(Glibc)
import Glibc
#endif

/// Errors of the command line itself; every user-facing message of this module is built here.
enum CLIError: Error, CustomStringConvertible {
    case unreadableFile(String, String)
    case invalidOption(String, String, expected: String)
    case badData(String, String)
    case badSet(String, String)
    case lintFailed(String)
    /// A message in helm's exact words.
    case helm(String)
    /// A helm flag or form hrctl refuses rather than silently ignores.
    case unsupported(String)
    /// helm's argument-count errors (pkg/cmd/require): the message, a blank line, the usage.
    case arguments(String, usage: String)

    var description: String {
        switch self {
        case .unreadableFile(let path, let why): return "cannot read \(path): \(why)"
        case .invalidOption(let opt, let val, let expected): return "invalid value \"\(val)\" for \(opt): expected \(expected)"
        case .badData(let path, let why): return "\(path): \(why)"
        case .badSet(let arg, let why): return "failed parsing --set data \"\(arg)\": \(why)"
        case .lintFailed(let summary): return summary
        case .helm(let text): return text
        case .unsupported(let what): return "not supported by hrctl: \(what)"
        case .arguments(let text, let usage): return "\(text)\n\nUsage:  \(usage)"
        }
    }
}

/// helm's argument-count checks (pkg/cmd/require), for arguments swift-argument-parser is told
/// are optional so that the message is helm's.
enum Require {
    static func one(_ value: String?, _ command: String, usage: String, atLeast: Bool = false) throws {
        if value == nil {
            throw CLIError.arguments("\"\(Hrctl.programName) \(command)\" requires \(atLeast ? "at least 1 argument" : "1 argument")",
                                     usage: "\(Hrctl.programName) \(usage)")
        }
    }
}

enum Files {
    static func readText(_ path: String) throws -> String {
        do { return try FileSystem.readText(path) } catch let e as FileSystem.Error {
            throw CLIError.unreadableFile(path, e.reason)
        }
    }

    /// Go's filepath.Clean, for paths as helm's messages show them.
    static func cleanPath(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for p in path.split(separator: "/") where p != "." {
            if p == "..", let last = parts.last, last != ".." { parts.removeLast() } else if !(p == ".." && absolute) { parts.append(p) }
        }
        let body = parts.joined(separator: "/")
        return absolute ? "/" + body : (body.isEmpty ? "." : body)
    }

    static func baseName(_ path: String) -> String {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        if let i = trimmed.lastIndex(of: "/") { return String(trimmed[trimmed.index(after: i)...]) }
        return trimmed
    }
}

enum DataFile {
    /// Reads template data from JSON or YAML, chosen by the file's extension.
    static func load(_ path: String) throws -> Value? {
        let text = try Files.readText(path)
        do {
            if path.hasSuffix(".json") { return try JSON.decode(text) }
            return try YAML.load(text)
        } catch let e as JSON.SyntaxError {
            throw CLIError.badData(path, "line \(e.line): \(e.message)")
        } catch let e as YAMLError {
            throw CLIError.badData(path, e.message)
        }
    }
}

enum Output {
    static func write(_ bytes: [UInt8]) {
        writeAll(1, bytes)
    }

    static func error(_ text: String) {
        writeAll(2, Array(text.utf8))
    }

    /// Writes through the file descriptor: stdio's globals are not concurrency-safe in Swift 6.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { p in
            var off = 0
            while off < p.count {
                let n = Glibc.write(fd, p.baseAddress! + off, p.count - off)
                if n <= 0 { if errno == EINTR { continue }; return }
                off += n
            }
        }
    }
}
