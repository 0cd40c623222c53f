import Foundation
import XCTest
import GoTemplate
import Values

/// A host object with a field and a method, as Helm's .Release and .Files are.
final class Person: GoObject, @unchecked Sendable {
    var goType: GoType { .pointer(.named("main.Person", .struct)) }
    func field(_ name: String) -> Value? { name == "Name" ? .string("ann") : nil }
    func method(_ name: String) -> GoFunction? {
        guard name == "Greet" else { return nil }
        return GoFunction("Greet", [.typed(.string)]) { .string("hello \($0[0]!.stringValue!), I am ann") }
    }
    var formatted: String { "&{ann}" }
}

final class ExecTests: XCTestCase {
    func render(_ text: String, _ data: Value? = nil, funcs: [String: GoFunction] = [:], missing: MissingKey = .default) throws -> String {
        let set = TemplateSet(funcs: funcs)
        set.missingKey = missing
        try set.parse(name: "t", text: text)
        return try set.execute("t", data: data)
    }

    func testHostObjectsExposeFieldsAndMethods() throws {
        let data = Value.map(["p": .object(Person())])
        XCTAssertEqual(try render("{{ .p.Name }}|{{ .p.Greet \"bob\" }}|{{ \"eve\" | .p.Greet }}", data),
                       "ann|hello bob, I am ann|hello eve, I am ann")
        XCTAssertThrowsError(try render("{{ .p.Nope }}", data)) { e in
            XCTAssertEqual("\(e)", "template: t:1:5: executing \"t\" at <.p.Nope>: can't evaluate field Nope in type interface {}")
        }
    }

    func testTypedParametersConvertLiteralsAndRejectWrongTypes() throws {
        let repeatFn = GoFunction("rep", [.typed(.int), .typed(.string)]) { args in
            guard case .int(let n, _)? = args[0], case .string(let s)? = args[1] else { return nil }
            return .string(String(repeating: s.string, count: Int(n)))
        }
        let funcs = ["rep": repeatFn]
        XCTAssertEqual(try render("{{ rep 3 \"ab\" }}", funcs: funcs), "ababab")
        XCTAssertEqual(try render("{{ \"x\" | rep 2 }}", funcs: funcs), "xx")
        XCTAssertThrowsError(try render("{{ rep 1.5 \"a\" }}", funcs: funcs)) { e in
            XCTAssertEqual("\(e)", "template: t:1:7: executing \"t\" at <1.5>: expected integer; found 1.5")
        }
        XCTAssertThrowsError(try render("{{ rep .n \"a\" }}", .map(["n": .float(2)]), funcs: funcs)) { e in
            XCTAssertEqual("\(e)", "template: t:1:7: executing \"t\" at <.n>: wrong type for value; expected int; got float64")
        }
        XCTAssertThrowsError(try render("{{ rep 1 .missing }}", .map([:]), funcs: funcs)) { e in
            XCTAssertEqual("\(e)", "template: t:1:9: executing \"t\" at <.missing>: invalid value; expected string")
        }
    }

    func testFunctionErrorsAreWrappedWithTheCall() throws {
        let failing = GoFunction("boom", [.any]) { _ in throw FunctionError("it broke") }
        XCTAssertThrowsError(try render("ok {{ boom 1 }}", funcs: ["boom": failing])) { e in
            XCTAssertEqual("\(e)", "template: t:1:6: executing \"t\" at <boom 1>: error calling boom: it broke")
        }
    }

    func testMissingKeyZeroGivesNilInterface() throws {
        XCTAssertEqual(try render("{{ .a }}|{{ print .a }}", .map([:]), missing: .zero), "<no value>|<nil>")
        XCTAssertThrowsError(try render("{{ .a.b }}", .map([:]), missing: .zero)) { e in
            XCTAssertEqual("\(e)", "template: t:1:5: executing \"t\" at <.a.b>: nil pointer evaluating interface {}.b")
        }
    }

