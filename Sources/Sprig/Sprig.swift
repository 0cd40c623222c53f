import Values

/// Sprig's text function map (github.com/Masterminds/sprig/v3 TxtFuncMap), with Go's types
/// showing through: math returns int64, lists are []interface {}, splitList gives []string.
public enum Sprig {
    public static let functions: [String: GoFunction] = {
        var t = FunctionTable()
        StringFunctions.register(&t)
        ListFunctions.register(&t)
        DictFunctions.register(&t)
        MathFunctions.register(&t)
        DefaultFunctions.register(&t)
        EncodingFunctions.register(&t)
        PathFunctions.register(&t)
        RegexFunctions.register(&t)
        SemverFunctions.register(&t)
        URLFunctions.register(&t)
        DateFunctions.register(&t)
        CertificateFunctions.register(&t)
        Bcrypt.register(&t)
        SecretFunctions.register(&t)
        t.add("getHostByName", [.s]) { _ in .string("") }
        return t.functions
    }()

    /// Deep copy of a value (maps are shared references otherwise).
    public static func deepCopy(_ v: Value) -> Value { Cast.deepCopy(v) }

    /// Sprig's notion of an empty value.
    public static func isEmpty(_ v: Value?) -> Bool { Cast.isEmpty(v) }

    /// Sprig's strval.
    public static func string(_ v: Value?) -> String { Cast.string(v) }
}
