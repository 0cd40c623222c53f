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
