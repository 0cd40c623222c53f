/// RFC 6901 reference tokens, shared by schema `$ref`s and JSON patches.
public enum JSONPointer {
    /// `~1` before `~0`, as the RFC orders it, so `~01` stays `~1`.
    public static func unescape<S: StringProtocol>(_ token: S) -> String {
        var out = ""
        var it = token.makeIterator()
        while let c = it.next() {
            guard c == "~" else { out.append(c); continue }
            switch it.next() {
            case "1": out.append("/")
            case "0": out.append("~")
            case let other?: out.append("~"); out.append(other)
            case nil: out.append("~")
            }
        }
        return out
    }
}
