#if canImport(Glibc)
import Glibc
#endif

/// Small, dependency-free file access (no Foundation in the binary).
public enum FileSystem {
    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    public static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Error(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        func fail() -> Error { Error(path: path, reason: String(cString: strerror(errno))) }
        var st = stat()
        // The size stat gives, plus one byte so that the end shows without growing the array;
        // a file that grows meanwhile is read on in chunks.
        let expected = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : 0
        var failed = false
        var bytes = [UInt8](unsafeUninitializedCapacity: expected + 1) { buf, initialized in
            while initialized < buf.count {
                let n = Glibc.read(fd, buf.baseAddress! + initialized, buf.count - initialized)
                if n < 0 { if errno == EINTR { continue }; failed = true; return }
                if n == 0 { return }
                initialized += n
            }
        }
        if failed { throw fail() }
        guard bytes.count == expected + 1 else { return bytes }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw fail() }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }

    /// Everything on standard input, up to its end.
    public static func readStandardInput() -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(0, &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }

    public static func readText(_ path: String) throws -> String { String(decoding: try read(path), as: UTF8.self) }

    public enum Kind { case file, directory, other, missing }

    public static func kind(_ path: String) -> Kind {
        var st = stat()
        guard stat(path, &st) == 0 else { return .missing }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// Entry names of a directory, sorted, without "." and "..".
    public static func list(_ path: String) throws -> [String] {
        guard let d = opendir(path) else { throw Error(path: path, reason: String(cString: strerror(errno))) }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) { p in
                p.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Every regular file below `root`, as paths relative to it ("a/b.yaml"), sorted.
    /// `skipDirectory` is asked of each directory before it is entered; true leaves it out
    /// whole, as Go's filepath.SkipDir does.
    public static func walk(_ root: String, skipDirectory: (String) -> Bool = { _ in false }) throws -> [String] {
        var out: [String] = []
        func visit(_ rel: String) throws {
            let full = rel.isEmpty ? root : root + "/" + rel
            for name in try list(full) {
                let r = rel.isEmpty ? name : rel + "/" + name
                switch kind(root + "/" + r) {
                case .directory: if !skipDirectory(r) { try visit(r) }
                case .file: out.append(r)
                default: break
                }
            }
        }
        try visit("")
        return out
    }
}

extension FileSystem {
    /// Writes a whole file (created or truncated) with the given permissions.
    public static func write(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard fd >= 0 else { throw Error(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 { if errno == EINTR { continue }; throw Error(path: path, reason: String(cString: strerror(errno))) }
            off += n
        }
    }

    /// Writes to standard error.
    public static func writeError(_ text: String) {
        let b = Array(text.utf8)
        b.withUnsafeBufferPointer { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }
}

extension FileSystem {
    /// Creates a folder and its parents (existing ones are fine).
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
        var cur = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            cur += "/" + part
            if mkdir(cur, mode) != 0 && errno != EEXIST { throw Error(path: cur, reason: String(cString: strerror(errno))) }
        }
    }

    /// Writes through a temporary file in the same folder and renames it into place, so a reader
    /// (or a run interrupted half-way) never sees a partial file.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws {
        let tmp = "\(path).tmp.\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
        do {
            try write(tmp, bytes, mode: mode)
            guard rename(tmp, path) == 0 else { throw Error(path: path, reason: String(cString: strerror(errno))) }
        } catch {
            unlink(tmp)
            throw error
        }
    }

    public static func remove(_ path: String) { unlink(path) }

    /// Size in bytes and modification time (seconds) of a file, nil when missing.
    public static func info(_ path: String) -> (size: Int, modified: Int)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (Int(st.st_size), Int(st.st_mtim.tv_sec))
    }

    /// Marks a file as just used (its modification time), for least-recently-used eviction.
    public static func touch(_ path: String) { utimes(path, nil) }

    /// Removes a folder and everything in it.
    public static func removeTree(_ path: String) {
        if kind(path) == .directory {
            for name in (try? list(path)) ?? [] { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
