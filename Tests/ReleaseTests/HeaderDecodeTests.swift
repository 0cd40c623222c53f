import Foundation
import XCTest
import Release
import Values

/// A listing reads a record's header only: what `list` prints is the same as from the whole
/// record, the chart's contents and the manifest are not built, and such a record cannot be
/// written back.
final class HeaderDecodeTests: XCTestCase {
    func testHeaderOfHelmsRecordsMatchesTheWholeRecord() throws {
        for v in 1...3 {
            let secret = try ReleaseRecordTests.json("sh.helm.release.v1.rabbit.v\(v).json")
            guard case .map(let m) = secret, case .map(let data)? = m.entries["data"], let outer = data.entries["release"]?.stringValue,
                  case .success(let inner) = Base64.decode(outer) else { return XCTFail() }
            let text = String(decoding: inner, as: UTF8.self)
            let whole = try ReleaseCodec.decode(text), head = try ReleaseCodec.decodeHeader(text)
            XCTAssertEqual(head.name, whole.name)
            XCTAssertEqual(head.namespace, whole.namespace)
            XCTAssertEqual(head.version, whole.version)
            XCTAssertEqual(head.info.status, whole.info.status)
            XCTAssertEqual(head.info.lastDeployed, whole.info.lastDeployed)
            XCTAssertEqual(head.info.description, whole.info.description)
            XCTAssertEqual(head.chartLabel, whole.chartLabel)
            XCTAssertEqual(head.appVersion, whole.appVersion)
            XCTAssertEqual(head.manifest, "")
            XCTAssertNil(head.chart.entries["templates"])
            XCTAssertFalse(whole.manifest.isEmpty)
            XCTAssertTrue(head.isPartial)
            XCTAssertFalse(whole.isPartial)
            XCTAssertThrowsError(try ReleaseStorage(driver: MemoryDriver()).checkSize(head))
        }
    }

    func testEscapesAndNestingInSkippedMembersDoNotConfuseTheScan() throws {
        let json = #"{"name":"x","manifest":"a \"}\" [ { \\","chart":{"templates":[{"data":"}]"}],"metadata":{"name":"c","version":"1"}},"#
            + #""info":{"status":"deployed","description":"q \" }"},"version":2,"namespace":"n","config":{"a":[1,{"b":"]"}]}}"#
        let text = Base64.encode(Array(json.utf8))
        let r = try ReleaseCodec.decodeHeader(text)
        XCTAssertEqual(r.name, "x"); XCTAssertEqual(r.version, 2); XCTAssertEqual(r.namespace, "n")
        XCTAssertEqual(r.info.description, "q \" }")
        XCTAssertEqual(r.chartLabel, "c-1")
        XCTAssertThrowsError(try ReleaseCodec.decodeHeader(Base64.encode(Array(#"{"name":"x","chart":{"#.utf8))))
    }
}
