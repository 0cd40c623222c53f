import XCTest
@testable import GoTemplate

final class ParserTests: XCTestCase {
    func tree(_ s: String, funcs: Set<String> = ["printf", "f"]) throws -> (Tree, [Tree]) {
        var p = Parser(name: "t", text: Array(s.utf8), hasFunction: { funcs.contains($0) })
        let (main, defined) = try p.parse()
        return (main, defined)
    }

    func testRoundTripsActionsToGoSyntax() throws {
        let (t, _) = try tree("{{if .a}}x{{else if .b}}y{{else}}z{{end}}{{range $i, $v := .l}}{{$v}}{{end}}{{with .m}}{{.}}{{end}}")
        XCTAssertEqual(t.root.description, "{{if .a}}\"x\"{{else}}{{if .b}}\"y\"{{else}}\"z\"{{end}}{{end}}{{range $i, $v := .l}}{{$v}}{{end}}{{with .m}}{{.}}{{end}}")
    }

    func testChainOnParenthesisedPipeline() throws {
        let (t, _) = try tree("{{ (f .a).b.c }}")
        XCTAssertEqual(t.root.description, "{{(f .a).b.c}}")
    }

    func testDefineAndBlockProduceSeparateTrees() throws {
        let (main, defined) = try tree("{{define \"x\"}}X{{end}}{{block \"y\" .}}Y{{end}}")
        XCTAssertEqual(Set(defined.map(\.name)), ["x", "y"])
        XCTAssertEqual(main.root.description, "{{template \"y\" .}}")
    }

    func testDuplicateDefinitionInOneParseFails() {
        XCTAssertThrowsError(try tree("{{define \"x\"}}a{{end}}{{define \"x\"}}b{{end}}")) { e in
            XCTAssertEqual("\(e)", "template: t:1: template: multiple definition of template \"x\"")
        }
    }

    func testVariablesAreScopedToTheirBlock() {
        XCTAssertThrowsError(try tree("{{if true}}{{$x := 1}}{{end}}{{$x}}")) { e in
            XCTAssertEqual("\(e)", "template: t:1: undefined variable \"$x\"")
        }
        XCTAssertNoThrow(try tree("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}"))
    }

    func testErrorsNameTheLine() {
        XCTAssertThrowsError(try tree("a\nb\n{{ nope }}")) { e in
            XCTAssertEqual("\(e)", "template: t:3: function \"nope\" not defined")
        }
        XCTAssertThrowsError(try tree("{{ .x\n\n")) { e in
            XCTAssertEqual("\(e)", "template: t:3: unclosed action started at t:1")
        }
    }
}
