import Foundation
import XCTest
@testable import Release
import Values

/// Records read from the API server's answer as bytes (how list and history read them) are
/// the records read from the decoded answer, and what is not a record is told apart.
final class RecordObjectTests: XCTestCase {
    func testHelmsSecretsReadFromTheirBytesMatchTheDecodedAnswer() throws {
        for v in 1...3 {
            let name = "sh.helm.release.v1.rabbit.v\(v).json"
            let text = try String(contentsOf: ReleaseRecordTests.shared.appendingPathComponent(name), encoding: .utf8)
            let value = try JSON.decode(text)
            for header in [false, true] {
                let fromValue = try KubeRecordDriver.release(from: value, kind: .secret, headerOnly: header)
                let fromBytes = try XCTUnwrap(try KubeRecordDriver.release(fromBody: Array(text.utf8), kind: .secret, headerOnly: header))
                XCTAssertEqual(try JSONEncoding.encode(fromBytes.json()), try JSONEncoding.encode(fromValue.json()), name)
                XCTAssertEqual(fromBytes.labels, fromValue.labels)
                XCTAssertEqual(fromBytes.isPartial, header)
            }
        }
    }

    func testOtherSecretsAreSkippedAndEscapedOrBrokenDataIsStillRead() throws {
        let record = Base64.encode(Array(#"{"name":"x","version":1,"namespace":"n","info":{"status":"deployed"},"chart":{"metadata":{"name":"c","version":"1"}}}"#.utf8))
        let outer = Base64.encode(Array(record.utf8))
        func body(_ type: String, _ data: String) -> [UInt8] {
            Array(#"{"kind":"Secret","metadata":{"name":"sh.helm.release.v1.x.v1","labels":{"owner":"helm"}},"type":"\#(type)","data":{"release":"\#(data)"}}"#.utf8)
        }
        XCTAssertNil(try KubeRecordDriver.release(fromBody: body("Opaque", outer), kind: .secret, headerOnly: true))
        XCTAssertEqual(try KubeRecordDriver.release(fromBody: body("helm.sh/release.v1", outer), kind: .secret, headerOnly: true)?.chartLabel, "c-1")
        // A JSON escape in the data (no server writes one into base64) goes the general way.
        let first = outer.utf8.first!
        let escaped = "\\u00" + String(first, radix: 16) + String(outer.dropFirst())
        XCTAssertEqual(try KubeRecordDriver.release(fromBody: body("helm.sh/release.v1", escaped), kind: .secret, headerOnly: true)?.name, "x")
        XCTAssertThrowsError(try KubeRecordDriver.release(fromBody: body("helm.sh/release.v1", "not base64!"), kind: .secret, headerOnly: true))
        XCTAssertThrowsError(try KubeRecordDriver.release(fromBody: Array("{\"data\":".utf8), kind: .secret, headerOnly: true))
    }
}
