import CYaml
import Values

/// Writes Values as YAML the way Helm's toYaml does (sigs.k8s.io/yaml: a JSON round trip,
/// then go-yaml v2's encoder): keys sorted, numbers as JSON spells them, strings that would
/// read back as something else quoted, multi-line strings as literal blocks, long plain
/// strings folded at 80 columns, block sequences not indented under their key. The text is
/// produced by libyaml's emitter, of which go-yaml's is a port.
public enum YAMLWriter {
    public struct EmitError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public static func marshal(_ v: Value) throws -> String {
        let emitter = UnsafeMutablePointer<yaml_emitter_t>.allocate(capacity: 1)
        defer { emitter.deallocate() }
        guard yaml_emitter_initialize(emitter) == 1 else { throw EmitError(description: "yaml: cannot initialise emitter") }
        defer { yaml_emitter_delete(emitter) }
        let sink = Sink()
        let box = Unmanaged.passRetained(sink)
        defer { box.release() }
        yaml_emitter_set_output(emitter, { data, buffer, size in
            let sink = Unmanaged<Sink>.fromOpaque(data!).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: buffer, count: size))
            return 1
        }, box.toOpaque())
        yaml_emitter_set_unicode(emitter, 1)
        yaml_emitter_set_width(emitter, 80)
        yaml_emitter_set_indent(emitter, 2)

        var e = yaml_event_t()
        yaml_stream_start_event_initialize(&e, YAML_UTF8_ENCODING)
        try emit(emitter, &e)
        yaml_document_start_event_initialize(&e, nil, nil, nil, 1)
        try emit(emitter, &e)
        try node(emitter, v)
        yaml_document_end_event_initialize(&e, 1)
        try emit(emitter, &e)
        yaml_stream_end_event_initialize(&e)
        try emit(emitter, &e)
        yaml_emitter_flush(emitter)
        // libyaml ends an open-ended document (one closing on a `|+` block scalar) with a
        // `...` line; go-yaml's emitter, which Helm runs, never writes it.
        if sink.bytes.count >= 5, sink.bytes.suffix(5).elementsEqual("\n...\n".utf8) { sink.bytes.removeLast(4) }
        return String(decoding: sink.bytes, as: UTF8.self)
    }

    final class Sink { var bytes: [UInt8] = [] }

    static func emit(_ emitter: UnsafeMutablePointer<yaml_emitter_t>, _ e: inout yaml_event_t) throws {
        guard yaml_emitter_emit(emitter, &e) == 1 else {
            let problem = emitter.pointee.problem.map { String(cString: $0) } ?? "unknown problem"
            throw EmitError(description: "yaml: \(problem)")
        }
    }

    static func scalar(_ emitter: UnsafeMutablePointer<yaml_emitter_t>, _ text: String, _ style: yaml_scalar_style_t) throws {
        var e = yaml_event_t()
        var bytes = Array(text.utf8)
        let ok = bytes.withUnsafeMutableBufferPointer { p in
            yaml_scalar_event_initialize(&e, nil, nil, p.baseAddress, Int32(p.count), 1, 1, style)
        }
        guard ok == 1 else { throw EmitError(description: "yaml: cannot emit scalar") }
        try emit(emitter, &e)
    }

    static func node(_ emitter: UnsafeMutablePointer<yaml_emitter_t>, _ v: Value) throws {
        var e = yaml_event_t()
        switch v {
        case .null:
            try scalar(emitter, "null", YAML_PLAIN_SCALAR_STYLE)
        case .bool(let b):
            try scalar(emitter, b ? "true" : "false", YAML_PLAIN_SCALAR_STYLE)
        case .int(let i, _):
            try scalar(emitter, String(i), YAML_PLAIN_SCALAR_STYLE)
        case .uint(let u, _):
            try scalar(emitter, String(u), YAML_PLAIN_SCALAR_STYLE)
        case .float(let f, let t):
            try scalar(emitter, try number(f, bits: t == .float32 ? 32 : 64), YAML_PLAIN_SCALAR_STYLE)
        case .complex:
            throw EmitError(description: "json: unsupported type: complex128")
        case .string(let s):
            try string(emitter, s.string)  // through JSON: invalid bytes are U+FFFD
        case .list(let l):
            if l.elem == .uint8 && l.name == nil, let bytes = l.bytes {
                // []byte goes through JSON as base64 text.
                try string(emitter, Base64.encode(bytes))
                return
            }
            // Through JSON a nil slice is null (toYaml); yaml.v3 (toYamlPretty) writes [] (scalarText).
            if l.isNil { return try scalar(emitter, "null", YAML_PLAIN_SCALAR_STYLE) }
            yaml_sequence_start_event_initialize(&e, nil, nil, 1, l.items.isEmpty ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE)
            try emit(emitter, &e)
            for item in l.items { try node(emitter, item) }
            yaml_sequence_end_event_initialize(&e)
            try emit(emitter, &e)
        case .map(let m):
            if m.isNil { return try scalar(emitter, "null", YAML_PLAIN_SCALAR_STYLE) }
            yaml_mapping_start_event_initialize(&e, nil, nil, 1, m.entries.isEmpty ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE)
            try emit(emitter, &e)
            for k in YAMLKeyOrder.v2.sorted(m.entries.keys) {
                try string(emitter, k)
                try node(emitter, m.entries[k]!)
            }
            yaml_mapping_end_event_initialize(&e)
            try emit(emitter, &e)
        case .object(let o):
            if let j = (o as? JSONRepresentable)?.jsonValue { try node(emitter, j) } else { try string(emitter, o.formatted) }
        case .function:
            throw EmitError(description: "json: unsupported type: func")
        }
    }

    /// A float64 as JSON writes it, then as go-yaml reads and writes that number back.
    static func number(_ f: Double, bits: Int) throws -> String {
        let json = try JSONEncoding.formatFloat(f, bits: bits)
        switch Resolve.plain(json) {
        case .int(let i): return String(i)
        case .uint(let u): return String(u)
        case .float(let d): return goFloat(d)
        default: return json
        }
    }

    /// strconv.FormatFloat(f, 'g', -1, 64).
    static func goFloat(_ d: Double) -> String {
        if d.isNaN { return ".nan" }
        if d.isInfinite { return d > 0 ? ".inf" : "-.inf" }
        return (d < 0 ? "-" : "") + ShortestDecimal(d).gFormat()
    }

    static func string(_ emitter: UnsafeMutablePointer<yaml_emitter_t>, _ s: String) throws {
        let style: yaml_scalar_style_t
        if s.utf8.contains(0x0A) {
            style = YAML_LITERAL_SCALAR_STYLE
        } else if case .string = Resolve.plain(s), !isBase60Float(s), !isTimestamp(s) {
            style = YAML_PLAIN_SCALAR_STYLE
        } else {
            style = YAML_DOUBLE_QUOTED_SCALAR_STYLE
        }
        try scalar(emitter, s, style)
    }

    /// go-yaml v2 quotes YAML 1.1 sexagesimal numbers such as 190:20:30.
    static func isBase60Float(_ s: String) -> Bool {
        let b = Array(s.utf8)
        var i = 0
        if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, b[i] >= 48, b[i] <= 57 else { return false }
        while i < b.count, (b[i] >= 48 && b[i] <= 57) || b[i] == UInt8(ascii: "_") { i += 1 }
        var groups = 0
        while i < b.count, b[i] == UInt8(ascii: ":") {
            i += 1
            let st = i
            if i < b.count, b[i] >= 48, b[i] <= 53 { i += 1 }
            guard i < b.count, b[i] >= 48, b[i] <= 57 else { return false }
            i += 1
            _ = st
            groups += 1
        }
        guard groups > 0 else { return false }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            while i < b.count, (b[i] >= 48 && b[i] <= 57) || b[i] == UInt8(ascii: "_") { i += 1 }
        }
        return i == b.count
    }

    /// go-yaml v2 reads dates and date-times as timestamps, so it quotes such strings.
    static func isTimestamp(_ s: String) -> Bool {
        let b = Array(s.utf8)
        func digits(_ i: inout Int, _ min: Int, _ max: Int) -> Bool {
            let st = i
            while i < b.count, b[i] >= 48, b[i] <= 57, i - st < max { i += 1 }
            return i - st >= min
        }
        var i = 0
        guard digits(&i, 4, 4), i < b.count, b[i] == UInt8(ascii: "-") else { return false }
        i += 1
        guard digits(&i, 1, 2), i < b.count, b[i] == UInt8(ascii: "-") else { return false }
        i += 1
        guard digits(&i, 1, 2) else { return false }
        if i == b.count { return true }
        guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == UInt8(ascii: " ") else { return false }
        i += 1
        guard digits(&i, 1, 2), i < b.count, b[i] == UInt8(ascii: ":") else { return false }
        i += 1
        guard digits(&i, 1, 2), i < b.count, b[i] == UInt8(ascii: ":") else { return false }
        i += 1
        guard digits(&i, 1, 2) else { return false }
        if i < b.count, b[i] == UInt8(ascii: ".") { i += 1; _ = digits(&i, 1, 9) }
        if i == b.count { return true }
        if b[i] == UInt8(ascii: "Z") { return i + 1 == b.count }
        guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") else { return false }
        i += 1
        guard digits(&i, 1, 2) else { return false }
        if i < b.count, b[i] == UInt8(ascii: ":") { i += 1; guard digits(&i, 2, 2) else { return false } }
        return i == b.count
    }
}

