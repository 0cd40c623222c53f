import Values

/// Rows as helm's `output.EncodeJSON` prints a slice of Go structs: the fields in the struct's
/// order (a map's keys would come sorted), `<`, `>` and `&` escaped as `\u003c` etc., one line.
/// `list` and `history` print this way; their YAML goes through a map and is sorted.
enum StructJSON {
    static func encode(_ rows: [[(String, Value)]]) throws -> String {
        var out = "["
        for (i, row) in rows.enumerated() {
            if i > 0 { out += "," }
            out += "{"
            for (j, (key, value)) in row.enumerated() {
                if j > 0 { out += "," }
                out += try JSONEncoding.encode(.string(key), escapeHTML: true) + ":" + JSONEncoding.encode(value, escapeHTML: true)
            }
            out += "}"
        }
        return out + "]\n"
    }
}

extension OutputFormat {
    /// Rows of helm's structs in this format: JSON in the structs' field order, YAML sorted.
    func encode(rows: [[(String, Value)]]) throws -> String {
        self == .json ? try StructJSON.encode(rows) : try encode(.list(rows.map { .map(Map(Dictionary(uniqueKeysWithValues: $0))) }))
    }
}
