import XCTest
import Kube
import Values
import YAML

final class ReadinessTests: XCTestCase {
    func r(_ yaml: String) throws -> Readiness { Readiness.of(try YAML.load(yaml) ?? .null) }

    func testDeployments() throws {
        XCTAssertEqual(try r("kind: Deployment\nmetadata: {generation: 2}\nspec: {replicas: 2}\nstatus: {observedGeneration: 1}"),
                       .inProgress("Deployment generation 2 is not observed yet (1)"))
        XCTAssertEqual(try r("kind: Deployment\nspec: {replicas: 2}\nstatus: {replicas: 2, updatedReplicas: 2, availableReplicas: 1, readyReplicas: 1}"),
                       .inProgress("Available: 1/2"))
        XCTAssertEqual(try r("kind: Deployment\nspec: {replicas: 2}\nstatus: {replicas: 2, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 2}"), .current)
        XCTAssertEqual(try r("kind: Deployment\nspec: {}\nstatus: {conditions: [{type: Progressing, status: 'False', reason: ProgressDeadlineExceeded}]}"),
                       .failed("Progress deadline exceeded"))
    }

    func testWorkloadsJobsAndOthers() throws {
        XCTAssertEqual(try r("kind: StatefulSet\nspec: {replicas: 1}\nstatus: {replicas: 1, readyReplicas: 1, currentRevision: a, updateRevision: b}"),
                       .inProgress("Rolling out revision b"))
        XCTAssertEqual(try r("kind: DaemonSet\nstatus: {desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2, numberReady: 3}"),
                       .inProgress("available: 2/3"))
        XCTAssertEqual(try r("kind: Job\nstatus: {conditions: [{type: Complete, status: 'True'}]}"), .current)
        XCTAssertEqual(try r("kind: Job\nstatus: {conditions: [{type: Failed, status: 'True', message: BackoffLimitExceeded}]}"), .failed("Job failed: BackoffLimitExceeded"))
        XCTAssertEqual(try r("kind: Pod\nstatus: {phase: Running, conditions: [{type: Ready, status: 'True'}]}"), .current)
        XCTAssertEqual(try r("kind: PersistentVolumeClaim\nstatus: {phase: Pending}"), .inProgress("PVC is Pending"))
        XCTAssertEqual(try r("kind: Service\nspec: {type: LoadBalancer}\nstatus: {loadBalancer: {}}"), .inProgress("LoadBalancer has no ingress yet"))
        XCTAssertEqual(try r("kind: CustomResourceDefinition\nstatus: {conditions: [{type: Established, status: 'True'}]}"), .current)
        XCTAssertEqual(try r("kind: HelmRelease\nstatus: {conditions: [{type: Ready, status: 'False', message: installing}]}"), .inProgress("Ready: installing"))
        XCTAssertEqual(try r("kind: ConfigMap\ndata: {}"), .current)
    }
}
