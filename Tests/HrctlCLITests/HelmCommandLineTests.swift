import XCTest
import Values
@testable import HrctlCLI

/// helm's command-line conventions that swift-argument-parser does not have itself, made so by
/// `Hrctl.normalize` and the shared flag groups.
final class HelmCommandLineTests: XCTestCase {
    func testOptionalValueFlagsTakeTheirDefaultWhenBare() {
        XCTAssertEqual(Hrctl.normalize(["install", "x", "c", "--wait", "--dry-run"]), ["install", "x", "c", "--wait=watcher", "--dry-run=client"])
        XCTAssertEqual(Hrctl.normalize(["install", "x", "c", "--wait=legacy", "--dry-run=server"]), ["install", "x", "c", "--wait=legacy", "--dry-run=server"])
    }

    func testBooleanFlagsMayBeWrittenWithTrueOrFalse() {
        XCTAssertEqual(Hrctl.normalize(["upgrade", "-i", "x", "c", "--atomic=true", "--create-namespace=false"]), ["upgrade", "-i", "x", "c", "--atomic"])
        // Values that happen to be the words true and false stay values.
        XCTAssertEqual(Hrctl.normalize(["upgrade", "x", "c", "--set=a=true", "--server-side=false", "--description=false"]),
                       ["upgrade", "x", "c", "--set=a=true", "--server-side=false", "--description=false"])
    }

    func testGlobalFlagsBeforeTheSubcommandMoveAfterIt() {
        XCTAssertEqual(Hrctl.normalize(["--kube-context", "prod", "-n", "apps", "--debug", "repo", "list"]),
                       ["repo", "list", "--kube-context", "prod", "-n", "apps", "--debug"])
        XCTAssertEqual(Hrctl.normalize(["--namespace=apps", "get", "values", "r", "--", "--wait"]),
                       ["get", "values", "r", "--namespace=apps", "--", "--wait"])
    }

    /// The list normalize uses is checked against the group's own declarations (its help).
    func testTheValuedGlobalFlagsListIsTheGroupsOwn() throws {
        let help = GlobalOptions.helpMessage(columns: 400)
        var declared: Set<String> = []
        for line in help.split(separator: "\n") {
            for word in line.split(whereSeparator: { $0 == " " || $0 == "," }) where word.hasPrefix("-") {
                declared.insert(String(word))
            }
        }
        for flag in GlobalOptions.valuedFlags.union(GlobalOptions.boolFlags) {
            XCTAssertTrue(declared.contains(flag), "\(flag) is listed but not declared")
        }
        for line in help.split(separator: "\n") where line.contains("<") {
            for word in line.split(whereSeparator: { $0 == " " || $0 == "," }) where word.hasPrefix("-") && !word.hasPrefix("<") {
                XCTAssertTrue(GlobalOptions.valuedFlags.contains(String(word)), "\(word) takes a value but normalize does not know it")
            }
        }
        for flag in GlobalOptions.valuedFlags { XCTAssertNoThrow(try GlobalOptions.parse([flag, flag.hasPrefix("--col") ? "never" : "1"]), flag) }
    }

    func testValuesMergeInHelmsOrder() throws {
        let dir = NSTemporaryDirectory() + "hrctl-values-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "a: file\nb: file\nl: [1]\n".write(toFile: dir + "/one.yaml", atomically: true, encoding: .utf8)
        try "b: second\n".write(toFile: dir + "/two.yaml", atomically: true, encoding: .utf8)
        let o = try ValueOptions.parse(["--set-json", "a={\"x\":1}", "--set", "a=set", "--set-literal", "lit=a,b=c", "--set-string", "n=007"])
        let m = try o.userValues(files: [dir + "/one.yaml," + dir + "/two.yaml"])
        // --set after --set-json; files first, the later file winning; --set-literal keeps commas.
        XCTAssertEqual(m.entries["a"]?.stringValue, "set")
        XCTAssertEqual(m.entries["b"]?.stringValue, "second")
        XCTAssertEqual(m.entries["lit"]?.stringValue, "a,b=c")
        XCTAssertEqual(m.entries["n"]?.stringValue, "007")
        let pairs = try ValueOptions.parse(["--set-json", "j={\"k\":[1,2]},z=[3]"]).userValues()
        XCTAssertNotNil(pairs.entries["j"]); XCTAssertNotNil(pairs.entries["z"])
    }

