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

# What works end to end today: render a Go template with YAML data.
demo: release
	@echo "--- hrctl render Fixtures/demo/configmap.tpl --data Fixtures/demo/values.yaml"
	@$(BIN) render Fixtures/demo/configmap.tpl --data Fixtures/demo/values.yaml
	@echo "--- the same template, missingkey=error, with data that lacks a key"
	@$(BIN) render Fixtures/demo/configmap.tpl --data Fixtures/demo/incomplete.yaml --missingkey error || true

clean:
	rm -rf .build
