/// What an install or an upgrade does with the CustomResourceDefinitions of a chart's crds/
/// folder: Flux helm-controller's `spec.install.crds` / `spec.upgrade.crds`. None of them ever
/// deletes a CRD (deleting one deletes every object of its kind).
public enum CRDPolicy: String, Sendable, Equatable, CaseIterable {
    /// Neither created nor changed.
    case skip = "Skip"
    /// Created when absent; one that exists is left as it is (helm's documented rule).
    case create = "Create"
    /// Created when absent, upgraded when it exists, once it is safe for the objects stored
    /// in it.
    case createReplace = "CreateReplace"

    /// The command line's spelling (`--crds create|create-replace|skip`).
    public var flagValue: String {
        switch self {
        case .skip: return "skip"
        case .create: return "create"
        case .createReplace: return "create-replace"
        }
    }

    public init?(flagValue: String) {
        guard let p = CRDPolicy.allCases.first(where: { $0.flagValue == flagValue }) else { return nil }
        self = p
    }

    /// The apiserver's words for a value outside the HelmRelease CRD's enum.
    static func unsupported(_ value: String) -> String {
        "Unsupported value: \"\(value)\": supported values: " + allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
    }
}
