import XCTest
import Values
import Kube
@testable import Operator

/// What the operator's state decides from watch updates alone, without a server.
final class OperatorStateTests: XCTestCase {
    let key = OperatorState.objectKey(group: "apps", kind: "Deployment", namespace: "shop", name: "shop-web")

    /// A Deployment as a metadata-only watch lists it, last written by `manager` at `time`.
    func deployment(manager: String, time: String) -> Value {
        .map(Map(["metadata": .map(Map([
            "name": .string("shop-web"), "namespace": .string("shop"),
            "annotations": .map(Map(["meta.helm.sh/release-name": .string("shop"), "meta.helm.sh/release-namespace": .string("shop")])),
            "managedFields": .list([.map(Map(["manager": .string(manager), "operation": .string("Update"), "time": .string(time)]))]),
        ]))]))
    }

    /// A state whose Deployment watch listed the object last written by kubectl at `editedAt`,
    /// then a reconcile of release shop deployed at 10:00:03 that began with `snapshot`:
    /// what it flags, and its queue.
    func afterReconcile(editedAt: String, snapshot: [String: [String: String]] = [:]) async -> ([String: Int], WorkQueue) {
        let state = OperatorState(), queue = WorkQueue()
        await state.begin(queue)
        await state.owned("apps|Deployment", scope: "shop", .page([deployment(manager: "kubectl-edit", time: editedAt)], last: true))
        await state.reconciled("shop/shop", release: "shop/shop", objects: [key], fingerprint: nil, snapshot: snapshot, cleared: [:],
                               deployedAt: Timestamp.parse("2026-12-06T10:00:03Z"))
        return (await state.suspectsOf("shop/shop"), queue)
    }

    /// The object's watch first listed while the install was finishing (a list is quiet: it
    /// raises no flag), and it already showed kubectl's edit: the release is looked at again
    /// once it is recorded as reconciled. Seen on the genuine apiserver: an edit right after
    /// the status said deployed stayed until the next resync.
    func testAnEditListedBeforeTheReconcileWasRecordedIsLookedAtAgain() async throws {
        let (suspects, queue) = await afterReconcile(editedAt: "2026-12-06T10:00:05Z")
        XCTAssertEqual(Array(suspects.keys), [key])
        let next = await queue.next()
        XCTAssertEqual(next, "shop/shop")
    }

    /// An edit older than the deployed revision was overwritten by it: no second look.
    func testAnEditBeforeTheDeployIsNotLookedAtAgain() async throws {
        let (suspects, _) = await afterReconcile(editedAt: "2026-12-06T09:00:00Z")
        XCTAssertEqual(suspects, [:])
    }

    /// The same stamps as when the reconcile began (it saw the edit and applied over it): no second look.
    func testAnEditTheReconcileBeganWithIsNotLookedAtAgain() async throws {
        let (suspects, _) = await afterReconcile(editedAt: "2026-12-06T10:00:05Z", snapshot: [key: ["kubectl-edit|Update|": "2026-12-06T10:00:05Z"]])
        XCTAssertEqual(suspects, [:])
    }
}
