import XCTest
import Actions
import Release
import Values

/// Helm tests: the chart's `helm.sh/hook: test` hooks after a release (HelmRelease test.enable)
/// or on demand (hrctl test), their outcome recorded as Helm records it.
final class ReleaseTestsTests: XCTestCase {
    func phase(_ r: Release) -> String? {
        for h in r.hooks {
            if case .map(let m) = h, m.entries["name"]?.stringValue == "shop-test-web", case .map(let last)? = m.entries["last_run"] {
                return last.entries["phase"]?.stringValue
            }
        }
        return nil
    }

    func testTestsRunAfterTheReleaseAndAFailureFailsItUnlessIgnored() async throws {
        let c = try TestCluster()
        var opts = DeployOptions()
        opts.runTests = true
        let ok = try await ApplyAction(context: c.context).run(try c.spec(["hooks": .bool(false)]), opts).release
        XCTAssertEqual(phase(ok), "Succeeded")
        let stored = try await c.context.storage.history("shop", namespace: "default")
        XCTAssertEqual(stored.last.flatMap(phase), "Succeeded", "the test's last run is recorded")

        // A failing test fails the upgrade (the revision is marked failed)…
        do {
            _ = try await ApplyAction(context: c.context).run(try c.spec(["hooks": .bool(false), "failTest": .bool(true)]), opts)
            XCTFail("a failed test passed")
        } catch {
            XCTAssertTrue("\(error)".contains("test failed for release shop"), "\(error)")
        }
        var history = try await c.context.storage.history("shop", namespace: "default")
        XCTAssertEqual(history.last?.info.status, .failed)
        // …unless failures are ignored.
        opts.ignoreTestFailures = true
        let ignored = try await ApplyAction(context: c.context).run(try c.spec(["hooks": .bool(false), "failTest": .bool(true), "replicas": .float(2)]), opts).release
        XCTAssertEqual(ignored.info.status, .deployed)
        XCTAssertEqual(phase(ignored), "Failed")
        // hrctl test on demand runs the deployed revision's tests.
        opts.ignoreTestFailures = false
        do {
            _ = try await TestAction(context: c.context).run(name: "shop", namespace: "default", opts: opts)
            XCTFail("the failing test passed on demand")
        } catch {}
        history = try await c.context.storage.history("shop", namespace: "default")
        XCTAssertEqual(history.last?.info.status, .deployed, "a test run does not change the release's status")
        await c.close()
    }
}
