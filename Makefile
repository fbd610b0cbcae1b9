# The two commands of the README: `make demo` and `make test`. Each installs what it needs; the work
# itself is in the npm scripts (package.json), which the Makefile only calls.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help install system-tools build demo demo-event test test-unit lint worker bench clean

help:
	@echo "make demo   run the sample exposure list on a local dev server and the sandbox DES site"
	@echo "make test   lint, then run the whole test suite (real dev server, real child processes)"
	@echo "make demo-event   two nights of one GW event as an event campaign, fed by the sandbox telescope"

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

.tools/temporal.tag:
	scripts/ensure-temporal.sh >/dev/null

install: node_modules/.package-lock.json .tools/temporal.tag

# Debian packages the tests use (docker-compose, voms-clients, openssl, shellcheck), with apt-get when root.
system-tools:
	scripts/ensure-system-tools.sh

build: install
	npm run build

# KEEP=1 leaves the dev server (and its Web UI) and the worker running after the run.
demo: build
	npm run demo

# An event campaign over two nights of the sandbox telescope (KEEP=1 as for demo).
demo-event: build
	npm run demo:event

lint: install system-tools
	npm run lint

test: build system-tools
	npm run lint
	npm test

test-unit: build
	npm run test:unit

worker: build
	npm run worker

bench: build
	npm run bench

clean:
	rm -rf dist .demo .site
