import Values
import Release

/// `hrctl test NAME` and HelmRelease `test.enable`: the chart's test hooks (`helm.sh/hook: test`)
/// run against the deployed revision, their outcome recorded in its hooks' last runs, as
/// `helm test` does.
public struct TestAction: Sendable {
    public let context: ActionContext
    public init(context: ActionContext) { self.context = context }

    /// Tests the deployed revision of a release.
    public func run(name: String, namespace: String, opts: DeployOptions) async throws -> Release {
        let history = try await context.storage.history(name, namespace: namespace)
        guard let deployed = history.last(where: { $0.info.status == .deployed }) else {
            throw ActionError.releaseNotFound(name, namespace: namespace)
        }
        return try await run(deployed, opts)
    }

    /// Runs the test hooks of `release`; a failure fails unless `ignoreTestFailures`.
    public func run(_ release: Release, _ opts: DeployOptions) async throws -> Release {
        var hooks = Hook.from(records: release.hooks)
        var r = release
        var failure: Error? = nil
        if hooks.contains(where: { $0.events.contains("test") }) {
            do { try await context.runHooks(&hooks, event: "test", namespace: release.namespace, timeout: opts.timeout) } catch { failure = error }
            r.hooks = hooks.map(\.record)
            try await context.storage.update(r)
        }
        if let failure, !opts.ignoreTestFailures { throw ActionError.failed("test failed for release \(release.name): \(failure)") }
        return r
    }
}
