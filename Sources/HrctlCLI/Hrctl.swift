import ArgumentParser

/// The hrctl command line: each subcommand parses its arguments, calls the modules that do
/// the work and prints what they return.
public struct Hrctl: ParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "hrctl",
        abstract: "Helm releases managed declaratively, with output identical to Helm's.",
        version: version,
        subcommands: [Template.self, Render.self]
    )

    public init() {}
}

extension Hrctl {
    /// Help, version and argument errors are answered by swift-argument-parser itself.
    public static func isUsageOrHelp(_ error: Error) -> Bool {
        !(error is CLIErrorMarker) && message(for: error) != "\(error)"
    }
}

/// Errors whose text is already the full user-facing message.
protocol CLIErrorMarker {}
extension CLIError: CLIErrorMarker {}

extension Hrctl {
    /// Prints an error the way Helm does: `Error: MESSAGE`.
    public static func printError(_ error: Error) {
        Output.error("Error: \(error)\n")
    }
}
