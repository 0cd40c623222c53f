/// A Go type as reflection would name it. Templates show these names in `%T`, `typeOf`
/// and error messages, so they are spelled exactly as Go spells them.
public indirect enum GoType: Hashable, Sendable, CustomStringConvertible {
    case interface
    case bool
    case int, int8, int16, int32, int64
    case uint, uint8, uint16, uint32, uint64, uintptr
    case float32, float64
    case complex64, complex128
    case string
    case slice(GoType)
    case map(GoType, GoType)
    case pointer(GoType)
    case function
    /// A named type (`chartutil.Values`, `time.Time`, `semver.Version`) with the kind below it.
    case named(String, GoKind)

    public var description: String {
        switch self {
        case .interface: return "interface {}"
        case .bool: return "bool"
        case .int: return "int"
        case .int8: return "int8"
        case .int16: return "int16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .uint: return "uint"
        case .uint8: return "uint8"
        case .uint16: return "uint16"
        case .uint32: return "uint32"
        case .uint64: return "uint64"
        case .uintptr: return "uintptr"
        case .float32: return "float32"
        case .float64: return "float64"
        case .complex64: return "complex64"
        case .complex128: return "complex128"
        case .string: return "string"
        case .slice(let e): return "[]\(e)"
        case .map(let k, let v): return "map[\(k)]\(v)"
        case .pointer(let e): return "*\(e)"
        case .function: return "func"
        case .named(let n, _): return n
        }
    }

    public var kind: GoKind {
        switch self {
        case .interface: return .interface
        case .bool: return .bool
        case .int, .int8, .int16, .int32, .int64: return .int
        case .uint, .uint8, .uint16, .uint32, .uint64, .uintptr: return .uint
        case .float32, .float64: return .float
        case .complex64, .complex128: return .complex
        case .string: return .string
        case .slice: return .slice
        case .map: return .map
        case .pointer: return .pointer
        case .function: return .function
        case .named(_, let k): return k
        }
    }

    /// Go's reflect.Kind name (`kindOf`).
    public var kindName: String {
        switch self {
        case .named(_, let k): return k.rawValue
        case .interface: return "interface"
        case .slice: return "slice"
        case .map: return "map"
        case .pointer: return "ptr"
        case .function: return "func"
        default: return description
        }
    }

    /// Whether an untyped nil can be assigned to the type (reflect.Zero gives nil).
    public var canBeNil: Bool {
        switch kind {
        case .interface, .slice, .map, .pointer, .function: return true
        default: return false
        }
    }
}

/// The broad kinds that Go's template comparisons and truth rules use.
public enum GoKind: String, Sendable, Hashable {
    case bool, int, uint, float, complex, string, slice, map, pointer, `struct`, interface, function = "func"
}
