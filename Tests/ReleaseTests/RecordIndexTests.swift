import XCTest
import Values
@testable import Release

final class RecordIndexTests: XCTestCase {
    func record(_ name: String, _ version: Int, _ status: String, rv: Int) -> Map {
        Map([
            "namespace": .string("apps"), "resourceVersion": .string(String(rv)),
            "labels": .map(Map(["owner": .string("helm"), "name": .string(name), "version": .string(String(version)), "status": .string(status)])),
        ])
    }

    func testARelistKeepsWhatThisProcessWroteAfterTheSnapshot() async {
        let index = RecordIndex()
        await index.listed([record("shop", 1, "deployed", rv: 5)], last: true)
        // Written by this process while a relist was being served: the relist does not hold it.
        await index.note(secret: record("shop", 2, "deployed", rv: 12))
        await index.note(secret: record("shop", 1, "superseded", rv: 13))
        await index.listed([record("shop", 1, "deployed", rv: 5), record("cart", 1, "deployed", rv: 9)], last: true)
        let shop = await index.versions("shop", namespace: "apps")
        XCTAssertEqual(shop, [1, 2])
        let latest = await index.latest("shop", namespace: "apps")
        XCTAssertEqual(latest, "2:deployed")
        let cart = await index.versions("cart", namespace: "apps")
        XCTAssertEqual(cart, [1])
    }

    func testARelistDropsWhatItNoLongerHoldsWhenNothingNewerWasSeen() async {
        let index = RecordIndex()
        await index.listed([record("shop", 1, "superseded", rv: 5), record("shop", 2, "deployed", rv: 7)], last: true)
        // Revision 1 was deleted (history trimmed by another writer) before this relist.
        await index.listed([record("shop", 2, "deployed", rv: 7), record("cart", 1, "deployed", rv: 20)], last: true)
        let shop = await index.versions("shop", namespace: "apps")
        XCTAssertEqual(shop, [2])
    }

    func testAnOlderEventDoesNotUndoANewerWrite() async {
        let index = RecordIndex()
        await index.listed([], last: true)
        await index.note(secret: record("shop", 1, "deployed", rv: 8))
        await index.note(secret: record("shop", 1, "pending-install", rv: 6))
        let latest = await index.latest("shop", namespace: "apps")
        XCTAssertEqual(latest, "1:deployed")
    }
}
