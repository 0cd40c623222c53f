import XCTest
import Chart
import Engine
import Values

/// Go tells a nil slice (or map) from an empty one in a few places only: encoding/json and
/// sigs.k8s.io/yaml write it `null`, yaml.v3 `[]`, `%#v` `[]T(nil)`, reflect.DeepEqual finds
/// the two unequal. Every answer below is what helm v4.3.1 renders for the same action.
final class NilSliceTests: XCTestCase {
    func render(_ action: String) throws -> String {
        let chart = try ChartLoader.load(files: [
            ("Chart.yaml", Array("apiVersion: v2\nname: c\nversion: 0.1.0\n".utf8)),
        ], source: "test")
        return try Renderer.renderOne(chart, values: Map([:]), name: "templates/t.yaml", text: "{{ \(action) }}")
    }

    func check(_ cases: [(String, String)], file: StaticString = #filePath, line: UInt = #line) {
        for (action, want) in cases {
            do {
                let got = try render(action)
                XCTAssertEqual(got, want, action, file: file, line: line)
            } catch {
                XCTFail("\(action): \(error)", file: file, line: line)
            }
        }
    }

    func testFunctionsThatAnswerNilSliceEncodeAsNull() {
        check([
            (#"regexFindAll "z" "abc" -1 | toJson"#, "null"),
            (#"regexFindAll "b" "abc" 0 | toRawJson"#, "null"),
            (#"mustRegexFindAll "z" "abc" -1 | toPrettyJson"#, "null"),
            (#"regexSplit "b" "abc" 0 | mustToJson"#, "null"),
            (#"rest list | toJson"#, "null"),
            (#"initial list | toJson"#, "null"),
            (#"concat list list | toJson"#, "null"),
            (#"concat | toJson"#, "null"),
            (#"regexFindAll "z" "abc" -1 | sortAlpha | toJson"#, "null"),
            (#"regexFindAll "z" "abc" -1 | toStrings | toJson"#, "null"),
            (#"fromJsonArray "null" | toJson"#, "null"),
            (#"regexFindAll "z" "abc" -1 | toYaml"#, "null"),
            (#"dict "a" (rest list) | toYaml"#, "a: null"),
            (#"dict "a" (regexFindAll "z" "abc" -1) | toPrettyJson"#, "{\n  \"a\": null\n}"),
        ])
    }

    func testEmptyButNotNilSlicesEncodeAsBrackets() {
        // A variadic call with no arguments gets an empty, not a nil, slice from reflect.
        check([
            (#"list | toJson"#, "[]"),
            (#"tuple | toJson"#, "[]"),
            (#"regexSplit "" "" -1 | toJson"#, "[]"),
            (#"rest (list 1) | toJson"#, "[]"),
            (#"regexFindAll "z" "abc" -1 | uniq | toJson"#, "[]"),
            (#"rest list | reverse | toJson"#, "[]"),
            (#"chunk 2 (rest list) | toJson"#, "[]"),
            (#"sortAlpha list | toJson"#, "[]"),
            (#"until 0 | toJson"#, "[]"),
            (#"append (rest list) 1 | toJson"#, "[1]"),
        ])
    }

    func testYamlV3WritesNilAsEmpty() {
        check([
            (#"regexFindAll "z" "abc" -1 | toYamlPretty"#, "[]"),
            (#"dict "a" (rest list) | toYamlPretty"#, "a: []"),
            (#"fromJson "null" | toYamlPretty"#, "{}"),
        ])
    }

    func testEveryOtherFunctionSeesAnEmptyList() {
        check([
            (#"rest list | len"#, "0"),
            (#"rest list | empty"#, "true"),
            (#"rest list | kindOf"#, "slice"),
            (#"regexFindAll "z" "abc" -1 | typeOf"#, "[]string"),
            (#"default "d" (rest list)"#, "d"),
            (#"printf "%v" (rest list)"#, "[]"),
            (#"rest list | toString"#, "[]"),
            (#"range (rest list) }}r{{ else }}e{{ end }}{{ """#, "e"),
            (#"regexFindAll "z" "abc" -1 | join ",""#, ""),
            (#"ternary (rest list) 1 true | toJson"#, "null"),
            (#"$x := rest list }}{{ $x | toJson"#, "null"),
            (#"deepCopy (dict "a" (rest list)) | toJson"#, "{\"a\":null}"),
            (#"mergeOverwrite (dict "a" (list 1)) (dict "a" (rest list)) | toJson"#, "{\"a\":null}"),
        ])
    }

    /// Helm v4's tpl takes any data, so a nil slice reaches the inner template unchanged.
    func testTplPassesAnyDataOn() {
        check([
            (#"regexFindAll "z" "abc" -1 | tpl "{{ . | toJson }}""#, "null"),
            (#"list 1 | tpl "{{ . | toJson }}""#, "[1]"),
            (#""x" | tpl "{{ . }}""#, "x"),
        ])
    }

    func testGoSyntaxAndDeepEqualTellNilApart() {
        check([
            (#"printf "%#v" (rest list)"#, "[]interface {}(nil)"),
            (#"printf "%#v" (regexFindAll "z" "abc" -1)"#, "[]string(nil)"),
            (#"printf "%#v" list"#, "[]interface {}{}"),
            (#"printf "%#v" (dict "a" (rest list))"#, #"map[string]interface {}{"a":[]interface {}(nil)}"#),
            (#"deepEqual (rest list) (rest (list 1))"#, "false"),
            (#"deepEqual (rest list) (initial list)"#, "true"),
        ])
    }

    func testJsonNullDecodesToNilMap() throws {
        check([
            (#"fromJson "null" | toJson"#, "null"),
            (#"fromJson "null" | toYaml"#, "null"),
            (#"fromJson "null" | len"#, "0"),
            (#"fromJson "null" | printf "%#v""#, "map[string]interface {}(nil)"),
            (#"dict "a" (fromJson "null") | toJson"#, "{\"a\":null}"),
        ])
        XCTAssertThrowsError(try render(#"set (fromJson "null") "a" 1"#)) { e in
            XCTAssertTrue("\(e)".contains("error calling set: assignment to entry in nil map"), "\(e)")
        }
    }

    /// BurntSushi/toml leaves nil values out of a table, writes a top-level value that is not a
    /// map alone (a nil slice as []), refuses only an array of tables, and panics on nil.
    func testTomlLeavesNilOutAndWritesTopLevelValues() {
        check([
            (#"dict "a" (rest list) "b" 1 | toToml"#, "b = 1\n"),
            (#"dict "a" list | toToml"#, "a = []\n"),
            (#"fromJson "null" | toToml"#, ""),
            (#"regexFindAll "z" "abc" -1 | toToml"#, "[]"),
            (#"list 1 "x" 2.5 | toToml"#, #"[1, "x", 2.5]"#),
            (#"true | toToml"#, "true"),
            (#"list (dict "a" 1) | toToml"#, "toml: top-level values must be Go maps or structs"),
        ])
        XCTAssertThrowsError(try render(".Values.missing | toToml")) { e in
            XCTAssertTrue("\(e)".contains("error calling toToml: reflect: call of reflect.Value.Type on zero Value"), "\(e)")
        }
    }
}
