import ArgumentParser
import Values
import Release
import Actions

/// `hrctl status NAME`: the release as `helm status` shows it, plus each object's readiness.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a release's status and the readiness of its objects.")

    @Argument(help: "Release name.", completion: ClusterCompletion.releases) var name: String
    @OptionGroup var cluster: ClusterOptions
    @Option(name: .long, help: "Show this revision instead of the latest.") var revision: Int?
    @Option(name: [.short, .long], help: "Output format: table, json or yaml.") var output = "table"

    func run() async throws {
        let format = try OutputFormat.parse(output)
        let (r, objects) = try await cluster.withContext { ctx, access in
            try await StatusAction(context: ctx).run(name: name, namespace: access.namespace, revision: revision)
        }
        if format != .table {
            guard case .map(let m) = r.json() else { return }
            // What `helm status -o json` prints, with the objects' readiness beside it.
            m.entries["chart"] = nil
            m.entries["resources"] = .list(objects.map { o in
                .map(["object": .string(o.label), "namespace": o.namespace.map { .string($0) } ?? .null, "state": .string(o.state), "message": .string(o.message)])
            })
            Output.write(Array(try format.encode(.map(m)).utf8))
            return
        }
        var text = ReleaseText.summary(r)
        if !objects.isEmpty {
            text += "RESOURCES:\n"
            var rows = [["OBJECT", "NAMESPACE", "STATE", "MESSAGE"]]
            for o in objects { rows.append([o.label, o.namespace ?? "", o.state, o.message]) }
            text += Table.render(rows)
        }
        Output.write(Array(text.utf8))
    }
}
