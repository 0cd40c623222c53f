import Values

/// The order go-yaml writes map keys in (its sorter.go keyList.Less for string keys): rune by
/// rune, a letter after a non-letter, runs of digits by their value (a shorter run of equal
/// value first). Helm's toYaml goes through sigs.k8s.io/yaml, whose encoder is go-yaml v2's;
/// toYamlPretty uses yaml.v3, whose rule differs in one place: right after a shared digit, a
/// letter sorts before a non-letter.
public enum YAMLKeyOrder: Sendable {
    case v2
    case v3

    public func sorted(_ keys: some Sequence<String>) -> [String] {
        // Runes decoded once per key, not once per comparison.
        keys.map { ($0, Array($0.unicodeScalars)) }.sorted { less($0.1, $1.1) }.map(\.0)
    }

    public func less(_ a: String, _ b: String) -> Bool {
        less(Array(a.unicodeScalars), Array(b.unicodeScalars))
    }

    func less(_ ar: [Unicode.Scalar], _ br: [Unicode.Scalar]) -> Bool {
        var digits = false
        var i = 0
        while i < ar.count && i < br.count {
            if ar[i] == br[i] {
                digits = ar[i].isGoDigit
                i += 1
                continue
            }
            let al = ar[i].isGoLetter, bl = br[i].isGoLetter
            if al && bl { return ar[i].value < br[i].value }
            if al || bl { return self == .v3 && digits ? al : bl }
            var an: Int64 = 0, bn: Int64 = 0
            if ar[i] == "0" || br[i] == "0" {
                // A zero inside a number that began earlier is not a leading zero.
                var j = i - 1
                while j >= 0 && ar[j].isGoDigit {
                    if ar[j] != "0" { an = 1; bn = 1; break }
                    j -= 1
                }
            }
            var ai = i, bi = i
            while ai < ar.count && ar[ai].isGoDigit {
                an = an &* 10 &+ (Int64(ar[ai].value) &- 48)
                ai += 1
            }
            while bi < br.count && br[bi].isGoDigit {
                bn = bn &* 10 &+ (Int64(br[bi].value) &- 48)
                bi += 1
            }
            if an != bn { return an < bn }
            if ai != bi { return ai < bi }
            return ar[i].value < br[i].value
        }
        return ar.count < br.count
    }
}
