import ArgumentParser
import Chart
import Engine
import GoTemplate
import Values
import YAML
#if canImport(Glibc)
import Glibc
#endif

/// `hrctl render FILE --data DATA`: one Go template rendered with JSON or YAML data.
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "render",
        abstract: "Render one Go text/template file with JSON or YAML data.",
        discussion: """
            The template is named after the file's base name, as Go's ParseFiles names it, so \
            errors read 'template: NAME:LINE:COL: ...'. Numbers in the data are float64, as in Helm.
            """
    )

    @Argument(help: "The template file.")
    var file: String

    @Option(name: .long, help: "Data for the template: a .json, .yaml or .yml file.")
    var data: String?

    @Option(name: .customLong("missingkey"), help: "What a missing map key gives: default, zero or error.")
    var missingKey: String = "default"

    @Option(name: .long, help: "Render FILE as a template of this chart, with its helpers, values and objects.")
    var chart: String?

    @Option(name: .long, help: "Release name (with --chart).")
    var release: String = "release-name"

    @OptionGroup var values: ValueOptions
    @OptionGroup var releaseOptions: ReleaseOptions
    @OptionGroup var renderLimits: RenderLimitOptions

    func run() throws {
        try renderLimits.apply()
        guard let mode = MissingKey(rawValue: missingKey == "invalid" ? "default" : missingKey) else {
            throw CLIError.invalidOption("--missingkey", missingKey, expected: "default, zero or error")
        }
        let text = try Files.readText(file)
        if let chart {
            let (c, vals) = try Renderer.prepare(chartPath: chart, user: try values.userValues())
            let name = "templates/" + Files.baseName(file)
            let out = try Renderer.renderOne(c, values: vals, name: name, text: text, options: releaseOptions.renderOptions(release: release))
            Output.write(Array(out.utf8))
            return
        }
        var value: Value? = nil
        if let data {
            value = try DataFile.load(data)
        }
        let set = TemplateSet()
        set.missingKey = mode
        let name = Files.baseName(file)
        let input = value
        // Deeply nested templates need the stack Go's parser and executor allow.
        let (out, failure): ([UInt8], (any Error)?) = try LargeStack.run {
            try set.parse(name: name, text: text)
            var out: [UInt8] = []
            do { try set.execute(name, data: input, output: &out) } catch { return (out, error) }
            return (out, nil)
        }
        Output.write(out)
        if let failure { throw failure }
    }
}
