#!/usr/bin/env bash
# The production-shaped Temporal of test/production/: the Temporal Server binary, its SQL schema
# tool and the PostgreSQL schema files, all of the pinned server release, built once with
# `go install` (Go and the Go module proxy are the only requirements; no other download host).
# Prints three lines: the server binary, the sql tool, the schema directory. Fast when built.
#   .tools/bin/temporal-server      go.temporal.io/server/cmd/server
#   .tools/bin/temporal-sql-tool    go.temporal.io/server/cmd/tools/sql
#   .tools/temporal-server/schema/postgresql/v12/{temporal,visibility}/versioned
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=v1.29.1
MODULE=go.temporal.io/server
SERVER=.tools/bin/temporal-server
SQLTOOL=.tools/bin/temporal-sql-tool
SCHEMA=.tools/temporal-server/schema
STAMP=.tools/temporal-server.tag   # what was built; `go install` binaries do not say their tag

report() { printf '%s\n' "$PWD/$SERVER" "$PWD/$SQLTOOL" "$PWD/$SCHEMA"; }

if [ -x "$SERVER" ] && [ -x "$SQLTOOL" ] && [ -d "$SCHEMA/postgresql/v12/visibility/versioned" ] &&
  [ "$(head -n1 "$STAMP" 2>/dev/null)" = "$VERSION" ]; then
  report
  exit 0
fi

if ! command -v go >/dev/null; then
  if [ -x /usr/local/go/bin/go ]; then PATH="$PATH:/usr/local/go/bin"; else
    echo "Go is needed to build the Temporal server (go install); install Go >= 1.25" >&2
    exit 1
  fi
fi

echo "building Temporal server $VERSION and its sql tool into .tools/bin (first time only, several minutes)..." >&2
start=$(date +%s)
mkdir -p .tools/bin
gobin=$(mktemp -d "$PWD/.tools/gobin.XXXXXX")
trap 'rm -rf "$gobin"' EXIT
# Both packages in one `go install`: one module download, one build cache. They land as
# `server` and `sql` (the last element of the package path), renamed below.
GOBIN="$gobin" GOFLAGS=-mod=mod go install "$MODULE/cmd/server@$VERSION" "$MODULE/cmd/tools/sql@$VERSION" >&2
mv -f "$gobin/server" "$SERVER"
mv -f "$gobin/sql" "$SQLTOOL"

# The schema files ship in the module itself; `go mod download -json` names its directory in the
# module cache (downloading it if the build above did not). Copied so nothing later needs the cache.
dir=$(go mod download -json "$MODULE@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
if [ -z "$dir" ] || [ ! -d "$dir/schema/postgresql/v12" ]; then
  echo "no schema/postgresql/v12 in the module directory '$dir'" >&2
  exit 1
fi
rm -rf "$SCHEMA"
mkdir -p "$SCHEMA/postgresql/v12"
cp -R "$dir/schema/postgresql/v12/temporal" "$dir/schema/postgresql/v12/visibility" "$SCHEMA/postgresql/v12/"
chmod -R u+w "$SCHEMA"   # the module cache is read-only

printf '%s\n%s\n' "$VERSION" "built in $(($(date +%s) - start)) s with $(go version)" >"$STAMP"
echo "built Temporal server $VERSION in $(($(date +%s) - start)) s" >&2
report
