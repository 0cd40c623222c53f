import XCTest
import Kube
import Values
import YAML

/// The CEL subset of Flux's health check expressions, on the examples of Flux's documentation.
final class CELTests: XCTestCase {
    func object(_ yaml: String) throws -> Value { try YAML.load(yaml) ?? .null }

    func testFluxDocumentationExpressions() throws {
        let ready = try object("apiVersion: example.com/v1\nkind: Widget\nmetadata: {generation: 2}\nstatus: {conditions: [{type: Ready, status: 'True', observedGeneration: 2}]}")
        let e = try CELExpression("status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True' && e.observedGeneration == metadata.generation)")
        XCTAssertTrue(try e.isTrue(for: ready))
        let stale = try object("apiVersion: example.com/v1\nkind: Widget\nmetadata: {generation: 3}\nstatus: {conditions: [{type: Ready, status: 'True', observedGeneration: 2}]}")
        XCTAssertFalse(try e.isTrue(for: stale))
        XCTAssertTrue(try CELExpression("has(status.conditions) && size(status.conditions) > 0 && status.conditions.exists(c, c.type in ['Ready', 'Synced'])").isTrue(for: ready))
        XCTAssertTrue(try CELExpression("!has(status.phase) ? true : status.phase == 'Running'").isTrue(for: ready))
        XCTAssertTrue(try CELExpression("status.conditions.map(c, c.type)[0].startsWith('Rea') && 1 + 2 * 3 == 7").isTrue(for: ready))
        XCTAssertThrowsError(try CELExpression("status.phase.matches('^R')").isTrue(for: ready)) { error in
            XCTAssertTrue("\(error)".contains("no such key: phase"), "\(error)")
        }
        XCTAssertThrowsError(try CELExpression("status.conditions[0].type.matches('^R')").isTrue(for: ready)) { error in
            XCTAssertTrue("\(error)".contains("matches() is not supported"), "\(error)")
        }
        XCTAssertThrowsError(try CELExpression("status.conditions.all(e,")) { error in
            XCTAssertTrue("\(error)".contains("CEL expression"), "\(error)")
        }
    }

    func testHealthCheckDecidesInProgressFailedCurrentInThatOrder() throws {
        let check = try HealthCheckExpr(apiVersion: "example.com/v1", kind: "Widget",
                                        current: "status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True')",
                                        failed: "status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'False')")
        XCTAssertEqual(check.judge(try object("kind: Widget\nstatus: {conditions: [{type: Ready, status: 'True'}]}")), .current)
        XCTAssertEqual(check.judge(try object("kind: Widget\nstatus: {conditions: [{type: Ready, status: 'False'}]}")),
                       .failed("health check: status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'False')"))
        // No status yet: in progress, not an error.
        XCTAssertEqual(check.judge(try object("kind: Widget\nspec: {}")), .inProgress("health check: CEL expression \"status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True')\": no such key: status"))
        // The generation must be observed first, as for every kind.
        XCTAssertEqual(check.judge(try object("kind: Widget\nmetadata: {generation: 2}\nstatus: {observedGeneration: 1, conditions: [{type: Ready, status: 'True'}]}")),
                       .inProgress("Widget generation is 2, but latest observed generation is 1"))
    }
}
