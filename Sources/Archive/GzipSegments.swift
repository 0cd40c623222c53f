import CZlib
import Synchronization

/// One gzip member built from pieces of raw deflate, each compressed on its own and ending on a
/// byte boundary (a sync flush), so a piece compressed once can be put into many members: a
/// release record is mostly its chart, the same for every release of that chart, and level 9
/// compression of it was most of an operator's CPU per install. Matches cannot reach back into
/// an earlier piece, which costs a fraction of a percent in size; any gzip reader reads it.
public enum GzipSegments {
    /// A piece compressed ahead: raw deflate blocks (none final) and what they stand for.
    public struct Piece: Sendable {
        public let deflated: [UInt8]
        public let crc: UInt
        public let length: Int
    }

    /// Compresses `bytes` into a piece that others can follow.
    public static func piece(_ bytes: [UInt8], level: Int32 = 9) throws -> Piece {
        Piece(deflated: try deflateRaw(bytes, level: level, final: false), crc: crc32(bytes), length: bytes.count)
    }

    /// A gzip member: `pieces` in order, with plain ones compressed now.
    public enum Part { case plain([UInt8]), compressed(Piece) }

    public static func member(_ parts: [Part], level: Int32 = 9) throws -> [UInt8] {
        // Go's gzip header: no name, no time, unknown OS.
        var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]
        var crc: UInt = 0
        var length = 0
        for (i, part) in parts.enumerated() {
            let last = i == parts.count - 1
            switch part {
            case .plain(let bytes):
                out += try deflateRaw(bytes, level: level, final: last)
                crc = crc32_combine(crc, crc32(bytes), off_t(bytes.count))
                length += bytes.count
            case .compressed(let p):
                out += p.deflated
                crc = crc32_combine(crc, p.crc, off_t(p.length))
                length += p.length
                if last { out += try deflateRaw([], level: level, final: true) }
            }
        }
        if parts.isEmpty { out += try deflateRaw([], level: level, final: true) }
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: crc >> UInt(shift))) }
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: length >> shift)) }
        return out
    }

    static func crc32(_ bytes: [UInt8]) -> UInt {
        bytes.withUnsafeBufferPointer { CZlib.crc32(0, $0.baseAddress, UInt32($0.count)) }
    }

    /// Raw deflate of `bytes`: the final block when `final`, else blocks ending in a sync flush.
    static func deflateRaw(_ bytes: [UInt8], level: Int32, final: Bool) throws -> [UInt8] {
        try Gzip.deflate(bytes, level: level, windowBits: -15, flush: final ? Z_FINISH : Z_SYNC_FLUSH)
    }
}

/// Pieces compressed ahead, by the exact bytes they stand for; the least recently used go first
/// once more than `capacity` bytes of input are held.
public final class GzipPieceCache: Sendable {
    private struct Entry { let bytes: [UInt8]; let piece: GzipSegments.Piece; var used: Int }
    private let state: Mutex<(entries: [Int: [Entry]], held: Int, clock: Int)> = Mutex(([:], 0, 0))
    private let capacity: Int

    public init(capacity: Int = 64 << 20) { self.capacity = capacity }

    public func piece(for bytes: [UInt8], level: Int32 = 9) throws -> GzipSegments.Piece {
        // zlib's CRC runs at gigabytes a second; Hasher takes each byte on its own.
        let key = Int(truncatingIfNeeded: GzipSegments.crc32(bytes)) ^ bytes.count << 32
        let hit: GzipSegments.Piece? = state.withLock { s in
            s.clock += 1
            guard let i = s.entries[key]?.firstIndex(where: { $0.bytes == bytes }) else { return nil }
            s.entries[key]![i].used = s.clock
            return s.entries[key]![i].piece
        }
        if let hit { return hit }
        let made = try GzipSegments.piece(bytes, level: level)
        state.withLock { s in
            s.clock += 1
            s.entries[key, default: []].append(Entry(bytes: bytes, piece: made, used: s.clock))
            s.held += bytes.count
            while s.held > capacity, let (k, i) = oldest(s.entries) {
                s.held -= s.entries[k]![i].bytes.count
                s.entries[k]!.remove(at: i)
                if s.entries[k]!.isEmpty { s.entries[k] = nil }
            }
        }
        return made
    }

    private func oldest(_ entries: [Int: [Entry]]) -> (Int, Int)? {
        var best: (Int, Int, Int)?
        for (k, list) in entries { for (i, e) in list.enumerated() where best == nil || e.used < best!.2 { best = (k, i, e.used) } }
        return best.map { ($0.0, $0.1) }
    }
}
