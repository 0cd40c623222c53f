import CZlib

/// Why an archive could not be read.
public struct ArchiveError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// gzip decompression through zlib, with a cap on the output so that a small bomb cannot
/// exhaust memory, and an error for a truncated or corrupt stream (never a partial result).
public enum Gzip {
    public static func decompress(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        var stream = z_stream()
        // 15 window bits + 16: gzip header expected.
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ArchiveError("cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        out.reserveCapacity(min(limit, max(input.count * 4, 1 << 16)))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = input
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            while true {
                let r: Int32 = chunk.withUnsafeMutableBufferPointer { c in
                    stream.next_out = c.baseAddress
                    stream.avail_out = UInt32(c.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                if produced > 0 {
                    if out.count + produced > limit { return -100 }
                    out.append(contentsOf: chunk[0..<produced])
                }
                if r == Z_STREAM_END {
                    // Concatenated gzip members: continue with the next one.
                    if stream.avail_in > 0 { if inflateReset(&stream) != Z_OK { return r }; continue }
                    return r
                }
                if r != Z_OK { return r }
                if stream.avail_in == 0 && produced == 0 { return -101 }
            }
        }
        switch status {
        case Z_STREAM_END: return out
        case -100: throw ArchiveError("decompressed size exceeds the limit of \(limit) bytes")
        case -101, Z_BUF_ERROR: throw ArchiveError("unexpected EOF (truncated gzip stream)")
        default:
            let msg = stream.msg.map { String(cString: $0) } ?? "invalid gzip data"
            throw ArchiveError("gzip: \(msg)")
        }
    }
}

extension Gzip {
    /// gzip compression (used to package charts and by tests).
    public static func compress(_ input: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        try deflate(input, level: level, windowBits: 15 + 16, flush: Z_FINISH)
    }

    /// One deflate stream over `input`: `windowBits` 15 + 16 writes a gzip member, -15 raw
    /// deflate. With Z_FINISH the stream ends; with Z_SYNC_FLUSH it stops on a byte boundary
    /// once all input is out (GzipSegments puts such pieces one after another).
    static func deflate(_ input: [UInt8], level: Int32, windowBits: Int32, flush: Int32) throws -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ArchiveError("cannot initialise zlib")
        }
        defer { deflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = input
        let rc: Int32 = input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            while true {
                let r: Int32 = chunk.withUnsafeMutableBufferPointer { c in
                    stream.next_out = c.baseAddress
                    stream.avail_out = UInt32(c.count)
                    return CZlib.deflate(&stream, flush)
                }
                out.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
                if r == Z_STREAM_END { return r }
                // A sync flush is done once deflate leaves output room unused with no input left.
                if flush != Z_FINISH, r == Z_OK || r == Z_BUF_ERROR, stream.avail_in == 0, stream.avail_out > 0 { return Z_STREAM_END }
                if r != Z_OK && r != Z_BUF_ERROR { return r }
            }
        }
        guard rc == Z_STREAM_END else { throw ArchiveError("gzip compression failed") }
        return out
    }
}

extension Tar {
    /// A ustar header and data block for one entry (type "0" file, "5" directory, "2" symlink…).
    public static func entry(_ name: String, _ data: [UInt8] = [], type: UInt8 = UInt8(ascii: "0"), sizeField: String? = nil) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: String, _ at: Int, _ len: Int) { for (i, b) in s.utf8.prefix(len).enumerated() { h[at + i] = b } }
        put(name, 0, 100)
        put("0000644", 100, 7)
        put("0000000", 108, 7); put("0000000", 116, 7)
        func octal(_ n: Int, _ w: Int) -> String { let o = String(n, radix: 8); return String(repeating: "0", count: max(0, w - o.count)) + o }
        let size = sizeField ?? octal(data.count, 11)
        put(size, 124, 11)
        put("00000000000", 136, 11)
        h[156] = type
        put("ustar", 257, 5); put("00", 263, 2)
        for i in 148..<156 { h[i] = 0x20 }
        let sum = h.reduce(0) { $0 + Int($1) }
        put(octal(sum, 6), 148, 6)
        h[154] = 0; h[155] = 0x20
        var out = h + data
        let pad = (512 - data.count % 512) % 512
        out += [UInt8](repeating: 0, count: pad)
        return out
    }
}

