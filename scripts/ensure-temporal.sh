#!/usr/bin/env bash
# Print the path of a Temporal CLI of at least the pinned version, building it into
# .tools/bin with `go install` when none is on PATH. Go and the Go module proxy are the
# only requirements; no other download host is used.
set -euo pipefail
cd "$(dirname "$0")/.."
PINNED=1.5.1
# Tried in order: v1.5.1 is the newest tag whose go.mod allows `go install`.
CANDIDATES=(v1.5.1 v1.5.0 v1.4.1)
LOCAL=.tools/bin/temporal
STAMP=.tools/temporal.tag   # `go install` builds report "0.0.0-DEV", so the tag is recorded here

version_of() { "$1" --version 2>/dev/null | sed -n 's/^temporal version \([0-9][0-9.]*\).*/\1/p' | head -n1; }
at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

if [ -x "$LOCAL" ] && [ -f "$STAMP" ]; then echo "$PWD/$LOCAL"; exit 0; fi
if onpath=$(command -v temporal 2>/dev/null); then
  v=$(version_of "$onpath")
  if [ -n "$v" ] && at_least "$v" "$PINNED"; then echo "$onpath"; exit 0; fi
  echo "temporal on PATH is version '${v:-unknown}', older than $PINNED: building the pinned one" >&2
fi
command -v go >/dev/null || { echo "Go is needed to build the Temporal CLI (go install); install Go >= 1.23" >&2; exit 1; }
mkdir -p .tools/bin
for tag in "${CANDIDATES[@]}"; do
  echo "building Temporal CLI $tag into .tools/bin (first time only, takes a few minutes)..." >&2
  if GOBIN="$PWD/.tools/bin" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$tag" >&2; then
    echo "$tag" > "$STAMP"; echo "$PWD/$LOCAL"; exit 0
  fi
  echo "go install of $tag failed; trying the next tag" >&2
done
echo "could not build any of: ${CANDIDATES[*]}" >&2
exit 1
