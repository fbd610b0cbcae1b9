# The two commands of the README: `make demo` and `make test`. Each installs what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help install system-tools build demo test test-unit worker bench clean

help:
	@echo "make demo   run the sample exposure list on a local dev server and the sandbox DES site"
	@echo "make test   run the whole test suite (real dev server, real child processes)"

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

.tools/temporal.tag:
	scripts/ensure-temporal.sh >/dev/null

install: node_modules/.package-lock.json .tools/temporal.tag

system-tools:
	scripts/ensure-system-tools.sh

build: install
	rm -rf dist && npx tsc -p tsconfig.json && node dist/scripts/build-workflow-bundle.js

# KEEP=1 leaves the dev server (and its Web UI) and the worker running after the run.
demo: build
	node dist/scripts/demo.js

test: build system-tools
	node --test --test-concurrency=1 $$(find dist/test -name '*.test.js' | sort)

test-unit: build
	node --test $$(find dist/test/unit -name '*.test.js' | sort)

worker: build
	node --max-old-space-size=192 --max-semi-space-size=4 dist/workers/main.js

bench: build
	node dist/bench/run.js

clean:
	rm -rf dist .demo .site
