/// A tar reader for chart archives: ustar, pax extended headers (path, size) and GNU long
/// names; regular files and directories only. Absolute paths, `..` escapes, links and
/// devices are refused, as Helm refuses them.
public enum Tar {
    public struct Entry: Sendable {
        public let path: String
        public let data: [UInt8]
    }

    public struct Limits: Sendable {
        public var maxFileSize: Int
        public var maxTotalSize: Int
        public init(maxFileSize: Int = 5 << 20, maxTotalSize: Int = 100 << 20) {
            self.maxFileSize = maxFileSize; self.maxTotalSize = maxTotalSize
        }
    }

    static func octal(_ b: ArraySlice<UInt8>) throws -> Int {
        // Base-256 (GNU) for large numbers: first byte has the high bit set.
        if let f = b.first, f & 0x80 != 0 {
            var v = 0
            for (i, x) in b.enumerated() {
                let byte = i == 0 ? Int(x & 0x7F) : Int(x)
                if v > (Int.max >> 8) { throw ArchiveError("tar: size field overflows") }
                v = v << 8 | byte
            }
            return v
        }
        var v = 0
        for x in b {
            if x == 0 || x == 0x20 { if v > 0 { break } else { continue } }
            guard x >= 0x30 && x <= 0x37 else { throw ArchiveError("tar: invalid number in header") }
            v = v * 8 + Int(x - 0x30)
            if v > Int.max / 16 { throw ArchiveError("tar: size field overflows") }
        }
        return v
    }

    static func string(_ b: ArraySlice<UInt8>) -> String {
        String(decoding: b.prefix(while: { $0 != 0 }), as: UTF8.self)
    }

    /// Parses pax records "LEN key=value\n".
    static func pax(_ data: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        var i = 0
        while i < data.count {
            var j = i
            while j < data.count && data[j] != 0x20 { j += 1 }
            guard let len = Int(String(decoding: data[i..<j], as: UTF8.self)), len > 0, i + len <= data.count else { break }
            let record = data[(j + 1)..<(i + len - 1)]
            if let eq = record.firstIndex(of: UInt8(ascii: "=")) {
                out[String(decoding: record[record.startIndex..<eq], as: UTF8.self)] = String(decoding: record[(eq + 1)...], as: UTF8.self)
            }
            i += len
        }
        return out
    }

    public static func read(_ bytes: [UInt8], limits: Limits = Limits()) throws -> [Entry] {
        var entries: [Entry] = []
        var pos = 0
        var total = 0
        var nextPath: String? = nil
        var nextSize: Int? = nil
        while pos + 512 <= bytes.count {
            let h = bytes[pos..<(pos + 512)]
            if h.allSatisfy({ $0 == 0 }) { break }
            // Checksum: the header's bytes with the checksum field as spaces.
            let stored = try octal(h[(pos + 148)..<(pos + 156)])
            var sum = 0
            for (i, x) in h.enumerated() { sum += (i >= 148 && i < 156) ? 0x20 : Int(x) }
            guard sum == stored else { throw ArchiveError("tar: invalid header checksum") }
            var size = try octal(h[(pos + 124)..<(pos + 136)])
            if let s = nextSize { size = s }
            let type = h[pos + 156]
            var name = string(h[pos..<(pos + 100)])
            let prefix = string(h[(pos + 345)..<(pos + 500)])
            if h[(pos + 257)..<(pos + 262)].elementsEqual("ustar".utf8), !prefix.isEmpty { name = prefix + "/" + name }
            if let p = nextPath { name = p }
            pos += 512
            guard size >= 0, pos + size <= bytes.count else { throw ArchiveError("tar: unexpected EOF (truncated archive)") }
            let data = Array(bytes[pos..<(pos + size)])
            pos += (size + 511) / 512 * 512
            guard pos <= bytes.count else { throw ArchiveError("tar: unexpected EOF (truncated archive)") }
            switch type {
            case UInt8(ascii: "x"):
                let p = pax(data)
                nextPath = p["path"]
                nextSize = p["size"].flatMap { Int($0) }
                continue
            case UInt8(ascii: "g"):
                continue
            case UInt8(ascii: "L"):
                nextPath = String(decoding: data.prefix(while: { $0 != 0 }), as: UTF8.self)
                continue
            default:
                break
            }
            nextPath = nil
            nextSize = nil
            switch type {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                try check(name)
                if size > limits.maxFileSize {
                    throw ArchiveError("\(name): file of \(size) bytes exceeds the limit of \(limits.maxFileSize) bytes")
                }
                total += size
                if total > limits.maxTotalSize {
                    throw ArchiveError("archive exceeds the limit of \(limits.maxTotalSize) bytes when decompressed")
                }
                entries.append(Entry(path: name, data: data))
            case UInt8(ascii: "5"):
                try check(name)
            case UInt8(ascii: "1"), UInt8(ascii: "2"):
                throw ArchiveError("\(name): links are not allowed in chart archives")
            default:
                throw ArchiveError("\(name): unsupported entry type (devices and special files are not allowed)")
            }
        }
        return entries
    }

    static func check(_ name: String) throws {
        if name.hasPrefix("/") { throw ArchiveError("\(name): absolute paths are not allowed") }
        if name.split(separator: "/").contains("..") { throw ArchiveError("\(name): path escapes the archive") }
    }
}
