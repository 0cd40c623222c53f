import CYaml
import Values

/// Reads YAML with libyaml's event parser into Values, the way Helm reads values files
/// (go-yaml v2, then through JSON): maps with string keys, lists, strings, bools, nil and
/// float64 numbers. Nesting depth and alias expansion are bounded.
public enum YAML {
    /// The first document of `text` (nil for an empty document).
    public static func load(_ text: String, limits: YAMLLimits = .default) throws -> Value? {
        var loader = try Loader(text: text, limits: limits)
        defer { loader.close() }
        return try loader.nextDocument() ?? nil
    }

    /// Every document of `text`, in order (an empty document gives nil).
    public static func loadAll(_ text: String, limits: YAMLLimits = .default) throws -> [Value?] {
        var loader = try Loader(text: text, limits: limits)
        defer { loader.close() }
        var docs: [Value?] = []
        while let d = try loader.nextDocument() { docs.append(d) }
        return docs
    }
}

struct Loader {
    /// libyaml keeps a pointer to its parser, so the parser lives on the heap.
    let parser: UnsafeMutablePointer<yaml_parser_t>
    let bytes: UnsafeMutablePointer<UInt8>
    let count: Int
    let limits: YAMLLimits
    var anchors: [String: (value: Value, nodes: Int)] = [:]
    var expanded = 0
    var aliased = 0
    var depth = 0

