import ArgumentParser
import FileIO
import ChartSource

/// `hrctl cache prune`: keep the chart cache under a size.
struct Cache: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cache", abstract: "Manage the chart cache.", subcommands: [Prune.self])

    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove least recently used cache entries until the cache fits.")
        @Option(name: .customLong("max-size"), help: "Size to keep, in MiB (default 1024).") var maxSize = 1024

        func run() throws {
            let cache = ChartCache(root: ChartCache.defaultRoot(environment: Subprocess.environment))
            let r = cache.prune(limit: maxSize << 20)
            Output.write(Array("\(cache.root): removed \(r.removed) entries (\(r.freedBytes >> 10) KiB), \(r.keptBytes >> 10) KiB kept\n".utf8))
        }
    }
}
