# hrctl — build, test, benchmark, demo.
SWIFT ?= swift
RELEASE_FLAGS = -c release --static-swift-stdlib
BIN = .build/release/hrctl

.PHONY: all build release test bench demo clean conformance

all: build

build:
	$(SWIFT) build

# The shipped binary: static Swift runtime, starts in a few milliseconds.
release:
	$(SWIFT) build $(RELEASE_FLAGS) --product hrctl

test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: release
	$(SWIFT) build -c release --product hrctl-bench
	.build/release/hrctl-bench 1000

# What works end to end today (no cluster yet): render a HelmRelease's chart as helm template
# would, render a packaged chart, and render one Go template with data.
demo: release
	@echo "=== hrctl template -f Fixtures/demo/release.yaml"
	@$(BIN) template -f Fixtures/demo/release.yaml
	@echo "=== hrctl template demo ../shared/repo/rabbitmq-6.18.2.tgz --set replicas=2 --show-only templates/statefulset.yaml | head -25"
	@if [ -f ../shared/repo/rabbitmq-6.18.2.tgz ]; then $(BIN) template demo ../shared/repo/rabbitmq-6.18.2.tgz --set replicas=2 --show-only templates/statefulset.yaml | head -25; fi
	@echo "=== hrctl render Fixtures/demo/configmap.tpl --data Fixtures/demo/values.yaml"
	@$(BIN) render Fixtures/demo/configmap.tpl --data Fixtures/demo/values.yaml
	@echo "=== the same template with missingkey=error and data that lacks a key (an error is expected)"
	@$(BIN) render Fixtures/demo/configmap.tpl --data Fixtures/demo/incomplete.yaml --missingkey error || true

clean:
	rm -rf .build
