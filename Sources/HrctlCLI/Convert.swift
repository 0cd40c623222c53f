import ArgumentParser
import FileIO
import Values
import YAML
import Operator

/// `hrctl convert`: Helm Operator HelmReleases (helm.fluxcd.io/v1) as Flux v2 objects, for
/// `kubectl apply -f -` once Flux v2 runs; the same Helm releases continue.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "convert",
                                                    abstract: "Convert helm.fluxcd.io/v1 HelmReleases to helm.toolkit.fluxcd.io/v2 with the HelmRepository or GitRepository sources they need.")

    @Option(name: [.short, .customLong("filename")], help: "HelmRelease file, folder of files, or - for stdin (repeatable).") var filenames: [String] = []
    @Option(name: .long, help: "spec.interval of the HelmReleases and sources (Go duration).") var interval = "5m"

    func run() throws {
        if filenames.isEmpty { throw ValidationError("give -f FILE (a helm.fluxcd.io/v1 HelmRelease document, a folder of them, or -)") }
        guard GoDuration.seconds(interval) != nil else { throw CLIError.invalidOption("--interval", interval, expected: "a duration such as 5m") }
        var docs: [String] = []
        var seen = Set<String>()
        for p in filenames {
            for f in try ReleaseDocuments.files(p) {
                let name = f == "-" ? "<stdin>" : f
                let text = f == "-" ? ReleaseDocuments.readStdin() : try Files.readText(f)
                let loaded: [Value?]
                do { loaded = try YAML.loadAll(text) } catch { throw CLIError.badData(name, "\(error)") }
                for (i, doc) in loaded.enumerated() {
                    guard let doc, !doc.isNull else { continue }
                    let converted: FluxV2Converter.Converted
                    do { converted = try FluxV2Converter.convert(doc, file: loaded.count > 1 ? "\(name) (document \(i + 1))" : name, interval: interval) }
                    catch { throw CLIError.badData(name, "\(error)".replacingPrefix(name + ": ")) }
                    for w in converted.warnings { Output.error("warning: \(w)\n") }
                    for o in converted.objects {
                        let text = try YAMLWriter.marshal(o)
                        // One source serves every HelmRelease of its namespace that names it.
                        if seen.insert(text).inserted { docs.append(text) }
                    }
                }
            }
        }
        Output.write(Array(docs.map { "---\n" + $0 }.joined().utf8))
    }
}

private extension String {
    func replacingPrefix(_ p: String) -> String { hasPrefix(p) ? String(dropFirst(p.count)) : self }
}
