import CYaml

/// Where each node of a YAML stream starts, by document and field path ("spec.chart.version",
/// "spec.valuesFrom[0].configMapKeyRef"), 1-based line and column, so messages can point at it.
public struct YAMLPositions: Sendable {
    public struct Position: Sendable, Equatable { public let line: Int; public let column: Int }
    /// positions[document][path]
    public var documents: [[String: Position]] = []

    public func position(document: Int, path: String) -> Position? {
        guard document < documents.count else { return nil }
        var p = path
        while true {
            if let hit = documents[document][p] { return hit }
            guard let cut = p.lastIndex(where: { $0 == "." || $0 == "[" }) else { return documents[document][""] }
            p = String(p[..<cut])
        }
    }

    /// Positions of every node; an unreadable stream gives what was read before the problem.
    public static func of(_ text: String) -> YAMLPositions {
        var out = YAMLPositions()
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else { return out }
        defer { yaml_parser_delete(parser) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buf in
            yaml_parser_set_input_string(parser, buf.baseAddress, buf.count)
            // A frame per open collection: its path, whether a mapping expects a key, the next index.
            struct Frame { var path: String; var isMap: Bool; var expectKey = true; var key = ""; var index = 0 }
            var stack: [Frame] = []
            var doc: [String: Position] = [:]
            func childPath() -> String {
                guard var f = stack.last else { return "" }
                if f.isMap { return f.path.isEmpty ? f.key : f.path + "." + f.key }
                let p = "\(f.path)[\(f.index)]"
                f.index += 1
                stack[stack.count - 1] = f
                return p
            }
            while true {
                var e = yaml_event_t()
                guard yaml_parser_parse(parser, &e) == 1 else { break }
                defer { yaml_event_delete(&e) }
                let pos = Position(line: Int(e.start_mark.line) + 1, column: Int(e.start_mark.column) + 1)
                switch e.type {
                case YAML_STREAM_END_EVENT:
                    return out
                case YAML_DOCUMENT_START_EVENT:
                    doc = [:]; stack = []
                case YAML_DOCUMENT_END_EVENT:
                    out.documents.append(doc)
                case YAML_SCALAR_EVENT, YAML_ALIAS_EVENT, YAML_MAPPING_START_EVENT, YAML_SEQUENCE_START_EVENT:
                    if var f = stack.last, f.isMap, f.expectKey {
                        // A key: remember it; the value comes next.
                        if e.type == YAML_SCALAR_EVENT, let v = e.data.scalar.value {
                            f.key = String(decoding: UnsafeBufferPointer(start: v, count: e.data.scalar.length), as: UTF8.self)
                        } else { f.key = "?" }
                        f.expectKey = false
                        stack[stack.count - 1] = f
                        let p = f.path.isEmpty ? f.key : f.path + "." + f.key
                        doc[p] = pos
                        if e.type == YAML_MAPPING_START_EVENT || e.type == YAML_SEQUENCE_START_EVENT {
                            stack.append(Frame(path: p, isMap: e.type == YAML_MAPPING_START_EVENT))
                        }
                        continue
                    }
                    let p = childPath()
                    if stack.last?.isMap == true { stack[stack.count - 1].expectKey = true } else { doc[p] = pos }
                    if stack.isEmpty { doc[""] = pos }
                    if e.type == YAML_MAPPING_START_EVENT || e.type == YAML_SEQUENCE_START_EVENT {
                        stack.append(Frame(path: p, isMap: e.type == YAML_MAPPING_START_EVENT))
                    }
                case YAML_MAPPING_END_EVENT, YAML_SEQUENCE_END_EVENT:
                    stack.removeLast()
                    if stack.last?.isMap == true { stack[stack.count - 1].expectKey = true }
                default:
                    break
                }
            }
            return out
        }
    }
}
