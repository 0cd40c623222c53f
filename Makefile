# hrctl — build, test, benchmark, demo.
SWIFT ?= swift
RELEASE_FLAGS = -c release --static-swift-stdlib
BIN = .build/release/hrctl

.PHONY: all build release test test-cluster bench demo clean conformance fuzz image image-push

all: build

build:
	$(SWIFT) build

# The shipped binary: static Swift runtime, starts in a few milliseconds; stripped (nothing
# reads its symbols at run time: error messages carry no backtraces).
release:
	$(SWIFT) build $(RELEASE_FLAGS) --product hrctl
	strip $(BIN)  # symbols are only for debuggers: 165 MB -> ~83 MB

# hrctl's container image, without Docker: an OCI image layout of the release binary (with the
# shared objects it loads, CA certificates, user 65532) in IMAGE_DIR; the same binary and commit
# give the same bytes (times come from the commit). `make image-push IMAGE_REPO=host/path/hrctl`
# sends it to a registry (PLAIN_HTTP=1 for one without TLS).
IMAGE_DIR ?= .build/image
IMAGE_REPO ?= ghcr.io/hrctl/hrctl
image: release
	rm -rf $(IMAGE_DIR)
	SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct) $(BIN) image build --binary $(BIN) --output $(IMAGE_DIR) --revision $$(git rev-parse HEAD)

image-push: image
	$(BIN) image push $(IMAGE_DIR) oci://$(IMAGE_REPO) $(if $(PLAIN_HTTP),--plain-http)

HRCTL_TOOLS ?= $(HOME)/.cache/hrctl-tools
export HRCTL_TOOLS

test:
	$(SWIFT) build --build-tests
	@[ -x "$(HRCTL_TOOLS)/helm" ] && [ -x "$(HRCTL_TOOLS)/kubectl" ] || echo "genuine-cluster tests (Tests/ClusterTests) skipped: no helm/kubectl in $(HRCTL_TOOLS) (bash .ci/run installs them)"
	$(SWIFT) test --skip-build

# Only the tier against the genuine kube-apiserver and the official helm CLI.
test-cluster:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter ClusterTests

# The operator-at-scale row brings a genuine cluster up (skipped with one line without
# ../shared/kube/cluster): HRCTL_BENCH_OPERATOR_N HelmReleases (default 100; the issue's 1000),
# HRCTL_BENCH_OPERATOR_REPLICAS (1; 3 with --scale-out); HRCTL_BENCH_ONLY=operator runs only it.
bench: release
	$(SWIFT) build $(RELEASE_FLAGS) --product hrctl-bench  # same flags as hrctl: its modules are built once
	.build/release/hrctl-bench 1000

# Differential testing on generated templates: Go's own text/template and real Helm answer
# them (../shared/tools/fuzz). SEED=N for a fixed seed, CASES=N for the count.
SEED ?= $(shell echo $$RANDOM)
CASES ?= 1000
fuzz: build
	../shared/tools/fuzz/run gotemplate .build/debug/hrctl $(SEED) $(CASES) | tail -n 3
	../shared/tools/fuzz/run helm .build/debug/hrctl $(SEED) $(CASES) | tail -n 3

# The main job end to end: a loopback API server and chart repository on 127.0.0.1, then
# apply, list, status, upgrade, history, rollback and delete of a HelmRelease.
demo: release
	$(SWIFT) build $(RELEASE_FLAGS) --product kube-test-server
	bash Fixtures/demo/run-demo.sh

clean:
	rm -rf .build
