import ArgumentParser
import FileIO
import Chart
import ChartSource

/// `hrctl package DIR…`: charts packed as Helm packs them, `NAME-VERSION.tgz`.
struct PackageChart: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "package", abstract: "Package chart folders into versioned chart archives.")

    @Argument(help: "Chart folders.") var paths: [String]
    @Option(name: [.short, .customLong("destination")], help: "Where to write the archives.") var destination = "."
    @Option(name: .long, help: "Set the chart's version.") var version: String?
    @Option(name: .customLong("app-version"), help: "Set the chart's appVersion.") var appVersion: String?

    func run() throws {
        try FileSystem.makeDirectories(destination)
        for path in paths {
            let p = try ChartPackager.package(directory: path, version: version, appVersion: appVersion)
            let out = (destination.hasSuffix("/") ? destination : destination + "/") + p.fileName
            try FileSystem.writeAtomically(out, p.bytes)
            Output.write(Array("Successfully packaged chart and saved it to: \(out)\n".utf8))
        }
    }
}

/// `hrctl repo index DIR`: the index.yaml that makes a folder of archives a chart repository.
struct Repo: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Work with chart repositories.", subcommands: [Index.self])

    struct Index: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write index.yaml for a folder of packaged charts.")
        @Argument(help: "The folder of .tgz archives.") var directory: String
        @Option(name: .long, help: "The repository's URL, for absolute chart URLs.") var url: String?

        func run() throws {
            let text = try IndexWriter.index(directory: directory, url: url)
            try FileSystem.writeAtomically(directory + "/index.yaml", Array(text.utf8))
        }
    }
}
