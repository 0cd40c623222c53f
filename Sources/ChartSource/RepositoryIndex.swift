import CYaml
import Semver

/// One chart version of a repository's index.yaml.
public struct ChartVersion: Sendable {
    public var name = ""
    public var version = ""
    public var appVersion = ""
    public var digest = ""
    public var urls: [String] = []
    public var created = ""
    public var deprecated = false
    public var description = ""
    public var keywords: [String] = []
}

public struct RepositoryIndex: Sendable {
    public var entries: [String: [ChartVersion]] = [:]

    /// Parses index.yaml from libyaml's events, keeping only what resolution and download need:
    /// large indexes (tens of megabytes) are read without building a tree of every field.
    public static func parse(_ bytes: [UInt8], source: String) throws -> RepositoryIndex {
        var reader = try EventReader(bytes, source: source)
        defer { reader.close() }
        var index = RepositoryIndex()
        try reader.expect(YAML_STREAM_START_EVENT)
        var e = try reader.next()
        if e.type == YAML_STREAM_END_EVENT { throw SourceError.badIndex(source, "the index is empty") }
        guard e.type == YAML_DOCUMENT_START_EVENT else { throw SourceError.badIndex(source, "not a YAML document") }
        e = try reader.next()
        guard e.type == YAML_MAPPING_START_EVENT else { throw SourceError.badIndex(source, "the index is not a mapping") }
        var sawEntries = false
        while true {
            let k = try reader.next()
            if k.type == YAML_MAPPING_END_EVENT { break }
            let key = reader.scalar(k) ?? ""
            if key == "entries" {
                sawEntries = true
                let v = try reader.next()
                if v.type == YAML_SCALAR_EVENT { continue }  // entries: {} or null
                guard v.type == YAML_MAPPING_START_EVENT else { throw SourceError.badIndex(source, "line \(reader.line): entries is not a mapping") }
                try parseEntries(&reader, into: &index)
            } else {
                try reader.skip()
            }
        }
        if !sawEntries { throw SourceError.badIndex(source, "no entries (is this a Helm repository index?)") }
        return index
    }

    static func parseEntries(_ r: inout EventReader, into index: inout RepositoryIndex) throws {
        while true {
            let k = try r.next()
            if k.type == YAML_MAPPING_END_EVENT { return }
            let name = r.scalar(k) ?? ""
            let v = try r.next()
            if v.type == YAML_SCALAR_EVENT { continue }
            guard v.type == YAML_SEQUENCE_START_EVENT else { throw SourceError.badIndex(r.source, "line \(r.line): entries.\(name) is not a list") }
            var versions: [ChartVersion] = []
            while true {
                let item = try r.next()
                if item.type == YAML_SEQUENCE_END_EVENT { break }
                guard item.type == YAML_MAPPING_START_EVENT else { try r.skipStarted(item); continue }
                var cv = ChartVersion()
                cv.name = name
                while true {
                    let fk = try r.next()
                    if fk.type == YAML_MAPPING_END_EVENT { break }
                    switch r.scalar(fk) ?? "" {
                    case "version": cv.version = try r.scalarValue()
                    case "appVersion": cv.appVersion = try r.scalarValue()
                    case "digest": cv.digest = try r.scalarValue()
                    case "created": cv.created = try r.scalarValue()
                    case "description": cv.description = try r.scalarValue()
                    case "name": cv.name = try r.scalarValue()
                    case "deprecated": cv.deprecated = try r.scalarValue() == "true"
                    case "urls": cv.urls = try r.scalarList()
                    case "keywords": cv.keywords = try r.scalarList()
                    default: try r.skip()
                    }
                }
                versions.append(cv)
            }
            index.entries[name, default: []] += versions
        }
    }

