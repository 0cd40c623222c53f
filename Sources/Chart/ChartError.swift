/// Why a chart could not be loaded or prepared; worded as Helm words it.
public struct ChartError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }

    static func validation(_ msg: String) -> ChartError { ChartError("validation: " + msg) }
}