    func testRecursionEndsInAnErrorNotACrash() throws {
        let set = TemplateSet()
        set.maxDepth = 500
        try set.parse(name: "t", text: "{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}")
        XCTAssertThrowsError(try set.execute("t", data: nil)) { e in
            XCTAssertTrue("\(e)".contains("exceeded maximum template depth (500)"), "\(e)")
        }
    }

    func testDefaultDepthLimitIsSafeOnTheMainThreadStack() throws {
        try XCTSkipIf(ProcessInfo.processInfo.environment["HRCTL_SKIP_DEEP"] != nil)
        XCTAssertThrowsError(try render("{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}")) { e in
            XCTAssertTrue("\(e)".contains("exceeded maximum template depth"), "\(e)")
        }
    }

    func testLaterDefinitionsReplaceEarlierOnes() throws {
        let set = TemplateSet()
        try set.parse(name: "a", text: "{{ define \"x\" }}first{{ end }}")
        try set.parse(name: "b", text: "{{ define \"x\" }}second{{ end }}{{ define \"x\" }}{{ end }}")
        try set.parse(name: "t", text: "{{ template \"x\" }}")
        XCTAssertEqual(try set.execute("t", data: nil), "second")
    }

    func testBreakAndContinueOnlyLeaveTheInnermostRange() throws {
        let data = Value.map(["l": .list([.float(1), .float(2), .float(3)])])
        XCTAssertEqual(try render("{{ range $i, $a := .l }}{{ range $.l }}{{ if eq . 2.0 }}{{ break }}{{ end }}{{ . }}{{ end }};{{ end }}", data), "1;1;1;")
        XCTAssertEqual(try render("{{ range .l }}{{ if eq . 2.0 }}{{ continue }}{{ end }}{{ . }}{{ end }}", data), "13")
    }

    func testPartialOutputIsKeptOnError() {
        let set = TemplateSet()
        XCTAssertNoThrow(try set.parse(name: "t", text: "before {{ index .l 5 }} after"))
        var out: [UInt8] = []
        XCTAssertThrowsError(try set.execute("t", data: .map(["l": .list([])]), output: &out))
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "before ")
    }
}

/// Messages Go's builtins give for comparisons and indexes it cannot do.
final class BuiltinErrorTests: XCTestCase {
    func err(_ text: String, _ data: Value? = nil) -> String {
        let set = TemplateSet(funcs: [:])
        do { try set.parse(name: "t", text: text); _ = try set.execute("t", data: data); return "no error" } catch { return "\(error)" }
    }

    func testComparingAMapWithAListNamesBothSides() {
        let data: Value = .map(["m": .map(["a": .string("x")]), "l": .list([.bool(true)])])
        XCTAssertTrue(err("{{ eq .m .l }}", data).hasSuffix("error calling eq: non-comparable types map[a:x]: map[string]interface {}, []interface {}: [true]"))
        XCTAssertTrue(err("{{ eq .l .l }}", data).hasSuffix("error calling eq: non-comparable type [%!s(bool=true)]: []interface {}"))
    }

    func testIndexAtTheLengthIsReflectsPanic() {
        let data: Value = .map(["l": .list([.int(1)])])
        XCTAssertTrue(err("{{ index .l 1 }}", data).hasSuffix("error calling index: reflect: slice index out of range"))
        XCTAssertTrue(err(#"{{ index "" 0 }}"#).hasSuffix("error calling index: reflect: string index out of range"))
        XCTAssertTrue(err("{{ index .l 2 }}", data).hasSuffix("error calling index: index out of range: 2"))
    }
}

/// Nesting as deep as Go's parser allows, and no deeper.
final class NestingDepthTests: XCTestCase {
    func testParenthesesDeeperThanGoAllowsFailToParse() {
        let set = TemplateSet(funcs: [:])
        let deep = "{{" + String(repeating: "(", count: 20_000) + "1" + String(repeating: ")", count: 20_000) + "}}"
        XCTAssertThrowsError(try set.parse(name: "t", text: deep)) {
            XCTAssertEqual("\($0)", "template: t:1: max expression depth exceeded")
        }
    }
}