    /// The version a request names: an exact version, a semver range ("~6.10", ">=1 <2"), or the
    /// newest stable one when empty or "*".
    public func resolve(name: String, version: String, repository: String) throws -> ChartVersion {
        guard let all = entries[name], !all.isEmpty else {
            let near = entries.keys.filter { $0.contains(name) || name.contains($0) }.sorted().prefix(5)
            throw SourceError.chartNotFound(name: name, repository: repository, suggestions: Array(near))
        }
        if let exact = all.first(where: { $0.version == version }) { return exact }
        let parsed = all.compactMap { cv in (try? Version(cv.version)).map { (cv, $0) } }.sorted { $0.1 > $1.1 }
        let wanted = version.isEmpty ? "*" : version
        let constraint: Constraints
        do { constraint = try Constraints(wanted) } catch {
            throw SourceError.badVersion(name: name, version: version, reason: "\(error)")
        }
        if let hit = parsed.first(where: { constraint.check($0.1) }) { return hit.0 }
        throw SourceError.versionNotFound(name: name, version: version, repository: repository, available: parsed.map { $0.0.version })
    }
}

/// libyaml events with line numbers for messages.
struct EventReader {
    let parser: UnsafeMutablePointer<yaml_parser_t>
    let bytes: UnsafeMutablePointer<UInt8>
    let source: String
    var depthLimit = 200
    var event = yaml_event_t()
    var hasEvent = false

    init(_ input: [UInt8], source: String) throws {
        self.source = source
        bytes = .allocate(capacity: max(input.count, 1))
        bytes.initialize(from: input, count: input.count)
        parser = .allocate(capacity: 1)
        guard yaml_parser_initialize(parser) == 1 else { throw SourceError.badIndex(source, "cannot initialise the YAML parser") }
        yaml_parser_set_input_string(parser, bytes, input.count)
    }

    mutating func close() {
        if hasEvent { yaml_event_delete(&event) }
        yaml_parser_delete(parser); parser.deallocate(); bytes.deallocate()
    }

    var line: Int { Int(parser.pointee.mark.line) + 1 }

    /// The next event (valid until the following call).
    mutating func next() throws -> yaml_event_t {
        if hasEvent { yaml_event_delete(&event); hasEvent = false }
        guard yaml_parser_parse(parser, &event) == 1 else {
            let problem = parser.pointee.problem.map { String(cString: $0) } ?? "invalid YAML"
            throw SourceError.badIndex(source, "line \(Int(parser.pointee.problem_mark.line) + 1): \(problem)")
        }
        hasEvent = true
        return event
    }

    mutating func expect(_ t: yaml_event_type_t) throws {
        let e = try next()
        guard e.type == t else { throw SourceError.badIndex(source, "line \(line): unexpected YAML structure") }
    }

    func scalar(_ e: yaml_event_t) -> String? {
        guard e.type == YAML_SCALAR_EVENT, let p = e.data.scalar.value else { return nil }
        return String(decoding: UnsafeBufferPointer(start: p, count: e.data.scalar.length), as: UTF8.self)
    }

    mutating func scalarValue() throws -> String {
        let e = try next()
        if let s = scalar(e) { return s }
        try skipStarted(e)
        return ""
    }

    mutating func scalarList() throws -> [String] {
        let e = try next()
        guard e.type == YAML_SEQUENCE_START_EVENT else { try skipStarted(e); return [] }
        var out: [String] = []
        while true {
            let x = try next()
            if x.type == YAML_SEQUENCE_END_EVENT { return out }
            if let s = scalar(x) { out.append(s) } else { try skipStarted(x) }
        }
    }

    /// Skips the next node whole.
    mutating func skip() throws { try skipStarted(try next()) }

    /// Skips the rest of a node whose first event was `e`.
    mutating func skipStarted(_ e: yaml_event_t) throws {
        guard e.type == YAML_MAPPING_START_EVENT || e.type == YAML_SEQUENCE_START_EVENT else { return }
        var depth = 1
        while depth > 0 {
            let x = try next()
            switch x.type {
            case YAML_MAPPING_START_EVENT, YAML_SEQUENCE_START_EVENT:
                depth += 1
                if depth > depthLimit { throw SourceError.badIndex(source, "line \(line): nesting deeper than \(depthLimit)") }
            case YAML_MAPPING_END_EVENT, YAML_SEQUENCE_END_EVENT: depth -= 1
            case YAML_STREAM_END_EVENT: throw SourceError.badIndex(source, "unexpected end of the index")
            default: break
            }
        }
    }
}
