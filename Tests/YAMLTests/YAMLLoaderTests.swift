import Foundation
import XCTest
import YAML
import Values
import GoFmt

final class YAMLLoaderTests: XCTestCase {
    func load(_ s: String) throws -> String { GoFmt.print(try YAML.load(s) ?? .null).string }

    func testScalarsResolveAsGoYAMLv2ThroughJSON() throws {
        let doc = """
        a: 1
        b: 1.5
        c: 0x1F
        d: 017
        e: 1_000
        f: yes
        g: off
        h: ~
        i: "22:22"
        j: 22:22
        k: 2001-12-14
        l: .inf
        m: '1'
        n2: 1e3
        o: y
        p: 12345678901234567890
        """
        let v = try YAML.load(doc)
        guard case .map(let m)? = v else { return XCTFail("not a map") }
        func t(_ k: String) -> String { GoFmt.sprintf("%T=%v", [m.entries[k]!, m.entries[k]!]).string }
        XCTAssertEqual(t("a"), "float64=1")
        XCTAssertEqual(t("b"), "float64=1.5")
        XCTAssertEqual(t("c"), "float64=31")
        XCTAssertEqual(t("d"), "float64=15")
        XCTAssertEqual(t("e"), "float64=1000")
        XCTAssertEqual(t("f"), "bool=true")
        XCTAssertEqual(t("g"), "bool=false")
        XCTAssertEqual(t("h"), "<nil>=<nil>")
        XCTAssertEqual(t("i"), "string=22:22")
        XCTAssertEqual(t("j"), "string=22:22")
        XCTAssertEqual(t("k"), "string=2001-12-14")
        XCTAssertEqual(t("l"), "float64=+Inf")
        XCTAssertEqual(t("m"), "string=1")
        XCTAssertEqual(t("n2"), "float64=1000")
        XCTAssertEqual(t("o"), "bool=true")
        XCTAssertEqual(t("p"), "float64=1.2345678901234567e+19")
    }

    func testKeysBecomeStringsAndDuplicatesKeepTheLast() throws {
        XCTAssertEqual(try load("1: a\ntrue: b\n1.5: c\nx: 1\nx: 2\n"), "map[1:a 1.5:c true:b x:2]")
    }

    func testAnchorsAliasesAndMergeKeys() throws {
        let doc = """
        base: &b {x: 1, z: 2}
        derived:
          <<: *b
          z: 3
        list: [*b, *b]
        """
        XCTAssertEqual(try load(doc), "map[base:map[x:1 z:2] derived:map[x:1 z:3] list:[map[x:1 z:2] map[x:1 z:2]]]")
    }

    func testYAML11BooleanKeysBecomeTrueAndFalse() throws {
        // go-yaml v2 reads `y` and `off` as booleans, keys included; JSON then spells them out.
        XCTAssertEqual(try load("y: 1\noff: 2\n"), "map[false:2 true:1]")
    }

    func testEmptyDocumentIsNil() throws {
        XCTAssertNil(try YAML.load(""))
        XCTAssertNil(try YAML.load("# only a comment\n"))
        XCTAssertEqual(try YAML.loadAll("a: 1\n---\nb: 2\n").count, 2)
    }

    func testSyntaxErrorsNameTheLine() {
        // go-yaml counts scanner lines from 1 but leaves an error on the first line unnumbered.
        XCTAssertThrowsError(try YAML.load("x: 1\na: b: c\n")) { e in
            XCTAssertEqual("\(e)", "yaml: line 2: mapping values are not allowed in this context")
        }
        XCTAssertThrowsError(try YAML.load("a: b: c\n")) { e in
            XCTAssertEqual("\(e)", "yaml: mapping values are not allowed in this context")
        }
        XCTAssertThrowsError(try YAML.load("a:\n  - x\n - y\n")) { e in
            XCTAssertTrue("\(e)".hasPrefix("yaml: line"), "\(e)")
        }
    }

    func testDeepNestingFailsFast() {
        let deep = String(repeating: "[", count: 200_000)
        let start = Date.timeIntervalSinceReferenceDate
        XCTAssertThrowsError(try YAML.load(deep)) { e in
            XCTAssertTrue("\(e)".contains("exceeded max depth of 1000"), "\(e)")
        }
        XCTAssertLessThan(Date.timeIntervalSinceReferenceDate - start, 2)
    }

    func testAliasBombFailsFast() {
        // The classic "billion laughs" in 432 bytes.
        let bomb = """
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
        i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
        """
        let start = Date.timeIntervalSinceReferenceDate
        XCTAssertThrowsError(try YAML.load(bomb)) { e in
            XCTAssertTrue("\(e)".contains("excessive aliasing"), "\(e)")
        }
        XCTAssertLessThan(Date.timeIntervalSinceReferenceDate - start, 2)
    }
}

/// The writer follows go-yaml's emitter where libyaml's differs.
final class YAMLWriterDifferenceTests: XCTestCase {
    func testAKeptTrailingNewlineEndsWithoutADocumentMarker() throws {
        XCTAssertEqual(try YAMLWriter.marshal(.string("a\n\n")), "|+\n  a\n\n")
    }

    func testPrettyFloatsAreGoFloats() throws {
        let v: Value = .list([.float(9007199254740992), .float(1.5), .float(3)])
        XCTAssertEqual(try YAMLWriter.marshal(v, indentSequences: true), "- 9.007199254740992e+15\n- 1.5\n- 3\n")
    }
}
