import XCTest
import Kube
import Values
import YAML

/// kstatus' rules and messages (what helm v4's --wait prints), and where hrctl goes beyond them.
final class ReadinessTests: XCTestCase {
    func r(_ yaml: String, _ mode: Readiness.Mode = .resources(jobs: true)) throws -> Readiness {
        Readiness.of(try YAML.load(yaml) ?? .null, mode: mode)
    }

    func testDeploymentsInKstatusOrderAndWords() throws {
        XCTAssertEqual(try r("apiVersion: apps/v1\nkind: Deployment\nmetadata: {generation: 2}\nspec: {replicas: 2}\nstatus: {observedGeneration: 1}"),
                       .inProgress("Deployment generation is 2, but latest observed generation is 1"))
        XCTAssertEqual(try r("apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: 3}\nstatus: {replicas: 3, updatedReplicas: 3}"),
                       .inProgress("Available: 0/3"))
        XCTAssertEqual(try r("apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: 2}\nstatus: {replicas: 3, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 2}"),
                       .inProgress("Pending termination: 1"))
        XCTAssertEqual(try r("apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: 2}\nstatus: {replicas: 2, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 2}"),
                       .inProgress("Deployment not Available"))
        XCTAssertEqual(try r("apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: 2}\nstatus: {replicas: 2, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 2, conditions: [{type: Available, status: 'True'}]}"), .current)
        // With a progress deadline, the controller must also have said the new ReplicaSet is available.
        XCTAssertEqual(try r("apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: 1, progressDeadlineSeconds: 600}\nstatus: {replicas: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1}"),
                       .inProgress("ReplicaSet not Available"))
        XCTAssertEqual(try r("apiVersion: apps/v1\nkind: Deployment\nspec: {}\nstatus: {conditions: [{type: Progressing, status: 'False', reason: ProgressDeadlineExceeded}]}"),
                       .failed("Progress deadline exceeded"))
    }

    func testStatefulSetsDaemonSetsAndPartitions() throws {
        XCTAssertEqual(try r("apiVersion: apps/v1\nkind: StatefulSet\nspec: {replicas: 1}\nstatus: {replicas: 1, readyReplicas: 1, currentReplicas: 1, currentRevision: a, updateRevision: b}"),
                       .inProgress("Waiting for updated revision to match current"))
        // A partition of 1 of 2: one updated replica is the whole roll out.
        XCTAssertEqual(try r("apiVersion: apps/v1\nkind: StatefulSet\nspec: {replicas: 2, updateStrategy: {rollingUpdate: {partition: 1}}}\nstatus: {replicas: 2, readyReplicas: 2, updatedReplicas: 1, currentRevision: a, updateRevision: b}"),
                       .current)
        XCTAssertEqual(try r("apiVersion: apps/v1\nkind: StatefulSet\nspec: {replicas: 2, updateStrategy: {rollingUpdate: {partition: 1}}}\nstatus: {replicas: 2, readyReplicas: 2, updatedReplicas: 0}"),
                       .inProgress("updated: 0/1"))
        XCTAssertEqual(try r("apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {generation: 1}\nstatus: {observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2, numberReady: 3}"),
                       .inProgress("Available: 2/3"))
        XCTAssertEqual(try r("apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {generation: 1}\nstatus: {}"), .inProgress("DaemonSet status.observedGeneration not found"))
    }

    func testJobsCountOnceStartedUnlessWaitingForJobs() throws {
        let running = "apiVersion: batch/v1\nkind: Job\nstatus: {startTime: '2026-12-07T10:00:00Z', active: 1}"
        XCTAssertEqual(try r(running, .resources(jobs: false)), .current)
        XCTAssertEqual(try r(running, .resources(jobs: true)), .inProgress("Job running: 0/1 succeeded, 1 active"))
        XCTAssertEqual(try r(running, .hook), .inProgress("Job running: 0/1 succeeded, 1 active"))
        XCTAssertEqual(try r("apiVersion: batch/v1\nkind: Job\nstatus: {}", .resources(jobs: false)), .inProgress("Job not started"))
        XCTAssertEqual(try r("apiVersion: batch/v1\nkind: Job\nstatus: {conditions: [{type: Complete, status: 'True'}]}"), .current)
        XCTAssertEqual(try r("apiVersion: batch/v1\nkind: Job\nstatus: {failed: 1, conditions: [{type: Failed, status: 'True', reason: BackoffLimitExceeded}]}"),
                       .failed("Job Failed. failed: 1/1 (BackoffLimitExceeded)"))
    }