    init(text: String, limits: YAMLLimits) throws {
        self.limits = limits
        let utf8 = Array(text.utf8)
        count = utf8.count
        bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(count, 1))
        bytes.initialize(from: utf8, count: count)
        parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        guard yaml_parser_initialize(parser) == 1 else {
            parser.deallocate(); bytes.deallocate()
            throw YAMLError("yaml: cannot initialise parser")
        }
        yaml_parser_set_input_string(parser, bytes, count)
    }

    mutating func close() {
        yaml_parser_delete(parser)
        parser.deallocate()
        bytes.deallocate()
    }

    mutating func failure() -> YAMLError {
        var line = 0
        if parser.pointee.problem_mark.line != 0 {
            line = Int(parser.pointee.problem_mark.line)
            if parser.pointee.error == YAML_SCANNER_ERROR { line += 1 }
        } else if parser.pointee.context_mark.line != 0 {
            line = Int(parser.pointee.context_mark.line)
        }
        let problem = parser.pointee.problem.map { String(cString: $0) } ?? "unknown problem parsing YAML content"
        return YAMLError(line != 0 ? "yaml: line \(line): \(problem)" : "yaml: \(problem)", line: line != 0 ? line : nil)
    }

    /// Reads one event; the caller must delete it.
    mutating func next() throws -> yaml_event_t {
        var e = yaml_event_t()
        guard yaml_parser_parse(parser, &e) == 1 else { throw failure() }
        return e
    }

    /// Returns nil at the end of the stream; .some(nil) for an empty document.
    mutating func nextDocument() throws -> Value?? {
        while true {
            var e = try next()
            defer { yaml_event_delete(&e) }
            switch e.type {
            case YAML_STREAM_END_EVENT:
                return .none
            case YAML_DOCUMENT_START_EVENT:
                anchors = [:]; expanded = 0; aliased = 0
                var first = try next()
                if first.type == YAML_DOCUMENT_END_EVENT {
                    yaml_event_delete(&first)
                    return .some(nil)
                }
                let (v, _) = try node(&first)
                yaml_event_delete(&first)
                var end = try next()
                yaml_event_delete(&end)
                if case .null = v { return .some(nil) }
                return .some(v)
            default:
                continue
            }
        }
    }

    static func string(_ p: UnsafeMutablePointer<UInt8>?) -> String? {
        guard let p else { return nil }
        return String(cString: p)
    }

    mutating func count(nodes n: Int, viaAlias: Bool) throws {
        expanded += n
        if viaAlias { aliased += n }
        if expanded > limits.maxExpandedNodes {
            throw YAMLError("yaml: document contains excessive aliasing (more than \(limits.maxExpandedNodes) nodes)")
        }
        // go-yaml's ratio rule: aliases may not make up most of a large document.
        if aliased > 100 && expanded > 400_000 && Double(aliased) / Double(expanded) > 0.99 {
            throw YAMLError("yaml: document contains excessive aliasing")
        }
    }

    /// Builds the node that starts with event `e` (already read). Returns the value and its node count.
    mutating func node(_ e: inout yaml_event_t) throws -> (Value, Int) {
        let line = Int(e.start_mark.line) + 1
        switch e.type {
        case YAML_ALIAS_EVENT:
            let name = Loader.string(e.data.alias.anchor) ?? ""
            guard let a = anchors[name] else { throw YAMLError("yaml: unknown anchor '\(name)' referenced", line: line) }
            try count(nodes: a.nodes, viaAlias: true)
            return (a.value, a.nodes)
        case YAML_SCALAR_EVENT:
            let s = e.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: s.value, count: Int(s.length)), as: UTF8.self)
            let tag = Loader.string(s.tag)
            let v = try scalar(text, tag: tag, quoted: s.style != YAML_PLAIN_SCALAR_STYLE, line: line)
            try count(nodes: 1, viaAlias: false)
            if let anchor = Loader.string(s.anchor) { anchors[anchor] = (v, 1) }
            return (v, 1)
        case YAML_SEQUENCE_START_EVENT:
            let anchor = Loader.string(e.data.sequence_start.anchor)
            depth += 1
            defer { depth -= 1 }
            if depth > limits.maxDepth {
                throw YAMLError("yaml: line \(line): exceeded max depth of \(limits.maxDepth)", line: line)
            }
            var items: [Value] = []
            var nodes = 1
            try count(nodes: 1, viaAlias: false)
            while true {
                var c = try next()
                defer { yaml_event_delete(&c) }
                if c.type == YAML_SEQUENCE_END_EVENT { break }
                let (v, n) = try node(&c)
                items.append(v)
                nodes += n
            }
            let v = Value.list(items)
            if let anchor { anchors[anchor] = (v, nodes) }
            return (v, nodes)
        case YAML_MAPPING_START_EVENT:
            let anchor = Loader.string(e.data.mapping_start.anchor)
            depth += 1
            defer { depth -= 1 }
            if depth > limits.maxDepth {
                throw YAMLError("yaml: line \(line): exceeded max depth of \(limits.maxDepth)", line: line)
            }
            var entries: [String: Value] = [:]
            var nodes = 1
            try count(nodes: 1, viaAlias: false)
            while true {
                var k = try next()
                defer { yaml_event_delete(&k) }
                if k.type == YAML_MAPPING_END_EVENT { break }
                let isMerge = k.type == YAML_SCALAR_EVENT && k.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                    Loader.string(k.data.scalar.tag) == nil &&
                    String(decoding: UnsafeBufferPointer(start: k.data.scalar.value, count: Int(k.data.scalar.length)), as: UTF8.self) == "<<"
                let (key, kn) = try node(&k)
                var ve = try next()
                defer { yaml_event_delete(&ve) }
                let vline = Int(ve.start_mark.line) + 1
                let (val, vn) = try node(&ve)
                nodes += kn + vn
                if isMerge {
                    try merge(val, into: &entries, line: vline)
                    continue
                }
                entries[try keyString(key, line: Int(k.start_mark.line) + 1)] = val
            }
            let v = Value.map(entries)
            if let anchor { anchors[anchor] = (v, nodes) }
            return (v, nodes)
        default:
            throw YAMLError("yaml: unexpected event", line: line)
        }
    }

    func merge(_ v: Value, into entries: inout [String: Value], line: Int) throws {
        switch v {
        case .map(let m):
            for (k, x) in m.entries { entries[k] = x }
        case .list(let l):
            // Earlier maps in the list take precedence.
            for item in l.items.reversed() {
                guard case .map(let m) = item else {
                    throw YAMLError("yaml: map merge requires map or sequence of maps as the value", line: line)
                }
                for (k, x) in m.entries { entries[k] = x }
            }
        default:
            throw YAMLError("yaml: map merge requires map or sequence of maps as the value", line: line)
        }
    }

    /// sigs.k8s.io/yaml turns non-string keys into strings on the way to JSON.
    func keyString(_ key: Value, line: Int) throws -> String {
        switch key {
        case .string(let s): return s.string
        case .bool(let b): return b ? "true" : "false"
        case .float(let f, _):
            if f.isInfinite { return f > 0 ? ".inf" : "-.inf" }
            if f.isNaN { return ".nan" }
            if let i = Int64(exactly: f), abs(f) < 1e21 { return String(i) }
            return "\(Float(f))"
        case .int(let i, _): return String(i)
        case .uint(let u, _): return String(u)
        case .null: throw YAMLError("yaml: line \(line): unsupported map key: null", line: line)
        default: throw YAMLError("yaml: line \(line): unsupported map key of type \(key.goType)", line: line)
        }
    }

    func scalar(_ text: String, tag: String?, quoted: Bool, line: Int) throws -> Value {
        if let tag {
            switch tag {
            case "tag:yaml.org,2002:str": return .string(text)
            case "tag:yaml.org,2002:null": return .null
            case "tag:yaml.org,2002:bool":
                if let b = Resolve.boolValues[text] { return .bool(b) }
                throw YAMLError("yaml: line \(line): cannot decode !!str `\(text)` as a !!bool", line: line)
            case "tag:yaml.org,2002:int", "tag:yaml.org,2002:float":
                switch Resolve.plain(text) {
                case .int(let i): return .float(Double(i))
                case .uint(let u): return .float(Double(u))
                case .float(let f): return .float(f)
                default: throw YAMLError("yaml: line \(line): cannot decode !!str `\(text)` as a \(tag.hasSuffix("int") ? "!!int" : "!!float")", line: line)
                }
            case "tag:yaml.org,2002:binary":
                return .string(text)
            default:
                break
            }
        }
        if quoted { return .string(text) }
        switch Resolve.plain(text) {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .float(Double(i))
        case .uint(let u): return .float(Double(u))
        case .float(let f): return .float(f)
        case .string(let s): return .string(s)
        }
    }
}