extension YAMLWriter {
    /// yaml.v3's layout with indent 2 (Helm's toYamlPretty): sequences indented under their
    /// key. Scalars are written as go-yaml writes them; nesting is laid out here.
    public static func marshal(_ v: Value, indentSequences: Bool) throws -> String {
        guard indentSequences else { return try marshal(v) }
        var out = ""
        try pretty(v, indent: 0, into: &out, inSequence: false)
        return out
    }

    static func scalarText(_ v: Value) throws -> String {
        // yaml.v3 encodes Go floats itself (no JSON round trip): 'g', shortest.
        if case .float(let d, _) = v { return goFloat(d) }
        // yaml.v3 writes a nil slice or map as an empty one: only pointers are null to it.
        if case .list(let l) = v, l.isNil { return "[]" }
        if case .map(let m) = v, m.isNil { return "{}" }
        var s = try marshal(v)
        if s.hasSuffix("\n") { s.removeLast() }
        return s
    }

    static func isEmptyCollection(_ v: Value) -> Bool {
        switch v {
        case .map(let m): return m.entries.isEmpty
        case .list(let l): return l.items.isEmpty && !(l.elem == .uint8 && l.name == nil)
        default: return true
        }
    }

    static func pretty(_ v: Value, indent: Int, into out: inout String, inSequence: Bool) throws {
        let pad = String(repeating: " ", count: indent)
        switch v {
        case .map(let m) where !m.entries.isEmpty:
            for (i, k) in YAMLKeyOrder.v3.sorted(m.entries.keys).enumerated() {
                if !(inSequence && i == 0) { out += pad }
                out += try scalarText(.string(k)) + ":"
                let child = m.entries[k]!
                if isEmptyCollection(child) {
                    out += " " + indentBlock(try scalarText(child), indent + 2) + "\n"
                } else {
                    out += "\n"
                    try pretty(child, indent: indent + 2, into: &out, inSequence: false)
                }
            }
        case .list(let l) where !isEmptyCollection(v):
            for (i, item) in l.items.enumerated() {
                if !(inSequence && i == 0) { out += pad }
                out += "- "
                if isEmptyCollection(item) {
                    out += indentBlock(try scalarText(item), indent + 2) + "\n"
                } else {
                    try pretty(item, indent: indent + 2, into: &out, inSequence: true)
                }
            }
        default:
            if !inSequence { out += pad }
            out += indentBlock(try scalarText(v), indent) + "\n"
        }
    }

    /// Continuation lines of a block scalar follow the current indentation.
    static func indentBlock(_ s: String, _ indent: Int) -> String {
        guard s.contains("\n") else { return s }
        let pad = String(repeating: " ", count: indent)
        var lines = s.split(separator: "\n", omittingEmptySubsequences: false)
        for i in 1..<lines.count where !lines[i].isEmpty { lines[i] = Substring(pad + lines[i].dropFirst(2)) }
        return lines.joined(separator: "\n")
    }
}