    func testReleaseNamesAreCheckedAndGeneratedAsHelmDoes() throws {
        XCTAssertNoThrow(try InstallNaming.validate("my-rabbit.v2"))
        XCTAssertThrowsError(try InstallNaming.validate("My_Rabbit")) { e in
            XCTAssertTrue("\(e)".hasPrefix("release name \"My_Rabbit\": invalid release name, must match regex"), "\(e)")
        }
        XCTAssertThrowsError(try InstallNaming.validate(String(repeating: "a", count: 54)))
        let (name, chart) = try InstallNaming.nameAndChart(["charts/nginx-22.1.1.tgz"], generateName: true, nameTemplate: nil, command: "install")
        XCTAssertEqual(chart, "charts/nginx-22.1.1.tgz")
        // helm's rule: the file's base name up to its first dot, then the Unix time.
        XCTAssertTrue(name.hasPrefix("nginx-22-") && Int(name.dropFirst(9)) != nil, name)
        XCTAssertEqual(try InstallNaming.nameAndChart(["c"], generateName: false, nameTemplate: "{{ \"web\" | upper | lower }}-x", command: "install").0, "web-x")
        XCTAssertThrowsError(try InstallNaming.nameAndChart(["c"], generateName: false, nameTemplate: nil, command: "install")) { e in
            XCTAssertEqual("\(e)", "must either provide a name or specify --generate-name")
        }
        XCTAssertThrowsError(try InstallNaming.nameAndChart([], generateName: false, nameTemplate: nil, command: "install")) { e in
            XCTAssertTrue("\(e)".contains("install\" requires at least 1 argument\n\nUsage:  "), "\(e)")
        }
    }

    func testWaitAndDryRunValuesAreHelms() throws {
        XCTAssertFalse(try WaitOptions.parse([]).waits())
        XCTAssertTrue(try WaitOptions.parse(["--wait=watcher"]).waits())
        XCTAssertFalse(try WaitOptions.parse(["--wait=hookOnly"]).waits())
        XCTAssertThrowsError(try WaitOptions.parse(["--wait=soon"]))
        XCTAssertThrowsError(try DryRunOption.parse(["--dry-run=maybe"])) { e in
            XCTAssertTrue(DryRunOption.message(for: e).contains("invalid dry-run value (\"maybe\"). Must be \"none\", \"server\", or \"client\""))
        }
    }

    func testUsageErrorsAreWordedAsPflagWordsThem() {
        XCTAssertEqual(Hrctl.usageText("Unknown option '--bogus'"), "unknown flag: --bogus")
        XCTAssertEqual(Hrctl.usageText("Missing value for '-n <namespace>'"), "flag needs an argument: -n <namespace>")
    }

    func testTablesPadEveryColumnAsUitableDoes() {
        XCTAssertEqual(Table.render([["NAME", "URL"], ["local", "http://x"]]), "NAME \tURL     \nlocal\thttp://x\n")
    }

    /// cobra's `__complete`, which helm's own completion scripts call.
    func testDynamicCompletionOffersCommandsAndSubcommands() {
        XCTAssertEqual(Complete.candidates([], "up").0, ["upgrade"])
        XCTAssertEqual(Complete.candidates([], "un").0, ["un", "uninstall"])
        XCTAssertEqual(Complete.candidates(["get"], "ma").0, ["manifest"])
        XCTAssertEqual(Complete.candidates(["get"], "ma").1, 4)
        XCTAssertEqual(Complete.candidates(["--debug", "repo"], "").0, ["add", "index", "list", "remove", "update"])
        XCTAssertEqual(Complete.candidates(["install", "x"], "").1, 0, "a chart may be a path: the shell completes files")
        XCTAssertEqual(Hrctl.normalize(["__complete", "--kube-context", "k", "status", ""]), ["__complete", "--kube-context", "k", "status", ""])
    }
}
