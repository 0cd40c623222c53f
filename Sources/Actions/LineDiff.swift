/// A unified diff of two texts by lines (longest common subsequence; the texts here are single
/// Kubernetes objects, small enough for the quadratic table).
public enum LineDiff {
    public static func unified(_ a: String, _ b: String, fromName: String, toName: String, context: Int = 3) -> String {
        let x = a.isEmpty ? [] : a.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let y = b.isEmpty ? [] : b.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let n = x.count, m = y.count
        var lcs = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lcs[i][j] = x[i] == y[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        enum Op { case same(String), del(String), add(String) }
        var ops: [Op] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n && j < m && x[i] == y[j] { ops.append(.same(x[i])); i += 1; j += 1 }
            // Removed lines before added ones, as diff(1) prints a change.
            else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) { ops.append(.del(x[i])); i += 1 }
            else { ops.append(.add(y[j])); j += 1 }
        }
        guard ops.contains(where: { if case .same = $0 { return false } else { return true } }) else { return "" }
        var out = "--- \(fromName)\n+++ \(toName)\n"
        // Hunks: changed lines with `context` lines around them.
        var k = 0
        var aLine = 1, bLine = 1
        while k < ops.count {
            guard let start = ops[k...].firstIndex(where: { if case .same = $0 { return false } else { return true } }) else { break }
            for op in ops[k..<start] { if case .same = op { aLine += 1; bLine += 1 } }
            var end = start
            var lastChange = start
            while end < ops.count {
                if case .same = ops[end] { if end - lastChange > 2 * context { break } } else { lastChange = end }
                end += 1
            }
            let hunkStart = max(k, start - context), hunkEnd = min(ops.count, lastChange + context + 1)
            let lead = start - hunkStart
            var aStart = aLine - lead, bStart = bLine - lead
            var aCount = 0, bCount = 0, body = ""
            for op in ops[hunkStart..<hunkEnd] {
                switch op {
                case .same(let s): body += " \(s)\n"; aCount += 1; bCount += 1
                case .del(let s): body += "-\(s)\n"; aCount += 1
                case .add(let s): body += "+\(s)\n"; bCount += 1
                }
            }
            if aCount == 0 { aStart -= 1 }
            if bCount == 0 { bStart -= 1 }
            out += "@@ -\(aStart),\(aCount) +\(bStart),\(bCount) @@\n" + body
            for op in ops[start..<hunkEnd] {
                switch op { case .same: aLine += 1; bLine += 1; case .del: aLine += 1; case .add: bLine += 1 }
            }
            k = hunkEnd
        }
        return out
    }
}
