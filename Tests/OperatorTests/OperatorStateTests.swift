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

    /// The object's watch first listed while the install was finishing (a list is quiet: it
    /// raises no flag), and it already showed kubectl's edit: the release is looked at again
    /// once it is recorded as reconciled. Seen on the genuine apiserver: an edit right after
    /// the status said deployed stayed until the next resync.
    func testAnEditListedBeforeTheReconcileWasRecordedIsLookedAtAgain() async throws {
        let state = OperatorState(), queue = WorkQueue()
        await state.begin(queue)
        await state.owned("apps|Deployment", scope: "shop", .page([deployment(manager: "kubectl-edit", time: "2026-12-06T10:00:05Z")], last: true))
        await state.reconciled("shop/shop", release: "shop/shop", objects: [key], fingerprint: nil, snapshot: [:], cleared: [:],
                               deployedAt: Timestamp.parse("2026-12-06T10:00:03Z"))
        let suspects = await state.suspectsOf("shop/shop")
        XCTAssertEqual(Array(suspects.keys), [key])
        let next = await queue.next()
        XCTAssertEqual(next, "shop/shop")
    }

    /// An edit older than the deployed revision was overwritten by it: no second look.
    func testAnEditBeforeTheDeployIsNotLookedAtAgain() async throws {
        let state = OperatorState(), queue = WorkQueue()
        await state.begin(queue)
        await state.owned("apps|Deployment", scope: "shop", .page([deployment(manager: "kubectl-edit", time: "2026-12-06T09:00:00Z")], last: true))
        await state.reconciled("shop/shop", release: "shop/shop", objects: [key], fingerprint: nil, snapshot: [:], cleared: [:],
                               deployedAt: Timestamp.parse("2026-12-06T10:00:03Z"))
        let suspects = await state.suspectsOf("shop/shop")
        XCTAssertEqual(suspects, [:])
    }

    /// The same stamps as when the reconcile began (it saw the edit and applied over it): no second look.
    func testAnEditTheReconcileBeganWithIsNotLookedAtAgain() async throws {
        let state = OperatorState(), queue = WorkQueue()
        await state.begin(queue)
        let stamps = ["kubectl-edit|Update|": "2026-12-06T10:00:05Z"]
        await state.owned("apps|Deployment", scope: "shop", .page([deployment(manager: "kubectl-edit", time: "2026-12-06T10:00:05Z")], last: true))
        await state.reconciled("shop/shop", release: "shop/shop", objects: [key], fingerprint: nil, snapshot: [key: stamps], cleared: [:],
                               deployedAt: Timestamp.parse("2026-12-06T10:00:03Z"))
        let again = await state.suspectsOf("shop/shop")
        XCTAssertEqual(again, [:])
    }
}
