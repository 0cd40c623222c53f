import Foundation
import XCTest

/// The render limits as flags (--max-template-depth, --max-string-size, --max-list-items,
/// --max-render-size, --render-timeout) on every command that renders; the HRCTL_* variables
/// of the same names are the defaults the flags override.
final class RenderLimitFlagTests: XCTestCase {
    func chart(_ name: String, _ template: String) throws -> String {
        let chart = try CLIRunner.temp("limits/\(name)/Chart.yaml", "apiVersion: v2\nname: \(name)\nversion: 0.1.0\n")
        _ = try CLIRunner.temp("limits/\(name)/templates/t.yaml", template)
        return URL(fileURLWithPath: chart).deletingLastPathComponent().path
    }

    func testAFlagLowersOrRaisesALimitOverTheEnvironment() throws {
        let c = try chart("strings", "n: {{ repeat 100 \"x\" | len }}\n")
        let low = try CLIRunner.run(["template", "r", c, "--max-string-size", "50"])
        XCTAssertEqual(low.code, 1)
        XCTAssertTrue(low.err.contains("string of 100 bytes exceeds the limit of 50 bytes"), low.err)
        XCTAssertTrue(low.err.contains("raise it with --max-string-size or HRCTL_MAX_STRING_SIZE"), low.err)
        XCTAssertTrue(low.err.contains("strings/templates/t.yaml:1:"), low.err)

        let envLow = try CLIRunner.run(["template", "r", c], env: ["HRCTL_MAX_STRING_SIZE": "50"])
        XCTAssertEqual(envLow.code, 1, envLow.out)
        let raised = try CLIRunner.run(["template", "r", c, "--max-string-size", "1Ki"], env: ["HRCTL_MAX_STRING_SIZE": "50"])
        XCTAssertEqual(raised.code, 0, raised.err)
        XCTAssertTrue(raised.out.contains("n: 100"), raised.out)
        // A flag replaces a bad variable of its limit; a bad variable no flag replaces still fails.
        XCTAssertEqual(try CLIRunner.run(["template", "r", c, "--max-string-size", "1Ki"], env: ["HRCTL_MAX_STRING_SIZE": "lots"]).code, 0)
        let badEnv = try CLIRunner.run(["template", "r", c, "--max-list-items", "10"], env: ["HRCTL_MAX_STRING_SIZE": "lots"])
        XCTAssertEqual(badEnv.code, 1)
        XCTAssertTrue(badEnv.err.contains("invalid HRCTL_MAX_STRING_SIZE \"lots\""), badEnv.err)
    }

    func testDepthListOutputAndTimeLimits() throws {
        let recursion = try chart("depth", "{{ define \"r\" }}{{ include \"r\" . }}{{ end }}{{ include \"r\" . }}\n")
        let depth = try CLIRunner.run(["template", "r", recursion, "--max-template-depth", "40"])
        XCTAssertEqual(depth.code, 1)
        XCTAssertTrue(depth.err.contains("(40)") && depth.err.contains("--max-template-depth"), depth.err)

        let list = try chart("list", "n: {{ until 20 | len }}\n")
        let items = try CLIRunner.run(["template", "r", list, "--max-list-items", "10"])
        XCTAssertTrue(items.code == 1 && items.err.contains("--max-list-items"), items.err)
        XCTAssertEqual(try CLIRunner.run(["template", "r", list, "--max-list-items", "20"]).code, 0)

        let output = try chart("output", "{{ range until 20 }}# {{ repeat 100 \"y\" }}\n{{ end }}")
        let total = try CLIRunner.run(["template", "r", output, "--max-render-size", "1k"])
        XCTAssertTrue(total.code == 1 && total.err.contains("--max-render-size"), total.err)

        let forever = try chart("forever", "{{ range $i, $_ := until 1000000 }}{{ range until 1000000 }}{{ end }}{{ end }}\n")
        let start = ContinuousClock.now
        let timeout = try CLIRunner.run(["template", "r", forever, "--render-timeout", "300ms"])
        XCTAssertTrue(timeout.code == 1 && timeout.err.contains("--render-timeout"), timeout.err)
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(15))
    }

    func testBadValuesAreUsageErrorsNamingTheFlagOnEveryRenderingCommand() throws {
        let c = try chart("bad", "x: 1\n")
        let cases: [([String], String)] = [
            (["--max-template-depth", "0"], #"invalid argument "0" for "--max-template-depth" flag: want a positive whole number"#),
            (["--max-string-size", "12Q"], #"invalid argument "12Q" for "--max-string-size" flag: want a size such as 64Mi or 1Gi"#),
            (["--max-list-items", "many"], #"invalid argument "many" for "--max-list-items" flag"#),
            (["--max-render-size=-1"], #"invalid argument "-1" for "--max-render-size" flag"#),
            (["--render-timeout", "5x"], #"invalid argument "5x" for "--render-timeout" flag: want a duration such as 30s or 2m"#),
        ]
        let commands: [[String]] = [["template", "r", c], ["install", "r", c], ["upgrade", "r", c], ["lint", c],
                                    ["apply", "-f", c], ["diff", "-f", c], ["operator"], ["render", "--chart", c, c + "/templates/t.yaml"]]
        for command in commands {
            for (flag, message) in cases where command[0] == "template" || flag[0] == "--render-timeout" {
                let r = try CLIRunner.run(command + flag)
                XCTAssertNotEqual(r.code, 0, "\(command + flag)")
                XCTAssertTrue(r.err.contains(message), "\(command + flag): \(r.err)")
            }
        }
        XCTAssertEqual(try CLIRunner.run(["lint", c, "--max-template-depth", "8"]).code, 0)
    }
}