    func testPodsAsResourcesAndAsHooks() throws {
        XCTAssertEqual(try r("apiVersion: v1\nkind: Pod\nstatus: {phase: Running, conditions: [{type: Ready, status: 'True'}]}"), .current)
        // kstatus calls a finished Pod current either way; a hook or test Pod that failed fails.
        XCTAssertEqual(try r("apiVersion: v1\nkind: Pod\nstatus: {phase: Failed}"), .current)
        XCTAssertEqual(try r("apiVersion: v1\nkind: Pod\nmetadata: {name: t-bad}\nstatus: {phase: Failed}", .hook), .failed("pod t-bad failed"))
        XCTAssertEqual(try r("apiVersion: v1\nkind: Pod\nstatus: {phase: Pending, conditions: [{type: PodScheduled, status: 'False', reason: Unschedulable, message: '0/3 nodes are available'}]}"),
                       .inProgress("Pod has not been scheduled: 0/3 nodes are available"))
        XCTAssertEqual(try r("apiVersion: v1\nkind: Pod\nstatus: {phase: Running, containerStatuses: [{name: app, state: {waiting: {reason: CrashLoopBackOff}}}]}"),
                       .failed("Containers in CrashLoop state: app"))
        // Hooks wait only for Jobs and Pods.
        XCTAssertEqual(try r("apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: 1}\nstatus: {}", .hook), .current)
    }

    func testOtherKindsAsKstatusJudgesThem() throws {
        XCTAssertEqual(try r("apiVersion: v1\nkind: PersistentVolumeClaim\nstatus: {phase: Pending}"), .inProgress("PVC is not Bound. phase: Pending"))
        // A LoadBalancer counts once it has a cluster IP, as kstatus (and helm) have it.
        XCTAssertEqual(try r("apiVersion: v1\nkind: Service\nspec: {type: LoadBalancer, clusterIP: 10.0.0.9}\nstatus: {loadBalancer: {}}"), .current)
        XCTAssertEqual(try r("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nstatus: {conditions: [{type: Established, status: 'True'}]}"), .current)
        XCTAssertEqual(try r("apiVersion: v1\nkind: ConfigMap\ndata: {}"), .current)
        XCTAssertEqual(try r("apiVersion: networking.k8s.io/v1\nkind: Ingress\nspec: {}\nstatus: {}"), .current)
        XCTAssertEqual(try r("apiVersion: example.test/v1\nkind: Widget\nstatus: {conditions: [{type: Stalled, status: 'True', message: broken}]}"), .failed("broken"))
        XCTAssertEqual(try r("apiVersion: example.test/v1\nkind: Widget\nstatus: {conditions: [{type: Reconciling, status: 'True', message: working}]}"), .inProgress("working"))
    }

    /// Beyond kstatus: a custom resource's Ready condition is waited for (helm returns at once).
    func testCustomResourcesWaitForTheirReadyCondition() throws {
        XCTAssertEqual(try r("apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nstatus: {conditions: [{type: Ready, status: 'False', message: installing}]}"),
                       .inProgress("Ready: installing"))
        XCTAssertEqual(try r("apiVersion: example.test/v1\nkind: Widget\nstatus: {conditions: [{type: Ready, status: 'Unknown'}]}"),
                       .inProgress("Ready condition is Unknown"))
        XCTAssertEqual(try r("apiVersion: example.test/v1\nkind: Widget\nstatus: {conditions: [{type: Ready, status: 'True'}]}"), .current)
        // A custom kind named like a built-in one is judged as a custom resource.
        XCTAssertEqual(try r("apiVersion: serving.knative.dev/v1\nkind: Service\nstatus: {conditions: [{type: Ready, status: 'False', message: revision missing}]}"),
                       .inProgress("Ready: revision missing"))
    }

    /// helm#32615: Argo Rollouts writes observedGeneration as a string, which left helm 4 on an
    /// `Unknown` status until its timeout; a numeric string is read as the number.
    func testObservedGenerationAsAStringIsCompared() throws {
        XCTAssertEqual(try r("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {generation: 3}\nstatus: {observedGeneration: '3'}"), .current)
        XCTAssertEqual(try r("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {generation: 3}\nstatus: {observedGeneration: '2'}"),
                       .inProgress("Rollout generation is 3, but latest observed generation is 2"))
    }

    /// Items of a list carry no apiVersion and kind: the wait names them, else a Deployment
    /// listed before it rolled out would pass as an unknown kind without conditions.
    func testAListItemIsJudgedByTheKindItWasListedAs() throws {
        let item = try YAML.load("metadata: {name: web}\nspec: {replicas: 3}\nstatus: {replicas: 3, updatedReplicas: 3}") ?? .null
        XCTAssertEqual(Readiness.of(item, apiVersion: "apps/v1", kind: "Deployment"), .inProgress("Available: 0/3"))
    }
}
